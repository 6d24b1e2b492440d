//! Why a command was refused.
//!
//! A refused command changes nothing, so the caller can answer the agent or the API client
//! with the message and carry on. The variants are typed so the server can map them to
//! `zcc-error` codes or HTTP statuses without parsing text.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    UnknownQueue(String),
    UnknownAgent(String),
    UnknownEngagement(String),
    UnknownDisposition {
        queue: String,
        disposition: String,
    },
    /// An engagement with this id is still known (live, waiting or recently finished).
    DuplicateEngagement(String),
    /// The agent acted on an engagement that is not offered to them or not theirs.
    NotYourEngagement {
        engagement: String,
        agent: String,
    },
    /// The engagement is in a state where this action is not possible.
    InvalidState {
        engagement: String,
        /// The state it is in, e.g. `queued`.
        state: &'static str,
        /// What was attempted, e.g. `accept`.
        action: &'static str,
        /// What is possible instead.
        possible: &'static str,
    },
    InvalidQueueConfig {
        queue: String,
        problem: String,
    },
    InvalidAgentConfig {
        agent: String,
        problem: String,
    },
    /// A field of a command is malformed (empty id, empty note, reserved variable name…).
    InvalidInput(String),
    /// The agent still holds live or wrap-up engagements.
    AgentBusy {
        agent: String,
        engagements: Vec<String>,
    },
    /// A snapshot does not describe a consistent engine.
    CorruptSnapshot(String),
    /// [`Command::Dial`](crate::Command::Dial): the agent cannot place a call now (not
    /// connected, Offline, not serving the queue, or no free voice capacity); `problem` says
    /// which, and what holds the capacity.
    CannotDial {
        agent: String,
        problem: String,
    },
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::UnknownQueue(id) => write!(f, "there is no queue {id:?}"),
            EngineError::UnknownAgent(id) => write!(f, "there is no agent {id:?}"),
            EngineError::UnknownEngagement(id) => write!(f, "there is no engagement {id:?}"),
            EngineError::UnknownDisposition { queue, disposition } => {
                write!(f, "queue {queue:?} has no disposition {disposition:?}")
            }
            EngineError::DuplicateEngagement(id) => write!(f, "engagement {id:?} already exists"),
            EngineError::NotYourEngagement { engagement, agent } => {
                write!(
                    f,
                    "engagement {engagement:?} is not offered to or handled by agent {agent:?}"
                )
            }
            EngineError::InvalidState {
                engagement,
                state,
                action,
                possible,
            } => {
                write!(
                    f,
                    "cannot {action} engagement {engagement:?}: it is {state}; {possible}"
                )
            }
            EngineError::InvalidQueueConfig { queue, problem } => {
                write!(f, "queue {queue:?}: {problem}")
            }
            EngineError::InvalidAgentConfig { agent, problem } => {
                write!(f, "agent {agent:?}: {problem}")
            }
            EngineError::InvalidInput(problem) => f.write_str(problem),
            EngineError::AgentBusy { agent, engagements } => write!(
                f,
                "agent {agent:?} still handles {}; end and close them first",
                engagements.join(", ")
            ),
            EngineError::CorruptSnapshot(problem) => {
                write!(f, "the snapshot is inconsistent: {problem}")
            }
            EngineError::CannotDial { agent, problem } => {
                write!(f, "agent {agent:?} cannot place a call now: {problem}")
            }
        }
    }
}

impl std::error::Error for EngineError {}
