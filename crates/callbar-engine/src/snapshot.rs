//! Snapshots: the engine's durable state as one serde value, for compacting the command log.
//!
//! A snapshot holds only what cannot be derived — config, queues, agents, engagements,
//! counters. Indexes, agent loads and timers are rebuilt by [`Engine::restore`]. Two engines
//! that went through the same commands have equal snapshots, which is how replay is tested.
//!
//! A snapshot does not know the time it was taken, so restore sets each queue's wake at its
//! first skill-step change or maximum wait, even one already passed; such a wake fires on the
//! next `Tick` and finds nothing to do (routing was settled when the snapshot was taken), so
//! the result is the same as never having stopped.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::agent::Load;
use crate::engine::AgentEntry;
use crate::queue::{Queue, QueueState};
use crate::timers::Timer;
use crate::{Agent, Engagement, EngagementState, Engine, EngineConfig, EngineError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    config: EngineConfig,
    queues: Vec<QueueState>,
    /// By slot; `None` for a removed agent (slots are never reused).
    agents: Vec<Option<Agent>>,
    /// In creation order.
    engagements: Vec<Engagement>,
    /// Keys of finished engagements, oldest first.
    finished: Vec<u64>,
    next_key: u64,
    next_seq: u64,
}

impl Engine {
    pub fn snapshot(&self) -> Snapshot {
        let mut engagements: Vec<Engagement> = self.engagements.values().map(|e| Engagement::clone(e)).collect();
        engagements.sort_unstable_by_key(|e| e.key);
        Snapshot {
            config: self.config.clone(),
            queues: self.queues.iter().map(|q| q.st.clone()).collect(),
            agents: self
                .agents
                .iter()
                .map(|a| a.as_ref().map(|a| a.agent.clone()))
                .collect(),
            engagements,
            finished: self.finished.iter().copied().collect(),
            next_key: self.next_key,
            next_seq: self.next_seq,
        }
    }

    /// An engine in exactly the state the snapshot was taken in.
    pub fn restore(snapshot: Snapshot) -> Result<Engine, EngineError> {
        let corrupt = |what: String| EngineError::CorruptSnapshot(what);
        let mut engine = Engine::new(snapshot.config);
        for st in snapshot.queues {
            if engine
                .queue_ids
                .insert(st.id.clone(), engine.queues.len() as u32)
                .is_some()
            {
                return Err(corrupt(format!("queue {:?} appears twice", st.id)));
            }
            engine.queues.push(Queue::new(st));
        }
        for (slot, agent) in snapshot.agents.into_iter().enumerate() {
            let Some(agent) = agent else {
                engine.agents.push(None);
                continue;
            };
            if let Some(queue) = agent.config.queues.iter().find(|q| !engine.queue_ids.contains_key(*q)) {
                return Err(corrupt(format!("agent {:?} serves unknown queue {queue:?}", agent.id)));
            }
            if engine.agent_ids.insert(agent.id.clone(), slot as u32).is_some() {
                return Err(corrupt(format!("agent {:?} appears twice", agent.id)));
            }
            engine.agents.push(Some(AgentEntry {
                agent,
                load: Default::default(),
                memberships: Vec::new(),
            }));
            engine.rebuild_memberships(slot as u32);
        }
        engine.engagements.reserve(snapshot.engagements.len());
        let keys: Vec<u64> = snapshot.engagements.iter().map(|e| e.key).collect();
        for e in snapshot.engagements {
            if !engine.queue_ids.contains_key(&e.queue_id) {
                return Err(corrupt(format!(
                    "engagement {:?} is in unknown queue {:?}",
                    e.id, e.queue_id
                )));
            }
            if let Some(agent) = e.state.agent().filter(|_| !e.state.is_terminal())
                && !engine.agent_ids.contains_key(agent)
            {
                return Err(corrupt(format!(
                    "engagement {:?} is held by unknown agent {agent:?}",
                    e.id
                )));
            }
            engine.engagement_ids.insert(e.id.clone(), e.key);
            engine.engagements.insert(e.key, Box::new(e));
        }
        engine.finished = VecDeque::from(snapshot.finished);
        engine.next_key = snapshot.next_key;
        engine.next_seq = snapshot.next_seq;
        for key in keys {
            engine.rebuild_engagement(key);
        }
        for slot in 0..engine.agents.len() as u32 {
            if engine.agents[slot as usize].is_some() {
                engine.file_agent(slot);
            }
        }
        // Without the time, wake every queue at its first pending deadline, even one already
        // passed: it fires on the next tick and finds nothing to do.
        engine.reschedule_queues(i64::MIN);
        engine.dirty = Default::default();
        Ok(engine)
    }

    /// Re-derives what an engagement contributes to queues, agents and timers.
    fn rebuild_engagement(&mut self, key: u64) {
        let e = &self.engagements[&key];
        let (channel, state) = (e.channel, e.state.clone());
        match state {
            EngagementState::Queued => self.place_waiting(key),
            EngagementState::Offered { agent, expires_at } => {
                self.load_mut(&agent).offer(key, channel);
                self.timers.set(expires_at, Timer::OfferExpiry, key);
            }
            EngagementState::Live { agent } => {
                // Accepted or dialled alike: the slot and, on voice or video, the attention.
                let load = self.load_mut(&agent);
                load.offer(key, channel);
                load.go_live();
            }
            EngagementState::WrapUp { agent, deadline } => {
                // As if offered, accepted and ended: the slot stays, the attention does not.
                let load = self.load_mut(&agent);
                load.offer(key, channel);
                load.go_live();
                load.end_live(channel);
                if let Some(at) = deadline {
                    self.timers.set(at, Timer::WrapUp, key);
                }
            }
            EngagementState::Closed { .. } | EngagementState::Abandoned { .. } | EngagementState::Cancelled => {}
        }
    }

    fn load_mut(&mut self, agent: &str) -> &mut Load {
        let slot = self.agent_ids[agent];
        &mut self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled")
            .load
    }
}
