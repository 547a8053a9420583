//! IANA "PCEP Numbers" registries as open newtypes (STYLE R4).
//!
//! Every code point is a transparent newtype, so values this crate does not
//! name still decode, compare and re-encode unchanged; `Debug` prints the
//! registry name where there is one and the number otherwise.
//! Registry: <https://www.iana.org/assignments/pcep>.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! codepoint {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$vmeta:meta])* $konst:ident = $val:literal => $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$vmeta])* pub const $konst: Self = Self($val); )*

            /// The registry's name for this value, if this crate knows it.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($text), )*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{}({})", n, self.0),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }
    };
}

codepoint! {
    /// PCEP message types (RFC 5440 §6.1 and later RFCs).
    MessageType(u8) {
        /// RFC 5440
        OPEN = 1 => "Open",
        /// RFC 5440
        KEEPALIVE = 2 => "Keepalive",
        /// RFC 5440
        PCREQ = 3 => "PCReq",
        /// RFC 5440
        PCREP = 4 => "PCRep",
        /// RFC 5440
        PCNTF = 5 => "PCNtf",
        /// RFC 5440
        PCERR = 6 => "PCErr",
        /// RFC 5440
        CLOSE = 7 => "Close",
        /// RFC 8231
        PCRPT = 10 => "PCRpt",
        /// RFC 8231
        PCUPD = 11 => "PCUpd",
        /// RFC 8281
        PCINITIATE = 12 => "PCInitiate",
        /// RFC 8253
        STARTTLS = 13 => "StartTLS",
    }
}

codepoint! {
    /// PCEP object classes (RFC 5440 §7.2 and later RFCs).
    ObjectClass(u8) {
        /// RFC 5440
        OPEN = 1 => "OPEN",
        /// RFC 5440
        RP = 2 => "RP",
        /// RFC 5440
        NO_PATH = 3 => "NO-PATH",
        /// RFC 5440
        END_POINTS = 4 => "END-POINTS",
        /// RFC 5440
        BANDWIDTH = 5 => "BANDWIDTH",
        /// RFC 5440
        METRIC = 6 => "METRIC",
        /// RFC 5440
        ERO = 7 => "ERO",
        /// RFC 5440
        RRO = 8 => "RRO",
        /// RFC 5440
        LSPA = 9 => "LSPA",
        /// RFC 5440
        IRO = 10 => "IRO",
        /// RFC 5440
        SVEC = 11 => "SVEC",
        /// RFC 5440
        NOTIFICATION = 12 => "NOTIFICATION",
        /// RFC 5440
        PCEP_ERROR = 13 => "PCEP-ERROR",
        /// RFC 5440
        LOAD_BALANCING = 14 => "LOAD-BALANCING",
        /// RFC 5440
        CLOSE = 15 => "CLOSE",
        /// RFC 5521
        XRO = 17 => "XRO",
        /// RFC 5541
        OF = 21 => "OF",
        /// RFC 8231
        LSP = 32 => "LSP",
        /// RFC 8231
        SRP = 33 => "SRP",
        /// RFC 7470
        VENDOR_INFORMATION = 34 => "VENDOR-INFORMATION",
        /// RFC 8697
        ASSOCIATION = 40 => "ASSOCIATION",
    }
}

