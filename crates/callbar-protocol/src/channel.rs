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

use crate::{
    AgentStatusInfo, Channel, ContactRecord, Direction, Disposition, EmbedMessage, EngagementState,
    EpochMs, Variable,
};

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
    /// The agent accepts an offered engagement.
    #[serde(rename_all = "camelCase")]
    Accept { engagement_id: String },
    /// The agent rejects an offered engagement.
    #[serde(rename_all = "camelCase")]
    Reject { engagement_id: String },
    /// The agent ends the live part; wrap-up starts.
    #[serde(rename_all = "camelCase")]
    End { engagement_id: String },
    /// A note for the engagement (reaches the host as `zcc-add-note` at wrap-up).
    #[serde(rename_all = "camelCase")]
    AddNote { engagement_id: String, note: String },
    #[serde(rename_all = "camelCase")]
    SetDisposition {
        engagement_id: String,
        disposition_id: String,
    },
    /// Wrap-up is done: the host receives the notes, `zcc-end-post-engagement` and the
    /// call log.
    #[serde(rename_all = "camelCase")]
    CloseWrapUp { engagement_id: String },
    /// The embed posted the messages of a [`ServerOp::Deliver`] to its host.
    #[serde(rename_all = "camelCase")]
    Delivered { outbox_id: i64 },
}

/// One engagement of the agent (offered, live or in wrap-up), as the embed shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementView {
    pub engagement_id: String,
    pub channel: Channel,
    pub state: EngagementState,
    pub direction: Direction,
    pub queue_id: String,
    pub queue_name: String,
    pub subject: String,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_phone: String,
    pub from: String,
    pub to: String,
    pub create_ts: EpochMs,
    /// While ringing: when the offer runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub offer_expires_at: Option<EpochMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub accept_ts: Option<EpochMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub complete_ts: Option<EpochMs>,
    /// In wrap-up: when it closes on its own with the queue's default disposition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub wrap_up_deadline: Option<EpochMs>,
    pub notes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub disposition_id: Option<String>,
    /// The dispositions of its queue.
    pub dispositions: Vec<Disposition>,
    pub variables: Vec<Variable>,
}

/// Live figures of one queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueueStatsView {
    pub queue_id: String,
    pub queue_name: String,
    pub channel: Channel,
    /// Engagements waiting (not ringing).
    pub waiting: u32,
    /// How long the oldest waiting engagement has waited.
    pub longest_wait_ms: i64,
    pub ready: u32,
    pub not_ready: u32,
    pub occupied: u32,
    pub offline: u32,
    /// Share answered within the queue's threshold over the last 30 minutes (0–1); none
    /// before anything was answered or abandoned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub service_level: Option<f64>,
    /// When these figures were taken.
    pub at: EpochMs,
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
    /// Every engagement of the agent, after any of them changed.
    Engagements { engagements: Vec<EngagementView> },
    /// Post these messages to the host in order, then answer `delivered` with the id. The
    /// same id may come again after a reconnect: post it only once.
    #[serde(rename_all = "camelCase")]
    Deliver {
        outbox_id: i64,
        messages: Vec<EmbedMessage>,
    },
    /// The queues the user works in (agents) or all queues (supervisors and admins).
    QueueStats { queues: Vec<QueueStatsView> },
    /// A client op could not be understood; the channel stays open.
    Problem { message: String },
    /// The channel ends; the embed shows sign-in again unless the reason is
    /// `shutting-down`.
    Closed {
        reason: CloseReason,
        message: String,
    },
}
