//! Wrap-up, dispositions, variables and the call log.

use callbar_protocol::{Channel, Direction};

use super::{World, queue};
use crate::{
    CONSUMER_EMAIL, CONSUMER_NAME, CallLog, CallOutcome, ClosedBy, Command, Customer, Disposition, DispositionRef,
    EngagementState, EngineError, NewEngagement, Output, QueueConfig,
};

fn dispositions() -> Vec<Disposition> {
    vec![
        Disposition {
            id: "sold".into(),
            name: "Sold".into(),
        },
        Disposition {
            id: "none".into(),
            name: "No outcome".into(),
        },
    ]
}

fn wrap_up_queue(wrap_up_ms: Option<i64>) -> QueueConfig {
    QueueConfig {
        name: "Sales".into(),
        wrap_up_ms,
        dispositions: dispositions(),
        default_disposition: Some("none".into()),
        ..queue(Channel::Voice)
    }
}

/// A live engagement "e" with agent "a" (named Ada), accepted at 2 s.
fn live(wrap_up_ms: Option<i64>) -> World {
    let mut w = World::new();
    w.queue("q", wrap_up_queue(wrap_up_ms));
    let mut ada = super::profile(&["q"], &[], Default::default());
    ada.name = "Ada".into();
    w.agent_with("a", ada);
    w.ready("a");
    w.now = 1_000;
    w.create_with(NewEngagement {
        customer: Customer {
            name: "Grace".into(),
            email: "grace@example.com".into(),
            phone: String::new(),
        },
        direction: Direction::Inbound,
        subject: "Order 42".into(),
        from: "+15550100".into(),
        to: "+15550199".into(),
        variables: [("order".to_owned(), "42".to_owned())].into(),
        ..NewEngagement::new("e", "q")
    });
    w.now = 2_000;
    w.accept("a", "e");
    w
}

fn closed_log(out: &[Output]) -> Vec<&CallLog> {
    out.iter()
        .filter_map(|o| match o {
            Output::Closed { call_log, .. } => Some(&**call_log),
            _ => None,
        })
        .collect()
}

#[test]
fn closing_emits_one_call_log_with_everything() {
    let mut w = live(None);
    w.cmd(Command::AddNote {
        agent: "a".into(),
        engagement: "e".into(),
        note: "first".into(),
    });
    w.now = 5_000;
    w.end("a", "e");
    w.cmd(Command::AddNote {
        agent: "a".into(),
        engagement: "e".into(),
        note: "second".into(),
    });
    w.cmd(Command::SetDisposition {
        agent: "a".into(),
        engagement: "e".into(),
        disposition: "sold".into(),
    });
    w.now = 9_000;
    let out = w.close("a", "e");
    let logs = closed_log(&out);
    assert_eq!(logs.len(), 1);
    let log = logs[0];
    assert_eq!(log.notes, ["first", "second"]);
    assert_eq!(
        log.disposition,
        Some(DispositionRef {
            id: "sold".into(),
            name: "Sold".into()
        })
    );
    assert_eq!((log.queue_id.as_str(), log.queue_name.as_str()), ("q", "Sales"));
    assert_eq!(
        (log.agent_id.as_deref(), log.agent_name.as_deref()),
        (Some("a"), Some("Ada"))
    );
    assert_eq!(
        (
            log.created_at,
            log.offered_at,
            log.accepted_at,
            log.ended_at,
            log.closed_at
        ),
        (1_000, Some(1_000), Some(2_000), Some(5_000), 9_000)
    );
    assert_eq!(
        (log.from.as_str(), log.to.as_str(), log.subject.as_str()),
        ("+15550100", "+15550199", "Order 42")
    );
    assert_eq!(log.channel, Channel::Voice);
    assert_eq!(log.outcome, CallOutcome::Closed { by: ClosedBy::Agent });
    assert_eq!(
        log.variables.get(CONSUMER_EMAIL).map(String::as_str),
        Some("grace@example.com")
    );
    assert_eq!(log.variables.get("order").map(String::as_str), Some("42"));
    // Closed is final: closing again is refused.
    let again = w.try_cmd(Command::CloseWrapUp {
        agent: "a".into(),
        engagement: "e".into(),
    });
    assert!(matches!(again, Err(EngineError::InvalidState { state: "closed", .. })));
}

