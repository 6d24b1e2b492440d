//! Outbound calls placed by an agent (click-to-dial): [`Command::Dial`](crate::Command::Dial).
//!
//! Every other engagement arrives from a customer and has to find an agent: it waits in a
//! queue and is offered until someone accepts. A dial is the other way round — the agent is
//! already there and chose the call — so there is nothing to route: the engagement is live
//! with its agent in the same step it is created, and the engine emits
//! [`Output::Dialed`](crate::Output::Dialed) instead of `Queued`/`Offered`/`Accepted`.
//!
//! It still belongs to a queue (`queue`), because a queue is where the call is logged and
//! where the after-call policy lives: its wrap-up timer, dispositions and default
//! disposition apply exactly as to an inbound call. The queue must be a voice queue the agent
//! serves, so an agent cannot log calls under a queue they do not work in. Skill steps do not
//! apply: they choose who gets a waiting engagement, and nobody is being chosen.
//!
//! The agent must be connected (their embed carries the call), not Offline (Not Ready is
//! fine: an agent on a break may still call a customer back), and have room for a call by
//! the same capacity rule as an offer (`Agent::has_room` in `agent.rs`): a free voice
//! slot (a voice engagement offered, live or in wrap-up holds one) and no live or offered
//! video engagement. Going live goes through the same [`Engine::go_live`] as an accepted
//! offer, so the agent is then exactly as after an accept: Occupied, announced the same way,
//! other channels blocked for new offers, offers already ringing on them left ringing.
//!
//! What a dial does not do matters as much for the statistics: it never enters a queue's
//! order (not counted as waiting), records no service-level sample (it did not wait and was
//! not answered), and its far end hanging up is `CustomerLeft` on a live engagement, which
//! starts wrap-up like any other (never an abandon). The call log says `direction: outbound`,
//! `from` the caller id the customer saw, `to` the number dialled.

use callbar_protocol::{Channel, Direction};

use crate::{AgentStatus, EngagementState, Engine, EngineError, NewEngagement, Output};

impl Engine {
    pub(crate) fn dial(&mut self, now: i64, new: NewEngagement, out: &mut Vec<Output>) -> Result<(), EngineError> {
        let q = self.check_new(&new)?;
        let slot = self.check_dial(&new, q)?;
        let announce = Output::Dialed {
            engagement: new.id.clone(),
            agent: self.entry(slot).agent.id.clone(),
        };
        let key = self.insert_new(now, new, q);
        self.go_live(key, slot, now, announce, out);
        Ok(())
    }

    /// Everything a dial needs beyond a new engagement's basics; returns the agent's slot.
    fn check_dial(&self, new: &NewEngagement, q: u32) -> Result<u32, EngineError> {
        if new.direction != Direction::Outbound {
            return Err(EngineError::InvalidInput(
                "a dial is an outbound call: direction must be outbound, not inbound".to_owned(),
            ));
        }
        let Some(agent) = &new.target_agent else {
            return Err(EngineError::InvalidInput(
                "a dial needs targetAgent: the agent who places the call".to_owned(),
            ));
        };
        let channel = self.queues[q as usize].config().channel;
        if channel != Channel::Voice {
            return Err(EngineError::InvalidInput(format!(
                "a dial is a voice call, but queue {:?} is {channel}; log it under a voice queue",
                new.queue
            )));
        }
        if new.to.trim().is_empty() {
            return Err(EngineError::InvalidInput(
                "a dial needs `to`, the number to call".to_owned(),
            ));
        }
        let slot = self.agent_slot(agent)?;
        let entry = self.entry(slot);
        let cannot = |problem: String| EngineError::CannotDial {
            agent: agent.clone(),
            problem,
        };
        if !entry.memberships.iter().any(|m| m.queue == q) {
            return Err(cannot(format!("they do not serve queue {:?}", new.queue)));
        }
        if !entry.agent.connected {
            return Err(cannot("their embed is not connected".to_owned()));
        }
        if entry.agent.status == AgentStatus::Offline {
            return Err(cannot("they are Offline; choose Ready or Not Ready first".to_owned()));
        }
        if !entry.agent.has_room(&entry.load, Channel::Voice) {
            let holding: Vec<String> = entry
                .load
                .engagements
                .iter()
                .map(|key| self.eng(*key))
                .filter(|e| match e.channel {
                    Channel::Voice => true,
                    Channel::Video => matches!(e.state, EngagementState::Offered { .. } | EngagementState::Live { .. }),
                    _ => false,
                })
                .map(|e| format!("{} ({} {})", e.id, e.channel, e.state.name()))
                .collect();
            let capacity = entry.agent.config.capacity.voice;
            return Err(cannot(if holding.is_empty() {
                format!("their voice capacity is {capacity}")
            } else {
                format!(
                    "no room for a call (voice capacity {capacity}): they hold {}",
                    holding.join(", ")
                )
            }));
        }
        Ok(slot)
    }
}
