//! `bgpls`: BGP as a PCE needs it, a receiver of link-state information
//! (BGP-LS, RFC 9552 with the SR extensions of RFC 9085 and the TE
//! metrics of RFC 8571).
//!
//! Sans-IO like the PCEP codec: bytes in, typed values and bytes out, no
//! socket, clock or thread. The tokio shell owns the TCP connection and
//! the timers and feeds [`session::Session`] what arrives.
//!
//! * [`message`]: the BGP messages (RFC 4271): framing, OPEN with its
//!   capabilities (RFC 5492, 4760, 6793), UPDATE with the multiprotocol
//!   attributes (RFC 4760), NOTIFICATION, KEEPALIVE; and what a fault in
//!   each means on the wire (RFC 4271 §6, RFC 7606).
//! * [`ls`]: the link-state NLRIs (Node, Link, Prefix) and the BGP-LS
//!   attribute's TLVs, decoded into values and encoded back.
//! * [`session`]: the BGP finite-state machine from the TCP connection on
//!   (OpenSent, OpenConfirm, Established), the hold and keepalive timers,
//!   RFC 7606's treat-as-withdraw and session reset.
//!
//! Why not a BGP crate: the published Rust BGP codecs are made for route
//! analytics (MRT, BMP) and decode leniently; a receiver must classify
//! every fault the way RFC 7606 and RFC 9552 §8.2 say (which NLRIs to
//! withdraw, when to reset the session, with which NOTIFICATION), and
//! BGP-LS is the only address family this one needs.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
#![warn(missing_docs)]

pub mod ls;
pub mod message;
mod reader;
pub mod session;

/// Address family of BGP-LS (RFC 9552 §5.1).
pub const AFI_LS: u16 = 16388;
/// Subsequent address family of BGP-LS (RFC 9552 §5.1).
pub const SAFI_LS: u8 = 71;
pub use reader::TooLong;