#[test]
fn the_wrap_up_timer_closes_with_the_default_disposition() {
    let mut w = live(Some(30_000));
    w.now = 10_000;
    let out = w.end("a", "e");
    assert!(out.contains(&Output::LiveEnded {
        engagement: "e".into(),
        agent: "a".into(),
        by: crate::EndedBy::Agent,
        wrap_up_deadline: Some(40_000)
    }));
    assert!(closed_log(&w.advance_to(39_999)).is_empty());
    let out = w.advance_to(40_000);
    let logs = closed_log(&out);
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].outcome, CallOutcome::Closed { by: ClosedBy::Timer });
    assert_eq!(logs[0].disposition.as_ref().map(|d| d.id.as_str()), Some("none"));
    assert!(matches!(
        w.state("e"),
        EngagementState::Closed {
            by: ClosedBy::Timer,
            ..
        }
    ));
}

#[test]
fn the_wrap_up_timer_keeps_the_agents_disposition() {
    let mut w = live(Some(30_000));
    w.end("a", "e");
    w.cmd(Command::SetDisposition {
        agent: "a".into(),
        engagement: "e".into(),
        disposition: "sold".into(),
    });
    let out = w.advance_to(40_000);
    assert_eq!(
        closed_log(&out)[0].disposition.as_ref().map(|d| d.id.as_str()),
        Some("sold")
    );
}

#[test]
fn without_a_wrap_up_timer_the_agent_closes() {
    let mut w = live(None);
    w.end("a", "e");
    assert_eq!(w.engine.next_deadline(), None);
    assert!(matches!(w.state("e"), EngagementState::WrapUp { deadline: None, .. }));
}

#[test]
fn closing_before_the_timer_leaves_nothing_to_fire() {
    let mut w = live(Some(30_000));
    w.end("a", "e");
    assert_eq!(closed_log(&w.close("a", "e")).len(), 1);
    assert_eq!(w.engine.next_deadline(), None);
    assert!(w.advance_to(100_000).is_empty());
}

#[test]
fn dispositions_must_be_the_queues() {
    let mut w = live(None);
    let before = w.engine.snapshot();
    let err = w
        .try_cmd(Command::SetDisposition {
            agent: "a".into(),
            engagement: "e".into(),
            disposition: "bogus".into(),
        })
        .unwrap_err();
    assert_eq!(
        err,
        EngineError::UnknownDisposition {
            queue: "q".into(),
            disposition: "bogus".into()
        }
    );
    assert_eq!(w.engine.snapshot(), before);
}

#[test]
fn notes_must_not_be_empty() {
    let mut w = live(None);
    let err = w.try_cmd(Command::AddNote {
        agent: "a".into(),
        engagement: "e".into(),
        note: "  ".into(),
    });
    assert!(matches!(err, Err(EngineError::InvalidInput(_))));
}

#[test]
fn variables_combine_the_customer_and_custom_values() {
    let mut w = live(None);
    let vars = w.engagement("e").variables();
    assert_eq!(vars.get(CONSUMER_NAME).map(String::as_str), Some("Grace"));
    assert_eq!(vars.get("Consumer.phone"), None, "empty customer fields are left out");
    // The API and the handling agent may set custom variables; nobody sets system ones.
    w.cmd(Command::SetVariable {
        engagement: "e".into(),
        agent: None,
        name: "crm".into(),
        value: "acme".into(),
    });
    let out = w.cmd(Command::SetVariable {
        engagement: "e".into(),
        agent: Some("a".into()),
        name: "order".into(),
        value: "43".into(),
    });
    assert_eq!(
        out,
        [Output::VariableSet {
            engagement: "e".into(),
            name: "order".into(),
            value: "43".into()
        }]
    );
    let vars = w.engagement("e").variables();
    assert_eq!((vars["crm"].as_str(), vars["order"].as_str()), ("acme", "43"));
    let err = w.try_cmd(Command::SetVariable {
        engagement: "e".into(),
        agent: None,
        name: CONSUMER_NAME.into(),
        value: "Mallory".into(),
    });
    assert!(matches!(err, Err(EngineError::InvalidInput(_))));
}
