//! Knobs that change how bytes are read and written.
//!
//! The state-sync draft (draft-ietf-pce-state-sync) has no IANA allocations
//! (DIGEST §8.16): its capability bit, error values, TLV type and notification
//! type are *configuration*, with documented lab defaults, so that two PCEs
//! built by different teams can be made to agree without a rebuild.

use serde::{Deserialize, Serialize};

use super::iana::{ErrorType, NotificationType, PcErrCode, TlvType};

/// The largest message PCEP can express (the 16-bit Message-Length field).
pub const MAX_PCEP_MESSAGE_LEN: usize = u16::MAX as usize;

/// Code points of draft-ietf-pce-state-sync, which IANA has not allocated.
///
/// Defaults (documented in the README, "Decisions on the draft"):
/// * INTER-PCE-CAPABILITY: STATEFUL-PCE-CAPABILITY bit 16 (mask `0x0000_8000`),
///   the highest-numbered bit still free in the registry (DIGEST §8.16).
/// * SPEAKER-ENTITY-ID missing: Error-Type 6, value 23 (next free value).
/// * No PCEP session with the head end: Error-Type 24, value 4 (next free).
/// * ORIGINAL-LSP-DB-VERSION: TLV type 65504, the first Experimental Use
///   type (RFC 8356), so it can never collide with a future allocation.
/// * PCC Open relay notification: Notification-type 6 (next free), values 1
///   (PCC session up) and 2 (PCC session down), per seed 003.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateSyncCodepoints {
    /// Mask of the INTER-PCE-CAPABILITY flag in STATEFUL-PCE-CAPABILITY.
    pub inter_pce_capability_mask: u32,
    /// Error-value (within Error-Type 6) for "SPEAKER-ENTITY-ID missing" (TBD1).
    pub speaker_entity_id_missing: u8,
    /// Error-value (within Error-Type 24) for "no PCEP session with the head end" (TBD5).
    pub no_headend_session: u8,
    /// TLV type of ORIGINAL-LSP-DB-VERSION (TBD2).
    pub original_lsp_db_version_tlv: u16,
    /// Notification-type of the PCC Open relay PCNtf.
    pub pcc_open_notification_type: u8,
}

impl StateSyncCodepoints {
    /// Lab default of the INTER-PCE-CAPABILITY mask (TBD4): IANA bit 16,
    /// the highest-numbered bit still free in the registry.
    pub const DEFAULT_INTER_PCE_CAPABILITY_MASK: u32 = 0x0000_8000;
    /// Lab default of "SPEAKER-ENTITY-ID missing" (TBD1), an Error-value of
    /// Error-Type 6: the next value IANA has not assigned.
    pub const DEFAULT_SPEAKER_ENTITY_ID_MISSING: u8 = 23;
    /// Lab default of "no PCEP session with the head end" (TBD5), an
    /// Error-value of Error-Type 24: the next value IANA has not assigned.
    pub const DEFAULT_NO_HEADEND_SESSION: u8 = 4;
    /// Lab default of the ORIGINAL-LSP-DB-VERSION TLV type (TBD2): the first
    /// Experimental Use type (RFC 8356), which no allocation can collide with.
    pub const DEFAULT_ORIGINAL_LSP_DB_VERSION_TLV: u16 = 65504;
    /// Lab default of the PCC Open relay Notification-type: the next type
    /// IANA has not assigned (values 1 and 2 as in seed 003).
    pub const DEFAULT_PCC_OPEN_NOTIFICATION_TYPE: u8 = 6;
    /// PCC Open relay Notification-value: the PCC session came up.
    pub const PCC_OPEN_NOTIFICATION_UP: u8 = 1;
    /// PCC Open relay Notification-value: the PCC session went down.
    pub const PCC_OPEN_NOTIFICATION_DOWN: u8 = 2;

    /// The PCErr for a state-sync report or update without SPEAKER-ENTITY-ID.
    pub const fn speaker_entity_id_missing_error(&self) -> PcErrCode {
        PcErrCode {
            error_type: ErrorType::MANDATORY_OBJECT_MISSING,
            error_value: self.speaker_entity_id_missing,
        }
    }

