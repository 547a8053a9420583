//! Any byte stream, cut anywhere: the framer never panics and frames the
//! same messages however the stream is segmented.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pcep::wire::{Framer, WireConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, data)) = data.split_first() else {
        return;
    };
    let cfg = WireConfig {
        max_message_len: 4096,
        ..WireConfig::default()
    };
    let frames = |pieces: &[&[u8]]| {
        let mut framer = Framer::new(cfg);
        let mut out = Vec::new();
        for p in pieces {
            framer.extend(p);
            while let Ok(Some(f)) = framer.next_frame() {
                out.push(f);
            }
        }
        out
    };
    let at = usize::from(cut).min(data.len());
    let (a, b) = data.split_at(at);
    assert_eq!(frames(&[data]), frames(&[a, b]));
});