codepoint! {
    /// PCEP TLV type indicators (RFC 5440 §7.1 and later RFCs).
    TlvType(u16) {
        /// RFC 5440
        NO_PATH_VECTOR = 1 => "NO-PATH-VECTOR",
        /// RFC 5440
        OVERLOADED_DURATION = 2 => "OVERLOADED-DURATION",
        /// RFC 5440
        REQ_MISSING = 3 => "REQ-MISSING",
        /// RFC 5541
        OF_LIST = 4 => "OF-LIST",
        /// RFC 7470
        VENDOR_INFORMATION = 7 => "VENDOR-INFORMATION",
        /// RFC 8231
        STATEFUL_PCE_CAPABILITY = 16 => "STATEFUL-PCE-CAPABILITY",
        /// RFC 8231
        SYMBOLIC_PATH_NAME = 17 => "SYMBOLIC-PATH-NAME",
        /// RFC 8231
        IPV4_LSP_IDENTIFIERS = 18 => "IPV4-LSP-IDENTIFIERS",
        /// RFC 8231
        IPV6_LSP_IDENTIFIERS = 19 => "IPV6-LSP-IDENTIFIERS",
        /// RFC 8231
        LSP_ERROR_CODE = 20 => "LSP-ERROR-CODE",
        /// RFC 8231
        RSVP_ERROR_SPEC = 21 => "RSVP-ERROR-SPEC",
        /// RFC 8232
        LSP_DB_VERSION = 23 => "LSP-DB-VERSION",
        /// RFC 8232
        SPEAKER_ENTITY_ID = 24 => "SPEAKER-ENTITY-ID",
        /// RFC 8664 (deprecated top-level form; now sub-TLV 26 of TLV 34)
        SR_PCE_CAPABILITY = 26 => "SR-PCE-CAPABILITY",
        /// RFC 8408
        PATH_SETUP_TYPE = 28 => "PATH-SETUP-TYPE",
        /// RFC 8697
        OPERATOR_CONFIGURED_ASSOCIATION_RANGE = 29 => "OP-CONF-ASSOC-RANGE",
        /// RFC 8697
        GLOBAL_ASSOCIATION_SOURCE = 30 => "GLOBAL-ASSOCIATION-SOURCE",
        /// RFC 8697
        EXTENDED_ASSOCIATION_ID = 31 => "EXTENDED-ASSOCIATION-ID",
        /// RFC 8408
        PATH_SETUP_TYPE_CAPABILITY = 34 => "PATH-SETUP-TYPE-CAPABILITY",
        /// RFC 8697
        ASSOC_TYPE_LIST = 35 => "ASSOC-TYPE-LIST",
        /// RFC 8800
        DISJOINTNESS_CONFIGURATION = 46 => "DISJOINTNESS-CONFIGURATION",
        /// RFC 8800
        DISJOINTNESS_STATUS = 47 => "DISJOINTNESS-STATUS",
    }
}

codepoint! {
    /// PCEP-ERROR Error-Type (RFC 5440 §7.15 and later RFCs); values in [`PcErrCode`].
    ErrorType(u8) {
        /// RFC 5440
        SESSION_ESTABLISHMENT = 1 => "PCEP session establishment failure",
        /// RFC 5440
        CAPABILITY_NOT_SUPPORTED = 2 => "Capability not supported",
        /// RFC 5440
        UNKNOWN_OBJECT = 3 => "Unknown Object",
        /// RFC 5440
        NOT_SUPPORTED_OBJECT = 4 => "Not supported object",
        /// RFC 5440
        POLICY_VIOLATION = 5 => "Policy violation",
        /// RFC 5440
        MANDATORY_OBJECT_MISSING = 6 => "Mandatory Object missing",
        /// RFC 5440
        SYNC_REQUEST_MISSING = 7 => "Synchronized path computation request missing",
        /// RFC 5440
        UNKNOWN_REQUEST_REFERENCE = 8 => "Unknown request reference",
        /// RFC 5440
        SECOND_SESSION = 9 => "Attempt to establish a second PCEP session",
        /// RFC 5440
        INVALID_OBJECT = 10 => "Reception of an invalid object",
        /// RFC 8231
        INVALID_OPERATION = 19 => "Invalid Operation",
        /// RFC 8231
        LSP_STATE_SYNC = 20 => "LSP State Synchronization Error",
        /// RFC 8408
        INVALID_PATH_SETUP_TYPE = 21 => "Invalid traffic engineering path setup type",
        /// RFC 8281
        BAD_PARAMETER_VALUE = 23 => "Bad parameter value",
        /// RFC 8281
        LSP_INSTANTIATION = 24 => "LSP instantiation error",
        /// RFC 8253
        STARTTLS_FAILURE = 25 => "PCEP StartTLS failure",
        /// RFC 8697
        ASSOCIATION = 26 => "Association Error",
    }
}

codepoint! {
    /// CLOSE object Reason field (RFC 5440 §7.17).
    CloseReason(u8) {
        /// RFC 5440
        NO_EXPLANATION = 1 => "No explanation provided",
        /// RFC 5440
        DEAD_TIMER = 2 => "DeadTimer expired",
        /// RFC 5440
        MALFORMED = 3 => "Reception of a malformed PCEP message",
        /// RFC 5440
        UNKNOWN_REQUESTS = 4 => "Too many unknown requests/replies",
        /// RFC 5440
        UNRECOGNIZED_MESSAGES = 5 => "Too many unrecognized messages",
    }
}

