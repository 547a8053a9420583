//! PCEPS (RFC 8253) for the tokio shells: TLS configurations made from PEM
//! files, and a TLS connection over a tokio `TcpStream`.
//!
//! rustls is itself sans-IO (bytes in, bytes out); [`TlsStream`] drives it
//! from the socket's readiness, so that a session task can wait for
//! "readable" in its `select!` and then read without blocking, exactly as
//! it does on a plain socket ([`Stream`] is either). It also implements
//! `AsyncRead` and `AsyncWrite` for tools that split a connection.
//!
//! The PCEP side of RFC 8253 (StartTLS, StartTLSWait, its errors) is in
//! `pcep::session`; this crate runs the handshake that follows the StartTLS
//! exchange ([`handshake`]) and checks a peer's certificate names it
//! ([`names`]).

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::BufMut;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, Connection, RootCertStore, ServerConfig};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

pub use rustls;

/// The first bytes of a TLS handshake record (content type 22, version
/// 3.x): a peer that starts TLS at once instead of exchanging StartTLS.
pub fn looks_like_tls(first: &[u8]) -> bool {
    matches!(first, [0x16, 0x03, 0..=4, ..])
}

/// A file of the TLS configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file holds no usable PEM item of the kind needed.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// rustls refused the combination (a key that does not match the
    /// certificate, an unusable CA).
    #[error("{0}")]
    Tls(String),
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })
}

fn pem_error(path: &Path, what: impl Into<String>) -> ConfigError {
    ConfigError::Pem {
        path: path.to_owned(),
        what: what.into(),
    }
}

/// The certificates of a PEM file (a chain: the end entity first).
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no CERTIFICATE in the file"));
    }
    Ok(certs)
}

/// The private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, ConfigError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem)
        .map_err(|e| pem_error(path, format!("no usable PRIVATE KEY: {e}")))
}

