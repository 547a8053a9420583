//! TCP-MD5 signatures (RFC 2385) on Linux sockets, whether this kernel
//! has TCP-AO (RFC 5925), and transparent huge pages off for the process.
//!
//! No maintained crate exposes `TCP_MD5SIG` (socket2, nix and rustix were
//! checked): this crate is the workspace's only `unsafe` code, a
//! `prctl` call and a single `setsockopt` call on a plain-data struct laid out as the kernel's
//! `struct tcp_md5sig` (include/uapi/linux/tcp.h), whose address part
//! socket2 fills. Everything else is safe Rust.
//!
//! A key set on a listening socket applies to the connections it accepts
//! from that peer (or prefix); set on a socket before `connect`, to that
//! connection. A segment without the right signature is dropped by the
//! kernel: the application never sees the connection (the kernel counts
//! them: `TCPMD5NotFound`, `TCPMD5Unexpected`, `TCPMD5Failure` in
//! `/proc/net/netstat`, see [`md5_drop_counters`]).

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The longest key the kernel takes (`TCP_MD5SIG_MAXKEYLEN`).
pub const MAX_KEY_LEN: usize = 80;

/// `TCP_MD5SIG_FLAG_PREFIX`: `tcpm_prefixlen` is set.
const FLAG_PREFIX: u8 = 1;

/// `TCP_AO_ADD_KEY` (Linux 6.7 and later).
const TCP_AO_ADD_KEY: libc::c_int = 38;

/// `struct __kernel_sockaddr_storage`: 128 bytes, pointer-aligned.
#[repr(C, align(8))]
struct Storage([u8; 128]);

impl Storage {
    /// `peer` as a `sockaddr_in` or `sockaddr_in6` (port 0, host byte
    /// order for the family, network order for the rest).
    fn of(peer: IpAddr) -> Self {
        let mut b = [0u8; 128];
        match peer {
            IpAddr::V4(a) => {
                b[..2].copy_from_slice(&u16::try_from(libc::AF_INET).unwrap_or(2).to_ne_bytes());
                b[4..8].copy_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                b[..2].copy_from_slice(&u16::try_from(libc::AF_INET6).unwrap_or(10).to_ne_bytes());
                b[8..24].copy_from_slice(&a.octets());
            }
        }
        Self(b)
    }
}

/// The kernel's `struct tcp_md5sig`.
#[repr(C)]
struct Md5Sig {
    addr: Storage,
    flags: u8,
    prefix_len: u8,
    key_len: u16,
    ifindex: libc::c_int,
    key: [u8; MAX_KEY_LEN],
}

/// Set (or, with an empty `key`, remove) the TCP-MD5 key for `peer`, or
/// for every address in `peer`/`prefix_len`, on `socket` (a listening
/// socket, or one about to connect).
pub fn set_md5_key(
    socket: BorrowedFd<'_>,
    peer: IpAddr,
    prefix_len: Option<u8>,
    key: &[u8],
) -> io::Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a TCP-MD5 key has at most {MAX_KEY_LEN} bytes"),
        ));
    }
    let full = if peer.is_ipv4() { 32 } else { 128 };
    if prefix_len.is_some_and(|p| p > full) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a prefix of {peer} has at most {full} bits"),
        ));
    }
    let mut sig = Md5Sig {
        addr: Storage::of(peer),
        flags: 0,
        prefix_len: 0,
        key_len: u16::try_from(key.len()).unwrap_or(0),
        ifindex: 0,
        key: [0; MAX_KEY_LEN],
    };
    sig.key[..key.len()].copy_from_slice(key);
    if let Some(p) = prefix_len {
        sig.flags = FLAG_PREFIX;
        sig.prefix_len = p;
    }
    setsockopt_tcp(socket, libc::TCP_MD5SIG_EXT, &sig)
}

/// `setsockopt(socket, IPPROTO_TCP, option, value)`.
#[allow(unsafe_code)]
fn setsockopt_tcp<T>(socket: BorrowedFd<'_>, option: libc::c_int, value: &T) -> io::Result<()> {
    let len = libc::socklen_t::try_from(std::mem::size_of::<T>())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "option too large"))?;
    // SAFETY: `socket` is a valid open descriptor for the call (a
    // BorrowedFd cannot outlive it); `value` points to `len` initialized
    // bytes that stay borrowed for the call; the kernel only reads them.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            option,
            std::ptr::from_ref(value).cast::<libc::c_void>(),
            len,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether this kernel has TCP-AO (RFC 5925, `CONFIG_TCP_AO`): a key
