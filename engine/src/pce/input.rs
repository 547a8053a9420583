//! The core's one input type: everything that happens to a PCE, in the
//! order it happened, goes through [`Pce::handle`] as an [`Input`] with the
//! time it happened. Inputs are serde values, so a run of `pce serve` can be
//! recorded and replayed through a fresh core (`pce serve --record`,
//! `pce replay`).
//!
//! PCEP messages, Opens and attributes are recorded in their wire form (as
//! hex): exact, compact, and independent of the JSON display form the API
//! uses. [`with_wire_config`] sets the wire configuration they are written
//! and read with (the configured state-sync code points); without it, the
//! defaults.

use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use pcep::session::Negotiated;
use pcep::wire::{Attributes, Message, WireConfig};
use serde::{Deserialize, Serialize};

use crate::lspdb::LspKey;
use crate::pce::{ChangeReport, CommandError, InitiateSpec, Pce, SessionId, StateSync};
use crate::solver::Prepared;
use crate::topology::{Topology, TopologyEvent, TopologyFile};

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    /// A session came up (with a PCC, or a state-sync session with a peer
    /// PCE when both set INTER-PCE-CAPABILITY).
    SessionUp {
        /// The shell's number for it.
        session: SessionId,
        /// The remote address.
        peer: IpAddr,
        /// What the two Opens negotiated.
        #[serde(with = "wire_negotiated")]
        negotiated: Box<Negotiated>,
    },
    /// A message arrived on a session.
    Message {
        /// The session.
        session: SessionId,
        /// The message.
        #[serde(with = "wire_message")]
        message: Box<Message>,
    },
    /// A session ended.
    SessionDown {
        /// The session.
        session: SessionId,
    },
    /// An operator command.
    Command(Command),
    /// The topology changed.
    Topology(TopologyChange),
    /// Time passed: deadlines due by now fire ([`Pce::poll_timeout`] says
    /// when the next one is).
    Timer,
}

/// An operator command (the management API, SIGHUP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Create a PCE-initiated LSP ([`Pce::initiate`]).
    Initiate(#[serde(with = "wire_spec")] Box<InitiateSpec>),
    /// Change an LSP's constraints ([`Pce::update_lsp`]).
    UpdateLsp {
        /// The head end's PCC.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
        /// The new constraints.
        #[serde(with = "wire_attributes")]
        attributes: Box<Attributes>,
    },
    /// Return a delegation to its PCC ([`Pce::return_delegation`]).
    ReturnDelegation {
        /// The PCC.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
    },
    /// Take an LSP's delegation again when its PCC gives it
    /// ([`Pce::accept_delegation`]): the operator no longer returns it.
    AcceptDelegation {
        /// The PCC.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
    },
    /// Delete a PCE-initiated LSP ([`Pce::delete_initiated`]).
    DeleteInitiated {
        /// The PCC.
        pcc: IpAddr,
        /// The LSP's name.
        name: String,
    },
    /// Ask a PCC to synchronize again, every LSP or one
    /// ([`Pce::resync`]).
    Resync {
        /// The PCC.
        pcc: IpAddr,
        /// One LSP's name; none: all of them.
        name: Option<String>,
    },
    /// Ask a peer PCE for its state again ([`Pce::resync_peer`]).
    ResyncPeer {
        /// The peer's address.
        peer: IpAddr,
    },
    /// Recompute every LSP this PCE controls.
    Reoptimize,
    /// A configuration reload: a new topology (if any) and new state-sync
    /// priorities, then every controlled LSP recomputed, in one step.
    Reload {
        /// The new topology file.
        topology: Option<Box<TopologyFile>>,
        /// The new state-sync configuration.
        state_sync: Option<Box<StateSync>>,
    },
    /// The operator's intent stored before a restart (the first input of
    /// a core that has a store): its entries are taken back, none is sent
    /// now.
    Restore(Box<super::Intent>),
    /// Forget the operator's topology changes (they no longer hold over
    /// the next topology); answers how many there were.
    ClearOperatorTopology,
}