/// Trust anchors from a PEM file of CA certificates.
pub fn load_roots(path: &Path) -> Result<RootCertStore, ConfigError> {
    let mut roots = RootCertStore::empty();
    for cert in load_certificates(path)? {
        roots
            .add(cert)
            .map_err(|e| pem_error(path, format!("not a usable CA certificate: {e}")))?;
    }
    Ok(roots)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS 1.3 and 1.2 (RFC 8253 §3.4 requires at least 1.2).
const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// This PCE's TLS: its certificate and key, and the CA its peers' (and
/// PCCs') certificates must chain to.
#[derive(Clone, Debug)]
pub struct Tls {
    /// Towards connections we accept. With a CA it asks for a client
    /// certificate and verifies any that is presented (whether one is
    /// required is the session's decision: [`TlsStream::peer_certificate`]).
    pub server: Arc<ServerConfig>,
    /// Towards connections we open (state-sync peers, or a PCC's PCE):
    /// with a CA only (a client must verify its server); presents our
    /// certificate when the server asks.
    pub client: Option<Arc<ClientConfig>>,
}

impl Tls {
    /// From PEM files: `certificate` (chain), `key`, and `ca` (optional).
    pub fn load(certificate: &Path, key: &Path, ca: Option<&Path>) -> Result<Self, ConfigError> {
        let certs = load_certificates(certificate)?;
        let key = load_key(key)?;
        let roots = ca.map(load_roots).transpose()?.map(Arc::new);
        Self::new(certs, key, roots)
    }

    /// From certificates and a key in memory.
    pub fn new(
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        roots: Option<Arc<RootCertStore>>,
    ) -> Result<Self, ConfigError> {
        let tls = |e: rustls::Error| ConfigError::Tls(e.to_string());
        let builder = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(VERSIONS)
            .map_err(tls)?;
        let builder = match &roots {
            Some(roots) => builder.with_client_cert_verifier(
                WebPkiClientVerifier::builder_with_provider(Arc::clone(roots), provider())
                    .allow_unauthenticated()
                    .build()
                    .map_err(|e| ConfigError::Tls(e.to_string()))?,
            ),
            None => builder.with_no_client_auth(),
        };
        let mut server = builder
            .with_single_cert(certs.clone(), key.clone_key())
            .map_err(tls)?;
        // PCEP sessions live for days and a restarted PCE has lost its
        // ticket keys: tickets would only cost every handshake.
        server.send_tls13_tickets = 0;
        let client = match roots {
            Some(roots) => Some(Arc::new(
                ClientConfig::builder_with_provider(provider())
                    .with_protocol_versions(VERSIONS)
                    .map_err(tls)?
                    .with_root_certificates(roots)
                    .with_client_auth_cert(certs, key)
                    .map_err(tls)?,
            )),
            None => None,
        };
        Ok(Self {
            server: Arc::new(server),
            client,
        })
    }
}

/// A client configuration for a PCC: trust `roots`, present `identity`
/// (certificate chain and key) when the PCE asks for one.
pub fn client_config(
    roots: RootCertStore,
    identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> Result<Arc<ClientConfig>, ConfigError> {
    let tls = |e: rustls::Error| ConfigError::Tls(e.to_string());
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(tls)?
        .with_root_certificates(roots);
    let config = match identity {
        Some((certs, key)) => builder.with_client_auth_cert(certs, key).map_err(tls)?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The name a certificate must carry: a DNS name, or else an IP address.
pub fn server_name(name: Option<&str>, address: IpAddr) -> Result<ServerName<'static>, String> {
    match name {
        Some(n) => ServerName::try_from(n.to_owned()).map_err(|e| format!("{n:?}: {e}")),
        None => Ok(ServerName::IpAddress(address.into())),
    }
}

/// Whether the end-entity certificate `cert` (already verified against
/// the trust anchors by the handshake) is issued to `name` (its subject
/// alternative names).
pub fn names(cert: &CertificateDer<'_>, name: &ServerName<'_>) -> bool {
    webpki::EndEntityCert::try_from(cert)
        .is_ok_and(|ee| ee.verify_is_valid_for_subject_name(name).is_ok())
}

/// Why a TLS handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The peer's TLS was refused (its certificate, its protocol), or it
    /// refused ours (an alert).
    #[error("{0}")]
    Tls(#[from] rustls::Error),
    /// The connection failed.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// The peer closed the connection during the handshake.
    #[error("the peer closed the connection during the TLS handshake")]
    Closed,
    /// The handshake took longer than allowed.
    #[error("the TLS handshake did not complete within {0:?}")]
    Timeout(Duration),
}

impl HandshakeError {
    /// A short label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Tls(rustls::Error::InvalidCertificate(_)) => "certificate",
            Self::Tls(rustls::Error::NoCertificatesPresented) => "no_certificate",
            Self::Tls(rustls::Error::AlertReceived(_)) => "alert",
            Self::Tls(_) => "protocol",
            Self::Io(_) | Self::Closed => "closed",
            Self::Timeout(_) => "timeout",
        }
    }
}

/// Which side of the handshake: the TCP initiator is the client (RFC 8253
/// §3.3).
pub enum Side {
    /// We accepted the connection.
    Server(Arc<ServerConfig>),
    /// We opened it, to a peer that must prove `name`.
    Client(Arc<ClientConfig>, ServerName<'static>),
}

/// Run the TLS handshake on `tcp`, after the StartTLS exchange; `early`:
/// bytes already read from it (the start of the peer's handshake).
pub async fn handshake(
    tcp: TcpStream,
    side: Side,
    early: &[u8],
    within: Duration,
) -> Result<TlsStream, HandshakeError> {
    let conn: Connection = match side {
        Side::Server(config) => rustls::ServerConnection::new(config)?.into(),
        Side::Client(config, name) => ClientConnection::new(config, name)?.into(),
    };
    let mut stream = TlsStream {
        tcp,
        conn,
        plaintext: 0,
        eof: false,
    };
    let mut early = early;
    while !early.is_empty() {
        stream.conn.read_tls(&mut early)?;
        stream.process()?;
    }
    match tokio::time::timeout(within, stream.complete()).await {
        Ok(Ok(())) => Ok(stream),
        Ok(Err(e)) => {
            // Tell the peer why (the alert rustls queued), if it listens.
            let _ = stream.flush_now();
            Err(e)
        }
        Err(_) => Err(HandshakeError::Timeout(within)),
    }
}

/// A TLS connection over a tokio `TcpStream`.
pub struct TlsStream {
    tcp: TcpStream,
    conn: Connection,
    /// Decrypted bytes waiting in rustls.
    plaintext: usize,
    /// The peer closed (TCP end or close_notify).
    eof: bool,
}

thread_local! {
    /// Where decrypted bytes are read before they go to the caller's
    /// buffer: one per thread, zeroed once (one per connection was 32 MB
    /// of fresh pages for 2,000 PCCs).
    static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 16 * 1024]);
}

impl std::fmt::Debug for TlsStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsStream")
            .field("tcp", &self.tcp)
            .field("plaintext", &self.plaintext)
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

/// `Read` and `Write` on a tokio socket without waiting (WouldBlock when
/// it is not ready), for rustls.
struct TryIo<'a>(&'a TcpStream);