    /// The PCErr for a relayed PCInitiate whose head end has no session here.
    pub const fn no_headend_session_error(&self) -> PcErrCode {
        PcErrCode {
            error_type: ErrorType::LSP_INSTANTIATION,
            error_value: self.no_headend_session,
        }
    }

    /// The ORIGINAL-LSP-DB-VERSION TLV type as a [`TlvType`].
    pub const fn original_lsp_db_version(&self) -> TlvType {
        TlvType(self.original_lsp_db_version_tlv)
    }

    /// The PCC Open relay notification type as a [`NotificationType`].
    pub const fn pcc_open_notification(&self) -> NotificationType {
        NotificationType(self.pcc_open_notification_type)
    }

    /// Check that the code points cannot be confused with assigned ones.
    pub fn validate(&self) -> Result<(), &'static str> {
        const ASSIGNED_STATEFUL_BITS: u32 = 0x0000_7FFF;
        if self.inter_pce_capability_mask.count_ones() != 1 {
            return Err("inter_pce_capability_mask must have exactly one bit set");
        }
        if self.inter_pce_capability_mask & ASSIGNED_STATEFUL_BITS != 0 {
            return Err(
                "inter_pce_capability_mask collides with an IANA-assigned flag (bits 17-31)",
            );
        }
        if self.speaker_entity_id_missing == 0 || self.no_headend_session == 0 {
            return Err("error values must be non-zero");
        }
        if self.original_lsp_db_version_tlv == 0 {
            return Err("original_lsp_db_version_tlv must be non-zero");
        }
        if matches!(self.original_lsp_db_version_tlv, 1..=76) {
            return Err("original_lsp_db_version_tlv collides with an IANA-assigned TLV type");
        }
        if matches!(self.pcc_open_notification_type, 0..=5) {
            return Err("pcc_open_notification_type collides with an IANA-assigned type (1-5)");
        }
        Ok(())
    }
}

impl Default for StateSyncCodepoints {
    fn default() -> Self {
        Self {
            inter_pce_capability_mask: Self::DEFAULT_INTER_PCE_CAPABILITY_MASK,
            speaker_entity_id_missing: Self::DEFAULT_SPEAKER_ENTITY_ID_MISSING,
            no_headend_session: Self::DEFAULT_NO_HEADEND_SESSION,
            original_lsp_db_version_tlv: Self::DEFAULT_ORIGINAL_LSP_DB_VERSION_TLV,
            pcc_open_notification_type: Self::DEFAULT_PCC_OPEN_NOTIFICATION_TYPE,
        }
    }
}

/// What to do with an object whose class or type this crate does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownObjectPolicy {
    /// RFC 5440 §7.2: the P flag is the PCC's "must be taken into account"
    /// marker in a PCReq. An unknown object with P=1 in a PCReq is an error
    /// (PCErr 3/1 or 3/2); any other unknown object is kept raw, ignored by
    /// the engine, and re-encoded unchanged. Real PCCs do send unregistered
    /// objects with P=1 in PCRpt (a Cisco PCRpt in FRR's pceplib tests carries
    /// BANDWIDTH object-type 5 with P=1), so rejecting those breaks interop.
    #[default]
    RejectProcessingInRequests,
    /// Reject every unknown object whose P flag is set, in any message.
    RejectProcessing,
    /// Reject every unknown object, P flag or not.
    RejectAll,
}

/// Everything the codec needs to know besides the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WireConfig {
    /// Largest accepted message, header included. A message announcing more is
    /// refused from its 4-byte header, before its body is buffered.
    pub max_message_len: usize,
    /// See [`UnknownObjectPolicy`].
    pub unknown_objects: UnknownObjectPolicy,
    /// See [`StateSyncCodepoints`].
    pub state_sync: StateSyncCodepoints,
}

impl Default for WireConfig {
    fn default() -> Self {
        Self {
            max_message_len: MAX_PCEP_MESSAGE_LEN,
            unknown_objects: UnknownObjectPolicy::default(),
            state_sync: StateSyncCodepoints::default(),
        }
    }
}
