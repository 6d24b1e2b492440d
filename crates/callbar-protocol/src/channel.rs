//! The agent channel: the WebSocket between the embed and the Callbar server
//! (`/api/v1/agent/channel`).
//!
//! This is Callbar's own protocol, not Zoom's. The server owns all state; the embed
//! renders what arrives here and posts the `zcc-*` messages it is handed ([`ServerOp::Post`])
//! to its host verbatim. Host messages travel the other way unparsed
//! ([`ClientOp::Host`]) so that one parser — [`crate::parse_host_message`] — decides what
//! is valid.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AgentStatusInfo, ContactRecord, EmbedMessage, EpochMs};

/// What the embed sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum ClientOp {
    /// The first message on a new socket: the session token from sign-in, or none to
    /// use the session cookie the socket was opened with. Tokens never travel in URLs.
    Hello {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        token: Option<String>,
    },
    /// The agent picked a status in the embed: `"1"`, `"30"` or a not-ready reason code.
    #[serde(rename_all = "camelCase")]
    SetStatus { code: String },
    /// A message the host posted to the embed (already origin-checked), verbatim.
    Host { message: serde_json::Value },
}

/// The signed-in user as the embed shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentProfile {
    pub agent_id: String,
    pub name: String,
    pub email: String,
    pub extension: String,
    /// `agent`, `supervisor` or `admin`.
    pub role: String,
}

/// A not-ready reason the agent can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReasonOption {
    pub code: String,
    pub name: String,
}

/// Why the server ended a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum CloseReason {
    /// The token is unknown or was revoked.
    InvalidSession,
    /// The session reached its end; sign in again.
    Expired,
    /// The agent signed out (in this or another window).
    SignedOut,
    /// The server is shutting down; reconnect.
    ShuttingDown,
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum ServerOp {
    /// The session is valid; here is everything the embed needs to render.
    #[serde(rename_all = "camelCase")]
    Welcome {
        agent: AgentProfile,
        status: AgentStatusInfo,
        reasons: Vec<ReasonOption>,
        session_expires_at: EpochMs,
    },
    /// The agent's status changed (from any window, the host, or the system).
    Status { status: AgentStatusInfo },
    /// Post this message to the host, unchanged.
    Post { message: EmbedMessage },
    /// The host's answer to the embed's last `zcc-contact-search-event`, validated.
    ContactSearchResult { matches: Vec<ContactRecord> },
    /// A client op could not be understood; the channel stays open.
    Problem { message: String },
    /// The channel ends; the embed shows sign-in again unless the reason is
    /// `shutting-down`.
    Closed {
        reason: CloseReason,
        message: String,
    },
}
