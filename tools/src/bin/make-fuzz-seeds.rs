//! Writes every sample message as a fuzz seed (one file each, with a leading
//! policy byte for the decode_message target).
use pcep::samples;
use pcep::wire::{StateSyncCodepoints, WireConfig};

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "protocol/fuzz/corpus/decode_message".into());
    std::fs::create_dir_all(&dir)?;
    let cfg = WireConfig::default();
    for (name, m) in samples::all(&StateSyncCodepoints::default()) {
        let mut bytes = vec![0u8];
        bytes.extend_from_slice(&m.to_bytes(&cfg)?);
        std::fs::write(format!("{dir}/{name}"), bytes)?;
    }
    Ok(())
}
