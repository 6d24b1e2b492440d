//! `zcc-error` and the error codes shared with command responses.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::RequestId;

/// Machine-readable error codes. The first three are Zoom's; the rest are Callbar's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The message or one of its fields is malformed.
    InvalidInput,
    /// The agent has not signed in yet.
    AgentNotAuthenticated,
    /// Click-to-dial without a phone number.
    NoPhone,
    /// A `zcc-*` type this embed does not know.
    UnknownMessage,
    /// No engagement with that id belongs to this agent.
    EngagementNotFound,
    /// The engagement is in a state where the command makes no sense (e.g. accept after
    /// the offer expired).
    InvalidState,
    /// The signed-in user's role does not allow the action.
    NotAllowed,
    /// The server could not be reached or failed; retry later.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid-input",
            ErrorCode::AgentNotAuthenticated => "agent-not-authenticated",
            ErrorCode::NoPhone => "no-phone",
            ErrorCode::UnknownMessage => "unknown-message",
            ErrorCode::EngagementNotFound => "engagement-not-found",
            ErrorCode::InvalidState => "invalid-state",
            ErrorCode::NotAllowed => "not-allowed",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

/// Payload of `zcc-error`: a host message was rejected before it did anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ZccError {
    pub code: ErrorCode,
    /// What was wrong and what to do, for a developer reading the console.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub request_id: Option<RequestId>,
}

impl ZccError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ZccError {
            code,
            message: message.into(),
            request_id: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn with_request_id(mut self, request_id: Option<RequestId>) -> Self {
        self.request_id = request_id;
        self
    }
}

impl std::fmt::Display for ZccError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ZccError {}
