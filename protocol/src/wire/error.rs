//! Decode and encode errors, and their wire meaning (STYLE R7).
//!
//! Every [`DecodeError`] maps, in one `match` without a wildcard arm, to the
//! PCErr (Error-Type, Error-value) the RFCs prescribe (DIGEST §3), and says
//! whether the session must close afterwards. Adding a variant does not
//! compile until it has a wire meaning.
//!
//! Where no RFC names a value for a framing fault (a message length that
//! cannot be true, an object that overruns its message), the PCErr is 10/11
//! "malformed object" (RFC 8408), and when the byte stream can no longer be
//! framed the session closes with CLOSE reason 3 "malformed PCEP message"
//! (RFC 5440 §7.17).

use serde::Serialize;

use super::iana::{CloseReason, MessageType, ObjectClass, PcErrCode, TlvType};

/// What is wrong inside a length-delimited unit (object body, TLV, subobject).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum Problem {
    /// The unit ended before a field could be read.
    #[error("truncated: needed {need} bytes, {have} left")]
    Truncated {
        /// Bytes the next field needs.
        need: usize,
        /// Bytes that were left.
        have: usize,
    },
    /// Bytes were left over after the last field.
    #[error("{extra} trailing bytes")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// A length field has a value the format does not allow.
    #[error("invalid length {length}")]
    BadLength {
        /// The length found.
        length: usize,
    },
    /// A length field points past the end of its enclosing unit.
    #[error("length {length} overruns the {remaining} bytes left")]
    Overrun {
        /// The length found.
        length: usize,
        /// Bytes left in the enclosing unit.
        remaining: usize,
    },
    /// A field holds a value the format forbids.
    #[error("invalid {field}")]
    InvalidField {
        /// The field, by its RFC name.
        field: &'static str,
    },
}