/// A change of topology.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopologyChange {
    /// A whole new topology.
    Replace(Replacement),
    /// One event on the current one.
    Event(TopologyEvent),
    /// Events on the current one, applied together (all or none).
    Events(Vec<TopologyEvent>),
}

impl TopologyChange {
    /// A whole new topology, from its file.
    pub fn replace(file: TopologyFile) -> Self {
        Self::Replace(Replacement {
            file: Box::new(file),
            built: None,
        })
    }
}

/// A whole new topology: its file, and what the shell built of it off the
/// core (at carrier size, seconds that the core would otherwise spend
/// while every session waits). Only the file is recorded, compared and
/// serialized: a replay builds the same again.
#[derive(Clone)]
pub struct Replacement {
    /// The new topology.
    pub file: Box<TopologyFile>,
    /// `file` built (`TopologyFile::build`), and perhaps prepared for the
    /// solver: exactly what the core would make of it.
    pub built: Option<Built>,
}

/// What a [`Replacement`]'s file was made into, off the core.
#[derive(Clone, Debug)]
pub enum Built {
    /// Built: what the core compares with the current topology.
    Topology(Arc<Topology>),
    /// Built and prepared (landmark tables): what the core adopts as it is
    /// when the new topology replaces the current one whole.
    Prepared(Arc<Prepared>),
}

impl std::fmt::Debug for Replacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replacement")
            .field("nodes", &self.file.nodes.len())
            .field("links", &self.file.links.len())
            .field(
                "built",
                &self.built.as_ref().map(|b| match b {
                    Built::Topology(_) => "topology",
                    Built::Prepared(_) => "prepared",
                }),
            )
            .finish()
    }
}

impl PartialEq for Replacement {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file
    }
}

impl Serialize for Replacement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.file.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Replacement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self {
            file: Box::deserialize(d)?,
            built: None,
        })
    }
}

/// What a topology change makes of the current topology.
enum Next {
    /// The same structure with these events applied.
    Changed(Topology, Vec<TopologyEvent>),
    /// A new structure, to replace the current one whole.
    Replaced(Topology),
    /// The same, already prepared by the shell.
    Prepared(Arc<Prepared>),
}

impl Pce {
    /// Take one input at `now`. A command answers with its result (the
    /// SRP-ID it used, or 0); other inputs answer `None`. What to send is
    /// then drained with [`Pce::poll_output`].
    pub fn handle(&mut self, input: Input, now: Instant) -> Option<Result<u32, CommandError>> {
        self.now = Some(now);
        let result = match input {
            Input::SessionUp {
                session,
                peer,
                negotiated,
            } => {
                self.session_up(session, peer, *negotiated);
                None
            }
            Input::Message { session, message } => {
                self.handle_message(session, *message);
                None
            }
            Input::SessionDown { session } => {
                self.session_down(session, now);
                None
            }
            Input::Timer => {
                self.handle_timeout(now);
                None
            }
            Input::Topology(change) => Some(self.change_topology(change).map(|_| 0)),
            Input::Command(c) => Some(self.command(c)),
        };
        // Updates that waited for their session's window, as it drained.
        self.release_updates();
        // Between inputs, never inside a query: the landmark tables of the
        // affinity classes that keep coming back.
        self.topology.prepare();
        result
    }

