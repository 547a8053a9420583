//! pcep-dump: print every PCEP message in a capture (pcap or pcapng) or in
//! hex lines, decoded by this project's codec: one readable line per message,
//! or one JSON object per message with `--json`. A message that does not
//! decode prints its error and the PCErr it maps to, and the dump goes on.
//!
//! ```text
//! pcep-dump capture.pcapng              # readable lines
//! pcep-dump --json capture.pcap         # one JSON object per line
//! pcep-dump --hex messages.txt          # hex lines ('-' for stdin); a line
//!                                       # may start with '>' or '<'
//! ```

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use bytes::Bytes;
use clap::Parser;
use pce_tools::pcap::read_tcp_streams;
use pcep::wire::{DecodeError, Framer, Message, ObjectClass, WireConfig};
use serde_json::json;

#[derive(Parser)]
#[command(
    version,
    about = "Decode PCEP messages from a capture or hex lines with the project's codec"
)]
struct Args {
    /// Capture file (pcap or pcapng), or with --hex a file of hex lines ('-' for stdin).
    input: PathBuf,
    /// Input is hex text: one or more messages per line, whitespace ignored.
    #[arg(long)]
    hex: bool,
    /// One JSON object per message instead of a readable line.
    #[arg(long)]
    json: bool,
    /// TCP port carrying PCEP in the capture.
    #[arg(long, default_value_t = 4189)]
    port: u16,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let cfg = WireConfig::default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failures = 0usize;
    if args.hex {
        let reader: Box<dyn BufRead> = if args.input.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(&args.input)
                    .with_context(|| format!("opening {}", args.input.display()))?,
            ))
        };
        for (n, line) in reader.lines().enumerate() {
            let line = line?;
            let text: String = line
                .trim_start_matches(|c: char| c == '>' || c == '<' || c.is_whitespace())
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let label = format!("line {}", n + 1);
            match hex::decode(&text) {
                Ok(bytes) => failures += dump_stream(&mut out, &label, &bytes, &cfg, args.json)?,
                Err(e) => {
                    failures += 1;
                    writeln!(out, "{label}: not hex: {e}")?;
                }
            }
        }
    } else {
        for (flow, stream) in read_tcp_streams(&args.input, args.port)? {
            let label = format!("{}>{}", flow.src, flow.dst);
            failures += dump_stream(&mut out, &label, &stream.bytes, &cfg, args.json)?;
        }
    }
    if failures > 0 {
        eprintln!("{failures} message(s) did not decode");
        std::process::exit(1);
    }
    Ok(())
}

/// Frame and decode a byte stream; returns the number of failures.
fn dump_stream(
    out: &mut impl Write,
    label: &str,
    bytes: &[u8],
    cfg: &WireConfig,
    as_json: bool,
) -> Result<usize> {
    let mut framer = Framer::new(*cfg);
    framer.extend(bytes);
    let mut offset = 0usize;
    let mut failures = 0;
    loop {
        let frame = match framer.next_frame() {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                if framer.buffered() > 0 {
                    failures += 1;
                    report_error(
                        out,
                        label,
                        offset,
                        None,
                        &truncated(framer.buffered()),
                        as_json,
                    )?;
                }
                return Ok(failures);
            }
            Err(e) => {
                // The stream cannot be framed past this point.
                report_error(out, label, offset, None, &e, as_json)?;
                return Ok(failures + 1);
            }
        };
        let len = frame.len();
        match Message::decode(frame.clone(), cfg) {
            Ok(m) => {
                if as_json {
                    let v =
                        json!({ "stream": label, "offset": offset, "length": len, "message": m });
                    writeln!(out, "{v}")?;
                } else {
                    writeln!(out, "{label} @{offset} {}", summary(&m, &frame))?;
                }
            }
            Err(e) => {
                failures += 1;
                report_error(out, label, offset, Some(&frame), &e, as_json)?;
            }
        }
        offset += len;
    }
}

fn truncated(have: usize) -> DecodeError {
    DecodeError::MessageLengthMismatch {
        declared: have + 1,
        actual: have,
    }
}

fn report_error(
    out: &mut impl Write,
    label: &str,
    offset: usize,
    frame: Option<&Bytes>,
    e: &DecodeError,
    as_json: bool,
) -> Result<()> {
    let code = e.pcerr();
    if as_json {
        let v = json!({
            "stream": label,
            "offset": offset,
            "error": e.to_string(),
            "pcerr": { "error_type": code.error_type.0, "error_value": code.error_value },
            "close_reason": e.close_reason().map(|r| r.0),
            "bytes": frame.map(|f| pcep::wire::hex(f)),
        });
        writeln!(out, "{v}")?;
    } else {
        let close = e
            .close_reason()
            .map(|r| format!(", then Close({r})"))
            .unwrap_or_default();
        writeln!(out, "{label} @{offset} ERROR {e} -> PCErr {code}{close}")?;
    }
    Ok(())
}

/// "PCRpt len=96: SRP LSP ERO BANDWIDTH METRIC".
fn summary(m: &Message, frame: &Bytes) -> String {
    let mut s = format!("{} len={}", m.message_type(), frame.len());
    let mut body = frame.slice(4..);
    let mut names = Vec::new();
    while body.len() >= 4 {
        let class = ObjectClass(body[0]);
        names.push(
            class
                .name()
                .map_or_else(|| format!("CLASS{}", class.0), str::to_string),
        );
        let len = usize::from(u16::from_be_bytes([body[2], body[3]])).max(4);
        if len > body.len() {
            break;
        }
        body = body.slice(len..);
    }
    if !names.is_empty() {
        s.push_str(": ");
        s.push_str(&names.join(" "));
    }
    s
}