impl Read for TryIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl Write for TryIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TlsStream {
    /// The certificate the peer presented (its end entity), if any.
    pub fn peer_certificate(&self) -> Option<&CertificateDer<'static>> {
        self.conn.peer_certificates().and_then(<[_]>::first)
    }

    /// The TLS version agreed.
    pub fn protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        self.conn.protocol_version()
    }

    /// The cipher suite agreed.
    pub fn cipher_suite(&self) -> Option<rustls::CipherSuite> {
        self.conn.negotiated_cipher_suite().map(|s| s.suite())
    }

    fn process(&mut self) -> Result<(), rustls::Error> {
        let state = self.conn.process_new_packets()?;
        self.plaintext = state.plaintext_bytes_to_read();
        if state.peer_has_closed() {
            self.eof = true;
        }
        Ok(())
    }

    async fn complete(&mut self) -> Result<(), HandshakeError> {
        while self.conn.is_handshaking() {
            self.flush().await?;
            if !self.conn.is_handshaking() {
                break;
            }
            self.tcp.readable().await?;
            match self.conn.read_tls(&mut TryIo(&self.tcp)) {
                Ok(0) => return Err(HandshakeError::Closed),
                Ok(_) => self.process()?,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e.into()),
            }
        }
        // Our last flight (a server's tickets, a client's Finished).
        self.flush().await?;
        Ok(())
    }

    /// Write what rustls has for the socket, as far as it takes it now.
    fn flush_now(&mut self) -> io::Result<()> {
        while self.conn.wants_write() {
            self.conn.write_tls(&mut TryIo(&self.tcp))?;
        }
        Ok(())
    }

    fn poll_flush_tls(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut TryIo(&self.tcp)) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    ready!(self.tcp.poll_write_ready(cx))?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Write everything rustls holds for the peer.
    pub async fn flush(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_flush_tls(cx)).await
    }

    /// Read TLS records from the socket once without waiting; false when
    /// it had nothing.
    fn read_socket(&mut self) -> io::Result<bool> {
        match self.conn.read_tls(&mut TryIo(&self.tcp)) {
            Ok(0) => {
                self.eof = true;
                Ok(true)
            }
            Ok(_) => {
                let processed = self.process();
                // A post-handshake message may want an answer (KeyUpdate);
                // an error, its alert. The rest goes with the next write.
                let _ = self.flush_now();
                processed.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ready when decrypted bytes wait or the peer has closed.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.plaintext > 0 || self.eof {
                return Poll::Ready(Ok(()));
            }
            ready!(self.tcp.poll_read_ready(cx))?;
            self.read_socket()?;
        }
    }

    /// Wait until [`Self::try_read_buf`] has something (decrypted bytes,
    /// or the end of the connection).
    pub async fn readable(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Decrypted bytes into `buf` without waiting: how many (0: the peer
    /// closed), or WouldBlock.
    pub fn try_read_buf<B: BufMut>(&mut self, buf: &mut B) -> io::Result<usize> {
        if self.plaintext == 0 && !self.eof {
            self.read_socket()?;
        }
        if self.plaintext == 0 {
            return if self.eof {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = SCRATCH.with_borrow_mut(|scratch| {
            let n = scratch.len().min(buf.remaining_mut()).min(self.plaintext);
            let n = self.conn.reader().read(&mut scratch[..n])?;
            buf.put_slice(&scratch[..n]);
            Ok::<_, io::Error>(n)
        })?;
        self.plaintext -= n;
        Ok(n)
    }

    /// End the TLS session (close_notify), then the connection.
    pub async fn shutdown(&mut self) -> io::Result<()> {
        self.conn.send_close_notify();
        self.flush().await?;
        tokio::io::AsyncWriteExt::shutdown(&mut self.tcp).await
    }
}

impl AsyncRead for TlsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_fill(cx))?;
        if this.plaintext > 0 {
            let n = this.conn.reader().read(buf.initialize_unfilled())?;
            buf.advance(n);
            this.plaintext -= n;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for TlsStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            let n = this.conn.writer().write(buf)?;
            if n > 0 || buf.is_empty() {
                // Send what can go now; the rest goes with the next write
                // or flush.
                if let Poll::Ready(Err(e)) = this.poll_flush_tls(cx) {
                    return Poll::Ready(Err(e));
                }
                return Poll::Ready(Ok(n));
            }
            // rustls' buffer is full: the socket must take some first.
            ready!(this.poll_flush_tls(cx))?;
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_flush_tls(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.conn.send_close_notify();
        ready!(this.poll_flush_tls(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

/// A PCEP connection: plain TCP, or TLS after StartTLS.
#[derive(Debug)]
pub enum Stream {
    /// TCP.
    Plain(TcpStream),
    /// PCEPS.
    Tls(Box<TlsStream>),
}

impl Stream {
    /// Wait until a read may return something.
    pub async fn readable(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.readable().await,
            Self::Tls(s) => s.readable().await,
        }
    }

    /// Read into `buf` without waiting: how many bytes (0: closed), or
    /// WouldBlock.
    pub fn try_read_buf<B: BufMut>(&mut self, buf: &mut B) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.try_read_buf(buf),
            Self::Tls(s) => s.try_read_buf(buf),
        }
    }

    /// Write all of `data` (and, with TLS, flush it to the socket).
    pub async fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        use tokio::io::AsyncWriteExt;
        match self {
            Self::Plain(s) => s.write_all(data).await,
            Self::Tls(s) => {
                s.write_all(data).await?;
                s.flush().await
            }
        }
    }

    /// Whether it is PCEPS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