/// Bytes that are not a valid PCEP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum DecodeError {
    /// The common header's version is not 1 (RFC 5440 §6.1).
    #[error("PCEP version {version} is not supported")]
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// Message-Length is below the 4-byte common header.
    #[error("message length {length} is shorter than the common header")]
    MessageLengthTooShort {
        /// The length found.
        length: usize,
    },
    /// Message-Length is not a multiple of 4 (every object is, RFC 5440 §7.2).
    #[error("message length {length} is not a multiple of 4")]
    MessageLengthUnaligned {
        /// The length found.
        length: usize,
    },
    /// Message-Length exceeds the configured maximum.
    #[error("message length {length} exceeds the maximum of {max}")]
    MessageTooLong {
        /// The length announced.
        length: usize,
        /// The configured maximum.
        max: usize,
    },
    /// Message-Length disagrees with the bytes handed to the decoder.
    #[error("message length {declared} disagrees with the {actual} bytes given")]
    MessageLengthMismatch {
        /// The length announced.
        declared: usize,
        /// The bytes given.
        actual: usize,
    },
    /// A message type this crate does not implement.
    #[error("unknown message type {0}")]
    UnknownMessageType(MessageType),
    /// An object header announces a length below 4, not a multiple of 4, or
    /// past the end of its message.
    #[error("{class} object: {problem}")]
    ObjectLength {
        /// The object's class.
        class: ObjectClass,
        /// What is wrong with its length.
        problem: Problem,
    },
    /// An object body does not parse.
    #[error("{class} object type {object_type}: {problem}")]
    ObjectBody {
        /// The object's class.
        class: ObjectClass,
        /// The object's type.
        object_type: u8,
        /// What is wrong.
        problem: Problem,
    },
    /// An object class this crate does not know, refused under the policy.
    #[error("unknown object class {class} (type {object_type}, P={processing})")]
    UnknownObjectClass {
        /// The class.
        class: ObjectClass,
        /// The type.
        object_type: u8,
        /// Its P flag.
        processing: bool,
    },
    /// A known class with an object type this crate does not know, refused
    /// under the policy.
    #[error("unknown object type {object_type} of class {class} (P={processing})")]
    UnknownObjectType {
        /// The class.
        class: ObjectClass,
        /// The type.
        object_type: u8,
        /// Its P flag.
        processing: bool,
    },
    /// A known TLV does not parse.
    #[error("{tlv} TLV: {problem}")]
    Tlv {
        /// The TLV type.
        tlv: TlvType,
        /// What is wrong.
        problem: Problem,
    },
    /// The TLV framing itself (type, length, padding) is broken.
    #[error("TLV framing in {class} object: {problem}")]
    TlvFraming {
        /// The object holding the TLVs.
        class: ObjectClass,
        /// What is wrong.
        problem: Problem,
    },
    /// An ERO/RRO/IRO/XRO subobject does not parse.
    #[error("{class} subobject type {subobject_type}: {problem}")]
    Subobject {
        /// The route object holding it.
        class: ObjectClass,
        /// The subobject type (without the L bit).
        subobject_type: u8,
        /// What is wrong.
        problem: Problem,
    },
    /// An SR-ERO/SR-RRO subobject with both S and F set (RFC 8664 §4.3.1).
    #[error("SR subobject in {class} has neither SID nor NAI")]
    SrSidAndNaiAbsent {
        /// ERO or RRO.
        class: ObjectClass,
    },
    /// An ERO or RRO mixing SR subobjects with other types (RFC 8664 §4.3.1).
    #[error("{class} mixes SR subobjects with other subobject types")]
    MixedSrSubobjects {
        /// ERO or RRO.
        class: ObjectClass,
    },
    /// An SR subobject NAI type this crate does not know (RFC 8664 §4.3.1).
    #[error("SR subobject in {class} has unsupported NAI type {nai_type}")]
    UnsupportedNaiType {
        /// ERO or RRO.
        class: ObjectClass,
        /// The NT field.
        nai_type: u8,
    },
    /// A mandatory object is missing from a message.
    #[error("{message} without its mandatory {object} object")]
    MissingObject {
        /// The message.
        message: MessageType,
        /// The missing object.
        object: ObjectClass,
    },
    /// An object where the message grammar does not allow one.
    #[error("{object} object not allowed at this point of a {message}")]
    UnexpectedObject {
        /// The message.
        message: MessageType,
        /// The misplaced object.
        object: ObjectClass,
    },
    /// The RP object's P flag set wrongly (RFC 5440 §7.4: set in PCReq and
    /// PCRep, clear in PCNtf and PCErr).
    #[error("RP object in {message} has its P flag set wrongly")]
    ProcessingFlag {
        /// The message.
        message: MessageType,
    },
    /// A disjoint ASSOCIATION without DISJOINTNESS-CONFIGURATION (RFC 8800 §5.2).
    #[error("disjoint association without DISJOINTNESS-CONFIGURATION TLV")]
    MissingDisjointnessConfiguration,
    /// An LSP instantiation without SYMBOLIC-PATH-NAME (RFC 8281 §5.3).
    #[error("LSP instantiation without SYMBOLIC-PATH-NAME TLV")]
    MissingSymbolicPathName,
}

impl DecodeError {
    /// The PCErr (Error-Type, Error-value) to answer this error with.
    pub const fn pcerr(&self) -> PcErrCode {
        match self {
            Self::UnsupportedVersion { .. } => PcErrCode::VERSION_NOT_SUPPORTED,
            Self::MessageLengthTooShort { .. }
            | Self::MessageLengthUnaligned { .. }
            | Self::MessageTooLong { .. }
            | Self::MessageLengthMismatch { .. }
            | Self::ObjectLength { .. }
            | Self::ObjectBody { .. }
            | Self::Tlv { .. }
            | Self::TlvFraming { .. }
            | Self::Subobject { .. } => PcErrCode::MALFORMED_OBJECT,
            // RFC 5440 §6.2: an Open message with anything but one OPEN object is 1/1.
            Self::UnexpectedObject { message, .. } if message.0 == MessageType::OPEN.0 => {
                PcErrCode::INVALID_OPEN
            }
            Self::UnexpectedObject { .. } => PcErrCode::MALFORMED_OBJECT,
            Self::UnknownMessageType(_) => PcErrCode::CAPABILITY_NOT_SUPPORTED,
            Self::UnknownObjectClass { .. } => PcErrCode::UNRECOGNIZED_OBJECT_CLASS,
            Self::UnknownObjectType { .. } => PcErrCode::UNRECOGNIZED_OBJECT_TYPE,
            Self::SrSidAndNaiAbsent { class } => {
                if class.0 == ObjectClass::RRO.0 {
                    PcErrCode::SR_RRO_SID_NAI_ABSENT
                } else {
                    PcErrCode::SR_ERO_SID_NAI_ABSENT
                }
            }
            Self::MixedSrSubobjects { class } => {
                if class.0 == ObjectClass::RRO.0 {
                    PcErrCode::RRO_MIXES_SR
                } else {
                    PcErrCode::ERO_MIXES_SR
                }
            }
            Self::UnsupportedNaiType { .. } => PcErrCode::UNSUPPORTED_NAI_TYPE,
            Self::MissingObject { message, object } => missing_object_code(*message, *object),
            Self::ProcessingFlag { .. } => PcErrCode::P_FLAG_NOT_SET,
            Self::MissingDisjointnessConfiguration => PcErrCode::DISJOINTNESS_CONFIGURATION_MISSING,
            Self::MissingSymbolicPathName => PcErrCode::SYMBOLIC_PATH_NAME_MISSING,
        }
    }

