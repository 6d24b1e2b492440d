//! Configuration commands: creating and changing queues and agents while the engine runs.
//!
//! A change takes effect at once and is routed like any other event: agents whose profile
//! changed, and every agent and waiting engagement of a changed queue, are reconsidered. A
//! queue's waiting engagements keep their places; their skill steps and maximum wait are
//! recomputed from the new config (counted from when they entered the queue).

use std::collections::VecDeque;

use crate::engine::AgentEntry;
use crate::queue::{Queue, QueueState};
use crate::{Agent, AgentConfig, Engine, EngineError, MaxWaitOutcome, Output, QueueConfig};

impl Engine {
    pub(crate) fn upsert_queue(
        &mut self,
        now: i64,
        id: String,
        config: QueueConfig,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let invalid = |problem: String| EngineError::InvalidQueueConfig {
            queue: id.clone(),
            problem,
        };
        if id.is_empty() {
            return Err(EngineError::InvalidInput("a queue needs a non-empty id".to_owned()));
        }
        config.validate().map_err(invalid)?;
        if let Some(MaxWaitOutcome::Overflow { queue: target }) = config.max_wait.as_ref().map(|mw| &mw.then) {
            if *target == id {
                return Err(invalid("a queue cannot overflow into itself".to_owned()));
            }
            let target_channel = self.queues[self.queue_slot(target)? as usize].config().channel;
            if target_channel != config.channel {
                return Err(invalid(format!(
                    "overflow queue {target:?} is {target_channel}, this queue is {}",
                    config.channel
                )));
            }
        }
        let Some(&q) = self.queue_ids.get(&id) else {
            self.queue_ids.insert(id.clone(), self.queues.len() as u32);
            self.queues.push(Queue::new(QueueState {
                id,
                config,
                rr_clock: 0,
                service: VecDeque::new(),
            }));
            return Ok(());
        };
        let old = self.queues[q as usize].config();
        if old.channel != config.channel {
            return Err(invalid(format!(
                "a queue's channel cannot change ({} to {}); create a new queue",
                old.channel, config.channel
            )));
        }
        let waiting = self.queues[q as usize].order();
        for key in &waiting {
            self.leave_waiting(*key);
        }
        let members: Vec<u32> = self.queues[q as usize].members.iter().copied().collect();
        for slot in &members {
            self.unfile_agent(*slot);
        }
        let queue = &mut self.queues[q as usize];
        queue.st.config = config;
        queue.reset_steps();
        for slot in members {
            let entry = self.agents[slot as usize]
                .as_mut()
                .expect("agent slots in use are filled");
            let queue = self.queues[q as usize].config();
            for m in entry.memberships.iter_mut().filter(|m| m.queue == q) {
                m.first_step = entry.agent.first_step(queue);
                m.score = entry.agent.skill_score(queue);
            }
            self.file_agent(slot);
            self.dirty.agents.push(slot);
        }
        // Back in place under the new config; a maximum wait the new config has already
        // exceeded applies now.
        for key in waiting {
            self.file_waiting(key, now, out);
        }
        Ok(())
    }

    pub(crate) fn upsert_agent(&mut self, now: i64, id: String, config: AgentConfig) -> Result<(), EngineError> {
        if id.is_empty() {
            return Err(EngineError::InvalidInput("an agent needs a non-empty id".to_owned()));
        }
        config.validate().map_err(|problem| EngineError::InvalidAgentConfig {
            agent: id.clone(),
            problem,
        })?;
        for queue in &config.queues {
            self.queue_slot(queue)?;
        }
        let slot = match self.agent_ids.get(&id) {
            Some(&slot) => slot,
            None => {
                let slot = self.agents.len() as u32;
                self.agents.push(Some(AgentEntry {
                    agent: Agent::new(id.clone(), config.clone(), now),
                    load: Default::default(),
                    memberships: Vec::new(),
                }));
                self.agent_ids.insert(id, slot);
                slot
            }
        };
        self.unfile_agent(slot);
        self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled")
            .agent
            .config = config;
        self.rebuild_memberships(slot);
        self.file_agent(slot);
        self.dirty.agents.push(slot);
        Ok(())
    }
}
