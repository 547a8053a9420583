//! Processes: a PCC sends 5,000 malformed messages. Each gets its PCErr
//! (RFC 5440 §6.9 answers every one), the session stays up, and the log
//! gets a line a second for that cause, not one per message (a fuzzing run
//! used to write 40 MB of them); `/metrics` counts the lines not written.
//! Real time only bounds the waits.
#![allow(clippy::disallowed_methods)] // process-level test: wall-clock deadlines

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use pce_tests::scratch_dir;
use pcep::session::Event;
use pcep::wire::{Message, PcErrCode, PcRpt, StateReport};

#[path = "../support/mod.rs"]
mod support;
use support::blocking_pcc::BlockingPcc;
use support::metrics::metrics;
use support::pce_serve::pce_serve_logged;

const WAIT: Duration = Duration::from_secs(60);
const N: usize = 5_000;

#[test]
fn malformed_messages_each_get_a_pcerr_and_the_log_a_line_a_second() {
    let log = scratch_dir("log-flood").join("pce.log");
    let (_pce, port, api) = pce_serve_logged("log-flood", "", &log);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut pcc = BlockingPcc::connect(addr, Ipv4Addr::new(127, 9, 1, 1), WAIT);
    pcc.send(&Message::PcRpt(PcRpt {
        reports: vec![StateReport::end_of_sync()],
    }));
    // A PCUpd without its SRP: PCErr 6/10, and the session goes on.
    let bad = [
        0x20, 0x0b, 0, 0x10, 0x20, 0x10, 0, 8, 0, 0, 0x10, 9, 7, 0x10, 0, 4,
    ];
    let start = Instant::now();
    pcc.stream.write_all(&bad.repeat(N)).unwrap();
    let mut pcerrs = 0;
    let deadline = start + WAIT;
    while pcerrs < N {
        assert!(Instant::now() < deadline, "{pcerrs} PCErrs of {N}");
        for e in pcc.pump(deadline) {
            match e {
                Event::Message(Message::PcErr(e)) => {
                    assert_eq!(e.errors[0].errors[0].code(), PcErrCode::SRP_MISSING);
                    pcerrs += 1;
                }
                Event::Closed { reason, .. } => panic!("closed: {reason}"),
                _ => {}
            }
        }
    }
    let elapsed = start.elapsed();
    // Still served.
    pcc.request(
        1,
        Ipv4Addr::new(10, 0, 0, 1),
        Ipv4Addr::new(10, 0, 0, 4),
        WAIT,
    );
    let m = metrics(api).unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines = text
        .lines()
        .filter(|l| l.contains("malformed message"))
        .count();
    eprintln!("{N} malformed messages in {elapsed:?}: {lines} log lines");
    assert!(lines >= 1, "{text}");
    assert!(
        lines as u64 <= elapsed.as_secs() + 2,
        "{lines} lines in {elapsed:?}"
    );
    assert_eq!(
        m["pce_log_lines_suppressed_total"] + lines as u64,
        N as u64,
        "every line is written or counted"
    );
}
