//! A TCP relay that degrades what passes through it, for process tests
//! (the kernel here has no netem): one-way delay with jitter per segment
//! read, every segment split into writes of at most `chunk` bytes (1: byte
//! by byte), a stall (nothing forwarded either way, the sockets kept open:
//! the peers' DeadTimers run out), and resets (every open connection
//! aborted with RST). Faults change while it runs. The upstream connection
//! is made from the client's own address, so the server sees the same
//! peer address as without the relay (PCEP and state-sync identify peers
//! by it).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The faults in force; change them at any time.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    /// Largest write, bytes (0: as read).
    pub(crate) chunk: AtomicUsize,
    /// Delay added to each segment read, milliseconds.
    pub(crate) delay_ms: AtomicU64,
    /// Up to this much more, milliseconds, drawn per segment.
    pub(crate) jitter_ms: AtomicU64,
    /// Forward nothing (the connections stay open).
    pub(crate) stalled: AtomicBool,
    /// Bumped to abort every connection open now.
    generation: AtomicU64,
    /// Connections accepted, and aborted by a reset.
    pub(crate) accepted: AtomicU64,
    pub(crate) resets: AtomicU64,
}

impl Faults {
    /// Abort every connection open now with RST (new ones are relayed).
    pub(crate) fn reset_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// A relay listening on `listen`, forwarding to `upstream`.
pub(crate) struct ChaosProxy {
    pub(crate) addr: SocketAddr,
    pub(crate) faults: Arc<Faults>,
}

impl ChaosProxy {
    pub(crate) fn start(listen: SocketAddr, upstream: SocketAddr, seed: u64) -> Self {
        let listener = TcpListener::bind(listen).unwrap();
        let addr = listener.local_addr().unwrap();
        let faults = Arc::new(Faults::default());
        let f = Arc::clone(&faults);
        std::thread::spawn(move || {
            let mut seed = seed;
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                f.accepted.fetch_add(1, Ordering::Relaxed);
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                let f = Arc::clone(&f);
                std::thread::spawn(move || relay(client, upstream, &f, seed));
            }
        });
        Self { addr, faults }
    }
}

/// Connect to `upstream` from `client`'s address, then pump both ways.
fn relay(client: TcpStream, upstream: SocketAddr, faults: &Arc<Faults>, seed: u64) {
    let Ok(from) = client.peer_addr() else { return };
    let Ok(socket) = socket2::Socket::new(
        socket2::Domain::for_address(upstream),
        socket2::Type::STREAM,
        None,
    ) else {
        return;
    };
    let bound = socket
        .bind(&SocketAddr::new(from.ip(), 0).into())
        .and_then(|()| socket.connect(&upstream.into()));
    if bound.is_err() {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let server: TcpStream = socket.into();
    let generation = faults.generation.load(Ordering::SeqCst);
    let pair = |a: &TcpStream, b: &TcpStream| (a.try_clone().unwrap(), b.try_clone().unwrap());
    let (c1, s1) = pair(&client, &server);
    let f = Arc::clone(faults);
    let up = std::thread::spawn(move || pump(c1, s1, &f, generation, seed));
    pump(server, client, faults, generation, seed ^ 0x5eed);
    let _ = up.join();
}

/// Forward `from` to `to` with the faults in force, until either side
/// closes or a reset aborts both.
fn pump(mut from: TcpStream, mut to: TcpStream, faults: &Faults, generation: u64, mut rng: u64) {
    let _ = to.set_nodelay(true);
    // Short reads so that a reset is noticed while the peer is quiet.
    let _ = from.set_read_timeout(Some(Duration::from_millis(20)));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if faults.generation.load(Ordering::SeqCst) != generation {
            faults.resets.fetch_add(1, Ordering::Relaxed);
            for s in [&from, &to] {
                let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
                let _ = s.shutdown(Shutdown::Both);
            }
            return;
        }
        if faults.stalled.load(Ordering::SeqCst) {
            // A stall holds what arrives unread: TCP keeps it.
            std::thread::park_timeout(Duration::from_millis(20));
            continue;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        };
        let delay = faults.delay_ms.load(Ordering::Relaxed);
        let jitter = faults.jitter_ms.load(Ordering::Relaxed);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let wait = delay + if jitter > 0 { rng % (jitter + 1) } else { 0 };
        if wait > 0 {
            std::thread::park_timeout(Duration::from_millis(wait));
        }
        let chunk = match faults.chunk.load(Ordering::Relaxed) {
            0 => n,
            c => c,
        };
        for piece in buf[..n].chunks(chunk) {
            if to.write_all(piece).is_err() {
                let _ = from.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
