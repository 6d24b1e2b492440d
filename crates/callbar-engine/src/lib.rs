//! Callbar's contact-center engine, sans IO.
//!
//! The engine owns agents (status, skills, per-channel capacity), queues (routing rules,
//! dispositions, wrap-up policy) and engagements (from arrival through offers, the live part
//! and wrap-up to the call log). It does no IO: no sockets, no async, no clock, no randomness,
//! no database. The caller feeds it [`Command`]s with the current time and carries out the
//! [`Output`]s, in the shape of str0m's `handle_input` / `poll_output`:
//!
//! ```
//! use callbar_engine::{AgentConfig, AgentStatus, Command, Engine, EngineConfig, NewEngagement, Output, QueueConfig};
//! use callbar_protocol::Channel;
//!
//! let mut engine = Engine::new(EngineConfig::default());
//! engine.handle(0, Command::UpsertQueue { id: "support".into(), config: QueueConfig::new("Support", Channel::Chat) })?;
//! let mut ada = AgentConfig { name: "Ada".into(), skills: Default::default(), capacity: Default::default(), queues: Default::default() };
//! ada.queues.insert("support".into());
//! engine.handle(0, Command::UpsertAgent { id: "ada".into(), config: ada })?;
//! engine.handle(0, Command::AgentConnected { agent: "ada".into() })?;
//! engine.handle(0, Command::SetAgentStatus { agent: "ada".into(), status: AgentStatus::Ready })?;
//! let out = engine.handle(1_000, Command::CreateEngagement(NewEngagement::new("e1", "support")))?;
//! assert!(matches!(&out[1], Output::Offered { agent, .. } if agent == "ada"));
//! // The caller wakes up at the next deadline and sends a tick.
//! assert_eq!(engine.next_deadline(), Some(21_000));
//! # Ok::<(), callbar_engine::EngineError>(())
//! ```
//!
//! # Determinism and persistence
//!
//! The same commands at the same times give the same outputs and the same state. The caller
//! appends `(now, command)` to its log before applying it and, after a restart, replays the log
//! into a fresh engine (discarding the outputs of the replay). A [`Command::Tick`] that returns
//! no outputs changed nothing durable and need not be logged; a command refused with an
//! [`EngineError`] changed nothing. [`Engine::snapshot`] and [`Engine::restore`] let the caller
//! compact the log: store a snapshot, drop the log before it.
//!
//! Time must not go backwards between calls (the caller passes `max(previous, wall clock)`).
//! Timers run only on `Tick`: before applying a command at a time past
//! [`Engine::next_deadline`], send a `Tick` for that time first. A tick runs each due timer
//! at its own deadline, so a late tick gives the same result as a punctual one.
//!
//! # What comes out, and when
//!
//! - An agent's announced status is [`ReportedStatus`]: Occupied while any engagement is live,
//!   otherwise the status they chose. [`Output::AgentStatus`] is emitted whenever it or the
//!   chosen status changes (the engine itself sets Not Ready after missed offers).
//! - An engagement goes live in one of two ways: [`Output::Accepted`] after an offer, or
//!   [`Output::Dialed`] when an agent places an outbound call with [`Command::Dial`] (no
//!   queueing, no offer: the agent chose the call, so there is nobody to route it to). From
//!   then on both are the same: end, wrap-up, close, call log.
//! - Every engagement that ends emits exactly one terminal output: [`Output::Closed`] (it went
//!   live; carries the call log), [`Output::Abandoned`] (the customer left or the maximum wait
//!   ran out before it went live; carries a call log of the missed contact, naming the agent
//!   it was ringing at, if any) or [`Output::Cancelled`] (withdrawn through the API; no call
//!   log).
//! - Finished engagements are forgotten at once unless
//!   [`EngineConfig::retain_finished`] keeps some queryable; the terminal output is the
//!   record.
//! - Ids are the server's (UUIDs, database keys): the engine's lookup tables use a fast
//!   non-cryptographic hash, so ids should not be freely chosen by untrusted clients.
//!
//! # Routing
//!
//! The rules are documented where they are implemented: `src/routing.rs` (order, eligibility,
//! strategies, decliners), `src/queue.rs` (the indexes that keep each decision to the heads of a
//! few priority levels), `src/lifecycle.rs` (offers, maximum wait, overflow, abandon),
//! `src/dial.rs` (outbound calls, which bypass routing), `src/wrapup.rs` (closing and the
//! call log) and `src/stats.rs` (the service level).

mod agent;
mod command;
mod config;
mod dial;
mod engagement;
mod engine;
mod error;
mod hash;
mod index;
mod lifecycle;
mod output;
mod presence;
mod queue;
mod routing;
mod setup;
mod snapshot;
mod stats;
#[cfg(test)]
mod tests;
mod timers;
mod wrapup;

pub use agent::{Agent, AgentStatus};
pub use command::{Command, NewEngagement};
pub use config::{
    AgentConfig, Capacity, Disposition, EngineConfig, MaxWait, MaxWaitOutcome, QueueConfig, SkillStep, Strategy,
};
pub use engagement::{
    AbandonReason, CONSUMER_EMAIL, CONSUMER_NAME, CONSUMER_PHONE, ClosedBy, Customer, EndedBy, Engagement,
    EngagementState, SYSTEM_PREFIX,
};
pub use engine::Engine;
pub use error::EngineError;
pub use output::{CallLog, CallOutcome, DispositionRef, OfferEndReason, OfferReason, Output, RankKey, ReportedStatus};
pub use snapshot::Snapshot;
pub use stats::{AgentCounts, QueueStats};