codepoint! {
    /// METRIC object T field (RFC 5440 §7.8 and later RFCs).
    MetricType(u8) {
        /// RFC 5440
        IGP = 1 => "IGP",
        /// RFC 5440
        TE = 2 => "TE",
        /// RFC 5440
        HOP_COUNT = 3 => "Hop Count",
        /// RFC 5541
        AGGREGATE_BANDWIDTH = 4 => "Aggregate bandwidth consumption",
        /// RFC 5541
        MOST_LOADED_LINK = 5 => "Load of the most loaded link",
        /// RFC 5541
        CUMULATIVE_IGP = 6 => "Cumulative IGP cost",
        /// RFC 5541
        CUMULATIVE_TE = 7 => "Cumulative TE cost",
        /// RFC 8664
        SID_DEPTH = 11 => "Segment-ID depth",
        /// RFC 8233
        PATH_DELAY = 12 => "Path Delay",
        /// RFC 8233
        PATH_DELAY_VARIATION = 13 => "Path Delay Variation",
        /// RFC 8233
        PATH_LOSS = 14 => "Path Loss",
    }
}

codepoint! {
    /// PATH-SETUP-TYPE values (RFC 8408 §4 and later RFCs).
    PathSetupType(u8) {
        /// RFC 8408
        RSVP_TE = 0 => "RSVP-TE",
        /// RFC 8664
        SR_TE = 1 => "SR-TE",
        /// RFC 9050
        PCECC = 2 => "PCECC",
        /// RFC 9603
        SRV6 = 3 => "SRv6",
        /// RFC 9757
        NATIVE_IP = 4 => "Native IP",
    }
}

codepoint! {
    /// ASSOCIATION object Association Type (RFC 8697 §6 and later RFCs).
    AssociationType(u16) {
        /// RFC 8745
        PATH_PROTECTION = 1 => "Path Protection",
        /// RFC 8800
        DISJOINT = 2 => "Disjoint",
        /// RFC 9005
        POLICY = 3 => "Policy",
        /// RFC 9059
        SINGLE_SIDED_BIDIRECTIONAL = 4 => "Single-sided Bidirectional",
        /// RFC 9059
        DOUBLE_SIDED_BIDIRECTIONAL = 5 => "Double-sided Bidirectional",
        /// RFC 9862
        SR_POLICY = 6 => "SR Policy",
    }
}

codepoint! {
    /// NOTIFICATION object Notification-type (RFC 5440 §7.14 and later RFCs).
    NotificationType(u8) {
        /// RFC 5440
        PENDING_REQUEST_CANCELLED = 1 => "Pending Request Cancelled",
        /// RFC 5440
        OVERLOADED = 2 => "Overloaded PCE",
        /// RFC 8231
        STATEFUL_RESOURCE_LIMIT = 4 => "Stateful PCE resource limit exceeded",
        /// RFC 8733
        AUTO_BANDWIDTH_OVERWHELM = 5 => "Auto-Bandwidth Overwhelm State",
    }
}

codepoint! {
    /// Objective function codes (RFC 5541 §4 and later RFCs).
    OfCode(u16) {
        /// RFC 5541
        MCP = 1 => "Minimum Cost Path",
        /// RFC 5541
        MLP = 2 => "Minimum Load Path",
        /// RFC 5541
        MBP = 3 => "Maximum residual Bandwidth Path",
        /// RFC 5541
        MBC = 4 => "Minimize aggregate Bandwidth Consumption",
        /// RFC 5541
        MLL = 5 => "Minimize the Load of the most loaded Link",
        /// RFC 5541
        MCC = 6 => "Minimize the Cumulative Cost of a set of paths",
        /// RFC 8800
        MSL = 15 => "Minimize the number of Shared Links",
        /// RFC 8800
        MSS = 16 => "Minimize the number of Shared SRLGs",
        /// RFC 8800
        MSN = 17 => "Minimize the number of Shared Nodes",
    }
}

/// A PCEP-ERROR (Error-Type, Error-value) pair, as sent in a PCErr.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PcErrCode {
    /// Error-Type.
    pub error_type: ErrorType,
    /// Error-value, meaningful within its Error-Type.
    pub error_value: u8,
}

impl PcErrCode {
    /// Build a code from its two numbers.
    pub const fn new(error_type: u8, error_value: u8) -> Self {
        Self {
            error_type: ErrorType(error_type),
            error_value,
        }
    }

