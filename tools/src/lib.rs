//! Shared code of the project's tools: pcap reading and writing for PCEP
//! streams.

pub mod pcap;
pub mod pki;
pub mod sim;
