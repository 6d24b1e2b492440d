//! Lifecycle rules: maximum wait, abandon, cancel, ownership, bad input.

use callbar_protocol::Channel;

use super::{World, is_offered_to, offer, offers, queue};
use crate::{
    AbandonReason, AgentStatus, CallOutcome, Command, EndedBy, EngagementState, EngineError, MaxWait, MaxWaitOutcome,
    NewEngagement, OfferEndReason, Output, QueueConfig,
};

fn overflowing(after_ms: i64, to: &str) -> QueueConfig {
    QueueConfig {
        max_wait: Some(MaxWait {
            after_ms,
            then: MaxWaitOutcome::Overflow { queue: to.into() },
        }),
        ..queue(Channel::Voice)
    }
}

fn abandoning(after_ms: i64) -> QueueConfig {
    QueueConfig {
        max_wait: Some(MaxWait {
            after_ms,
            then: MaxWaitOutcome::Abandon,
        }),
        ..queue(Channel::Voice)
    }
}

#[test]
fn maximum_wait_overflows_to_the_back_of_another_queue() {
    let mut w = World::new();
    w.queue("backup", queue(Channel::Voice));
    w.queue("front", overflowing(60_000, "backup"));
    w.agent("b", &["backup"], &[]);
    w.create("e", "front");
    w.now = 30_000;
    w.create("already-there", "backup");
    let out = w.advance_to(60_000);
    assert!(out.contains(&Output::Overflowed {
        engagement: "e".into(),
        from_queue: "front".into(),
        to_queue: "backup".into()
    }));
    assert_eq!(
        w.order("backup"),
        ["already-there", "e"],
        "a new arrival in the overflow queue"
    );
    assert_eq!(w.engagement("e").queue_entered_at, 60_000);
    assert_eq!(offers(&w.ready("b")), offer("already-there", "b"));
}

#[test]
fn maximum_wait_without_overflow_abandons_with_a_call_log() {
    let mut w = World::new();
    w.queue("q", abandoning(10_000));
    w.create("e", "q");
    let out = w.advance_to(10_000);
    let Some(Output::Abandoned { reason, call_log, .. }) = out.iter().find(|o| matches!(o, Output::Abandoned { .. }))
    else {
        panic!("no Abandoned in {out:?}")
    };
    assert_eq!(*reason, AbandonReason::MaxWait);
    assert_eq!(
        call_log.outcome,
        CallOutcome::Abandoned {
            reason: AbandonReason::MaxWait
        }
    );
    assert_eq!((call_log.agent_id.as_deref(), call_log.closed_at), (None, 10_000));
    assert!(w.order("q").is_empty());
    assert_eq!(w.engine.next_deadline(), None);
}

#[test]
fn maximum_wait_running_out_during_an_offer_applies_when_the_offer_fails() {
    let mut w = World::new();
    w.queue("backup", queue(Channel::Chat));
    let front = QueueConfig {
        ring_timeout_ms: 30_000,
        channel: Channel::Chat,
        ..overflowing(10_000, "backup")
    };
    w.queue("front", front);
    w.agent("a", &["front"], &[]);
    w.create("accepted", "front");
    w.create("rejected", "front");
    w.now = 5_000;
    w.ready("a");
    assert!(w.advance_to(12_000).is_empty(), "nothing happens while both ring");
    w.accept("a", "accepted");
    assert!(
        matches!(w.state("accepted"), EngagementState::Live { .. }),
        "the offer could still be accepted"
    );
    let out = w.reject("a", "rejected");
    assert!(out.iter().any(|o| matches!(o, Output::Overflowed { .. })), "{out:?}");
    assert_eq!(w.engagement("rejected").queue_id, "backup");
}

#[test]
fn customer_leaving_a_queued_engagement_abandons_it() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.create("e", "q");
    let out = w.cmd(Command::CustomerLeft { engagement: "e".into() });
    assert!(matches!(
        &out[..],
        [Output::Abandoned {
            reason: AbandonReason::CustomerLeft,
            ..
        }]
    ));
    assert!(w.order("q").is_empty());
}

#[test]
fn customer_leaving_while_ringing_stops_the_ringing() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e", "q");
    w.now = 3_000;
    let out = w.cmd(Command::CustomerLeft { engagement: "e".into() });
    assert_eq!(
        out[0],
        Output::OfferEnded {
            engagement: "e".into(),
            agent: "a".into(),
            reason: OfferEndReason::CustomerLeft
        }
    );
    let Output::Abandoned { call_log, .. } = &out[1] else {
        panic!("{out:?}")
    };
    assert_eq!(
        call_log.agent_id.as_deref(),
        Some("a"),
        "the call log names the agent it rang at"
    );
    assert_eq!(call_log.offered_at, Some(0));
    assert!(w.engine.agent_engagements("a").unwrap().is_empty());
}

