//! Wrap-up and the call log: notes, disposition, variables, and closing.
//!
//! Closing — by the agent or by the queue's wrap-up timer — is the single place a
//! [`Output::Closed`] is made, and it happens once per engagement because the state moves to
//! `Closed` in the same step. The timer closes with the agent's disposition if they chose one,
//! otherwise with the queue's default.

use crate::lifecycle::check_variable_name;
use crate::timers::Timer;
use crate::{CallLog, CallOutcome, ClosedBy, DispositionRef, Engagement, EngagementState, Engine, EngineError, Output};

/// Notes and dispositions belong to the live part and the wrap-up.
fn live_or_wrap_up(state: &EngagementState) -> bool {
    matches!(state, EngagementState::Live { .. } | EngagementState::WrapUp { .. })
}

impl Engine {
    pub(crate) fn add_note(
        &mut self,
        agent: &str,
        engagement: &str,
        note: String,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (_, key) = self.own(
            agent,
            engagement,
            "add a note to",
            "notes are taken while live or in wrap-up",
            live_or_wrap_up,
        )?;
        if note.trim().is_empty() {
            return Err(EngineError::InvalidInput("a note cannot be empty".to_owned()));
        }
        self.eng_mut(key).notes.push(note.clone());
        out.push(Output::NoteAdded {
            engagement: engagement.to_owned(),
            agent: agent.to_owned(),
            note,
        });
        Ok(())
    }

    pub(crate) fn set_disposition(
        &mut self,
        agent: &str,
        engagement: &str,
        disposition: String,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (_, key) = self.own(
            agent,
            engagement,
            "set the disposition of",
            "a disposition is chosen while live or in wrap-up",
            live_or_wrap_up,
        )?;
        let queue = self.queue_of(key);
        let Some(chosen) = queue.config().disposition(&disposition) else {
            return Err(EngineError::UnknownDisposition {
                queue: queue.st.id.clone(),
                disposition,
            });
        };
        let chosen = DispositionRef {
            id: chosen.id.clone(),
            name: chosen.name.clone(),
        };
        self.eng_mut(key).disposition = Some(chosen.clone());
        out.push(Output::DispositionSet {
            engagement: engagement.to_owned(),
            agent: agent.to_owned(),
            disposition: chosen,
        });
        Ok(())
    }

    pub(crate) fn set_variable(
        &mut self,
        engagement: &str,
        agent: Option<&str>,
        name: String,
        value: String,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let key = match agent {
            Some(agent) => {
                self.own(
                    agent,
                    engagement,
                    "set a variable of",
                    "an agent sets variables only of an engagement offered to or handled by them, until it finishes",
                    |s| s.agent().is_some() && !s.is_terminal(),
                )?
                .1
            }
            None => {
                let key = self.engagement_key(engagement)?;
                let state = &self.eng(key).state;
                if state.is_terminal() {
                    return Err(EngineError::InvalidState {
                        engagement: engagement.to_owned(),
                        state: state.name(),
                        action: "set a variable of",
                        possible: "variables are set until the engagement finishes",
                    });
                }
                key
            }
        };
        check_variable_name(&name)?;
        self.eng_mut(key).custom_variables.insert(name.clone(), value.clone());
        out.push(Output::VariableSet {
            engagement: engagement.to_owned(),
            name,
            value,
        });
        Ok(())
    }

    pub(crate) fn close_wrap_up(
        &mut self,
        now: i64,
        agent: &str,
        engagement: &str,
        out: &mut Vec<Output>,
    ) -> Result<(), EngineError> {
        let (_, key) = self.own(
            agent,
            engagement,
            "close the wrap-up of",
            "only an engagement in wrap-up can be closed",
            |s| matches!(s, EngagementState::WrapUp { .. }),
        )?;
        self.close(key, ClosedBy::Agent, now, out);
        Ok(())
    }

    pub(crate) fn wrap_up_expired(&mut self, key: u64, at: i64, out: &mut Vec<Output>) {
        let due = self
            .engagements
            .get(&key)
            .is_some_and(|e| matches!(e.state, EngagementState::WrapUp { deadline: Some(d), .. } if d == at));
        if due {
            self.close(key, ClosedBy::Timer, at, out);
        }
    }

    fn close(&mut self, key: u64, by: ClosedBy, now: i64, out: &mut Vec<Output>) {
        let config = self.queue_of(key).config();
        let default = config
            .default_disposition
            .as_deref()
            .and_then(|id| config.disposition(id))
            .map(|d| DispositionRef {
                id: d.id.clone(),
                name: d.name.clone(),
            });
        let e = self.eng_mut(key);
        let EngagementState::WrapUp { agent, deadline } = &e.state else {
            unreachable!("only wrap-ups close")
        };
        let (agent, deadline, channel) = (agent.clone(), *deadline, e.channel);
        if by == ClosedBy::Timer && e.disposition.is_none() {
            e.disposition = default;
        }
        e.state = EngagementState::Closed {
            agent: agent.clone(),
            by,
        };
        e.finished_at = Some(now);
        if let Some(at) = deadline {
            self.timers.clear(at, Timer::WrapUp, key);
        }
        let call_log = Box::new(self.call_log(self.eng(key), Some(&agent), now, CallOutcome::Closed { by }));
        out.push(Output::Closed {
            engagement: call_log.engagement_id.clone(),
            call_log,
        });
        let slot = self.agent_ids[&agent];
        self.update_agent(slot, out, |_, load| load.close(key, channel));
        self.finish(key);
    }

    /// The call log of a finished engagement.
    pub(crate) fn call_log(
        &self,
        e: &Engagement,
        agent: Option<&str>,
        closed_at: i64,
        outcome: CallOutcome,
    ) -> CallLog {
        let queue = self.queue_of(e.key).config();
        let agent_name = agent.and_then(|id| self.agent(id)).map(|a| a.config.name.clone());
        CallLog {
            engagement_id: e.id.clone(),
            channel: e.channel,
            direction: e.direction,
            from: e.from.clone(),
            to: e.to.clone(),
            customer: e.customer.clone(),
            subject: e.subject.clone(),
            queue_id: e.queue_id.clone(),
            queue_name: queue.name.clone(),
            agent_id: agent.map(str::to_owned),
            agent_name,
            created_at: e.created_at,
            offered_at: e.offered_at,
            accepted_at: e.accepted_at,
            ended_at: e.ended_at,
            closed_at,
            notes: e.notes.clone(),
            disposition: e.disposition.clone(),
            variables: e.variables(),
            outcome,
        }
    }
}
