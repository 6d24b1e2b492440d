//! Keeping the queues' available-agent indexes in step with agents.
//!
//! Every change to an agent goes through [`Engine::update_agent`], which re-files the agent
//! in the step indexes of the queues they serve only where their availability or strategy
//! key actually changed, announces a change of reported status (e.g. Occupied), and marks
//! the agent for routing when they can take more than before. Funnelling every change
//! through one place is what keeps the indexes exact.

use crate::agent::Load;
use crate::{Agent, Engine, Output, Strategy};

/// An agent's standing in one queue they serve.
#[derive(Debug, Clone)]
pub(crate) struct Membership {
    pub queue: u32,
    /// The first skill step the agent meets; `None`: they meet none and are never offered
    /// this queue's engagements.
    pub first_step: Option<usize>,
    /// Most-skilled score.
    pub score: u32,
    /// Round-robin position.
    pub rr_last: u64,
    /// The strategy key the agent is filed under in this queue's available agents, if filed.
    pub filed: Option<(i64, i64)>,
}

/// The strategy key of an agent in a queue: smaller is offered first.
fn strategy_key(strategy: Strategy, agent: &Agent, m: &Membership) -> (i64, i64) {
    match strategy {
        Strategy::LongestIdle => (agent.idle_since, 0),
        Strategy::RoundRobin => (m.rr_last as i64, 0),
        Strategy::MostSkilled => (-i64::from(m.score), agent.idle_since),
    }
}

impl Engine {
    /// Applies `change` to an agent and keeps everything derived from them in step.
    pub(crate) fn update_agent(
        &mut self,
        slot: u32,
        out: &mut Vec<Output>,
        change: impl FnOnce(&mut Agent, &mut Load),
    ) {
        let entry = self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled");
        let status_before = (entry.agent.reported(&entry.load), entry.agent.status.clone());
        let available_before = entry.agent.availability(&entry.load);
        change(&mut entry.agent, &mut entry.load);
        let reported = entry.agent.reported(&entry.load);
        let available_after = entry.agent.availability(&entry.load);
        if reported != status_before.0 || entry.agent.status != status_before.1 {
            out.push(Output::AgentStatus {
                agent: entry.agent.id.clone(),
                status: reported,
                chosen: entry.agent.status.clone(),
            });
        }
        if available_after & !available_before != 0 {
            self.dirty.agents.push(slot);
        }
        self.file_agent(slot);
    }

    /// Files the agent in, or removes them from, each served queue's index of available agents
    /// (under the first step they meet) as their availability and strategy key require.
    pub(crate) fn file_agent(&mut self, slot: u32) {
        let entry = self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled");
        for m in &mut entry.memberships {
            let queue = &mut self.queues[m.queue as usize];
            let config = &queue.st.config;
            let wanted = match m.first_step {
                Some(_) if entry.agent.can_take(&entry.load, config.channel) => {
                    Some(strategy_key(config.strategy, &entry.agent, m))
                }
                _ => None,
            };
            if wanted == m.filed {
                continue;
            }
            if let Some(index) = m.first_step.and_then(|first| queue.ready.get_mut(first)) {
                if let Some((a, b)) = m.filed {
                    index.remove(&(a, b, slot));
                }
                if let Some((a, b)) = wanted {
                    index.insert((a, b, slot));
                }
            }
            m.filed = wanted;
        }
    }

    /// Takes the agent out of every step index (before their memberships change).
    pub(crate) fn unfile_agent(&mut self, slot: u32) {
        let entry = self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled");
        for m in &mut entry.memberships {
            if let (Some((a, b)), Some(first)) = (m.filed.take(), m.first_step) {
                self.queues[m.queue as usize].ready[first].remove(&(a, b, slot));
            }
        }
    }

    /// Recomputes the agent's memberships from their config and the queues (unfiled; call
    /// [`file_agent`](Self::file_agent) after).
    pub(crate) fn rebuild_memberships(&mut self, slot: u32) {
        let entry = self.agents[slot as usize]
            .as_mut()
            .expect("agent slots in use are filled");
        let agent = &mut entry.agent;
        for m in &entry.memberships {
            self.queues[m.queue as usize].members.remove(&slot);
        }
        agent.round_robin.retain(|queue, _| agent.config.queues.contains(queue));
        entry.memberships = agent
            .config
            .queues
            .iter()
            .map(|id| {
                let q = self.queue_ids[id];
                let queue = &mut self.queues[q as usize];
                queue.members.insert(slot);
                Membership {
                    queue: q,
                    first_step: agent.first_step(queue.config()),
                    score: agent.skill_score(queue.config()),
                    rr_last: agent.round_robin.get(id).copied().unwrap_or(0),
                    filed: None,
                }
            })
            .collect();
    }
}