    fn command(&mut self, command: Command) -> Result<u32, CommandError> {
        match command {
            Command::Initiate(spec) => self.initiate(*spec),
            Command::UpdateLsp {
                pcc,
                name,
                attributes,
            } => self.update_lsp(pcc, &name, *attributes).map(|()| 0),
            Command::ReturnDelegation { pcc, name } => self.return_delegation(pcc, &name),
            Command::AcceptDelegation { pcc, name } => {
                Ok(u32::from(self.accept_delegation(pcc, &name)))
            }
            Command::DeleteInitiated { pcc, name } => self.delete_initiated(pcc, &name),
            Command::Resync { pcc, name } => self.resync(pcc, name.as_deref()),
            Command::ResyncPeer { peer } => self.resync_peer(peer),
            Command::Reoptimize => {
                self.reoptimize();
                Ok(0)
            }
            Command::Restore(intent) => self.restore(*intent),
            Command::ClearOperatorTopology => {
                Ok(u32::try_from(self.clear_operator_topology()).unwrap_or(u32::MAX))
            }
            Command::Reload {
                topology,
                state_sync,
            } => {
                let mut report = ChangeReport::default();
                let sent = self.counters().updates_sent;
                if let Some(file) = topology {
                    let next = self.next_topology(TopologyChange::Replace(Replacement {
                        file,
                        built: None,
                    }))?;
                    if let Next::Changed(next, events) = &next {
                        report.links_changed = self.topology.changed_links(next).len();
                        report.events.clone_from(events);
                    } else {
                        report.replaced = true;
                    }
                    self.adopt(next);
                }
                self.reload_state_sync(state_sync.map(|s| *s));
                report.reoptimized = true;
                let placed = self.reoptimize_all();
                self.report_lsps(&mut report, &placed, sent);
                self.last_change = Some(report);
                Ok(0)
            }
        }
    }

    /// A new topology, or events on it. A change that cannot be applied
    /// leaves the topology as it was. A new file or TED is applied as its
    /// difference from the current topology when it has the same
    /// structure; then, like an event, it recomputes exactly the LSPs on
    /// the links it touched (and, when it can shorten paths, the LSPs
    /// without a path, or every LSP under `reoptimize_on_restore`). A new
    /// structure replaces the topology and recomputes every LSP. Returns the
    /// LSPs placed, each with whether it was without a path before.
    pub(super) fn change_topology(
        &mut self,
        change: TopologyChange,
    ) -> Result<Vec<(LspKey, bool)>, CommandError> {
        let operator: Vec<crate::topology::TopologyEvent> = match &change {
            TopologyChange::Event(e) => vec![e.clone()],
            TopologyChange::Events(list) => list.clone(),
            TopologyChange::Replace(_) => Vec::new(),
        };
        let next = self.next_topology(change)?;
        for e in &operator {
            self.keep_operator_event(e);
        }
        let sent = self.counters().updates_sent;
        let mut report = ChangeReport::default();
        let placed = match next {
            Next::Changed(next, events) => {
                let old = Arc::clone(&self.topology);
                report.events = events;
                let changed = old.changed_links(&next);
                report.links_changed = changed.len();
                let shortens = old.may_shorten(&next, &changed);
                self.adopt(Next::Changed(next, Vec::new()));
                if shortens && self.config.reoptimize_on_restore {
                    report.reoptimized = true;
                    self.reoptimize_all()
                } else {
                    let mut keys = self.lsps_on(&changed);
                    for key in &keys {
                        // An update in flight was computed on what the
                        // topology was: its acknowledgement does not settle
                        // the LSP.
                        self.lspdb.with_mut(key, |e| {
                            if e.control.pending_srp.is_some() {
                                e.control.computed = None;
                            }
                        });
                    }
                    if shortens {
                        // The LSPs without a path may have one now.
                        keys.extend(self.pathless());
                        keys.sort_unstable();
                        keys.dedup();
                    }
                    self.place(&keys)
                }
            }
            whole => {
                self.adopt(whole);
                report.replaced = true;
                report.reoptimized = true;
                self.reoptimize_all()
            }
        };
        self.report_lsps(&mut report, &placed, sent);
        self.last_change = Some(report);
        Ok(placed)
    }

    /// What a topology change would do, without doing it: the same input
    /// on a copy of this core, whose messages go nowhere.
    pub fn dry_run(
        &self,
        change: TopologyChange,
        now: Instant,
    ) -> Result<ChangeReport, CommandError> {
        let mut copy = self.clone();
        copy.handle(Input::Topology(change), now).unwrap_or(Ok(0))?;
        Ok(copy.take_change_report().unwrap_or_default())
    }

