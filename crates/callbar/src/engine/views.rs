//! The engine's state as the embed and the host see it.

use crate::agents::lookups::Lookups;
use crate::voice::Voice;
use callbar_engine::{CONSUMER_EMAIL, CONSUMER_NAME, CONSUMER_PHONE, Engagement, EngagementState as State, Engine};
use callbar_protocol::channel::{EngagementView, QueueStatsView};
use callbar_protocol::{Disposition, EngagementState, EngagementSummary, Variable, VariableKind};

/// The protocol's state of an engagement the agent holds; `None` for any other state.
pub fn state(e: &Engagement) -> Option<EngagementState> {
    match e.state {
        State::Offered { .. } => Some(EngagementState::Ringing),
        State::Live { .. } => Some(EngagementState::Connected),
        State::WrapUp { .. } => Some(EngagementState::Wrapup),
        _ => None,
    }
}

fn queue_name(engine: &Engine, e: &Engagement) -> String {
    engine
        .queue_config(&e.queue_id)
        .map(|q| q.name.clone())
        .unwrap_or_default()
}

/// The dispositions of the engagement's queue.
pub fn dispositions(engine: &Engine, queue_id: &str) -> Vec<Disposition> {
    engine
        .queue_config(queue_id)
        .map(|q| {
            q.dispositions
                .iter()
                .map(|d| Disposition {
                    disposition_id: d.id.clone(),
                    name: d.name.clone(),
                    queue_id: queue_id.to_owned(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every variable of an engagement, system ones first.
pub fn variables(e: &Engagement) -> Vec<Variable> {
    let display = |name: &str| match name {
        CONSUMER_NAME => "Customer name".to_owned(),
        CONSUMER_EMAIL => "Customer email".to_owned(),
        CONSUMER_PHONE => "Customer phone".to_owned(),
        other => other.to_owned(),
    };
    let mut all: Vec<Variable> = e
        .variables()
        .into_iter()
        .map(|(name, value)| Variable {
            global_variable_display_name: display(&name),
            kind: if e.custom_variables.contains_key(&name) {
                VariableKind::Custom
            } else {
                VariableKind::System
            },
            global_variable_name: name,
            value,
        })
        .collect();
    all.sort_by_key(|v| v.kind == VariableKind::Custom);
    all
}

/// What the embed shows of one engagement of the agent.
pub fn engagement(engine: &Engine, lookups: &Lookups, voice: &Voice, e: &Engagement) -> Option<EngagementView> {
    let state = state(e)?;
    let (matches, contact) = lookups.view(&e.id);
    Some(EngagementView {
        engagement_id: e.id.clone(),
        channel: e.channel,
        state,
        direction: e.direction,
        queue_id: e.queue_id.clone(),
        queue_name: queue_name(engine, e),
        subject: e.subject.clone(),
        customer_name: e.customer.name.clone(),
        customer_email: e.customer.email.clone(),
        customer_phone: e.customer.phone.clone(),
        from: e.from.clone(),
        to: e.to.clone(),
        create_ts: e.created_at,
        offer_expires_at: match e.state {
            State::Offered { expires_at, .. } => Some(expires_at),
            _ => None,
        },
        accept_ts: e.accepted_at,
        complete_ts: e.ended_at,
        wrap_up_deadline: match e.state {
            State::WrapUp { deadline, .. } => deadline,
            _ => None,
        },
        notes: e.notes.clone(),
        disposition_id: e.disposition.as_ref().map(|d| d.id.clone()),
        dispositions: dispositions(engine, &e.queue_id),
        variables: variables(e),
        matches,
        contact,
        call: voice.view(&e.id),
    })
}

/// Every engagement the agent holds, oldest first.
pub fn agent_engagements(engine: &Engine, lookups: &Lookups, voice: &Voice, agent: &str) -> Vec<EngagementView> {
    let mut list: Vec<EngagementView> = engine
        .agent_engagements(agent)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| engagement(engine, lookups, voice, e))
        .collect();
    list.sort_by_key(|v| v.create_ts);
    list
}

/// One engagement as `zcc-engagement-status-response` lists it.
pub fn summary(engine: &Engine, e: &Engagement) -> Option<EngagementSummary> {
    Some(EngagementSummary {
        engagement_id: e.id.clone(),
        channel: e.channel,
        engagement_direction: e.direction,
        from: e.from.clone(),
        to: e.to.clone(),
        queue_id: e.queue_id.clone(),
        queue_name: queue_name(engine, e),
        state: state(e)?,
        create_ts: e.created_at,
        accept_ts: e.accepted_at,
        customer_name: Some(e.customer.name.clone()).filter(|s| !s.is_empty()),
        customer_email: Some(e.customer.email.clone()).filter(|s| !s.is_empty()),
    })
}

/// The live figures of queues.
pub fn queue_stats(engine: &Engine, queues: &[String], now: i64) -> Vec<QueueStatsView> {
    queues
        .iter()
        .filter_map(|id| {
            let s = engine.queue_stats(id, now).ok()?;
            let config = engine.queue_config(id)?;
            Some(QueueStatsView {
                queue_id: id.clone(),
                queue_name: config.name.clone(),
                channel: config.channel,
                waiting: s.waiting,
                longest_wait_ms: s.longest_wait_ms,
                ready: s.agents.ready,
                not_ready: s.agents.not_ready,
                occupied: s.agents.occupied,
                offline: s.agents.offline,
                service_level: s.service_level,
                at: now,
            })
        })
        .collect()
}
