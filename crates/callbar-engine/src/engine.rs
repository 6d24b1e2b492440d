//! The engine: its state, the command dispatcher and the queries.
//!
//! Every command follows the same shape: look everything up and check everything first
//! (returning an [`EngineError`] before touching state, so a refused command changes nothing),
//! then change state and push outputs, then [`settle`](Engine::settle) routing so no
//! engagement waits while an agent who could take it is free.
//!
//! Determinism: ids are the caller's; ordering decisions only ever iterate ordered
//! collections (`BTreeMap`/`BTreeSet`); hash maps are used for lookups by id only.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::agent::Load;
use crate::hash::FastMap;
use crate::index::Membership;
use crate::queue::Queue;
use crate::timers::Timers;
use crate::{
    Agent, AgentStatus, Command, Engagement, EngagementState, EngineConfig, EngineError, Output, QueueConfig,
    ReportedStatus,
};

/// An agent with what is derived from their engagements and queues.
#[derive(Debug, Clone)]
pub(crate) struct AgentEntry {
    pub agent: Agent,
    pub load: Load,
    /// One per queue served, in queue-id order.
    pub memberships: Vec<Membership>,
}

/// What became routable during a command; [`Engine::settle`] consumes it. The slot lists
/// are short and taken sorted and deduplicated (plain vectors: no allocation per insert).
#[derive(Debug, Clone, Default)]
pub(crate) struct Dirty {
    /// Agents who can take more than before.
    pub agents: Vec<u32>,
    /// Engagements that entered or re-entered a queue or reached a new skill step:
    /// (priority, arrival sequence, key).
    pub engagements: BTreeSet<(Reverse<i32>, u64, u64)>,
    /// Queues whose waiting engagements changed: their wake timer needs setting again.
    pub queues: Vec<u32>,
}

/// Takes a list of slots in ascending order without repeats.
pub(crate) fn take_sorted(slots: &mut Vec<u32>) -> Vec<u32> {
    let mut taken = std::mem::take(slots);
    taken.sort_unstable();
    taken.dedup();
    taken
}

/// The sans-IO contact-center engine. See the crate documentation.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) config: EngineConfig,
    pub(crate) queues: Vec<Queue>,
    pub(crate) queue_ids: FastMap<String, u32>,
    /// Slots are never reused, so a slot number is also the order agents were first added.
    pub(crate) agents: Vec<Option<AgentEntry>>,
    pub(crate) agent_ids: FastMap<String, u32>,
    /// Boxed: engagements are large and the table moves its entries when it grows.
    pub(crate) engagements: FastMap<u64, Box<Engagement>>,
    pub(crate) engagement_ids: FastMap<String, u64>,
    /// Finished engagements, oldest first; forgotten beyond `retain_finished`.
    pub(crate) finished: VecDeque<u64>,
    /// Waiting direct-to-agent engagements by target agent id: (priority, sequence) → key.
    pub(crate) direct: FastMap<String, BTreeMap<(Reverse<i32>, u64), u64>>,
    pub(crate) timers: Timers,
    pub(crate) next_key: u64,
    pub(crate) next_seq: u64,
    pub(crate) dirty: Dirty,
}

impl Engine {
    pub fn new(config: EngineConfig) -> Engine {
        Engine {
            config,
            queues: Vec::new(),
            queue_ids: FastMap::default(),
            agents: Vec::new(),
            agent_ids: FastMap::default(),
            engagements: FastMap::default(),
            engagement_ids: FastMap::default(),
            finished: VecDeque::new(),
            direct: FastMap::default(),
            timers: Timers::default(),
            next_key: 0,
            next_seq: 0,
            dirty: Dirty::default(),
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Applies one command at time `now_ms` (epoch ms, non-decreasing) and returns what
    /// happened, in order. On error nothing changed.
    pub fn handle(&mut self, now_ms: i64, command: Command) -> Result<Vec<Output>, EngineError> {
        let now = now_ms;
        let mut out = Vec::with_capacity(4);
        match command {
            Command::Tick => {
                self.tick(now, &mut out);
                return Ok(out);
            }
            Command::UpsertQueue { id, config } => self.upsert_queue(now, id, config, &mut out)?,
            Command::UpsertAgent { id, config } => self.upsert_agent(now, id, config)?,
            Command::RemoveAgent { agent } => self.remove_agent(now, &agent, &mut out)?,
            Command::AgentConnected { agent } => self.set_connected(now, &agent, true, &mut out)?,
            Command::AgentDisconnected { agent } => self.set_connected(now, &agent, false, &mut out)?,
            Command::SetAgentStatus { agent, status } => {
                let slot = self.agent_slot(&agent)?;
                if matches!(&status, AgentStatus::NotReady { code } if code.is_empty()) {
                    return Err(EngineError::InvalidInput(
                        "a not-ready status needs a reason code".to_owned(),
                    ));
                }
                self.set_status(slot, status, now, &mut out);
            }
            Command::CreateEngagement(new) => self.create_engagement(now, new, &mut out)?,
            Command::Dial(new) => self.dial(now, new, &mut out)?,
            Command::Accept { agent, engagement } => self.accept(now, &agent, &engagement, &mut out)?,
            Command::Reject { agent, engagement } => self.reject(now, &agent, &engagement, &mut out)?,
            Command::End { agent, engagement } => self.end(now, &agent, &engagement, &mut out)?,
            Command::CustomerLeft { engagement } => self.customer_left(now, &engagement, &mut out)?,
            Command::AddNote {
                agent,
                engagement,
                note,
            } => self.add_note(&agent, &engagement, note, &mut out)?,
            Command::SetDisposition {
                agent,
                engagement,
                disposition,
            } => self.set_disposition(&agent, &engagement, disposition, &mut out)?,
            Command::CloseWrapUp { agent, engagement } => self.close_wrap_up(now, &agent, &engagement, &mut out)?,
            Command::Cancel { engagement } => self.cancel(now, &engagement, &mut out)?,
            Command::SetVariable {
                engagement,
                agent,
                name,
                value,
            } => self.set_variable(&engagement, agent.as_deref(), name, value, &mut out)?,
        }
        self.settle(now, &mut out);
        self.reschedule_queues(now);
        Ok(out)
    }

    /// When the caller should send [`Command::Tick`] next.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timers.next()
    }

    /// An engagement that is in progress or recently finished.
    pub fn engagement(&self, id: &str) -> Option<&Engagement> {
        self.engagement_ids.get(id).map(|key| self.eng(*key))
    }

    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agent_ids.get(id).map(|slot| &self.entry(*slot).agent)
    }