#[test]
fn customer_leaving_a_live_engagement_starts_wrap_up() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e", "q");
    w.accept("a", "e");
    let out = w.cmd(Command::CustomerLeft { engagement: "e".into() });
    assert!(matches!(
        &out[0],
        Output::LiveEnded {
            by: EndedBy::Customer,
            ..
        }
    ));
    assert!(matches!(w.state("e"), EngagementState::WrapUp { .. }));
    let again = w.try_cmd(Command::CustomerLeft { engagement: "e".into() });
    assert!(matches!(
        again,
        Err(EngineError::InvalidState {
            state: "in wrap-up",
            ..
        })
    ));
}

#[test]
fn cancel_withdraws_queued_and_offered_engagements_only() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("offered", "q");
    w.create("queued", "q");
    let out = w.cmd(Command::Cancel {
        engagement: "queued".into(),
    });
    assert_eq!(
        out,
        [Output::Cancelled {
            engagement: "queued".into()
        }]
    );
    let out = w.cmd(Command::Cancel {
        engagement: "offered".into(),
    });
    assert!(matches!(
        out[0],
        Output::OfferEnded {
            reason: OfferEndReason::Cancelled,
            ..
        }
    ));
    assert_eq!(w.state("offered"), &EngagementState::Cancelled);
    w.create("live", "q");
    w.accept("a", "live");
    let err = w
        .try_cmd(Command::Cancel {
            engagement: "live".into(),
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot cancel engagement \"live\": it is live; only a queued or offered engagement can be cancelled; a live one is ended by its agent"
    );
}

#[test]
fn acting_on_another_agents_engagement_is_refused_and_changes_nothing() {
    let mut w = World::new();
    w.queue(
        "q",
        QueueConfig {
            dispositions: vec![sold()],
            ..queue(Channel::Chat)
        },
    );
    w.agent("a", &["q"], &[]);
    w.agent("b", &["q"], &[]);
    w.ready("a");
    w.create("offered", "q");
    w.create("live", "q");
    w.accept("a", "live");
    let before = w.engine.snapshot();
    let by_b = |engagement: &str| {
        [
            Command::Accept {
                agent: "b".into(),
                engagement: engagement.into(),
            },
            Command::Reject {
                agent: "b".into(),
                engagement: engagement.into(),
            },
            Command::End {
                agent: "b".into(),
                engagement: engagement.into(),
            },
            Command::AddNote {
                agent: "b".into(),
                engagement: engagement.into(),
                note: "hi".into(),
            },
            Command::SetDisposition {
                agent: "b".into(),
                engagement: engagement.into(),
                disposition: "sold".into(),
            },
            Command::CloseWrapUp {
                agent: "b".into(),
                engagement: engagement.into(),
            },
            Command::SetVariable {
                engagement: engagement.into(),
                agent: Some("b".into()),
                name: "x".into(),
                value: "y".into(),
            },
        ]
    };
    for command in by_b("offered").into_iter().chain(by_b("live")) {
        let err = w.try_cmd(command.clone()).unwrap_err();
        assert!(
            matches!(err, EngineError::NotYourEngagement { .. }),
            "{command:?}: {err}"
        );
        assert_eq!(w.engine.snapshot(), before, "{command:?} changed something");
    }
}

fn sold() -> crate::Disposition {
    crate::Disposition {
        id: "sold".into(),
        name: "Sold".into(),
    }
}

#[test]
fn wrong_states_are_refused_with_what_is_possible() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.create("e", "q");
    let err = w
        .try_cmd(Command::Accept {
            agent: "a".into(),
            engagement: "e".into(),
        })
        .unwrap_err();
    assert_eq!(
        err,
        EngineError::InvalidState {
            engagement: "e".into(),
            state: "queued",
            action: "accept",
            possible: "only an offered engagement can be accepted"
        }
    );
    w.ready("a");
    let err = w
        .try_cmd(Command::End {
            agent: "a".into(),
            engagement: "e".into(),
        })
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::InvalidState {
            state: "offered",
            action: "end",
            ..
        }
    ));
}

