//! Routing: who gets offered what.
//!
//! The rules, in the order they apply:
//! 1. **Order.** Waiting engagements are served by priority (higher first), then by arrival
//!    in their queue (older first), across every queue an agent serves.
//! 2. **Eligibility.** An agent may be offered an engagement when they are Ready, connected,
//!    have a free slot on its channel and no live or offered voice/video engagement on another
//!    channel, serve its queue and meet the queue's skill step the engagement has reached.
//!    A direct-to-agent engagement is for its target only, who needs only the free slot (not
//!    the queue or the skills).
//! 3. **Choice.** Among eligible agents, the queue's strategy decides (see
//!    [`Strategy`](crate::Strategy)); ties go to the agent added first.
//! 4. **Decliners last.** An agent who just rejected an engagement or let it ring out is
//!    offered it again only when no other eligible agent is available.
//!
//! [`Engine::settle`] applies them after every command and timer group until no waiting
//! engagement has an available eligible agent. It takes candidates in global order — the
//! dirty engagements, and for each agent who became able to take more, the best engagement
//! for them — and gives each to its best agent, so a burst of changes is served exactly in
//! priority-then-age order.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use crate::engine::take_sorted;
use crate::queue::Rank;
use crate::timers::Timer;
use crate::{EngagementState, Engine, OfferReason, Output, RankKey, Strategy};

impl Engine {
    /// The best waiting engagement agent `slot` may take now: per queue served, the head of
    /// each priority level (the head has the most relaxed skill step of its level), and the
    /// agent's direct engagements.
    pub(crate) fn best_for_agent(&self, slot: u32, now: i64) -> Option<(Rank, u64)> {
        let entry = self.agents[slot as usize].as_ref()?;
        let mut best: Option<(Rank, u64)> = None;
        for m in &entry.memberships {
            let Some(first_step) = m.first_step else {
                continue;
            };
            let queue = &self.queues[m.queue as usize];
            if !entry.agent.can_take(&entry.load, queue.config().channel) {
                continue;
            }
            for (priority, level) in &queue.waiting {
                if best.is_some_and(|(rank, _)| rank.0 < *priority) {
                    break;
                }
                let Some((&seq, head)) = level.general.first_key_value() else {
                    continue;
                };
                if queue.step_at(now - head.entered) >= first_step {
                    let rank = (*priority, seq);
                    if best.is_none_or(|(b, _)| rank < b) {
                        best = Some((rank, head.key));
                    }
                    break;
                }
            }
        }
        if let Some(direct) = self.direct.get(&entry.agent.id) {
            for (&rank, &key) in direct {
                if best.is_some_and(|(b, _)| b < rank) {
                    break;
                }
                if entry.agent.can_take(&entry.load, self.eng(key).channel) {
                    best = Some((rank, key));
                    break;
                }
            }
        }
        best
    }

    /// The agent a waiting engagement goes to now, and why; `None` if nobody can take it.
    pub(crate) fn pick_agent(&self, key: u64, now: i64) -> Option<(u32, OfferReason)> {
        let e = self.eng(key);
        let queue = self.queue_of(key);
        let config = queue.config();
        if let Some(target) = &e.target_agent {
            let slot = *self.agent_ids.get(target)?;
            let entry = self.entry(slot);
            if !entry.agent.can_take(&entry.load, e.channel) {
                return None;
            }
            let reason = OfferReason {
                queue_id: e.queue_id.clone(),
                step: None,
                strategy: config.strategy,
                rank: RankKey::Direct,
                capacity_left_on_channel: entry.agent.free(&entry.load, e.channel),
                candidates_considered: 1,
            };
            return Some((slot, reason));
        }
        let step = queue.step_at(now - e.queue_entered_at);
        let decliner = e
            .last_declined_by
            .as_ref()
            .and_then(|id| self.agent_ids.get(id))
            .copied();
        let ((k1, k2, slot), candidates) = queue.best_ready(step, decliner)?;
        let entry = self.entry(slot);
        let rank = match config.strategy {
            Strategy::LongestIdle => RankKey::IdleSince { idle_since: k1 },
            Strategy::RoundRobin => RankKey::RoundRobin {
                last_offered: k1 as u64,
            },
            Strategy::MostSkilled => RankKey::SkillScore {
                score: (-k1) as u32,
                idle_since: k2,
            },
        };
        let reason = OfferReason {
            queue_id: e.queue_id.clone(),
            step: Some(step),
            strategy: config.strategy,
            rank,
            capacity_left_on_channel: entry.agent.free(&entry.load, e.channel),
            candidates_considered: candidates as u32,
        };
        Some((slot, reason))
    }

