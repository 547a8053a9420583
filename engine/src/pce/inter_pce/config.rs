//! State-sync configuration (draft-ietf-pce-state-sync): peers, priorities,
//! the policies the draft leaves local, its code points.

use std::net::IpAddr;

use pcep::wire::StateSyncCodepoints;
use serde::{Deserialize, Serialize};

/// A configured peer PCE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPce {
    /// Its address (the one its state-sync session comes from or goes to,
    /// and its identity for the tie-break).
    pub address: IpAddr,
    /// Its global computation priority.
    pub priority: u32,
}

/// Priorities for an association group range (draft §3.5, §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPriority {
    /// Association type.
    pub association_type: u16,
    /// Association source.
    pub source: IpAddr,
    /// First and last association ID.
    pub ids: (u16, u16),
    /// Priority by PCE address (this PCE's identity included); a PCE not
    /// listed has priority 0 for these groups.
    pub priorities: Vec<(IpAddr, u32)>,
}

/// Priorities for one LSP, by its PCC and symbolic name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LspPriority {
    /// The owner PCC's address.
    pub pcc: IpAddr,
    /// The LSP's symbolic name.
    pub name: String,
    /// Priority by PCE address; unlisted: 0.
    pub priorities: Vec<(IpAddr, u32)>,
}

/// What a PCE does with the LSPs it sub-delegated when the computing PCE
/// (or the session to it) fails (draft §3.5: local policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrimaryLoss {
    /// Sub-delegate to the next-highest reachable PCE (itself included).
    #[default]
    NextHighest,
    /// Take control back and compute itself.
    Reclaim,
}

/// What the computing PCE does with an association group of which it
/// controls only some members (draft §3.5: SHOULD NOT compute with the
/// constraint; local policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartialGroup {
    /// Compute the members it controls without the group constraint.
    Relax,
    /// Do not compute them.
    Skip,
    /// Compute them against the reported paths of the others (what a PCE
    /// without state-sync does). The default: it never moves an LSP into a
    /// shared risk with a member this PCE cannot move (after a PCE failure,
    /// say), and with a consistent priority configuration only one PCE
    /// computes a group, so it cannot loop.
    #[default]
    AvoidOthers,
}

/// State-sync configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSync {
    /// This PCE's identity (tie-break address).
    pub identity: IpAddr,
    /// This PCE's global priority.
    pub priority: u32,
    /// The peers (a full mesh is required: every PCE lists every other).
    pub peers: Vec<PeerPce>,
    /// Per association group priorities (before the global ones).
    pub group_priorities: Vec<GroupPriority>,
    /// Per LSP priorities (before everything).
    pub lsp_priorities: Vec<LspPriority>,
    /// When the computing PCE is lost.
    pub on_primary_loss: PrimaryLoss,
    /// Groups controlled only in part.
    pub partial_group: PartialGroup,
    /// Forward reports of PCCs that send no LSP-DB-VERSION (the draft says
    /// SHOULD NOT; most deployed PCCs, FRR's pathd included, send none, and
    /// without forwarding their LSPs never reach the peers incrementally).
    /// Freshness then falls back to: the PCC's own report wins, else the
    /// last forwarded one.
    pub forward_without_db_version: bool,
    /// Accept a peer's reports for PCCs it has not announced (PCNtf "Add
    /// PCC's Open Information", §3.2 of the draft's newest revisions).
    /// Off by default: a peer then speaks only for the PCCs it said it has
    /// a session with, and for LSPs it taught us before (their withdrawal,
    /// and the state it keeps for a PCC through the State Timeout). Turn
    /// it on for peers built to revisions without the PCNtf relay.
    pub accept_unannounced_pccs: bool,
    /// The draft's unallocated code points.
    pub codepoints: StateSyncCodepoints,
}

impl StateSync {
    /// A configuration with these peers and defaults elsewhere.
    pub fn new(identity: IpAddr, priority: u32, peers: Vec<PeerPce>) -> Self {
        Self {
            identity,
            priority,
            peers,
            group_priorities: Vec::new(),
            lsp_priorities: Vec::new(),
            on_primary_loss: PrimaryLoss::default(),
            partial_group: PartialGroup::default(),
            forward_without_db_version: true,
            accept_unannounced_pccs: false,
            codepoints: StateSyncCodepoints::default(),
        }
    }
}
