//! pcep-dump against a capture and hex lines, including a bad message in
//! the middle of a stream: the error and its PCErr are printed, and the
//! dump goes on with the next message.

use std::process::Command;

use pce_tools::pcap::{write_capture, Segment};
use pcep::samples;
use pcep::wire::{StateSyncCodepoints, WireConfig};

#[test]
fn dumps_a_capture_as_json_and_continues_after_a_bad_message() {
    let dir = std::env::temp_dir().join(format!("pcep-dump-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = WireConfig::default();
    let msgs: Vec<_> = samples::all(&StateSyncCodepoints::default())
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    let mut stream = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        stream.extend_from_slice(&m.to_bytes(&cfg).unwrap());
        if i == 3 {
            // A PCUpd without SRP: PCErr 6/10.
            stream.extend_from_slice(&[
                0x20, 0x0b, 0, 0x10, 0x20, 0x10, 0, 8, 0, 0, 0x10, 9, 7, 0x10, 0, 4,
            ]);
        }
    }
    let pcap = dir.join("s.pcap");
    // Segment the stream at odd places: the dump must reassemble it.
    let src = "127.0.0.2:40000".parse().unwrap();
    let dst = "127.0.0.1:4189".parse().unwrap();
    let segments: Vec<Segment<'_>> = stream
        .chunks(77)
        .map(|payload| Segment { src, dst, payload })
        .collect();
    write_capture(&pcap, &segments).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_pcep-dump"))
        .arg("--json")
        .arg(&pcap)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "exit 1 when a message did not decode"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), msgs.len() + 1);
    let bad = &lines[4];
    assert_eq!(bad["pcerr"]["error_type"], 6);
    assert_eq!(bad["pcerr"]["error_value"], 10);
    let names: Vec<_> = lines
        .iter()
        .filter_map(|l| l["message"]["message"].as_str())
        .collect();
    assert_eq!(names.len(), msgs.len());
    assert_eq!(names[0], "Open");
    assert!(names.contains(&"PcRpt") && names.contains(&"PcInitiate"));
}

#[test]
fn dumps_hex_lines_readably() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pcep-dump"))
        .args(["--hex", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"> 20 02 00 04\n< 20 07 00 0c 0f 10 00 08 00 00 00 02\n40 02 00 04\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<_> = text.lines().collect();
    assert_eq!(lines[0], "line 1 @0 Keepalive(2) len=4");
    assert_eq!(lines[1], "line 2 @0 Close(7) len=12: CLOSE");
    assert!(lines[2].contains("PCErr 1/8"), "{}", lines[2]);
}
