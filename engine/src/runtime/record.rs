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
        }
    }
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

/// Writes a recording. A write that fails stops the recording (with one
/// error in the log), never the PCE.
#[derive(Debug)]
pub struct Recorder {
    out: Option<std::io::BufWriter<std::fs::File>>,
    start: Instant,
    wire: WireConfig,
}

impl Recorder {
    /// Start a recording in `path` (created or truncated).
    pub fn create(
        path: &std::path::Path,
        header: &Header,
        start: Instant,
    ) -> std::io::Result<Self> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer(&mut out, header)?;
        out.write_all(b"\n")?;
        Ok(Self {
            out: Some(out),
            start,
            wire: header.wire(),
        })
    }

    fn line(&mut self, line: &Line) {
        let Some(out) = self.out.as_mut() else {
            return;
        };
        let written = with_wire_config(self.wire, || {
            serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)
        })
        .and_then(|()| out.write_all(b"\n"));
        if let Err(e) = written {
            tracing::error!("recording stopped: {e}");
            self.out = None;
        }
    }

    /// An input the core is about to handle at `now`.
    pub fn input(&mut self, input: &Input, now: Instant) {
        let at_ns =
            u64::try_from(now.saturating_duration_since(self.start).as_nanos()).unwrap_or(u64::MAX);
        self.line(&Line::Input {
            at_ns,
            input: input.clone(),
        });
    }

    /// An output of the core.
    pub fn output(&mut self, output: &Output) {
        self.line(&Line::Output(RecordedOutput::of(output)));
    }

    /// Write out what is buffered (once per batch).
    pub fn flush(&mut self) {
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.flush() {
                tracing::error!("recording stopped: {e}");
                self.out = None;
            }
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
}

impl Replayed {
    /// The first position where the replay's outputs and the recording's
    /// differ, if any.
    pub fn first_difference(&self) -> Option<usize> {
        let n = self.outputs.len().max(self.recorded.len());
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
        std::sync::Arc::new(topology),
        std::sync::Arc::new(crate::lspdb::LspDb::new()),
    );
    let origin = super::clock::now();
    let mut out = Replayed::default();
    for (n, line) in lines.enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = with_wire_config(wire, || serde_json::from_str(&line))
            .map_err(|e| format!("line {}: {e}", n + 2))?;
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
