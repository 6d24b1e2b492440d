//! The `zcc-*` postMessage protocol of Contact Center Smart Embed, as Rust types.
//!
//! This crate is Callbar's one wire truth (DESIGN.md, principle 1). Every message the
//! embed sends to its host ([`EmbedMessage`]) and every message a host sends to the embed
//! ([`HostMessage`]) is a type here, with the exact wire names of Zoom's Smart Embed, so a
//! CRM written for Zoom works against Callbar unchanged.
//!
//! Two rules shape the code:
//! - **Tolerant parsing.** Real hosts send what they send: unknown fields, `query` as a
//!   string or an object, one contact or an array, numeric ids. [`parse_host_message`]
//!   accepts all of that.
//! - **Strict validation.** After parsing, every field is checked (identifiers, digits,
//!   phone numbers, sizes). A message that fails is answered with `zcc-error`
//!   ([`ZccError`]) that says what was wrong and echoes the `requestId`.
//!
//! Where the public protocol gives no payload, the definitions here are Callbar's own;
//! each is documented in `docs/protocol.md`. The TypeScript declarations used by the
//! browser code are generated from these types ([`typescript::declarations`]), together with
//! the agent channel between the embed and the server ([`channel`]).

mod call_log;
pub mod channel;
mod commands;
mod common;
mod error;
mod message;
mod notifications;
mod parse;
mod responses;
mod status;
pub mod typescript;

pub use call_log::{CallLogRecord, ChannelUpgradeInfo, PhoneCallLog, task_type};
pub use commands::*;
pub use common::{Channel, ContactMatches, ContactQuery, ContactRecord, Direction, EpochMs, RequestId};
pub use error::{ErrorCode, ZccError};
pub use message::{EmbedMessage, HostMessage};
pub use notifications::*;
pub use parse::{MAX_MESSAGE_BYTES, parse_host_message};
pub use responses::*;
pub use status::{AgentStatusInfo, StatusName, status_code};
