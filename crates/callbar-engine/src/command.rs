//! What the caller asks of the engine.
//!
//! Commands are the engine's only input besides time, and they are data: serde
//! (`{"type": "accept", "agent": …, "engagement": …}`) so the caller can append each one to
//! its log before applying it and replay the log after a restart. Ids are chosen by the
//! caller; the engine never invents one, so a replay names everything the same way.

use std::collections::BTreeMap;

use callbar_protocol::Direction;
use serde::{Deserialize, Serialize};

use crate::{AgentConfig, AgentStatus, Customer, QueueConfig};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Command {
    /// Create a queue or change it (its channel cannot change).
    UpsertQueue {
        id: String,
        config: QueueConfig,
    },
    /// Create an agent (Offline, disconnected) or change their profile.
    UpsertAgent {
        id: String,
        config: AgentConfig,
    },
    /// Forget an agent. Refused while they hold live or wrap-up engagements; offers are
    /// taken back.
    RemoveAgent {
        agent: String,
    },
    /// The agent's embed is connected: they can be offered engagements (when Ready).
    AgentConnected {
        agent: String,
    },
    /// The agent's embed went away: offers go back to their queues, live engagements stay.
    AgentDisconnected {
        agent: String,
    },
    SetAgentStatus {
        agent: String,
        status: AgentStatus,
    },
    CreateEngagement(NewEngagement),
    /// The agent places an outbound voice call (click-to-dial): the engagement is live with
    /// them at once — it never waits in a queue and is never offered, because the agent
    /// asked for it and is there. `direction` must be outbound, `target_agent` names the
    /// agent, `queue` a voice queue they serve (the call is logged under it, and its wrap-up
    /// timer and dispositions apply), `to` the number dialled and `from` the caller id the
    /// customer sees. The agent must be connected, not Offline (Not Ready is fine) and have
    /// room for a call by the same capacity rules as an offer. From then on it is like any
    /// live engagement: `End`, or `CustomerLeft` when the far end hangs up or the call fails,
    /// then wrap-up. See `src/dial.rs`.
    Dial(NewEngagement),
    Accept {
        agent: String,
        engagement: String,
    },
    Reject {
        agent: String,
        engagement: String,
    },
    /// The agent ends the live part; wrap-up begins.
    End {
        agent: String,
        engagement: String,
    },
    /// The customer went away: queued or offered → abandoned; live → wrap-up.
    CustomerLeft {
        engagement: String,
    },
    AddNote {
        agent: String,
        engagement: String,
        note: String,
    },
    SetDisposition {
        agent: String,
        engagement: String,
        disposition: String,
    },
    CloseWrapUp {
        agent: String,
        engagement: String,
    },
    /// Withdraw a queued or offered engagement (API).
    Cancel {
        engagement: String,
    },
    /// Set a custom variable; with `agent`, only the agent handling it may.
    SetVariable {
        engagement: String,
        agent: Option<String>,
        name: String,
        value: String,
    },
    /// Run the timers that are due. Send it at [`Engine::next_deadline`](crate::Engine::next_deadline).
    Tick,
}

/// A new engagement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEngagement {
    pub id: String,
    /// Its channel is the queue's.
    pub queue: String,
    /// Higher is served first.
    #[serde(default)]
    pub priority: i32,
    #[serde(default = "inbound")]
    pub direction: Direction,
    #[serde(default)]
    pub customer: Customer,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Custom variables; names starting with `Consumer.` are reserved.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Offer it only to this agent (it waits until they can take it). For a
    /// [`Command::Dial`], the agent who places the call.
    #[serde(default)]
    pub target_agent: Option<String>,
}

fn inbound() -> Direction {
    Direction::Inbound
}

impl NewEngagement {
    /// An inbound engagement with priority 0 and nothing else set.
    pub fn new(id: impl Into<String>, queue: impl Into<String>) -> Self {
        NewEngagement {
            id: id.into(),
            queue: queue.into(),
            priority: 0,
            direction: Direction::Inbound,
            customer: Customer::default(),
            subject: String::new(),
            from: String::new(),
            to: String::new(),
            variables: BTreeMap::new(),
            target_agent: None,
        }
    }
}