    /// Whether the session must be closed after the PCErr, and with which
    /// reason: when the byte stream can no longer be framed (RFC 5440 §6.1
    /// header faults), nothing after this message can be trusted.
    pub const fn close_reason(&self) -> Option<CloseReason> {
        match self {
            Self::UnsupportedVersion { .. }
            | Self::MessageLengthTooShort { .. }
            | Self::MessageLengthUnaligned { .. }
            | Self::MessageTooLong { .. }
            | Self::MessageLengthMismatch { .. } => Some(CloseReason::MALFORMED),
            Self::UnknownMessageType(_)
            | Self::ObjectLength { .. }
            | Self::ObjectBody { .. }
            | Self::UnknownObjectClass { .. }
            | Self::UnknownObjectType { .. }
            | Self::Tlv { .. }
            | Self::TlvFraming { .. }
            | Self::Subobject { .. }
            | Self::SrSidAndNaiAbsent { .. }
            | Self::MixedSrSubobjects { .. }
            | Self::UnsupportedNaiType { .. }
            | Self::MissingObject { .. }
            | Self::UnexpectedObject { .. }
            | Self::ProcessingFlag { .. }
            | Self::MissingDisjointnessConfiguration
            | Self::MissingSymbolicPathName => None,
        }
    }
}

/// RFC 5440 §7.15 and RFC 8231 §8.5: which Error-value of type 6 names the
/// missing object. Objects with no value of their own (OPEN in an Open, the
/// objects of PCErr, PCNtf and Close) make the message malformed.
const fn missing_object_code(message: MessageType, object: ObjectClass) -> PcErrCode {
    match object.0 {
        2 => PcErrCode::RP_MISSING,
        4 => PcErrCode::END_POINTS_MISSING,
        32 => PcErrCode::LSP_MISSING,
        7 => PcErrCode::ERO_MISSING,
        33 => PcErrCode::SRP_MISSING,
        1 if message.0 == MessageType::OPEN.0 => PcErrCode::INVALID_OPEN,
        _ => PcErrCode::MALFORMED_OBJECT,
    }
}

/// A value the encoder refuses because it cannot be written faithfully
/// (STYLE R6: encoding never truncates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum EncodeError {
    /// A length does not fit its field.
    #[error("{what} is {length} bytes, more than its length field can hold")]
    TooLong {
        /// The unit.
        what: &'static str,
        /// Its length.
        length: usize,
    },
    /// A message exceeds the configured maximum.
    #[error("message of {length} bytes exceeds the maximum of {max}")]
    MessageTooLong {
        /// Its length.
        length: usize,
        /// The configured maximum.
        max: usize,
    },
    /// A field value the format cannot carry or forbids.
    #[error("invalid {field}")]
    InvalidField {
        /// The field, by its RFC name.
        field: &'static str,
    },
    /// A message whose mandatory content is missing.
    #[error("{message} needs at least one {what}")]
    Empty {
        /// The message.
        message: MessageType,
        /// What it needs.
        what: &'static str,
    },
}
