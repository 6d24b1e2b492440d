//! What the engine tells the caller: events to announce and effects to carry out.
//!
//! Outputs are in the order things happened. The caller stores the command first, then lets
//! outputs leave the process (agent channels, call-log outbox, media), so a crash between the
//! two replays the command and produces the same outputs again.

use std::collections::BTreeMap;

use callbar_protocol::{Channel, Direction, status_code};
use serde::{Deserialize, Serialize};

use crate::{AbandonReason, AgentStatus, ClosedBy, Customer, EndedBy, Strategy};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Output {
    /// The engagement entered a queue or went back to its place in it.
    Queued { engagement: String, queue: String },
    /// Ring this agent until `expires_at`.
    Offered {
        engagement: String,
        agent: String,
        expires_at: i64,
        reason: OfferReason,
    },
    /// Stop ringing: the offer ended without an accept.
    OfferEnded {
        engagement: String,
        agent: String,
        reason: OfferEndReason,
    },
    /// The agent accepted; connect the customer to them.
    Accepted { engagement: String, agent: String },
    /// The agent placed an outbound call ([`Command::Dial`](crate::Command::Dial)); the
    /// engagement is live with them already, with no queueing and no offer. Place the call
    /// to the engagement's `to` with caller id `from` and connect the agent to it; when the
    /// far end hangs up or the call cannot be placed, send `CustomerLeft`. Unlike
    /// `Accepted`, nothing was ringing at the agent and the queue's service level is not
    /// touched: an outbound call is not a contact that waited.
    Dialed { engagement: String, agent: String },
    /// The live part ended; the agent is in wrap-up until `wrap_up_deadline` (if any).
    LiveEnded {
        engagement: String,
        agent: String,
        by: EndedBy,
        wrap_up_deadline: Option<i64>,
    },
    NoteAdded {
        engagement: String,
        agent: String,
        note: String,
    },
    DispositionSet {
        engagement: String,
        agent: String,
        disposition: DispositionRef,
    },
    VariableSet {
        engagement: String,
        name: String,
        value: String,
    },
    /// The maximum wait ran out; the engagement moved to the back of `to_queue`.
    Overflowed {
        engagement: String,
        from_queue: String,
        to_queue: String,
    },
    /// Wrap-up closed: the one call log of an engagement that went live.
    Closed { engagement: String, call_log: Box<CallLog> },
    /// The engagement ended without going live; its call log records a missed contact.
    Abandoned {
        engagement: String,
        reason: AbandonReason,
        call_log: Box<CallLog>,
    },
    /// Cancelled through the API before going live; no call log.
    Cancelled { engagement: String },
    /// The agent's status changed: `status` is what to announce
    /// (`zcc-agent-status-notification`), `chosen` what the agent chose (or the engine chose
    /// for them after missed offers). Emitted whenever either changes.
    AgentStatus {
        agent: String,
        status: ReportedStatus,
        chosen: AgentStatus,
    },
}

/// Why an offer ended without an accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OfferEndReason {
    Rejected,
    /// The queue's ring timeout ran out.
    TimedOut,
    /// The agent left Ready (or was set Not Ready for missed offers).
    AgentUnavailable,
    AgentDisconnected,
    AgentRemoved,
    CustomerLeft,
    Cancelled,
}

/// An agent's status as announced: Occupied whenever they have a live engagement,
/// otherwise the status they chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum ReportedStatus {
    Ready,
    NotReady { code: String },
    Occupied,
    Offline,
}

impl ReportedStatus {
    /// The protocol's `statusCode`: `"1"`, the reason code, `"3"` or `"30"`.
    pub fn status_code(&self) -> &str {
        match self {
            ReportedStatus::Ready => status_code::READY,
            ReportedStatus::NotReady { code } => code,
            ReportedStatus::Occupied => status_code::OCCUPIED,
            ReportedStatus::Offline => status_code::OFFLINE,
        }
    }
}

/// Why an offer went to its agent: enough to answer "why did this agent get this call".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferReason {
    pub queue_id: String,
    /// The skill step the engagement was at; `None` for a direct-to-agent engagement.
    pub step: Option<usize>,
    pub strategy: Strategy,
    pub rank: RankKey,
    /// Free slots on the engagement's channel when the agent was chosen (before this offer).
    pub capacity_left_on_channel: u32,
    /// Agents that could have taken it at that moment (available and eligible).
    pub candidates_considered: u32,
}

/// The value the agent won on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum RankKey {
    /// Direct-to-agent: the only candidate.
    Direct,
    /// Longest idle: idle since this time (smaller wins).
    IdleSince { idle_since: i64 },
    /// Round robin: the queue's counter at this agent's last offer from it (0: never; smaller
    /// wins).
    RoundRobin { last_offered: u64 },
    /// Most skilled: higher score wins, then longer idle.
    SkillScore { score: u32, idle_since: i64 },
}

/// A disposition as the call log names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DispositionRef {
    pub id: String,
    pub name: String,
}

/// How the engagement finished, for the call log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum CallOutcome {
    Closed { by: ClosedBy },
    Abandoned { reason: AbandonReason },
}

/// Everything `zcc-phone-call-log` and the CRM outbox need about a finished engagement.
/// Times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallLog {
    pub engagement_id: String,
    pub channel: Channel,
    pub direction: Direction,
    pub from: String,
    pub to: String,
    pub customer: Customer,
    pub subject: String,
    pub queue_id: String,
    pub queue_name: String,
    /// The agent who handled it; for an abandoned engagement, the agent it was ringing at.
    pub agent_id: Option<String>,
    pub agent_name: Option<String>,
    pub created_at: i64,
    pub offered_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub closed_at: i64,
    pub notes: Vec<String>,
    pub disposition: Option<DispositionRef>,
    pub variables: BTreeMap<String, String>,
    pub outcome: CallOutcome,
}