    /// Offers engagements until no waiting engagement has an available eligible agent.
    pub(crate) fn settle(&mut self, now: i64, out: &mut Vec<Output>) {
        let mut candidates: BTreeSet<(Rank, u64, u32)> = BTreeSet::new();
        loop {
            for slot in take_sorted(&mut self.dirty.agents) {
                if let Some((rank, key)) = self.best_for_agent(slot, now) {
                    candidates.insert((rank, key, slot));
                }
            }
            let from_queue = self.dirty.engagements.first().copied();
            let from_agent = candidates
                .first()
                .copied()
                .filter(|(rank, _, _)| from_queue.is_none_or(|(p, s, _)| *rank <= (p, s)));
            if let Some((rank, key, slot)) = from_agent {
                candidates.remove(&(rank, key, slot));
                self.dirty.engagements.remove(&(rank.0, rank.1, key));
                let still_good = self.is_queued_at(key, rank) && {
                    let entry = self.entry(slot);
                    entry.agent.can_take(&entry.load, self.eng(key).channel)
                };
                // After an offer (to this agent or a better one) or a stale candidate, the
                // agent's best engagement is another one: look again.
                if !still_good || self.route(key, now, out) {
                    self.dirty.agents.push(slot);
                }
            } else if let Some(entry) = from_queue {
                self.dirty.engagements.remove(&entry);
                if self.is_queued_at(entry.2, (entry.0, entry.1)) {
                    self.route(entry.2, now, out);
                }
            } else {
                break;
            }
        }
    }

    /// Whether the engagement still waits at this place. An entry made before the engagement
    /// moved (an overflow gives it a new place) is stale: the move made a new entry.
    fn is_queued_at(&self, key: u64, rank: Rank) -> bool {
        self.engagements
            .get(&key)
            .is_some_and(|e| e.state == EngagementState::Queued && (Reverse(e.priority), e.seq) == rank)
    }

    /// Offers a waiting engagement to its best agent, if any; true if it did.
    fn route(&mut self, key: u64, now: i64, out: &mut Vec<Output>) -> bool {
        let Some((slot, reason)) = self.pick_agent(key, now) else {
            return false;
        };
        self.offer(key, slot, reason, now, out);
        true
    }

    fn offer(&mut self, key: u64, slot: u32, reason: OfferReason, now: i64, out: &mut Vec<Output>) {
        self.leave_waiting(key);
        let q = self.queue_ids[&self.eng(key).queue_id];
        let queue = &mut self.queues[q as usize];
        let expires_at = now + queue.config().ring_timeout_ms;
        let round_robin = (reason.step.is_some() && queue.config().strategy == Strategy::RoundRobin).then(|| {
            queue.st.rr_clock += 1;
            queue.st.rr_clock
        });
        let agent_id = self.entry(slot).agent.id.clone();
        let e = self.eng_mut(key);
        e.state = EngagementState::Offered {
            agent: agent_id.clone(),
            expires_at,
        };
        e.offered_at = Some(now);
        e.offers += 1;
        e.offer_reason = Some(reason.clone());
        let channel = e.channel;
        let queue_id = e.queue_id.clone();
        out.push(Output::Offered {
            engagement: e.id.clone(),
            agent: agent_id,
            expires_at,
            reason,
        });
        self.timers.set(expires_at, Timer::OfferExpiry, key);
        if let Some(position) = round_robin {
            let entry = self.agents[slot as usize]
                .as_mut()
                .expect("agent slots in use are filled");
            if let Some(m) = entry.memberships.iter_mut().find(|m| m.queue == q) {
                m.rr_last = position;
            }
            entry.agent.round_robin.insert(queue_id, position);
        }
        self.update_agent(slot, out, |_, load| load.offer(key, channel));
    }
}