    /// What a change makes of the current topology: the events that make
    /// the difference, or a whole new one.
    fn next_topology(&self, change: TopologyChange) -> Result<Next, CommandError> {
        let err = |e: crate::topology::TopologyError| CommandError::Topology(e.to_string());
        Ok(match change {
            TopologyChange::Replace(Replacement { file, built }) => {
                let fresh = match built {
                    Some(Built::Prepared(prepared)) if self.operator_topology.is_empty() => {
                        return Ok(match self.topology.rebase(prepared.topology()) {
                            Some((next, events)) => Next::Changed(next, events),
                            None => Next::Prepared(prepared),
                        })
                    }
                    Some(Built::Prepared(prepared)) => Arc::clone(prepared.topology()),
                    Some(Built::Topology(topology)) => topology,
                    None => Arc::new(file.build().map_err(err)?),
                };
                // The operator's changes hold over the new topology.
                let fresh = if self.operator_topology.is_empty() {
                    fresh
                } else {
                    Arc::new(self.with_operator_topology(Arc::unwrap_or_clone(fresh)))
                };
                match self.topology.rebase(&fresh) {
                    Some((next, events)) => Next::Changed(next, events),
                    None => Next::Replaced(Arc::unwrap_or_clone(fresh)),
                }
            }
            TopologyChange::Event(event) => {
                Next::Changed(self.topology.apply(&event).map_err(err)?, vec![event])
            }
            TopologyChange::Events(events) => {
                Next::Changed(self.topology.apply_all(&events).map_err(err)?, events)
            }
        })
    }

    /// Compute on the next topology from now on: its landmark tables are
    /// the current ones when no link is shorter, else built here, once (in
    /// parallel, on the caller's rayon pool), never inside a query; or
    /// those the shell prepared.
    /// Compute on `next` from now on (the operator's changes restored).
    pub(super) fn adopt_topology(&mut self, next: crate::topology::Topology) {
        self.adopt(Next::Changed(next, Vec::new()));
    }

    fn adopt(&mut self, next: Next) {
        self.topology = match next {
            Next::Changed(topology, _) | Next::Replaced(topology) => {
                Arc::new(self.topology.after(Arc::new(topology)))
            }
            Next::Prepared(prepared) => prepared,
        };
    }
}

/// A message in its wire form (hex in JSON), for records of what was
/// sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireMessage(#[serde(with = "wire_message")] pub Box<Message>);

thread_local! {
    static WIRE: RefCell<Option<WireConfig>> = const { RefCell::new(None) };
}

/// Run `f` (which serializes or deserializes inputs) with `config` as the
/// wire configuration of the messages it writes or reads.
pub fn with_wire_config<R>(config: WireConfig, f: impl FnOnce() -> R) -> R {
    let before = WIRE.with(|w| w.replace(Some(config)));
    let r = f();
    WIRE.with(|w| *w.borrow_mut() = before);
    r
}

fn wire_config() -> WireConfig {
    WIRE.with(|w| w.borrow().unwrap_or_default())
}

fn to_hex<S: serde::Serializer>(message: &Message, s: S) -> Result<S::Ok, S::Error> {
    let bytes = message
        .to_bytes(&wire_config())
        .map_err(serde::ser::Error::custom)?;
    s.serialize_str(&hex::encode(bytes))
}

fn from_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Message, D::Error> {
    let text = String::deserialize(d)?;
    let bytes = hex::decode(text).map_err(serde::de::Error::custom)?;
    Message::decode(bytes.into(), &wire_config()).map_err(serde::de::Error::custom)
}

/// A message as the hex of its wire form.
mod wire_message {
    use super::{from_hex, to_hex, Message};

    pub(super) fn serialize<S: serde::Serializer>(m: &Message, s: S) -> Result<S::Ok, S::Error> {
        to_hex(m, s)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Box<Message>, D::Error> {
        from_hex(d).map(Box::new)
    }
}

/// The negotiated parameters as the two Open messages and whether the
/// session is a state-sync session (which depends on the code points).
mod wire_negotiated {
    use pcep::session::Negotiated;
    use pcep::wire::object::Open;
    use pcep::wire::{Message, StateSyncCodepoints};
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    struct Opens {
        #[serde(with = "super::wire_message")]
        local: Box<Message>,
        #[serde(with = "super::wire_message")]
        peer: Box<Message>,
        inter_pce: bool,
    }

