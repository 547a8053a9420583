//! The PCEP wire codec: bytes to typed messages and back, without I/O.
//!
//! * [`Message::decode`] reads one framed message; [`Message::encode`]
//!   appends one to a buffer.
//! * [`Framer`] finds message boundaries in a TCP byte stream, however the
//!   stream is segmented, and refuses an oversized message from its header
//!   before buffering its body.
//! * [`DecodeError::pcerr`] gives the PCErr each failure is answered with.

mod codec;
mod config;
mod error;
mod framer;
pub mod iana;
mod message;
pub mod object;
mod text;
pub mod tlv;

pub use self::config::{
    StateSyncCodepoints, UnknownObjectPolicy, WireConfig, MAX_PCEP_MESSAGE_LEN,
};
pub use self::error::{DecodeError, EncodeError, Problem};
pub use self::framer::{frame_len, Framer};
pub use self::iana::{
    AssociationType, CloseReason, ErrorType, MessageType, MetricType, NotificationType,
    ObjectClass, OfCode, PathSetupType, PcErrCode, TlvType,
};
pub use self::message::{
    ActualPath, Attributes, ErrorUnit, InitiateRequest, Message, NotifyUnit, PathEntry, PcErr,
    PcInitiate, PcNtf, PcRep, PcReq, PcRpt, PcUpd, Request, Response, StateReport, SvecEntry,
    UnknownAt, UpdateRequest, COMMON_HEADER_LEN, PCEP_VERSION,
};
pub use self::text::hex;
