//! Recording a running core's inputs (`pce serve --record FILE`) and
//! replaying them through a fresh core (`pce replay FILE`).
//!
//! The file is JSON lines. The first is a [`Header`]: what the core was
//! built with (its configuration, the topology file, the wire code points).
//! Then, in order, every [`Input`] with the time it was handled (nanoseconds
//! since the recording started) and every [`Output`] the core produced.
//! Time is an input of the core like everything else, so a replay at any
//! speed takes the same decisions: a problem seen in the field becomes a
//! test.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use pcep::wire::iana::CloseReason;
use pcep::wire::{Message, StateSyncCodepoints, WireConfig};
use serde::{Deserialize, Serialize};

use crate::pce::{
    with_wire_config, Input, Output, Pce, PceConfig, SessionId, StateSync, WireMessage,
};
use crate::topology::TopologyFile;

/// The record format's version.
pub const FORMAT: u32 = 1;

/// What a core was built with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`].
    pub format: u32,
    /// State Timeout, milliseconds.
    pub state_timeout_ms: u64,
    /// Redelegation Timeout, milliseconds.
    pub redelegation_timeout_ms: u64,
    /// Inter-PCE state synchronization.
    pub state_sync: Option<StateSync>,
    /// Update timeout, milliseconds.
    pub update_timeout_ms: u64,
    /// Unacknowledged updates in a row before an LSP is left alone.
    pub update_retries: u32,
    /// [`PceConfig::reoptimize_on_restore`].
    #[serde(default = "yes")]
    pub reoptimize_on_restore: bool,
    /// [`PceConfig::max_lsps_per_pcc`].
    #[serde(default = "max_lsps_per_pcc")]
    pub max_lsps_per_pcc: usize,
    /// [`PceConfig::max_unknown_bytes_per_lsp`].
    #[serde(default = "max_unknown_bytes_per_lsp")]
    pub max_unknown_bytes_per_lsp: usize,
    /// [`PceConfig::update_window`].
    #[serde(default = "update_window")]
    pub update_window: usize,
    /// The code points messages are written with.
    pub codepoints: StateSyncCodepoints,
    /// The topology the core started on.
    pub topology: TopologyFile,
}

impl Header {
    /// The header for a core with `config` on `topology`.
    pub fn new(
        config: &PceConfig,
        topology: TopologyFile,
        codepoints: StateSyncCodepoints,
    ) -> Self {
        Self {
            format: FORMAT,
            state_timeout_ms: millis(config.state_timeout),
            redelegation_timeout_ms: millis(config.redelegation_timeout),
            state_sync: config.state_sync.clone(),
            update_timeout_ms: millis(config.update_timeout),
            update_retries: config.update_retries,
            reoptimize_on_restore: config.reoptimize_on_restore,
            max_lsps_per_pcc: config.max_lsps_per_pcc,
            max_unknown_bytes_per_lsp: config.max_unknown_bytes_per_lsp,
            update_window: config.update_window,
            codepoints,
            topology,
        }
    }

    fn wire(&self) -> WireConfig {
        WireConfig {
            state_sync: self.codepoints,
            ..WireConfig::default()
        }
    }

    fn config(&self) -> PceConfig {
        PceConfig {
            state_timeout: Duration::from_millis(self.state_timeout_ms),
            redelegation_timeout: Duration::from_millis(self.redelegation_timeout_ms),
            state_sync: self.state_sync.clone(),
            update_timeout: Duration::from_millis(self.update_timeout_ms),
            update_retries: self.update_retries,
            reoptimize_on_restore: self.reoptimize_on_restore,
            max_lsps_per_pcc: self.max_lsps_per_pcc,
            max_unknown_bytes_per_lsp: self.max_unknown_bytes_per_lsp,
            update_window: self.update_window,
        }
    }
}

const fn yes() -> bool {
    true
}

const fn max_lsps_per_pcc() -> usize {
    crate::pce::MAX_LSPS_PER_PCC
}

const fn max_unknown_bytes_per_lsp() -> usize {
    crate::pce::MAX_UNKNOWN_BYTES_PER_LSP
}

const fn update_window() -> usize {
    crate::pce::UPDATE_WINDOW
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// One line after the header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// An input and when it was handled.
    Input {
        /// Nanoseconds since the recording started.
        at_ns: u64,
        /// The input.
        input: Input,
    },
    /// An output, in the order the core produced it.
    Output(RecordedOutput),
}

/// An output as recorded (the message in wire form).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedOutput {
    /// Send a message.
    Send {
        /// The session.
        session: SessionId,
        /// The message.
        message: WireMessage,
    },
    /// Close a session.
    Close {
        /// The session.
        session: SessionId,
        /// The CLOSE reason.
        reason: u8,
    },
}

impl RecordedOutput {
    fn of(o: &Output) -> Self {
        match o {
            Output::Send { session, message } => Self::Send {
                session: *session,
                message: WireMessage(Box::new(message.clone())),
            },
            Output::Close { session, reason } => Self::Close {
                session: *session,
                reason: reason.0,
            },
        }
    }

    fn output(self) -> Output {
        match self {
            Self::Send { session, message } => Output::Send {
                session,
                message: *message.0,
            },
            Self::Close { session, reason } => Output::Close {
                session,
                reason: CloseReason(reason),
            },
        }
    }
}

/// Batches of recorded lines waiting for the writer thread; past it the
/// recording stops (the core never waits on a disk).
pub const RECORD_QUEUE: usize = 1024;

