//! Any bytes: decoding never panics, and whatever decodes re-encodes to a
//! message that decodes to the same value (the codec is symmetric).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use pcep::wire::{Message, UnknownObjectPolicy, WireConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&policy, data)) = data.split_first() else {
        return;
    };
    let unknown_objects = match policy % 3 {
        0 => UnknownObjectPolicy::RejectProcessingInRequests,
        1 => UnknownObjectPolicy::RejectProcessing,
        _ => UnknownObjectPolicy::RejectAll,
    };
    let cfg = WireConfig {
        unknown_objects,
        ..WireConfig::default()
    };
    if let Ok(msg) = Message::decode(Bytes::copy_from_slice(data), &cfg) {
        // Decoded input may be re-ordered into canonical order or lose
        // ignored extra CLOSE objects, but after one pass the encoding is a
        // fixed point. Bytes are compared, not values: a NaN metric is kept
        // bit for bit but is not equal to itself.
        if let Ok(bytes) = msg.to_bytes(&cfg) {
            let again = Message::decode(bytes.clone(), &cfg).expect("re-encoded message decodes");
            assert_eq!(
                again.to_bytes(&cfg).expect("re-encodes"),
                bytes,
                "encoding is a fixed point"
            );
        }
    }
});