    // RFC 5440 §7.15
    /// 1/1: invalid Open message or non-Open message received.
    pub const INVALID_OPEN: Self = Self::new(1, 1);
    /// 25/1: StartTLS received after another PCEP exchange (RFC 8253).
    pub const STARTTLS_AFTER_EXCHANGE: Self = Self::new(25, 1);
    /// 25/2: a message other than StartTLS, Open or PCErr first (RFC 8253).
    pub const STARTTLS_UNEXPECTED_MESSAGE: Self = Self::new(25, 2);
    /// 25/3: TLS failed, and no session without it (RFC 8253).
    pub const STARTTLS_NO_FALLBACK: Self = Self::new(25, 3);
    /// 25/4: TLS failed, a session without it is possible (RFC 8253).
    pub const STARTTLS_FALLBACK_POSSIBLE: Self = Self::new(25, 4);
    /// 25/5: no StartTLS (nor PCErr/Open) before StartTLSWait expiry.
    pub const NO_STARTTLS_BEFORE_STARTTLSWAIT: Self = Self::new(25, 5);
    /// 1/2: no Open message received before the expiration of the OpenWait timer.
    pub const NO_OPEN_BEFORE_OPENWAIT: Self = Self::new(1, 2);
    /// 1/3: unacceptable and non-negotiable session characteristics.
    pub const UNACCEPTABLE_NON_NEGOTIABLE: Self = Self::new(1, 3);
    /// 1/4: unacceptable but negotiable session characteristics.
    pub const UNACCEPTABLE_NEGOTIABLE: Self = Self::new(1, 4);
    /// 1/5: second Open message with still unacceptable characteristics.
    pub const SECOND_OPEN_UNACCEPTABLE: Self = Self::new(1, 5);
    /// 1/6: PCErr proposing unacceptable session characteristics.
    pub const PCERR_UNACCEPTABLE_PROPOSAL: Self = Self::new(1, 6);
    /// 1/7: no Keepalive or PCErr before the expiration of the KeepWait timer.
    pub const NO_KEEPALIVE_BEFORE_KEEPWAIT: Self = Self::new(1, 7);
    /// 1/8: PCEP version not supported.
    pub const VERSION_NOT_SUPPORTED: Self = Self::new(1, 8);
    /// 2: capability not supported (also used for an unknown message type).
    pub const CAPABILITY_NOT_SUPPORTED: Self = Self::new(2, 0);
    /// 3/1: unrecognized object class.
    pub const UNRECOGNIZED_OBJECT_CLASS: Self = Self::new(3, 1);
    /// 3/2: unrecognized object type.
    pub const UNRECOGNIZED_OBJECT_TYPE: Self = Self::new(3, 2);
    /// 6/1: RP object missing.
    pub const RP_MISSING: Self = Self::new(6, 1);
    /// 6/3: END-POINTS object missing.
    pub const END_POINTS_MISSING: Self = Self::new(6, 3);
    /// 6/8: LSP object missing (RFC 8231).
    pub const LSP_MISSING: Self = Self::new(6, 8);
    /// 6/9: ERO object missing (RFC 8231).
    pub const ERO_MISSING: Self = Self::new(6, 9);
    /// 6/10: SRP object missing (RFC 8231).
    pub const SRP_MISSING: Self = Self::new(6, 10);
    /// 6/11: LSP-IDENTIFIERS TLV missing (RFC 8231).
    pub const LSP_IDENTIFIERS_MISSING: Self = Self::new(6, 11);
    /// 6/12: LSP-DB-VERSION TLV missing (RFC 8232).
    pub const LSP_DB_VERSION_MISSING: Self = Self::new(6, 12);
    /// 6/15: DISJOINTNESS-CONFIGURATION TLV missing (RFC 8800).
    pub const DISJOINTNESS_CONFIGURATION_MISSING: Self = Self::new(6, 15);
    /// 10/1: P flag not set where required (RP in PCReq/PCRep, RFC 5440 §7.4).
    pub const P_FLAG_NOT_SET: Self = Self::new(10, 1);
    /// 10/3: unsupported number of SR-ERO subobjects, more than the MSD
    /// (RFC 8664 §6.2).
    pub const SR_ERO_EXCEEDS_MSD: Self = Self::new(10, 3);
    /// 10/5: ERO mixes SR-ERO subobjects with other subobject types (RFC 8664).
    pub const ERO_MIXES_SR: Self = Self::new(10, 5);
    /// 10/6: SR-ERO subobject with both SID and NAI absent (RFC 8664).
    pub const SR_ERO_SID_NAI_ABSENT: Self = Self::new(10, 6);
    /// 10/7: SR-RRO subobject with both SID and NAI absent (RFC 8664).
    pub const SR_RRO_SID_NAI_ABSENT: Self = Self::new(10, 7);
    /// 10/8: SYMBOLIC-PATH-NAME TLV missing (RFC 8281).
    pub const SYMBOLIC_PATH_NAME_MISSING: Self = Self::new(10, 8);
    /// 10/10: RRO mixes SR-RRO subobjects with other subobject types (RFC 8664).
    pub const RRO_MIXES_SR: Self = Self::new(10, 10);
    /// 10/11: malformed object (RFC 8408).
    pub const MALFORMED_OBJECT: Self = Self::new(10, 11);
    /// 10/13: unsupported NAI type in an SR-ERO/SR-RRO subobject (RFC 8664).
    pub const UNSUPPORTED_NAI_TYPE: Self = Self::new(10, 13);
    /// 19/1: update or delete for a non-delegated LSP (RFC 8231).
    pub const NOT_DELEGATED: Self = Self::new(19, 1);
    /// 19/3: update for an unknown PLSP-ID (RFC 8231).
    pub const UNKNOWN_PLSP_ID: Self = Self::new(19, 3);
    /// 19/8: non-zero PLSP-ID in an LSP instantiation request (RFC 8281).
    pub const NON_ZERO_PLSP_ID: Self = Self::new(19, 8);
    /// 9: attempt to establish a second PCEP session (RFC 5440).
    pub const SECOND_SESSION: Self = Self::new(9, 0);
    /// 19/5: state report without the stateful capability (RFC 8231).
    pub const REPORT_WITHOUT_STATEFUL: Self = Self::new(19, 5);
    /// 19/7: the delegation of a PCE-initiated LSP cannot be revoked
    /// (RFC 8281).
    pub const INITIATED_DELEGATION_NOT_REVOCABLE: Self = Self::new(19, 7);
    /// 19/9: the LSP is not PCE-initiated (RFC 8281).
    pub const NOT_PCE_INITIATED: Self = Self::new(19, 9);
    /// 20/1: the state report cannot be processed (RFC 8231).
    pub const REPORT_NOT_PROCESSED: Self = Self::new(20, 1);
    /// 20/2: LSP-DB version mismatch (RFC 8232 §3.2).
    pub const DB_VERSION_MISMATCH: Self = Self::new(20, 2);
    /// 20/3: a synchronization attempted before the PCE's trigger
    /// (RFC 8232 §4, F negotiated).
    pub const SYNC_BEFORE_TRIGGER: Self = Self::new(20, 3);
    /// 20/4: a synchronization trigger without the F or T capability
    /// negotiated (RFC 8232 §4, §5).
    pub const TRIGGER_WITHOUT_CAPABILITY: Self = Self::new(20, 4);
    /// 20/5: the PCC cannot complete the state synchronization (RFC 8231).
    pub const SYNC_NOT_COMPLETED: Self = Self::new(20, 5);
    /// 20/6: invalid LSP-DB version number (RFC 8232).
    pub const INVALID_DB_VERSION: Self = Self::new(20, 6);
    /// 20/7: invalid SPEAKER-ENTITY-ID (RFC 8232).
    pub const INVALID_SPEAKER_ENTITY_ID: Self = Self::new(20, 7);
    /// 23/1: SYMBOLIC-PATH-NAME in use (RFC 8281).
    pub const SYMBOLIC_PATH_NAME_IN_USE: Self = Self::new(23, 1);
    /// 24/1: unacceptable instantiation parameters (RFC 8281).
    pub const UNACCEPTABLE_INSTANTIATION: Self = Self::new(24, 1);
    /// 6 with a value: a mandatory object missing (the state-sync draft's
    /// SPEAKER-ENTITY-ID value is configuration).
    pub const fn mandatory_object_missing(value: u8) -> Self {
        Self::new(6, value)
    }
    /// 24 with a value: an instantiation error (the state-sync draft's
    /// "no session with the head end" value is configuration).
    pub const fn instantiation_error(value: u8) -> Self {
        Self::new(24, value)
    }
}

impl fmt::Debug for PcErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PCErr({}/{})", self.error_type.0, self.error_value)
    }
}

impl fmt::Display for PcErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_type.name() {
            Some(n) => write!(f, "{}/{} ({n})", self.error_type.0, self.error_value),
            None => write!(f, "{}/{}", self.error_type.0, self.error_value),
        }
    }
}