/// Writes a recording. The core task serializes each batch's lines; a
/// thread of its own writes them, so the core never blocks on the file. A
/// write that fails, or a writer that falls [`RECORD_QUEUE`] batches
/// behind, stops the recording (with one error in the log), never the PCE.
#[derive(Debug)]
pub struct Recorder {
    tx: Option<std::sync::mpsc::SyncSender<Vec<u8>>>,
    batch: Vec<u8>,
    start: Instant,
    wire: WireConfig,
}

/// A line as written: the input borrowed, not copied.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum LineRef<'a> {
    Input { at_ns: u64, input: &'a Input },
    Output(RecordedOutput),
}

impl Recorder {
    /// Start a recording in `path` (created or truncated).
    pub fn create(
        path: &std::path::Path,
        header: &Header,
        start: Instant,
    ) -> std::io::Result<Self> {
        let mut file = std::fs::File::create(path)?;
        let mut first = serde_json::to_vec(header)?;
        first.push(b'\n');
        file.write_all(&first)?;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(RECORD_QUEUE);
        std::thread::Builder::new()
            .name("record".into())
            .spawn(move || {
                for batch in rx {
                    if let Err(e) = file.write_all(&batch) {
                        tracing::error!("recording stopped: {e}");
                        return;
                    }
                }
            })?;
        Ok(Self {
            tx: Some(tx),
            batch: Vec::new(),
            start,
            wire: header.wire(),
        })
    }

    fn line(&mut self, line: &LineRef<'_>) {
        if self.tx.is_none() {
            return;
        }
        let batch = &mut self.batch;
        match with_wire_config(self.wire, || serde_json::to_writer(&mut *batch, line)) {
            Ok(()) => self.batch.push(b'\n'),
            Err(e) => {
                tracing::error!("recording stopped: {e}");
                self.tx = None;
            }
        }
    }

    /// An input the core is about to handle at `now`.
    pub fn input(&mut self, input: &Input, now: Instant) {
        let at_ns =
            u64::try_from(now.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
        self.line(&LineRef::Input { at_ns, input });
    }

    /// An output of the core.
    pub fn output(&mut self, output: &Output) {
        self.line(&LineRef::Output(RecordedOutput::of(output)));
    }

    /// Hand the batch's lines to the writer (once per batch).
    pub fn flush(&mut self) {
        let Some(tx) = self.tx.as_ref() else {
            return;
        };
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        if let Err(e) = tx.try_send(batch) {
            let why = match e {
                std::sync::mpsc::TrySendError::Full(_) => {
                    format!("the writer is {RECORD_QUEUE} batches behind")
                }
                std::sync::mpsc::TrySendError::Disconnected(_) => "the writer stopped".into(),
            };
            tracing::error!("recording stopped: {why}");
            self.tx = None;
        }
    }
}

/// What a replay found.
#[derive(Debug, Default)]
pub struct Replayed {
    /// Inputs handled.
    pub inputs: u64,
    /// Outputs produced by the replay.
    pub outputs: Vec<Output>,
    /// Outputs in the recording.
    pub recorded: Vec<Output>,
    /// The recording ended in the middle of a line (its writer was
    /// killed); what came before was replayed.
    pub truncated: bool,
}

impl Replayed {
    /// The first position where the replay's outputs and the recording's
    /// differ, if any (of a truncated recording, the outputs it has must
    /// begin the replay's).
    pub fn first_difference(&self) -> Option<usize> {
        let n = if self.truncated {
            self.recorded.len()
        } else {
            self.outputs.len().max(self.recorded.len())
        };
        (0..n).find(|&i| self.outputs.get(i) != self.recorded.get(i))
    }
}

/// Replay a recording through a fresh core. `on_output` sees each output as
/// the core produces it.
pub fn replay(
    reader: impl BufRead,
    mut on_output: impl FnMut(&Output),
) -> Result<Replayed, String> {
    let mut lines = reader.lines();
    let first = lines
        .next()
        .ok_or("empty recording")?
        .map_err(|e| e.to_string())?;
    let header: Header =
        serde_json::from_str(&first).map_err(|e| format!("line 1 (header): {e}"))?;
    if header.format != FORMAT {
        return Err(format!(
            "record format {} (this pce reads {FORMAT})",
            header.format
        ));
    }
    let topology = header.topology.build().map_err(|e| e.to_string())?;
    let wire = header.wire();
    let mut pce = Pce::new(
        header.config(),
        std::sync::Arc::new(crate::solver::Prepared::from(topology)),
        crate::lspdb::LspDb::new(),
    );
    let origin = super::clock::now();
    let mut out = Replayed::default();
    let mut lines = lines.enumerate().peekable();
    while let Some((n, line)) = lines.next() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = match with_wire_config(wire, || serde_json::from_str(&line)) {
            Ok(l) => l,
            // The last line of a recording cut by a crash or a kill.
            Err(e) if e.is_eof() && lines.peek().is_none() => {
                out.truncated = true;
                break;
            }
            Err(e) => return Err(format!("line {}: {e}", n + 2)),
        };
        match parsed {
            Line::Input { at_ns, input } => {
                out.inputs += 1;
                let _ = pce.handle(input, origin + Duration::from_nanos(at_ns));
                while let Some(o) = pce.poll_output() {
                    on_output(&o);
                    out.outputs.push(o);
                }
            }
            Line::Output(o) => out.recorded.push(o.output()),
        }
    }
    Ok(out)
}

/// A message for display (the replay's output lines).
pub fn display(o: &Output) -> serde_json::Value {
    match o {
        Output::Send { session, message } => serde_json::json!({
            "send": { "session": session.0, "message": message_json(message) }
        }),
        Output::Close { session, reason } => serde_json::json!({
            "close": { "session": session.0, "reason": reason.0 }
        }),
    }
}

fn message_json(m: &Message) -> serde_json::Value {
    serde_json::to_value(m).unwrap_or(serde_json::Value::Null)
}
