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
    AgentStatusInfo, Channel, ContactRecord, Direction, Disposition, EmbedMessage, EngagementState, EpochMs, Variable,
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
    /// The embed's WebRTC offer for the audio of a voice engagement (after
    /// [`ServerOp::StartMedia`]); the server answers with [`ServerOp::MediaAnswer`].
    #[serde(rename_all = "camelCase")]
    MediaOffer { engagement_id: String, sdp: String },
    /// The agent's microphone is muted (the customer hears silence) or not.
    #[serde(rename_all = "camelCase")]
    SetMute { engagement_id: String, mute: bool },
    /// The customer is put on hold (hears the hold tone) or resumed.
    #[serde(rename_all = "camelCase")]
    SetHold { engagement_id: String, hold: bool },
    /// Recording: start, stop, pause (e.g. while a card number is read) or resume.
    #[serde(rename_all = "camelCase")]
    SetRecording {
        engagement_id: String,
        action: crate::RecordingAction,
    },
    /// DTMF digits to send to the customer (the keypad also sends in-band through the
    /// browser's RTCDTMFSender; this is for digits typed while no audio path is up).
    #[serde(rename_all = "camelCase")]
    SendDtmf { engagement_id: String, digits: String },
    /// The agent chose one of several host records that matched the caller.
    #[serde(rename_all = "camelCase")]
    PickContact { engagement_id: String, contact_id: String },
    /// The agent calls a number from the embed's dialpad (through the SIP trunk).
    Dial { phone: String },
}

/// The audio of a voice engagement as the embed shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// Audio flows both ways.
    pub connected: bool,
    pub muted: bool,
    pub held: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recording: Option<crate::RecordingState>,
    /// An outbound call whose far end is ringing without sending audio of its own (SIP 180
    /// without early media): the embed plays ringback until the call's audio starts.
    #[serde(default)]
    pub alerting: bool,
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
    /// Host records that matched the customer (from `zcc-incomingPhone-response` or
    /// `zcc-incomingEmail-response`); with several, the agent picks one.
    #[serde(default)]
    pub matches: Vec<ContactRecord>,
    /// The record the engagement is linked to (it goes into the call log as `user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub contact: Option<ContactRecord>,
    /// Voice and video: the state of the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub call: Option<CallView>,
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
    /// Set up the audio of this voice engagement: get the microphone, create a peer
    /// connection (with these ICE servers, when the server has a TURN relay configured) and
    /// send [`ClientOp::MediaOffer`]. Sent to one channel of the agent.
    #[serde(rename_all = "camelCase")]
    StartMedia {
        engagement_id: String,
        /// Empty unless a TURN relay is configured.
        #[serde(default)]
        ice_servers: Vec<IceServer>,
    },
    /// The server's answer to [`ClientOp::MediaOffer`].
    #[serde(rename_all = "camelCase")]
    MediaAnswer { engagement_id: String, sdp: String },
    /// A client op could not be understood; the channel stays open.
    Problem { message: String },
    /// The channel ends; the embed shows sign-in again unless the reason is
    /// `shutting-down`.
    Closed { reason: CloseReason, message: String },
}

/// One entry of `RTCPeerConnection`'s `iceServers`: a TURN relay with short-lived
/// credentials (or a STUN server, without them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub credential: Option<String>,
}

/// What the customer's widget sends on its channel (`/api/v1/widget/channel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum CustomerOp {
    /// Start a call into the entry point's queue with the browser's WebRTC offer. Name,
    /// email and phone are optional; they reach the agent and the host's lookup.
    #[serde(rename_all = "camelCase")]
    Call {
        entry_point: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        email: String,
        #[serde(default)]
        phone: String,
        sdp: String,
    },
    /// The customer hangs up.
    HangUp,
}

/// Where a customer's call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum CallPhase {
    /// Waiting in the queue (hears the queue tone).
    Waiting,
    /// Ringing at an agent.
    Ringing,
    /// Talking with the agent.
    Connected,
    /// On hold (hears the hold tone).
    Held,
    /// Over.
    Ended,
}

/// What the server sends the customer's widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum CustomerServerOp {
    /// The call exists: here is the answer to the WebRTC offer.
    #[serde(rename_all = "camelCase")]
    Answer { engagement_id: String, sdp: String },
    /// The call moved on.
    #[serde(rename_all = "camelCase")]
    Phase {
        phase: CallPhase,
        /// The agent's name once connected.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        agent_name: Option<String>,
    },
    /// Something the customer sent was not understood or not allowed; what to do.
    Problem { message: String },
}
