//! Payloads the embed sends to the host on its own initiative: lookups, ringing,
//! connected, ended, wrap-up results, status changes.
//!
//! Field names are Zoom's wherever Zoom's material shows them. Fields marked
//! "Callbar addition" are extra: hosts written for Zoom ignore them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AgentStatusInfo, Channel, ContactQuery, Direction, EpochMs, RequestId};

/// `zcc-agent-info-response`: the signed-in agent. Sent unsolicited after sign-in and in
/// reply to `zcc-agent-info-request` (echoing its `requestId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
    pub agent_id: String,
    pub name: String,
    pub email: String,
    /// The agent's extension (the agent-side number in call logs).
    pub extension: String,
    /// The agent's current status, as in `zcc-agent-status-notification`.
    #[serde(flatten)]
    pub status: AgentStatusInfo,
}

/// `zcc-resize`: the agent toggled the embed's size; the host should resize the iframe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Resize {
    pub width_in_pixels: u32,
    pub height_in_pixels: u32,
}

/// `zcc-contact-search-event`: look up a number, name or email; the host answers with
/// `zcc-contact-search-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ContactSearch {
    pub query: ContactQuery,
}

/// `zcc-incomingPhone-request`: an incoming voice call or SMS; the host answers with
/// `zcc-incomingPhone-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IncomingPhoneRequest {
    pub incoming_phone_number: String,
    pub engagement_id: String,
    pub channel: Channel,
}

/// `zcc-incomingEmail-request`: an incoming chat, video or work item whose customer
/// email is known; the host answers with `zcc-incomingEmail-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IncomingEmailRequest {
    pub email: String,
    pub engagement_id: String,
    pub channel: Channel,
}

/// `zcc-screen-pop`: the host should open this record. `id` is the record id the agent
/// picked among several matches, or the caller's number / email when the pop is automatic
/// (Zoom's behaviour; hosts must accept both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ScreenPop {
    pub id: String,
    /// Callbar addition: the engagement the pop belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub engagement_id: Option<String>,
}

/// `zcc-call-ringing`: a voice call is offered to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallRinging {
    pub channel: Channel,
    pub create_ts: EpochMs,
    pub engagement_id: String,
    pub from: String,
    pub queue_name: String,
    pub to: String,
    pub is_conference: bool,
    pub is_transfer: bool,
    /// Callbar addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub queue_id: Option<String>,
}

/// `zcc-call-connected`: a call was accepted (inbound) or answered (outbound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallConnected {
    /// Always sent by Callbar; optional because real captures lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub accept_ts: Option<EpochMs>,
    pub direction: Direction,
    pub engagement_id: String,
    pub from: String,
    pub queue_id: String,
    pub queue_name: String,
    pub to: String,
}

/// `zcc-outbound-call-started`: the agent placed a call (dialpad or click-to-dial).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboundCallStarted {
    pub engagement_id: String,
    pub from: String,
    pub to: String,
    pub queue_name: String,
    pub start_ts: EpochMs,
}

/// `zcc-call-ended`, `zcc-chat-ended`, `zcc-sms-ended`, `zcc-video-ended`: the live part
/// is over; the engagement is in wrap-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementEnded {
    pub complete_ts: EpochMs,
    pub engagement_id: String,
}

/// `zcc-chat-started`, `zcc-sms-started`, `zcc-video-started`: accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementStarted {
    pub engagement_id: String,
    pub create_ts: EpochMs,
}

/// Why an offered inbound engagement never connected to this agent
/// (`zcc-inbound-not-connected.reasonCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum InboundReason {
    /// "Consumer hung up."
    CustomerHangup,
    /// "Call rejected by agent."
    AgentRejected,
    /// "Call answered by another agent."
    AnsweredElsewhere,
    /// "Call missed." (the offer timed out)
    Missed,
}

impl InboundReason {
    /// Zoom's message for the reason.
    pub fn message(self) -> &'static str {
        match self {
            InboundReason::CustomerHangup => "Consumer hung up.",
            InboundReason::AgentRejected => "Call rejected by agent.",
            InboundReason::AnsweredElsewhere => "Call answered by another agent.",
            InboundReason::Missed => "Call missed.",
        }
    }
}

/// `zcc-inbound-not-connected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboundNotConnected {
    pub reason_code: InboundReason,
    pub message: String,
    pub engagement_id: String,
}

