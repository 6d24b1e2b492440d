//! Engagements: one customer interaction on one channel, from arrival to the end of
//! wrap-up, and the state machine it moves through.
//!
//! ```text
//!                          dial (an agent's outbound call): live at once
//!                                   │
//!                                   ▼
//! Queued ─offer─▶ Offered ─accept─▶ Live ─end─▶ WrapUp ─close─▶ Closed
//!   ▲               │ reject, ring timeout, agent gone
//!   └───────────────┘ (back to its original place in the queue)
//! Queued / Offered ─▶ Abandoned (customer left, maximum wait) | Cancelled (API)
//! Queued ─maximum wait─▶ Queued in the overflow queue
//! ```
//!
//! A dialled engagement never passes through Queued or Offered, so it can never be
//! abandoned or cancelled: once live, `End` and `CustomerLeft` both lead to wrap-up.
//!
//! The struct is both what queries return and what snapshots store, so every field the
//! engine needs to rebuild itself lives here.

use std::collections::BTreeMap;

use callbar_protocol::{Channel, Direction};
use serde::{Deserialize, Serialize};

use crate::{DispositionRef, OfferReason};

/// System variable derived from the customer's name.
pub const CONSUMER_NAME: &str = "Consumer.name";
/// System variable derived from the customer's email.
pub const CONSUMER_EMAIL: &str = "Consumer.email";
/// System variable derived from the customer's phone.
pub const CONSUMER_PHONE: &str = "Consumer.phone";
/// Variables whose name starts with this are the system's; they cannot be set.
pub const SYSTEM_PREFIX: &str = "Consumer.";

/// Who the engagement is with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Customer {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// Who closed a wrap-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ClosedBy {
    Agent,
    /// The queue's wrap-up timer ran out.
    Timer,
}

/// Why an engagement that never went live ended as abandoned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AbandonReason {
    CustomerLeft,
    /// The queue's maximum wait ran out and the queue has no overflow.
    MaxWait,
}

/// Who ended the live part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndedBy {
    Agent,
    Customer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum EngagementState {
    Queued,
    Offered {
        agent: String,
        expires_at: i64,
    },
    Live {
        agent: String,
    },
    /// `deadline`: when the wrap-up timer closes it; `None` when the queue has none.
    WrapUp {
        agent: String,
        deadline: Option<i64>,
    },
    Closed {
        agent: String,
        by: ClosedBy,
    },
    Abandoned {
        reason: AbandonReason,
    },
    Cancelled,
}

impl EngagementState {
    /// The state's name as errors and logs say it.
    pub fn name(&self) -> &'static str {
        match self {
            EngagementState::Queued => "queued",
            EngagementState::Offered { .. } => "offered",
            EngagementState::Live { .. } => "live",
            EngagementState::WrapUp { .. } => "in wrap-up",
            EngagementState::Closed { .. } => "closed",
            EngagementState::Abandoned { .. } => "abandoned",
            EngagementState::Cancelled => "cancelled",
        }
    }

    /// The agent it is offered to or handled by.
    pub fn agent(&self) -> Option<&str> {
        match self {
            EngagementState::Offered { agent, .. }
            | EngagementState::Live { agent }
            | EngagementState::WrapUp { agent, .. }
            | EngagementState::Closed { agent, .. } => Some(agent),
            _ => None,
        }
    }

    /// Closed, abandoned or cancelled: nothing will happen to it any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            EngagementState::Closed { .. } | EngagementState::Abandoned { .. } | EngagementState::Cancelled
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Engagement {
    pub id: String,
    pub channel: Channel,
    /// The queue it is in (after an overflow, the overflow queue).
    pub queue_id: String,
    /// Higher is served first.
    pub priority: i32,
    pub direction: Direction,
    pub customer: Customer,
    pub subject: String,
    /// Addresses as the entry point saw them (a phone number, a widget id); for the call log.
    /// Inbound: `from` is the customer, `to` the entry point. Outbound (a dial): `from` is
    /// the caller id the customer sees, `to` the number dialled.
    pub from: String,
    pub to: String,
    /// Only this agent may be offered it.
    pub target_agent: Option<String>,
    /// Variables set by the entry point or the API; see [`Engagement::variables`].
    pub custom_variables: BTreeMap<String, String>,
    pub created_at: i64,
    /// When it entered its current queue: skill steps and maximum wait count from here.
    pub queue_entered_at: i64,
    pub state: EngagementState,
    /// Why the last offer went to its agent.
    pub offer_reason: Option<OfferReason>,
    /// When the last offer was made; `None` for a dial (never offered).
    pub offered_at: Option<i64>,
    /// When it went live: accepted, or for a dial when the agent dialled (the engine is
    /// not told when the far end picks up).
    pub accepted_at: Option<i64>,
    /// When the live part ended.
    pub ended_at: Option<i64>,
    /// When it became closed, abandoned or cancelled.
    pub finished_at: Option<i64>,
    /// Oldest first.
    pub notes: Vec<String>,
    /// The chosen disposition (as it was named when chosen).
    pub disposition: Option<DispositionRef>,
    /// The last agent who rejected it or let it ring out; offered to them again only when
    /// no other agent can take it.
    pub last_declined_by: Option<String>,
    /// How many offers were made.
    pub offers: u32,
    /// The engine's handle: creation order.
    pub(crate) key: u64,
    /// Its place in the queue: smaller is older. Kept on reject and timeout, new on overflow.
    pub(crate) seq: u64,
}

impl Engagement {
    /// Every variable: the system ones (`Consumer.name`, `Consumer.email`,
    /// `Consumer.phone`, present when the customer field is not empty) and the custom ones.
    pub fn variables(&self) -> BTreeMap<String, String> {
        let mut all = self.custom_variables.clone();
        for (name, value) in [
            (CONSUMER_NAME, &self.customer.name),
            (CONSUMER_EMAIL, &self.customer.email),
            (CONSUMER_PHONE, &self.customer.phone),
        ] {
            if !value.is_empty() {
                all.insert(name.to_owned(), value.clone());
            }
        }
        all
    }
}