#[test]
fn unknown_ids_and_bad_input_are_refused_and_change_nothing() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.create("e", "q");
    let before = w.engine.snapshot();
    let cases = [
        (
            Command::CreateEngagement(NewEngagement::new("x", "nope")),
            EngineError::UnknownQueue("nope".into()),
        ),
        (
            Command::CreateEngagement(NewEngagement::new("e", "q")),
            EngineError::DuplicateEngagement("e".into()),
        ),
        (
            Command::CreateEngagement(NewEngagement {
                target_agent: Some("zed".into()),
                ..NewEngagement::new("y", "q")
            }),
            EngineError::UnknownAgent("zed".into()),
        ),
        (
            Command::Accept {
                agent: "zed".into(),
                engagement: "e".into(),
            },
            EngineError::UnknownAgent("zed".into()),
        ),
        (
            Command::Accept {
                agent: "a".into(),
                engagement: "zz".into(),
            },
            EngineError::UnknownEngagement("zz".into()),
        ),
        (
            Command::SetAgentStatus {
                agent: "zed".into(),
                status: AgentStatus::Ready,
            },
            EngineError::UnknownAgent("zed".into()),
        ),
    ];
    for (command, expected) in cases {
        assert_eq!(w.try_cmd(command).unwrap_err(), expected);
        assert_eq!(w.engine.snapshot(), before);
    }
    let no_reason = Command::SetAgentStatus {
        agent: "a".into(),
        status: AgentStatus::NotReady { code: String::new() },
    };
    assert!(matches!(w.try_cmd(no_reason), Err(EngineError::InvalidInput(_))));
    let empty = w.try_cmd(Command::CreateEngagement(NewEngagement::new("", "q")));
    assert!(matches!(empty, Err(EngineError::InvalidInput(_))));
    let reserved = NewEngagement {
        variables: [("Consumer.email".to_owned(), "x@y".to_owned())].into(),
        ..NewEngagement::new("z", "q")
    };
    assert!(matches!(
        w.try_cmd(Command::CreateEngagement(reserved)),
        Err(EngineError::InvalidInput(_))
    ));
    assert_eq!(w.engine.snapshot(), before);
}

#[test]
fn removing_an_agent_takes_back_offers_but_refuses_while_they_hold_work() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Chat));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("live", "q");
    w.accept("a", "live");
    w.create("ringing", "q");
    let err = w.try_cmd(Command::RemoveAgent { agent: "a".into() }).unwrap_err();
    assert_eq!(
        err,
        EngineError::AgentBusy {
            agent: "a".into(),
            engagements: vec!["live".into()]
        }
    );
    assert!(is_offered_to(w.state("ringing"), "a"));
    w.end("a", "live");
    w.close("a", "live");
    let out = w.cmd(Command::RemoveAgent { agent: "a".into() });
    assert!(matches!(
        out[0],
        Output::OfferEnded {
            reason: OfferEndReason::AgentRemoved,
            ..
        }
    ));
    assert_eq!(w.order("q"), ["ringing"]);
    assert_eq!(w.engine.agent("a"), None);
}

#[test]
fn finished_engagements_are_forgotten_beyond_the_retention() {
    let mut w = World::with_config(crate::EngineConfig {
        retain_finished: 1,
        ..Default::default()
    });
    w.queue("q", queue(Channel::Voice));
    w.create("e1", "q");
    w.create("e2", "q");
    w.cmd(Command::Cancel {
        engagement: "e1".into(),
    });
    assert_eq!(w.state("e1"), &EngagementState::Cancelled);
    w.cmd(Command::Cancel {
        engagement: "e2".into(),
    });
    assert!(w.engine.engagement("e1").is_none());
    assert_eq!(w.state("e2"), &EngagementState::Cancelled);
}

#[test]
fn engagements_overflowing_together_keep_their_order() {
    let mut w = World::new();
    w.queue("backup", queue(Channel::Voice));
    w.queue("front", queue(Channel::Voice));
    w.agent("b", &["backup"], &[]);
    for id in ["e1", "e2", "e3"] {
        w.create(id, "front");
    }
    w.now = 5_000;
    w.ready("b");
    // A shorter maximum wait that all three have already exceeded: they overflow at once,
    // in their order, and the first of them is offered first.
    let out = w.cmd(Command::UpsertQueue {
        id: "front".into(),
        config: overflowing(1_000, "backup"),
    });
    assert_eq!(offers(&out), offer("e1", "b"));
    assert_eq!(w.order("backup"), ["e2", "e3"]);
}
