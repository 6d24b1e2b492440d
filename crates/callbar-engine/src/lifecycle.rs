//! The engagement lifecycle up to wrap-up: arrival, waiting, offers and their outcomes,
//! maximum wait, abandon, cancel, and the end of the live part. (Outbound calls skip the
//! waiting and the offer: see `dial.rs`; they go live through the same
//! [`go_live`](Engine::go_live) as an accepted offer.)
//!
//! Rules that are easy to get wrong live here:
//! - An offer that is rejected, rings out or is taken back returns the engagement to its
//!   **original place** (it keeps its arrival sequence and queue entry time).
//! - Maximum wait counts only while queued in the queue: if it runs out during an offer, the
//!   offer may still be accepted; if the offer ends without an accept, the maximum-wait outcome
//!   applies at once.
//! - Overflow is a new arrival in the overflow queue: back of its priority level, skill steps
//!   and maximum wait counted from then, and a direct-to-agent target is dropped (the point of
//!   overflowing is to reach other agents).

use std::cmp::Reverse;

use crate::engagement::SYSTEM_PREFIX;
use crate::queue::{ServiceSample, Waiting};
use crate::timers::Timer;
use crate::{
    AbandonReason, CallOutcome, EndedBy, Engagement, EngagementState, Engine, EngineError, MaxWaitOutcome,
    NewEngagement, OfferEndReason, Output,
};

impl Engine {
    pub(crate) fn create_engagement(
        &mut self,
        now: i64,
        new: NewEngagement,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let q = self.check_new(&new)?;
        let key = self.insert_new(now, new, q);
        self.enter_waiting(key, now, out);
        Ok(())
    }

    /// What every new engagement needs, queued or dialled: a fresh non-empty id, a known
    /// queue (returned) and target agent, and no reserved variable names.
    pub(crate) fn check_new(&self, new: &NewEngagement) -> Result<u32, EngineError> {
        if new.id.is_empty() {
            return Err(EngineError::InvalidInput(
                "an engagement needs a non-empty id".to_owned(),
            ));
        }
        if self.engagement_ids.contains_key(&new.id) {
            return Err(EngineError::DuplicateEngagement(new.id.clone()));
        }
        let q = self.queue_slot(&new.queue)?;
        if let Some(target) = &new.target_agent {
            self.agent_slot(target)?;
        }
        for name in new.variables.keys() {
            check_variable_name(name)?;
        }
        Ok(q)
    }

