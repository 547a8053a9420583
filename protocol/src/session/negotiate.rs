//! Open negotiation (RFC 5440 §4.2.1, §7.3) and capability intersection
//! (RFC 8231 §7.1.1, RFC 8408 §3, RFC 8664 §4.1, RFC 8697 §6.1.4).

use std::time::Duration;

use bytes::Bytes;

use crate::wire::iana::{AssociationType, PathSetupType};
use crate::wire::object::Open;
use crate::wire::tlv::{SrPceCapability, StatefulCapability, Tlv};
use crate::wire::StateSyncCodepoints;

/// Which session timers we accept from a peer's Open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenPolicy {
    /// Smallest keepalive accepted, seconds.
    pub min_keepalive: u8,
    /// Largest keepalive accepted, seconds.
    pub max_keepalive: u8,
    /// Accept a peer that sends no keepalives (keepalive 0, dead timer 0).
    pub allow_no_keepalive: bool,
    /// Largest dead timer accepted, seconds.
    pub max_dead_timer: u8,
}

impl Default for OpenPolicy {
    fn default() -> Self {
        Self {
            min_keepalive: 1,
            max_keepalive: 255,
            allow_no_keepalive: true,
            max_dead_timer: 255,
        }
    }
}

impl OpenPolicy {
    /// Whether the peer's Open is acceptable: `Err(Some(proposal))` when it
    /// is not but acceptable values exist (PCErr 1/4 carries the proposal),
    /// `Err(None)` when it cannot be fixed (1/3).
    pub fn check(&self, peer: &Open) -> Result<(), Option<Open>> {
        if peer.version != 1 {
            return Err(None);
        }
        if self.acceptable(peer.keepalive, peer.dead_timer) {
            return Ok(());
        }
        let keepalive = peer
            .keepalive
            .clamp(self.min_keepalive.max(1), self.max_keepalive);
        let dead_timer = keepalive
            .saturating_mul(4)
            .min(self.max_dead_timer)
            .max(keepalive);
        if !self.acceptable(keepalive, dead_timer) {
            return Err(None);
        }
        Err(Some(Open {
            keepalive,
            dead_timer,
            tlvs: Vec::new(),
            ..peer.clone()
        }))
    }

    /// Whether we can adopt values a peer proposed for our own Open.
    pub fn adoptable(&self, proposal: &Open) -> bool {
        proposal.version == 1 && self.acceptable(proposal.keepalive, proposal.dead_timer)
    }

    fn acceptable(&self, keepalive: u8, dead_timer: u8) -> bool {
        if keepalive == 0 {
            // RFC 5440 §7.3: no keepalives; the dead timer is then 0 (ignored).
            return self.allow_no_keepalive;
        }
        (self.min_keepalive..=self.max_keepalive).contains(&keepalive)
            && dead_timer >= keepalive
            && dead_timer <= self.max_dead_timer
    }
}

/// What both sides advertised (a capability is in force only when both did).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Both sent STATEFUL-PCE-CAPABILITY (RFC 8231 §5.4).
    pub stateful: bool,
    /// U: LSP updates (active stateful).
    pub update: bool,
    /// I: PCE-initiated LSPs (RFC 8281).
    pub instantiation: bool,
    /// S: LSP-DB-VERSION in reports (RFC 8232).
    pub include_db_version: bool,
    /// T: triggered resync (RFC 8232).
    pub triggered_resync: bool,
    /// D: incremental (delta) sync (RFC 8232).
    pub delta_lsp_sync: bool,
    /// F: triggered initial sync (RFC 8232).
    pub triggered_initial_sync: bool,
    /// The state-sync draft's INTER-PCE-CAPABILITY, on both sides, with U.
    pub inter_pce: bool,
    /// Path setup types both support (RSVP-TE alone when one sent none).
    pub path_setup_types: Vec<PathSetupType>,
    /// Association types both support (RFC 8697).
    pub association_types: Vec<AssociationType>,
}

/// The session's negotiated parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Negotiated {
    /// Our Open.
    pub local: Open,
    /// The peer's Open.
    pub peer: Open,
    /// Capabilities in force.
    pub capabilities: Capabilities,
    /// The peer's SR capability (MSD), if it advertised one.
    pub peer_sr: Option<SrPceCapability>,
    /// The peer's SPEAKER-ENTITY-ID, if any.
    pub peer_speaker_id: Option<Bytes>,
    /// The peer's LSP-DB-VERSION, if any (RFC 8232 sync avoidance).
    pub peer_db_version: Option<u64>,
}

impl Negotiated {
    /// Intersect the two Opens.
    pub fn new(local: &Open, peer: &Open, codepoints: &StateSyncCodepoints) -> Self {
        let (lc, pc) = (local.stateful_capability(), peer.stateful_capability());
        let both =
            |f: fn(StatefulCapability) -> bool| lc.zip(pc).is_some_and(|(l, p)| f(l) && f(p));
        let psts = |o: &Open| -> Vec<PathSetupType> {
            o.path_setup_type_capability().map_or_else(
                || vec![PathSetupType::RSVP_TE],
                |c| c.path_setup_types.clone(),
            )
        };
        let assoc = |o: &Open| -> Vec<AssociationType> {
            o.tlvs
                .iter()
                .find_map(|t| match t {
                    Tlv::AssocTypeList(v) => Some(v.clone()),
                    _ => None,
                })
                .unwrap_or_default()
        };
        let (lp, pp) = (psts(local), psts(peer));
        let (la, pa) = (assoc(local), assoc(peer));
        let update = both(StatefulCapability::update);
        let capabilities = Capabilities {
            stateful: lc.is_some() && pc.is_some(),
            update,
            instantiation: both(StatefulCapability::instantiation),
            include_db_version: both(StatefulCapability::include_db_version),
            triggered_resync: both(StatefulCapability::triggered_resync),
            delta_lsp_sync: both(StatefulCapability::delta_lsp_sync),
            triggered_initial_sync: both(StatefulCapability::triggered_initial_sync),
            // DIGEST §8.2: P without U is treated as P=0.
            inter_pce: update
                && lc
                    .zip(pc)
                    .is_some_and(|(l, p)| l.inter_pce(codepoints) && p.inter_pce(codepoints)),
            path_setup_types: lp.iter().copied().filter(|p| pp.contains(p)).collect(),
            association_types: la.iter().copied().filter(|a| pa.contains(a)).collect(),
        };
        Self {
            local: local.clone(),
            peer: peer.clone(),
            capabilities,
            peer_sr: peer.sr_capability(),
            peer_speaker_id: peer.speaker_entity_id().cloned(),
            peer_db_version: peer.lsp_db_version(),
        }
    }

    /// How often we send Keepalives: our announced keepalive (RFC 5440 §6.3).
    pub fn keepalive(&self) -> Option<Duration> {
        (self.local.keepalive > 0).then(|| Duration::from_secs(u64::from(self.local.keepalive)))
    }

    /// After how long without a message the peer is dead: the peer's
    /// announced DeadTimer (RFC 5440 §7.3), none when it sends no keepalives.
    pub fn dead_timer(&self) -> Option<Duration> {
        (self.peer.keepalive > 0 && self.peer.dead_timer > 0)
            .then(|| Duration::from_secs(u64::from(self.peer.dead_timer)))
    }
}
