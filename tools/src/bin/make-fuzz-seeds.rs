//! Writes the seed corpus of every fuzz target (`protocol/fuzz`), a few
//! KiB in all, into `DIR/<target>/` (default `protocol/fuzz/seeds`):
//!
//! * `decode_message`: each sample message after a policy byte;
//! * `framer`: the samples back to back after a cut byte;
//! * `session`: a PCC's side of a session (Open, Keepalive, reports, a
//!   request) in pieces of at most 255 bytes, each after its length and a
//!   time byte, after a PCEPS policy byte (off; and optional with the
//!   PCC's StartTLS first);
//! * `bgp`: GoBGP's OPEN and BGP-LS UPDATEs as captured from gobgpd
//!   (the same vectors as `protocol/bgp/tests/bgp.rs`), after a flags byte;
//! * `core_input`: a PCC's session up, its sync, a report and a request,
//!   in the target's op encoding.
use pcep::samples;
use pcep::wire::{StateSyncCodepoints, WireConfig};

/// Captured from gobgpd (see `protocol/bgp/tests/bgp.rs`).
const GOBGP: [&str; 3] = [
    "ffffffffffffffffffffffffffffffff003b0104fde8005a7f0000011e021c0200490402766d0001044004004741040000fde80506400400470002",
    "ffffffffffffffffffffffffffffffff0083020000006c4001010040020040050400000064800e2c400447047f000001000001001f02000000000000000001000012020000040000fde802030006010000000001801d2c040200045043433104030003490001040400040a000001040a000c8000001f4004890003003e80040b000100",
    "ffffffffffffffffffffffffffffffff00e702000000d04001010040020040050400000064800e4e400447047f000001000002004102000000000000000001000012020000040000fde80203000601000000000101010012020000040000fde802030006010000000005010200080000000100000002801d6e040400040a000001040600040a0000050440000400000000044100044e9502f9044200044e9502f9044300204e9502f94e9502f94e9502f94e9502f94e9502f94e9502f94e9502f94e9502f90444000400000001044700030000010448000400000064044b000730000000005dc0",
];
const BGP_KEEPALIVE: &str = "ffffffffffffffffffffffffffffffff001304";

fn main() -> anyhow::Result<()> {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "protocol/fuzz/seeds".into());
    let cfg = WireConfig::default();
    let all = samples::all(&StateSyncCodepoints::default());
    let encoded = |name: &str| -> anyhow::Result<Vec<u8>> {
        let (_, m) = all
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| anyhow::anyhow!("no sample {name}"))?;
        Ok(m.to_bytes(&cfg)?.to_vec())
    };
    let write = |target: &str, name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let dir = format!("{root}/{target}");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(format!("{dir}/{name}"), bytes)?;
        Ok(())
    };

    let mut stream = Vec::new();
    for (name, m) in &all {
        let bytes = m.to_bytes(&cfg)?;
        let mut seed = vec![0u8];
        seed.extend_from_slice(&bytes);
        write("decode_message", name, &seed)?;
        stream.extend_from_slice(&bytes);
    }
    for cut in [0u8, 7, 200] {
        let mut seed = vec![cut];
        seed.extend_from_slice(&stream[..stream.len().min(1200)]);
        write("framer", &format!("samples-cut-{cut}"), &seed)?;
    }

    // A PCC's side: Open, Keepalive, a sync, a request, time passing;
    // without PCEPS, and with it (the PCC's StartTLS first).
    let mut session = vec![0u8];
    for (name, tick) in [
        ("open", 0u8),
        ("keepalive", 1),
        ("pcrpt-full", 1),
        ("pcrpt-sr", 1),
        ("pcreq", 1),
        ("keepalive", 250),
    ] {
        for piece in encoded(name)?.chunks(255) {
            session.push(u8::try_from(piece.len())?);
            session.push(tick);
            session.extend_from_slice(piece);
        }
    }
    write("session", "pcc-sync-and-request", &session)?;
    let start_tls = pcep::wire::Message::StartTls.to_bytes(&WireConfig::default())?;
    let mut tls = vec![1u8, u8::try_from(start_tls.len())?, 0];
    tls.extend_from_slice(&start_tls);
    tls.extend_from_slice(&session[1..]);
    write("session", "pcc-starttls-then-sync", &tls)?;

    let bgp: Vec<Vec<u8>> = GOBGP
        .iter()
        .chain(std::iter::once(&BGP_KEEPALIVE))
        .map(hex::decode)
        .collect::<Result<_, _>>()?;
    for (i, m) in bgp.iter().enumerate() {
        let mut seed = vec![1u8];
        seed.extend_from_slice(m);
        write("bgp", &format!("gobgp-{i}"), &seed)?;
    }
    let mut up = vec![u8::try_from(bgp[0].len())?];
    up.extend_from_slice(&bgp[0]);
    up.extend_from_slice(&bgp[3]);
    up.extend_from_slice(&bgp[1]);
    write("bgp", "open-keepalive-update", &up)?;

    // Ops: 0 up, 1 message (length, bytes), 3 down, 4 time (seconds).
    let mut core = vec![0u8, 0];
    for name in ["pcrpt-full", "pcrpt-sr", "pcreq", "pcupd"] {
        let m = encoded(name)?;
        if let Ok(len) = u8::try_from(m.len()) {
            core.extend_from_slice(&[1, 0, len]);
            core.extend_from_slice(&m);
        }
    }
    core.extend_from_slice(&[4, 61, 3, 0, 4, 61]);
    write("core_input", "pcc-up-reports-down", &core)?;
    Ok(())
}
