//! Agent status as `zcc-agent-status-notification` announces it.
//!
//! The codes are Zoom's: `"1"` Ready, `"2"` Not Ready (the parent of every not-ready
//! reason), `"3"` Occupied, `"30"` Offline. A not-ready reason configured by an admin has
//! its own `statusCode` and carries `parentStatusCode: "2"` and `subReason: <its name>`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The fixed status codes.
pub mod status_code {
    pub const READY: &str = "1";
    pub const NOT_READY: &str = "2";
    pub const OCCUPIED: &str = "3";
    pub const OFFLINE: &str = "30";
}

/// The four statuses an agent can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum StatusName {
    Ready,
    #[serde(rename = "Not Ready")]
    NotReady,
    Occupied,
    Offline,
}

impl StatusName {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusName::Ready => "Ready",
            StatusName::NotReady => "Not Ready",
            StatusName::Occupied => "Occupied",
            StatusName::Offline => "Offline",
        }
    }
}

/// Payload of `zcc-agent-status-notification`, and the status part of
/// `zcc-agent-info-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatusInfo {
    /// `"1"`, `"3"`, `"30"`, or the code of a not-ready reason.
    pub status_code: String,
    /// `"2"` for a not-ready reason; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub parent_status_code: Option<String>,
    pub status: StatusName,
    /// The not-ready reason's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sub_reason: Option<String>,
}

impl AgentStatusInfo {
    pub fn ready() -> Self {
        Self::fixed(status_code::READY, StatusName::Ready)
    }
    pub fn occupied() -> Self {
        Self::fixed(status_code::OCCUPIED, StatusName::Occupied)
    }
    pub fn offline() -> Self {
        Self::fixed(status_code::OFFLINE, StatusName::Offline)
    }
    /// Not Ready with an admin-defined reason.
    pub fn not_ready(reason_code: &str, reason_name: &str) -> Self {
        AgentStatusInfo {
            status_code: reason_code.to_owned(),
            parent_status_code: Some(status_code::NOT_READY.to_owned()),
            status: StatusName::NotReady,
            sub_reason: Some(reason_name.to_owned()),
        }
    }
    fn fixed(code: &str, status: StatusName) -> Self {
        AgentStatusInfo {
            status_code: code.to_owned(),
            parent_status_code: None,
            status,
            sub_reason: None,
        }
    }
}