    /// The ids of every queue.
    pub fn queue_ids(&self) -> Vec<&str> {
        self.queue_ids.keys().map(String::as_str).collect()
    }

    /// The ids of every agent, sorted.
    pub fn agent_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.agent_ids.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// Every engagement the engine holds (in progress, and finished ones it retains), in
    /// creation order.
    pub fn engagements(&self) -> Vec<&Engagement> {
        let mut all: Vec<&Engagement> = self.engagement_ids.values().map(|key| self.eng(*key)).collect();
        all.sort_unstable_by_key(|e| e.key);
        all
    }

    /// The status to announce for an agent (Occupied while any engagement is live).
    pub fn reported_status(&self, id: &str) -> Option<ReportedStatus> {
        self.agent_ids.get(id).map(|slot| {
            let entry = self.entry(*slot);
            entry.agent.reported(&entry.load)
        })
    }

    /// The agent's offered, live and wrap-up engagements, oldest first.
    pub fn agent_engagements(&self, agent: &str) -> Result<Vec<&Engagement>, EngineError> {
        let slot = self.agent_slot(agent)?;
        Ok(self
            .entry(slot)
            .load
            .engagements
            .iter()
            .map(|key| self.eng(*key))
            .collect())
    }

    pub fn queue_config(&self, id: &str) -> Option<&QueueConfig> {
        self.queue_ids.get(id).map(|slot| self.queues[*slot as usize].config())
    }

    /// Ids of the waiting engagements of a queue in the order routing serves them.
    pub fn queue_order(&self, queue: &str) -> Result<Vec<&str>, EngineError> {
        let slot = self.queue_slot(queue)?;
        Ok(self.queues[slot as usize]
            .order()
            .iter()
            .map(|key| self.engagements[key].id.as_str())
            .collect())
    }

    pub(crate) fn agent_slot(&self, id: &str) -> Result<u32, EngineError> {
        self.agent_ids
            .get(id)
            .copied()
            .ok_or_else(|| EngineError::UnknownAgent(id.to_owned()))
    }

    pub(crate) fn queue_slot(&self, id: &str) -> Result<u32, EngineError> {
        self.queue_ids
            .get(id)
            .copied()
            .ok_or_else(|| EngineError::UnknownQueue(id.to_owned()))
    }

    pub(crate) fn engagement_key(&self, id: &str) -> Result<u64, EngineError> {
        self.engagement_ids
            .get(id)
            .copied()
            .ok_or_else(|| EngineError::UnknownEngagement(id.to_owned()))
    }

    pub(crate) fn entry(&self, slot: u32) -> &AgentEntry {
        self.agents[slot as usize]
            .as_ref()
            .expect("agent slots in use are filled")
    }

    pub(crate) fn eng(&self, key: u64) -> &Engagement {
        &self.engagements[&key]
    }

    pub(crate) fn eng_mut(&mut self, key: u64) -> &mut Engagement {
        self.engagements
            .get_mut(&key)
            .expect("engagement keys in use are known")
    }

    /// The queue of an engagement.
    pub(crate) fn queue_of(&self, key: u64) -> &Queue {
        &self.queues[self.queue_ids[&self.eng(key).queue_id] as usize]
    }

    /// Looks up an engagement an agent acts on and checks it is theirs and in a state where
    /// the action is possible. Refusals: unknown ids, `NotYourEngagement` when it is offered
    /// to or handled by someone else, `InvalidState` otherwise.
    pub(crate) fn own(
        &self,
        agent: &str,
        engagement: &str,
        action: &'static str,
        possible: &'static str,
        allowed: impl Fn(&EngagementState) -> bool,
    ) -> Result<(u32, u64), EngineError> {
        let slot = self.agent_slot(agent)?;
        let key = self.engagement_key(engagement)?;
        let state = &self.eng(key).state;
        if state.agent().is_some_and(|owner| owner != agent) {
            return Err(EngineError::NotYourEngagement {
                engagement: engagement.to_owned(),
                agent: agent.to_owned(),
            });
        }
        if !allowed(state) {
            return Err(EngineError::InvalidState {
                engagement: engagement.to_owned(),
                state: state.name(),
                action,
                possible,
            });
        }
        Ok((slot, key))
    }

    /// Remembers a finished engagement and forgets the oldest beyond the retention.
    pub(crate) fn finish(&mut self, key: u64) {
        self.finished.push_back(key);
        while self.finished.len() > self.config.retain_finished {
            let Some(old) = self.finished.pop_front() else {
                break;
            };
            if let Some(e) = self.engagements.remove(&old) {
                self.engagement_ids.remove(&e.id);
            }
        }
    }
}
