//! PCEP over TCP in capture files: write synthetic captures (so an
//! independent decoder such as tshark can check what the codec emits) and
//! read real ones back into per-connection byte streams (for `pcep-dump`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::DataLink;

/// One TCP segment to write: from `src` to `dst`, carrying `payload`.
pub struct Segment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// TCP payload.
    pub payload: &'a [u8],
}

/// Write `segments` as an Ethernet/IPv4/TCP capture with consistent
/// sequence numbers per direction (no handshake: tshark decodes mid-stream).
pub fn write_capture(path: &Path, segments: &[Segment<'_>]) -> Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let header = PcapHeader {
        datalink: DataLink::ETHERNET,
        ..PcapHeader::default()
    };
    let mut writer = PcapWriter::with_header(file, header)?;
    let mut seq: BTreeMap<(SocketAddr, SocketAddr), u32> = BTreeMap::new();
    for (i, s) in segments.iter().enumerate() {
        let (IpAddr::V4(src), IpAddr::V4(dst)) = (s.src.ip(), s.dst.ip()) else {
            bail!("only IPv4 endpoints are supported");
        };
        let ack = *seq.get(&(s.dst, s.src)).unwrap_or(&1);
        let next = seq.entry((s.src, s.dst)).or_insert(1);
        let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
            .ipv4(src.octets(), dst.octets(), 64)
            .tcp(s.src.port(), s.dst.port(), *next, 65_535)
            .ack(ack)
            .psh();
        let mut frame = Vec::with_capacity(builder.size(s.payload.len()));
        builder.write(&mut frame, s.payload)?;
        *next = next.wrapping_add(u32::try_from(s.payload.len())?);
        let ts = Duration::from_millis(u64::try_from(i)? + 1);
        writer.write_packet(&PcapPacket::new(ts, u32::try_from(frame.len())?, &frame))?;
    }
    Ok(())
}

/// A TCP connection direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Flow {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
}

/// TCP payload of one direction, in capture order, with retransmitted bytes
/// dropped.
#[derive(Debug, Default)]
pub struct Stream {
    /// The bytes.
    pub bytes: Vec<u8>,
    next_seq: Option<u32>,
}

/// Read a pcap or pcapng file and return the TCP payload of every flow that
/// has `port` at either end, flows in order of first appearance.
pub fn read_tcp_streams(path: &Path, port: u16) -> Result<Vec<(Flow, Stream)>> {
    let mut data = Vec::new();
    File::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .read_to_end(&mut data)?;
    let mut frames: Vec<(DataLink, Vec<u8>)> = Vec::new();
    if data.get(..4) == Some(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let mut reader = PcapNgReader::new(BufReader::new(&data[..]))?;
        let mut links = Vec::new();
        while let Some(block) = reader.next_block() {
            match block? {
                Block::InterfaceDescription(idb) => links.push(idb.linktype),
                Block::EnhancedPacket(epb) => {
                    let link = links
                        .get(epb.interface_id as usize)
                        .copied()
                        .unwrap_or(DataLink::ETHERNET);
                    frames.push((link, epb.data.to_vec()));
                }
                Block::SimplePacket(spb) => {
                    frames.push((
                        links.first().copied().unwrap_or(DataLink::ETHERNET),
                        spb.data.to_vec(),
                    ));
                }
                _ => {}
            }
        }
    } else {
        let mut reader = PcapReader::new(&data[..])?;
        let link = reader.header().datalink;
        while let Some(pkt) = reader.next_packet() {
            frames.push((link, pkt?.data.to_vec()));
        }
    }
    let mut order = Vec::new();
    let mut streams: BTreeMap<Flow, Stream> = BTreeMap::new();
    for (link, frame) in frames {
        let sliced = match link {
            DataLink::ETHERNET => SlicedPacket::from_ethernet(&frame),
            DataLink::RAW | DataLink::IPV4 | DataLink::IPV6 => SlicedPacket::from_ip(&frame),
            DataLink::LINUX_SLL => SlicedPacket::from_linux_sll(&frame),
            DataLink::NULL | DataLink::LOOP => match frame.get(4..) {
                Some(ip) => SlicedPacket::from_ip(ip),
                None => continue,
            },
            _ => continue,
        };
        let Ok(p) = sliced else { continue };
        let (src_ip, dst_ip) = match &p.net {
            Some(NetSlice::Ipv4(ip)) => (
                IpAddr::V4(Ipv4Addr::from(ip.header().source())),
                IpAddr::V4(Ipv4Addr::from(ip.header().destination())),
            ),
            Some(NetSlice::Ipv6(ip)) => (
                IpAddr::V6(ip.header().source_addr()),
                IpAddr::V6(ip.header().destination_addr()),
            ),
            _ => continue,
        };
        let Some(TransportSlice::Tcp(tcp)) = &p.transport else {
            continue;
        };
        if tcp.source_port() != port && tcp.destination_port() != port {
            continue;
        }
        let flow = Flow {
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        };
        let payload = tcp.payload();
        let stream = streams.entry(flow).or_insert_with(|| {
            order.push(flow);
            Stream::default()
        });
        let seq = tcp.sequence_number();
        if tcp.syn() {
            stream.next_seq = Some(seq.wrapping_add(1));
            continue;
        }
        let expected = *stream.next_seq.get_or_insert(seq);
        // Bytes before `expected` were seen already (a retransmission); a gap
        // (lost capture) is taken as is.
        let behind = i64::from(expected.wrapping_sub(seq) as i32);
        let skip = usize::try_from(behind.max(0))?;
        stream
            .bytes
            .extend_from_slice(payload.get(skip..).unwrap_or(&[]));
        let end = seq.wrapping_add(u32::try_from(payload.len())?);
        if (end.wrapping_sub(expected) as i32) > 0 {
            stream.next_seq = Some(end);
        }
    }
    Ok(order
        .into_iter()
        .filter_map(|f| streams.remove(&f).map(|s| (f, s)))
        .collect())
}