    /// Adds a checked new engagement in queue slot `q`, not yet filed anywhere (state
    /// `Queued`, but in no queue's order until [`enter_waiting`](Self::enter_waiting));
    /// returns its key.
    pub(crate) fn insert_new(&mut self, now: i64, new: NewEngagement, q: u32) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        let seq = self.next_seq;
        self.next_seq += 1;
        let engagement = Engagement {
            id: new.id.clone(),
            channel: self.queues[q as usize].config().channel,
            queue_id: new.queue,
            priority: new.priority,
            direction: new.direction,
            customer: new.customer,
            subject: new.subject,
            from: new.from,
            to: new.to,
            target_agent: new.target_agent,
            custom_variables: new.variables,
            created_at: now,
            queue_entered_at: now,
            state: EngagementState::Queued,
            offer_reason: None,
            offered_at: None,
            accepted_at: None,
            ended_at: None,
            finished_at: None,
            notes: Vec::new(),
            disposition: None,
            last_declined_by: None,
            offers: 0,
            key,
            seq,
        };
        self.engagements.insert(key, Box::new(engagement));
        self.engagement_ids.insert(new.id, key);
        key
    }

    pub(crate) fn accept(
        &mut self,
        now: i64,
        agent: &str,
        engagement: &str,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (slot, key) = self.own(
            agent,
            engagement,
            "accept",
            "only an offered engagement can be accepted",
            |s| matches!(s, EngagementState::Offered { .. }),
        )?;
        let e = self.eng(key);
        let EngagementState::Offered { expires_at, .. } = e.state else {
            unreachable!("checked above")
        };
        let wait_ms = now - e.queue_entered_at;
        self.timers.clear(expires_at, Timer::OfferExpiry, key);
        self.record_service(key, now, wait_ms, true);
        let accepted = Output::Accepted {
            engagement: engagement.to_owned(),
            agent: agent.to_owned(),
        };
        self.go_live(key, slot, now, accepted, out);
        Ok(())
    }

    /// Makes an engagement live with the agent in `slot`: the one way into `Live`, shared by
    /// an accepted offer and a dial so that the agent ends up the same either way. `announce`
    /// (`Accepted` or `Dialed`) goes out first, then the agent's status change (Occupied).
    /// The agent's missed-offer count starts again (they are evidently at their desk). On
    /// voice or video the engagement holds the agent's attention, so no new offer on another
    /// channel reaches them while it is live; offers already ringing at them on other
    /// channels are left ringing, to be accepted or rejected as the agent chooses.
    pub(crate) fn go_live(&mut self, key: u64, slot: u32, now: i64, announce: Output, out: &mut Vec<Output>) {
        let agent = self.entry(slot).agent.id.clone();
        let e = self.eng_mut(key);
        // An offer already holds its slot (and attention); a dial takes them now.
        let takes_slot = !matches!(e.state, EngagementState::Offered { .. });
        e.state = EngagementState::Live { agent };
        e.accepted_at = Some(now);
        let channel = e.channel;
        out.push(announce);
        self.update_agent(slot, out, |agent, load| {
            if takes_slot {
                load.offer(key, channel);
            }
            agent.consecutive_missed = 0;
            load.go_live();
        });
    }

    pub(crate) fn reject(
        &mut self,
        now: i64,
        agent: &str,
        engagement: &str,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (slot, key) = self.own(
            agent,
            engagement,
            "reject",
            "only an offered engagement can be rejected",
            |s| matches!(s, EngagementState::Offered { .. }),
        )?;
        self.take_back(key, OfferEndReason::Rejected, out);
        self.eng_mut(key).last_declined_by = Some(agent.to_owned());
        self.update_agent(slot, out, |agent, _| agent.consecutive_missed = 0);
        self.return_to_queue(key, now, out);
        Ok(())
    }

    pub(crate) fn end(
        &mut self,
        now: i64,
        agent: &str,
        engagement: &str,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (_, key) = self.own(agent, engagement, "end", "only a live engagement can be ended", |s| {
            matches!(s, EngagementState::Live { .. })
        })?;
        self.end_live_part(key, EndedBy::Agent, now, out);
        Ok(())
    }

    pub(crate) fn customer_left(
        &mut self,
        now: i64,
        engagement: &str,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let key = self.engagement_key(engagement)?;
        let e = self.eng(key);
        let wait_ms = now - e.queue_entered_at;
        match &e.state {
            EngagementState::Queued => {
                self.leave_waiting(key);
                self.record_service(key, now, wait_ms, false);
                self.abandon(key, AbandonReason::CustomerLeft, None, now, out);
            }
            EngagementState::Offered { agent, .. } => {
                let agent = agent.clone();
                self.take_back(key, OfferEndReason::CustomerLeft, out);
                self.record_service(key, now, wait_ms, false);
                self.abandon(key, AbandonReason::CustomerLeft, Some(agent), now, out);
            }
            EngagementState::Live { .. } => self.end_live_part(key, EndedBy::Customer, now, out),
            state => {
                return Err(EngineError::InvalidState {
                    engagement: engagement.to_owned(),
                    state: state.name(),
                    action: "abandon",
                    possible: "a customer can leave only a queued, offered or live engagement",
                });
            }
        }
        Ok(())
    }

    pub(crate) fn cancel(&mut self, now: i64, engagement: &str, out: &mut Vec<Output>) -> Result<(), EngineError> {
        let key = self.engagement_key(engagement)?;
        match &self.eng(key).state {
            EngagementState::Queued => self.leave_waiting(key),
            EngagementState::Offered { .. } => {
                self.take_back(key, OfferEndReason::Cancelled, out);
            }
            state => {
                return Err(EngineError::InvalidState {
                    engagement: engagement.to_owned(),
                    state: state.name(),
                    action: "cancel",
                    possible: "only a queued or offered engagement can be cancelled; a live one is ended by its agent",
                });
            }
        }
        let e = self.eng_mut(key);
        e.state = EngagementState::Cancelled;
        e.finished_at = Some(now);
        out.push(Output::Cancelled {
            engagement: engagement.to_owned(),
        });
        self.finish(key);
        Ok(())
    }

    /// Puts an engagement in its queue's order and announces it (or, if its maximum wait has
    /// already run out, applies the outcome instead).
    pub(crate) fn enter_waiting(&mut self, key: u64, now: i64, out: &mut Vec<Output>) {
        if self.file_waiting(key, now, out) {
            let e = &self.engagements[&key];
            out.push(Output::Queued {
                engagement: e.id.clone(),
                queue: e.queue_id.clone(),
            });
        }
    }

    /// Files a queued engagement and marks it for routing; false when its maximum wait had
    /// already run out and the outcome was applied instead.
    pub(crate) fn file_waiting(&mut self, key: u64, now: i64, out: &mut Vec<Output>) -> bool {
        let e = &self.engagements[&key];
        let queue = &self.queues[self.queue_ids[&e.queue_id] as usize];
        if let Some(max_wait) = &queue.config().max_wait
            && now >= e.queue_entered_at + max_wait.after_ms
        {
            self.max_wait_reached(key, now, out);
            return false;
        }
        self.dirty.engagements.insert((Reverse(e.priority), e.seq, key));
        self.place_waiting(key);
        true
    }

    /// Files a queued engagement in its queue's order (and its target's direct list).
    pub(crate) fn place_waiting(&mut self, key: u64) {
        let e = &self.engagements[&key];
        let q = self.queue_ids[&e.queue_id];
        let waiting = Waiting {
            key,
            entered: e.queue_entered_at,
        };
        self.queues[q as usize].insert_waiting(e.priority, e.seq, waiting, e.target_agent.is_some());
        if let Some(target) = &e.target_agent {
            self.direct
                .entry(target.clone())
                .or_default()
                .insert((Reverse(e.priority), e.seq), key);
        }
        self.dirty.queues.push(q);
    }

    /// Takes a queued engagement out of its queue's order.
    pub(crate) fn leave_waiting(&mut self, key: u64) {
        let e = &self.engagements[&key];
        let q = self.queue_ids[&e.queue_id];
        if let Some(head) = self.queues[q as usize].remove_waiting(e.priority, e.seq, e.target_agent.is_some()) {
            let next = &self.engagements[&head];
            self.dirty.engagements.insert((Reverse(next.priority), next.seq, head));
        }
        if let Some(target) = &e.target_agent
            && let Some(waiting) = self.direct.get_mut(target)
        {
            waiting.remove(&(Reverse(e.priority), e.seq));
            if waiting.is_empty() {
                self.direct.remove(target);
            }
        }
        self.dirty.queues.push(q);
    }

    /// Ends an offer without an accept and frees the agent's slot; the caller decides where
    /// the engagement goes next.
    fn take_back(&mut self, key: u64, reason: OfferEndReason, out: &mut Vec<Output>) {
        let e = self.eng(key);
        let EngagementState::Offered { agent, expires_at } = &e.state else {
            unreachable!("only offered engagements are taken back")
        };
        let (agent, expires_at, channel) = (agent.clone(), *expires_at, e.channel);
        out.push(Output::OfferEnded {
            engagement: e.id.clone(),
            agent: agent.clone(),
            reason,
        });
        self.timers.clear(expires_at, Timer::OfferExpiry, key);
        let slot = self.agent_ids[&agent];
        self.update_agent(slot, out, |_, load| load.withdraw_offer(key, channel));
    }

    fn return_to_queue(&mut self, key: u64, now: i64, out: &mut Vec<Output>) {
        self.eng_mut(key).state = EngagementState::Queued;
        self.enter_waiting(key, now, out);
    }

    /// Takes back every offer of an agent (who left Ready, disconnected or was removed).
    pub(crate) fn take_back_offers(&mut self, slot: u32, reason: OfferEndReason, now: i64, out: &mut Vec<Output>) {
        let offered: Vec<u64> = self
            .entry(slot)
            .load
            .engagements
            .iter()
            .copied()
            .filter(|key| matches!(self.eng(*key).state, EngagementState::Offered { .. }))
            .collect();
        for key in offered {
            self.take_back(key, reason, out);
            self.return_to_queue(key, now, out);
        }
    }

    pub(crate) fn offer_expired(&mut self, key: u64, at: i64, out: &mut Vec<Output>) {
        let Some(EngagementState::Offered { agent, expires_at }) = self.engagements.get(&key).map(|e| &e.state) else {
            return;
        };
        if *expires_at != at {
            return;
        }
        let agent = agent.clone();
        let slot = self.agent_ids[&agent];
        self.take_back(key, OfferEndReason::TimedOut, out);
        self.eng_mut(key).last_declined_by = Some(agent);
        self.return_to_queue(key, at, out);
        self.update_agent(slot, out, |agent, _| agent.consecutive_missed += 1);
        let limit = self.config.missed_offers_limit;
        if limit > 0 && self.entry(slot).agent.consecutive_missed >= limit {
            let code = self.config.missed_reason_code.clone();
            self.set_status(slot, crate::AgentStatus::NotReady { code }, at, out);
        }
    }

    /// A queue's wake timer fired: apply maximum waits that ran out, oldest first, and let
    /// the head of each priority level try its new skill step.
    pub(crate) fn queue_woke(&mut self, q: u32, at: i64, out: &mut Vec<Output>) {
        let queue = &mut self.queues[q as usize];
        queue.wake = None;
        if let Some(after_ms) = queue.config().max_wait.as_ref().map(|mw| mw.after_ms) {
            while let Some(oldest) = self.queues[q as usize].oldest().filter(|w| w.entered + after_ms <= at) {
                self.leave_waiting(oldest.key);
                self.max_wait_reached(oldest.key, at, out);
            }
        }
        let heads: Vec<_> = self.queues[q as usize].heads().collect();
        for (priority, seq, waiting) in heads {
            self.dirty.engagements.insert((priority, seq, waiting.key));
        }
        self.dirty.queues.push(q);
    }

    /// Applies the queue's maximum-wait outcome to an engagement that is not (or no longer)
    /// in the queue's order.
    fn max_wait_reached(&mut self, key: u64, now: i64, out: &mut Vec<Output>) {
        let wait_ms = now - self.eng(key).queue_entered_at;
        self.record_service(key, now, wait_ms, false);
        let outcome = self.queue_of(key).config().max_wait.as_ref().map(|mw| mw.then.clone());
        match outcome {
            Some(MaxWaitOutcome::Overflow { queue }) => {
                let seq = self.next_seq;
                self.next_seq += 1;
                let e = self.eng_mut(key);
                let from_queue = std::mem::replace(&mut e.queue_id, queue.clone());
                e.state = EngagementState::Queued;
                e.target_agent = None;
                e.last_declined_by = None;
                e.seq = seq;
                e.queue_entered_at = now;
                out.push(Output::Overflowed {
                    engagement: e.id.clone(),
                    from_queue,
                    to_queue: queue,
                });
                self.enter_waiting(key, now, out);
            }
            Some(MaxWaitOutcome::Abandon) | None => self.abandon(key, AbandonReason::MaxWait, None, now, out),
        }
    }

    /// Ends an engagement that never went live; `ringing` is the agent it was offered to.
    fn abandon(&mut self, key: u64, reason: AbandonReason, ringing: Option<String>, now: i64, out: &mut Vec<Output>) {
        let e = self.eng_mut(key);
        e.state = EngagementState::Abandoned { reason };
        e.finished_at = Some(now);
        let call_log = Box::new(self.call_log(
            self.eng(key),
            ringing.as_deref(),
            now,
            CallOutcome::Abandoned { reason },
        ));
        out.push(Output::Abandoned {
            engagement: call_log.engagement_id.clone(),
            reason,
            call_log,
        });
        self.finish(key);
    }

    /// Ends the live part: the agent moves to wrap-up and is idle from now.
    fn end_live_part(&mut self, key: u64, by: EndedBy, now: i64, out: &mut Vec<Output>) {
        let deadline = self.queue_of(key).config().wrap_up_ms.map(|ms| now + ms);
        let e = self.eng_mut(key);
        let EngagementState::Live { agent } = &e.state else {
            unreachable!("only live engagements end")
        };
        let agent = agent.clone();
        let channel = e.channel;
        e.state = EngagementState::WrapUp {
            agent: agent.clone(),
            deadline,
        };
        e.ended_at = Some(now);
        out.push(Output::LiveEnded {
            engagement: e.id.clone(),
            agent: agent.clone(),
            by,
            wrap_up_deadline: deadline,
        });
        if let Some(at) = deadline {
            self.timers.set(at, Timer::WrapUp, key);
        }
        let slot = self.agent_ids[&agent];
        self.update_agent(slot, out, |agent, load| {
            load.end_live(channel);
            agent.idle_since = now;
        });
    }

    fn record_service(&mut self, key: u64, now: i64, wait_ms: i64, answered: bool) {
        let window = self.config.service_level_window_ms;
        let q = self.queue_ids[&self.eng(key).queue_id];
        self.queues[q as usize].record_service(
            ServiceSample {
                at: now,
                wait_ms,
                answered,
            },
            window,
        );
    }
}

pub(crate) fn check_variable_name(name: &str) -> Result<(), EngineError> {
    if name.is_empty() {
        return Err(EngineError::InvalidInput(
            "a variable needs a non-empty name".to_owned(),
        ));
    }
    if name.starts_with(SYSTEM_PREFIX) {
        return Err(EngineError::InvalidInput(format!(
            "variable {name:?} is a system variable ({SYSTEM_PREFIX}*), derived from the customer; it cannot be set"
        )));
    }
    Ok(())
}