    pub(super) fn serialize<S: serde::Serializer>(n: &Negotiated, s: S) -> Result<S::Ok, S::Error> {
        Opens {
            local: Box::new(Message::Open(n.local.clone())),
            peer: Box::new(Message::Open(n.peer.clone())),
            inter_pce: n.capabilities.inter_pce,
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Box<Negotiated>, D::Error> {
        let o = Opens::deserialize(d)?;
        let open = |m: Box<Message>| -> Result<Open, D::Error> {
            match *m {
                Message::Open(o) => Ok(o),
                _ => Err(serde::de::Error::custom("expected an Open message")),
            }
        };
        let mut n = Negotiated::new(
            &open(o.local)?,
            &open(o.peer)?,
            &StateSyncCodepoints::default(),
        );
        n.capabilities.inter_pce = o.inter_pce;
        Ok(Box::new(n))
    }
}

/// Attributes as a PCInitiate that carries them (the one message whose
/// grammar has them all).
pub(super) mod wire_attributes {
    use pcep::wire::object::{Ero, Lsp, Srp};
    use pcep::wire::tlv::Tlv;
    use pcep::wire::{Attributes, InitiateRequest, Message, PcInitiate};
    use serde::{Deserialize, Serialize};

    pub(super) fn carrier(attributes: &Attributes) -> Message {
        Message::PcInitiate(PcInitiate {
            requests: vec![InitiateRequest {
                srp: Srp::default(),
                lsp: Lsp {
                    tlvs: vec![Tlv::SymbolicPathName(bytes::Bytes::from_static(b"-"))],
                    ..Lsp::default()
                },
                end_points: None,
                associations: Vec::new(),
                ero: Some(Ero::new(Vec::new())),
                attributes: attributes.clone(),
                unknown: Vec::new(),
            }],
        })
    }

    pub(super) fn carried<E: serde::de::Error>(m: Message) -> Result<Attributes, E> {
        match m {
            Message::PcInitiate(mut i) if i.requests.len() == 1 => {
                Ok(i.requests.swap_remove(0).attributes)
            }
            _ => Err(E::custom("expected a PCInitiate carrying attributes")),
        }
    }

    #[derive(Serialize, Deserialize)]
    struct Carrier(#[serde(with = "super::wire_message")] Box<Message>);

    pub(in crate::pce) fn serialize<S: serde::Serializer>(
        a: &Attributes,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Carrier(Box::new(carrier(a))).serialize(s)
    }

    pub(in crate::pce) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Box<Attributes>, D::Error> {
        let Carrier(m) = Carrier::deserialize(d)?;
        carried(*m).map(Box::new)
    }
}

/// An initiation request: its fields, the attributes in wire form.
pub(super) mod wire_spec {
    use std::net::IpAddr;

    use pcep::wire::PathSetupType;
    use serde::{Deserialize, Serialize};

    use crate::pce::InitiateSpec;

    #[derive(Serialize, Deserialize)]
    struct Spec {
        pcc: IpAddr,
        name: String,
        source: IpAddr,
        destination: IpAddr,
        setup: PathSetupType,
        #[serde(with = "super::wire_attributes")]
        attributes: Box<pcep::wire::Attributes>,
        color: Option<u32>,
        /// Absent in what was stored before groups could be asked for.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        disjoint_group: Option<crate::pce::DisjointGroup>,
    }

    pub(in crate::pce) fn serialize<S: serde::Serializer>(
        spec: &InitiateSpec,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Spec {
            pcc: spec.pcc,
            name: spec.name.clone(),
            source: spec.source,
            destination: spec.destination,
            setup: spec.setup,
            attributes: Box::new(spec.attributes.clone()),
            color: spec.color,
            disjoint_group: spec.disjoint_group,
        }
        .serialize(s)
    }

    pub(in crate::pce) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Box<InitiateSpec>, D::Error> {
        let s = Spec::deserialize(d)?;
        Ok(Box::new(InitiateSpec {
            pcc: s.pcc,
            name: s.name,
            source: s.source,
            destination: s.destination,
            setup: s.setup,
            attributes: *s.attributes,
            color: s.color,
            disjoint_group: s.disjoint_group,
        }))
    }
}
