//! Operator commands that change LSPs: constraints, returning a
//! delegation, a reload of the state-sync priorities.

use std::net::IpAddr;

use pcep::wire::object::{Lsp, Srp};
use pcep::wire::{Attributes, Message, PathSetupType, PcUpd, UpdateRequest};

use crate::lspdb::{LspKey, PccId};
use crate::pce::compute::srp_with;
use crate::pce::intent::IntentKind;
use crate::pce::name_key;
use crate::pce::Pce;

/// Why a management command was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// No session to that PCC.
    #[error("no PCEP session with PCC {0}")]
    NoSession(IpAddr),
    /// The PCC did not negotiate instantiation (I flag, RFC 8281 §4).
    #[error("PCC {0} did not negotiate PCE-initiated LSPs (I flag)")]
    NotCapable(IpAddr),
    /// The PCC did not negotiate triggered resynchronization (T flag,
    /// RFC 8232 §3.5).
    #[error("PCC {0} did not negotiate triggered resynchronization (T flag)")]
    NoTriggeredResync(IpAddr),
    /// The PCC has not finished its state synchronization.
    #[error("PCC {0} has not finished its state synchronization")]
    NotSynchronized(IpAddr),
    /// The name is taken on that PCC.
    #[error("symbolic name {name:?} already in use on PCC {pcc}")]
    NameInUse {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// The LSP is neither PCE-initiated nor delegated to this PCE.
    #[error("LSP {name:?} on PCC {pcc} is not delegated to this PCE")]
    NotDelegated {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// No LSP of that name (for a deletion: none initiated by this PCE).
    #[error("no LSP {name:?} on PCC {pcc} (for a deletion: none initiated by this PCE)")]
    UnknownLsp {
        /// The PCC.
        pcc: IpAddr,
        /// The name.
        name: String,
    },
    /// The end points are not in the topology, or no path satisfies the
    /// constraints.
    #[error("no path: {0}")]
    NoPath(String),
    /// A topology change that cannot be applied (the topology stays).
    #[error("topology: {0}")]
    Topology(String),
    /// (The shell's.) The change applies in the running PCE, but it could
    /// not be stored: it would not outlive a restart.
    #[error("applied, but not stored (it will not outlive a restart): {0}")]
    NotStored(String),
}

impl Pce {
    /// Change the constraints of a PCE-initiated LSP, or of an LSP delegated
    /// to this PCE (they then override the ones the PCC reports): recompute
    /// and send the update, even when the path stays the same (the
    /// attributes changed).
    pub fn update_lsp(
        &mut self,
        pcc: IpAddr,
        name: &str,
        attributes: Attributes,
    ) -> Result<(), CommandError> {
        let id = PccId::Addr(pcc);
        let key = self.lspdb.by_name(id, name.as_bytes());
        // An LSP a peer sub-delegated to us is updated through that peer:
        // no session with its PCC is needed.
        let via_peer = key
            .and_then(|k| {
                self.lspdb.with(&k, |e| {
                    e.control.delegated && e.control.via_peer().is_some()
                })
            })
            .unwrap_or(false);
        if !via_peer {
            self.synced_session(pcc, false)?;
        }
        let durable = name_key(id, name.as_bytes());
        if let Some(spec) = self.initiated.get_mut(&durable) {
            spec.attributes = attributes;
            self.intent_touched(IntentKind::Initiated, &durable);
        } else {
            let key = key.ok_or_else(|| CommandError::UnknownLsp {
                pcc,
                name: name.to_owned(),
            })?;
            if !self
                .lspdb
                .with(&key, |e| e.control.delegated)
                .unwrap_or(false)
            {
                return Err(CommandError::NotDelegated {
                    pcc,
                    name: name.to_owned(),
                });
            }
            self.intent_touched(IntentKind::Override, &durable);
            self.overrides.insert(durable, attributes);
        }
        if let Some(key) = key {
            self.lspdb.with_mut(&key, |e| {
                e.control.acked_srp = None;
                e.control.pending_srp = None;
            });
            self.compute_and_update(key, true);
        }
        Ok(())
    }

    /// Return an LSP's delegation to its PCC (RFC 8231 §5.7: a PCUpd with
    /// D=0; it carries the path the LSP has, so the PCC keeps it). Returns
    /// the SRP-ID. Operator constraints for it are dropped.
    pub fn return_delegation(&mut self, pcc: IpAddr, name: &str) -> Result<u32, CommandError> {
        let session = self.synced_session(pcc, false)?;
        let id = PccId::Addr(pcc);
        let key =
            self.lspdb
                .by_name(id, name.as_bytes())
                .ok_or_else(|| CommandError::UnknownLsp {
                    pcc,
                    name: name.to_owned(),
                })?;
        let Some((report, delegated)) =
            self.lspdb.with(&key, |e| (e.report(), e.control.delegated))
        else {
            return Err(CommandError::UnknownLsp {
                pcc,
                name: name.to_owned(),
            });
        };
        if !delegated {
            return Err(CommandError::NotDelegated {
                pcc,
                name: name.to_owned(),
            });
        }
        let Some(s) = self.sessions.get_mut(&session) else {
            return Err(CommandError::NoSession(pcc));
        };
        let srp_id = s.srp_id();
        let setup = report
            .srp
            .as_ref()
            .map_or(PathSetupType::RSVP_TE, Srp::path_setup_type);
        let srp = srp_with(srp_id, setup);
        let update = UpdateRequest {
            srp,
            lsp: Lsp {
                plsp_id: key.plsp_id,
                delegate: false,
                administrative: report.lsp.administrative,
                create: report.lsp.create,
                ..Lsp::default()
            },
            associations: Vec::new(),
            ero: report.ero,
            attributes: Attributes::default(),
            unknown: Vec::new(),
        };
        let durable = name_key(id, name.as_bytes());
        if self.overrides.remove(&durable).is_some() {
            self.intent_touched(IntentKind::Override, &durable);
        }
        if self.returned.insert(durable.clone()).is_none() {
            self.intent_touched(IntentKind::Returned, &durable);
        }
        self.release(&key);
        self.lspdb.with_mut(&key, |e| {
            e.control.delegated = false;
            e.control.pending_srp = None;
        });
        self.send(
            session,
            Message::PcUpd(PcUpd {
                updates: vec![update],
            }),
        );
        Ok(srp_id)
    }

    /// The operator takes back an LSP's returned delegation: the next time
    /// its PCC delegates it, this PCE keeps it (RFC 8231 leaves it to the
    /// PCC to delegate again). Whether it was returned.
    pub fn accept_delegation(&mut self, pcc: IpAddr, name: &str) -> bool {
        let durable = name_key(PccId::Addr(pcc), name.as_bytes());
        let was = self.returned.remove(&durable).is_some();
        if was {
            self.intent_touched(IntentKind::Returned, &durable);
        }
        was
    }

    /// Whether the operator returned this LSP's delegation.
    pub(super) fn returned_by_operator(&self, key: LspKey) -> bool {
        !self.returned.is_empty()
            && self
                .lspdb
                .with(&key, |e| {
                    e.control.delegated && self.returned.contains(&name_key(key.pcc, &e.name))
                })
                .unwrap_or(false)
    }

    /// Return again a delegation the operator returned, now that the PCC
    /// gave it again.
    pub(super) fn return_again(&mut self, key: LspKey) {
        let (Some(pcc), Some(name)) = (
            key.pcc.addr(),
            self.lspdb
                .with(&key, |e| String::from_utf8_lossy(&e.name).into_owned()),
        ) else {
            return;
        };
        let _ = self.return_delegation(pcc, &name);
    }
}
