//! Agent presence: the status they choose, whether their embed is connected, and removal.
//!
//! Status and connection are separate on purpose. Status is the agent's choice (or the
//! engine's, for missed offers) and is what the host sees; connection is a fact about the
//! socket. Either one going away takes back ringing offers (they return to their place in the
//! queue and do not count as missed), but neither touches live engagements: a dropped socket
//! may come back, and the server decides when to give up on it.

use crate::{AgentStatus, Engine, EngineError, OfferEndReason, Output};

impl Engine {
    /// Sets the status an agent chose; the engine uses it too for missed offers.
    pub(crate) fn set_status(&mut self, slot: u32, status: AgentStatus, now: i64, out: &mut Vec<Output>) {
        let current = &self.entry(slot).agent.status;
        if *current == status {
            return;
        }
        let becomes_ready = status == AgentStatus::Ready;
        let leaves_ready = *current == AgentStatus::Ready;
        self.update_agent(slot, out, |agent, _| {
            if becomes_ready {
                agent.idle_since = now;
                agent.consecutive_missed = 0;
            }
            agent.status = status;
        });
        if leaves_ready {
            self.take_back_offers(slot, OfferEndReason::AgentUnavailable, now, out);
        }
    }

    pub(crate) fn set_connected(
        &mut self,
        now: i64,
        agent: &str,
        connected: bool,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let slot = self.agent_slot(agent)?;
        if self.entry(slot).agent.connected == connected {
            return Ok(());
        }
        self.update_agent(slot, out, |agent, _| agent.connected = connected);
        if !connected {
            self.take_back_offers(slot, OfferEndReason::AgentDisconnected, now, out);
        }
        Ok(())
    }

    /// Forgets an agent who holds no live or wrap-up engagement. Direct-to-agent engagements
    /// for them keep waiting (until their maximum wait, or until the id is added again).
    pub(crate) fn remove_agent(&mut self, now: i64, agent: &str, out: &mut Vec<Output>) -> Result<(), EngineError> {
        let slot = self.agent_slot(agent)?;
        let busy: Vec<String> = self
            .entry(slot)
            .load
            .engagements
            .iter()
            .map(|key| self.eng(*key))
            .filter(|e| !matches!(e.state, crate::EngagementState::Offered { .. }))
            .map(|e| e.id.clone())
            .collect();
        if !busy.is_empty() {
            return Err(EngineError::AgentBusy {
                agent: agent.to_owned(),
                engagements: busy,
            });
        }
        self.take_back_offers(slot, OfferEndReason::AgentRemoved, now, out);
        self.unfile_agent(slot);
        let entry = self.agents[slot as usize]
            .take()
            .expect("agent slots in use are filled");
        for m in &entry.memberships {
            self.queues[m.queue as usize].members.remove(&slot);
        }
        self.agent_ids.remove(agent);
        self.dirty.agents.retain(|s| *s != slot);
        Ok(())
    }
}