/// request with an invalid body on a fresh socket is refused as invalid by
/// a kernel that has it, as an unknown option by one that does not.
pub fn tcp_ao_supported() -> bool {
    let Ok(socket) = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
    else {
        return false;
    };
    let probe = [0u8; 4];
    let fd = std::os::fd::AsFd::as_fd(&socket);
    match setsockopt_tcp(fd, TCP_AO_ADD_KEY, &probe) {
        Ok(()) => true,
        Err(e) => e.raw_os_error() != Some(libc::ENOPROTOOPT),
    }
}

/// Transparent huge pages off for this process (`PR_SET_THP_DISABLE`),
/// for the memory it touches from now on, madvised or not.
///
/// mimalloc asks for huge pages on its arenas (`MADV_HUGEPAGE`) and
/// returns freed memory to the kernel after a short delay: each page fault
/// after that zeroes 2 MiB. During a sync of 100,000 LSPs from 2,000 PCCs
/// that zeroing (`clear_page_erms`) was 63% of `pce serve`'s samples, and
/// the peak RSS twice what 4 KiB pages give (BENCHMARKS.md).
#[allow(unsafe_code)]
pub fn disable_transparent_huge_pages() -> io::Result<()> {
    // SAFETY: PR_SET_THP_DISABLE takes integers only and changes a flag of
    // this process's memory descriptor.
    let r = unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The kernel's TCP-MD5 drop counters (`/proc/net/netstat`, TcpExt):
/// `(name, value)` for `TCPMD5NotFound` (an unsigned segment where a key
/// is set), `TCPMD5Unexpected` (a signed segment where no key is set) and
/// `TCPMD5Failure` (a wrong signature). Network-namespace wide.
pub fn md5_drop_counters() -> Vec<(String, u64)> {
    let Ok(text) = std::fs::read_to_string("/proc/net/netstat") else {
        return Vec::new();
    };
    let mut lines = text.lines();
    while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
        let (Some(("TcpExt:", names)), Some(("TcpExt:", values))) =
            (names.split_once(' '), values.split_once(' '))
        else {
            continue;
        };
        return names
            .split_whitespace()
            .zip(values.split_whitespace())
            .filter(|(n, _)| n.starts_with("TCPMD5"))
            .filter_map(|(n, v)| Some((n.to_string(), v.parse().ok()?)))
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpListener, TcpStream};
    use std::os::fd::AsFd;
    use std::time::Duration;

    #[test]
    fn the_struct_is_the_kernels() {
        // 128 (sockaddr_storage) + 1 + 1 + 2 + 4 + 80.
        assert_eq!(std::mem::size_of::<Md5Sig>(), 216);
    }

    #[test]
    fn keys_are_checked_before_the_kernel() {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let peer = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(set_md5_key(l.as_fd(), peer, None, &[1; 81]).is_err());
        assert!(set_md5_key(l.as_fd(), peer, Some(33), b"k").is_err());
        set_md5_key(l.as_fd(), peer, Some(8), b"k").unwrap();
        set_md5_key(l.as_fd(), peer, None, b"k").unwrap();
    }

    /// A connection with the listener's key gets through; one with another
    /// key, or none, never does (the kernel drops its SYN).
    #[test]
    fn only_the_right_key_connects() {
        let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let at = l.local_addr().unwrap();
        set_md5_key(
            l.as_fd(),
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)),
            Some(8),
            b"secret",
        )
        .unwrap();
        let dial = |key: Option<&[u8]>| {
            let s =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
            if let Some(k) = key {
                set_md5_key(s.as_fd(), at.ip(), None, k).unwrap();
            }
            s.connect_timeout(&at.into(), Duration::from_millis(1500))
                .map(|()| TcpStream::from(s))
        };
        let mut good = dial(Some(b"secret")).unwrap();
        let (mut accepted, _) = l.accept().unwrap();
        good.write_all(b"ok").unwrap();
        let mut buf = [0; 2];
        accepted.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ok");
        assert!(dial(Some(b"wrong")).is_err());
        assert!(dial(None).is_err());
        let counters = md5_drop_counters();
        assert!(
            counters.iter().any(|(n, v)| n == "TCPMD5Failure" && *v > 0),
            "{counters:?}"
        );
    }
}
