//! `<command>-response` payloads.
//!
//! Following Zoom's documented transfer pattern, every command is answered on
//! `<command type>-response` with `status: true` on success, or `status: false` with
//! `errorCode`, `error` and `message` on failure, echoing `requestId`. Input that fails
//! validation before anything happens is answered with `zcc-error` instead.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Channel, Direction, EpochMs, ErrorCode, RequestId};

/// The common part of every command response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommandResponse {
    pub status: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub engagement_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error_code: Option<ErrorCode>,
    /// A short error name (same as `errorCode`), for hosts that read `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub message: Option<String>,
}

impl CommandResponse {
    pub fn ok(request_id: Option<RequestId>, engagement_id: Option<String>) -> Self {
        CommandResponse {
            status: true,
            request_id,
            engagement_id,
            error_code: None,
            error: None,
            message: None,
        }
    }

    pub fn failed(
        request_id: Option<RequestId>,
        engagement_id: Option<String>,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Self {
        CommandResponse {
            status: false,
            request_id,
            engagement_id,
            error_code: Some(code),
            error: Some(code.as_str().to_owned()),
            message: Some(message.into()),
        }
    }
}

/// `zcc-set-mute-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MuteResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    /// The agent's microphone state after the command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub muted: Option<bool>,
}

/// Whether the customer is on hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum HoldState {
    Held,
    Active,
}

/// `zcc-set-hold-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HoldResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hold_state: Option<HoldState>,
}

/// Where recording of an engagement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RecordingState {
    Recording,
    Paused,
    Stopped,
}

/// `zcc-set-recording-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecordingResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recording_state: Option<RecordingState>,
}

/// Where a consult call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ConsultState {
    /// The consult leg is ringing.
    Ringing,
    /// The agent talks with the consult target; the customer is on hold.
    Connected,
    /// All three talk.
    Conference,
    /// No consult in progress.
    None,
}

/// Who a transfer or consult reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DestinationSummary {
    pub target_type: crate::TargetType,
    pub target_id: String,
    pub target_name: String,
}

/// `zcc-transfer-engagement-response`, `zcc-add-call-response`,
/// `zcc-cancel-consult-response`, `zcc-complete-transfer-response`,
/// `zcc-merge-consult-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConsultResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub consult_state: Option<ConsultState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hold_state: Option<HoldState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub destination_summary: Option<DestinationSummary>,
}

/// Where an engagement stands, as `zcc-engagement-status-response` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum EngagementState {
    /// Offered to this agent, not yet accepted.
    Ringing,
    /// Live.
    Connected,
    /// Live, customer on hold.
    Held,
    /// Ended; wrap-up open.
    Wrapup,
}

/// One engagement of the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementSummary {
    pub engagement_id: String,
    pub channel: Channel,
    pub engagement_direction: Direction,
    pub from: String,
    pub to: String,
    pub queue_id: String,
    pub queue_name: String,
    pub state: EngagementState,
    pub create_ts: EpochMs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub accept_ts: Option<EpochMs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub customer_email: Option<String>,
}

/// `zcc-engagement-status-response`: the agent's engagements, live and in wrap-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EngagementStatusResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
    pub active: Vec<EngagementSummary>,
    pub wrapup: Vec<EngagementSummary>,
}

/// A disposition an agent can choose at wrap-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Disposition {
    pub disposition_id: String,
    pub name: String,
    pub queue_id: String,
}

/// `zcc-get-disposition-codes-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DispositionCodesResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    /// Empty when the command failed.
    #[serde(default)]
    pub dispositions: Vec<Disposition>,
}

/// Whether a variable is set by Callbar or by the entry point / API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum VariableKind {
    System,
    Custom,
}

/// One engagement variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    /// e.g. `Consumer.email`.
    pub global_variable_name: String,
    pub global_variable_display_name: String,
    pub value: String,
    pub kind: VariableKind,
}

/// `zcc-get-variables-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VariablesResponse {
    #[serde(flatten)]
    pub result: CommandResponse,
    /// Empty when the command failed.
    #[serde(default)]
    pub variables: Vec<Variable>,
}
