//! Message framing on a byte stream (RFC 5440 §6.1: Message-Length).

use bytes::{Bytes, BytesMut};

use super::config::WireConfig;
use super::error::DecodeError;
use super::message::{header, COMMON_HEADER_LEN};

/// The length of the message at the head of `buf`: `Ok(None)` while fewer
/// than 4 bytes are there, an error as soon as the header announces a length
/// below 4 or above `cfg.max_message_len`.
pub fn frame_len(buf: &[u8], cfg: &WireConfig) -> Result<Option<usize>, DecodeError> {
    if buf.len() < COMMON_HEADER_LEN {
        return Ok(None);
    }
    header(buf, cfg).map(|(_, _, len)| Some(len))
}

/// Splits a byte stream into whole messages.
///
/// Feed it what the socket gives ([`Framer::extend`], or read straight into
/// [`Framer::buffer_mut`]) and take messages with [`Framer::next_frame`].
/// The buffer never holds more than one partial message plus what the last
/// read brought; an oversized message is refused from its 4-byte header.
/// After a framing error the stream cannot be trusted: the framer stays
/// failed and the session must close (RFC 5440 §7.17, reason 3).
#[derive(Debug)]
pub struct Framer {
    buf: BytesMut,
    cfg: WireConfig,
    failed: Option<DecodeError>,
}

impl Framer {
    /// A framer with an empty buffer.
    pub fn new(cfg: WireConfig) -> Self {
        Self {
            buf: BytesMut::with_capacity(8 * 1024),
            cfg,
            failed: None,
        }
    }

    /// Append received bytes.
    pub fn extend(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The receive buffer, for reading from a socket straight into it.
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Bytes buffered and not yet returned as a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The next whole message, if one has arrived.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, DecodeError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match frame_len(&self.buf, &self.cfg) {
            Ok(Some(len)) if self.buf.len() >= len => Ok(Some(self.buf.split_to(len).freeze())),
            Ok(Some(len)) => {
                self.buf.reserve(len - self.buf.len());
                Ok(None)
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.failed = Some(e);
                Err(e)
            }
        }
    }
}