/// Why an outbound call failed (`zcc-outbound-not-connected.reasonCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum OutboundReason {
    /// The agent cancelled before the customer answered (Zoom's wire value).
    #[serde(rename = "outbound-call-canceled")]
    Cancelled,
    #[serde(rename = "outbound-call-agent-failed")]
    AgentFailed,
    #[serde(rename = "outbound-call-customer-failed")]
    CustomerFailed,
    /// The trunk or the far network could not be reached.
    #[serde(rename = "outbound-call-customer-unreachable")]
    CustomerUnreachable,
    /// SIP 480, 408.
    #[serde(rename = "outbound-call-no-answer")]
    NoAnswer,
    /// SIP 486, 600.
    #[serde(rename = "outbound-call-busy")]
    Busy,
    /// SIP 603.
    #[serde(rename = "outbound-call-declined")]
    Declined,
    /// SIP 404, 484, 604.
    #[serde(rename = "outbound-call-invalid-number")]
    InvalidNumber,
    /// Any other failure.
    #[serde(rename = "outbound-call-failed")]
    Failed,
}

impl OutboundReason {
    /// Zoom's message for the reason.
    pub fn message(self) -> &'static str {
        match self {
            OutboundReason::Cancelled => "Outbound call cancelled by Agent.",
            OutboundReason::AgentFailed => "Agent failed to connect.",
            OutboundReason::CustomerFailed => "Consumer couldn't answer the call.",
            OutboundReason::CustomerUnreachable => "Couldn't reach the consumer.",
            OutboundReason::NoAnswer => "The number is not available.",
            OutboundReason::Busy => "The number is busy.",
            OutboundReason::Declined => "The call was rejected.",
            OutboundReason::InvalidNumber => "The number does not exist or is not in service.",
            OutboundReason::Failed => "The call cannot be completed.",
        }
    }
}

/// `zcc-outbound-not-connected`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OutboundNotConnected {
    pub engagement_id: String,
    pub reason_code: OutboundReason,
    pub message: String,
}

/// How an engagement moved to someone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TransferKind {
    /// Blind (cold) transfer.
    Blind,
    /// Completed after a consult (warm).
    Warm,
}

/// Where a transfer or consult goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum TargetType {
    Agent,
    Queue,
    Phone,
}

/// `zcc-call-transfer` (Callbar's wire name; Zoom's is not public): this agent's
/// engagement was transferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallTransfer {
    pub engagement_id: String,
    pub transfer_type: TransferKind,
    pub target_type: TargetType,
    pub target_id: String,
    pub target_name: String,
}

/// `zcc-add-note`: one agent note, sent at wrap-up (oldest first), then the transcript of
/// a chat or SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AddNote {
    pub comment: String,
    /// Callbar addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub engagement_id: Option<String>,
}

/// `zcc-end-post-engagement` (deprecated by Zoom, still sent): wrap-up closed. Carries
/// the disposition under both names hosts read (`dispositionCode` and `name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EndPostEngagement {
    pub engagement_id: String,
    /// Disposition name; `""` when none was chosen.
    pub disposition_code: String,
    /// Same as `dispositionCode` (Zoom's documented field).
    #[serde(default)]
    pub name: String,
}

/// `zcc-call-recording`: where the recording of the engagement can be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallRecording {
    pub engagement_id: String,
    pub recording_url: String,
}

/// `zcc-engagement-log-url` (payload defined by Callbar): a link to the engagement's
/// history on the Callbar server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementLogUrl {
    pub engagement_id: String,
    pub url: String,
}

/// `zcc-chat-ringing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChatRinging {
    pub queue_id: String,
    pub queue_name: String,
    pub engagement_id: String,
    pub customer_name: String,
    pub customer_email: String,
}

/// `zcc-video-ringing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VideoRinging {
    pub queue_id: String,
    pub queue_name: String,
    pub engagement_id: String,
    pub customer_email: String,
}

/// `zcc-sms-ringing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SmsRinging {
    pub queue_id: String,
    pub queue_name: String,
    pub engagement_id: String,
    pub customer_name: String,
    pub customer_email: String,
    pub incoming_phone_number: String,
}

/// `zcc-work-item-ringing` (Callbar's): a work item is offered to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemRinging {
    pub queue_id: String,
    pub queue_name: String,
    pub engagement_id: String,
    pub subject: String,
    pub customer_name: String,
    pub customer_email: String,
    pub create_ts: EpochMs,
}

/// One participant of a video engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VideoParticipant {
    pub participant_id: String,
    pub name: String,
    /// `"agent"` or `"customer"`.
    pub role: String,
    pub audio: bool,
    pub video: bool,
}

/// The participants of a video engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantInfo {
    pub engagement_id: String,
    pub participants: Vec<VideoParticipant>,
}

/// `zcc-video-participant-info` (Callbar's wire name; Zoom's is not public).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VideoParticipantInfo {
    pub participant_info: ParticipantInfo,
    pub engagement_id: String,
}
