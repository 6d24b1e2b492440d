//! Outbound calls placed by an agent: `Command::Dial`, live at once, no queue, no offer.

use callbar_protocol::{Channel, Direction};

use super::{World, is_offered_to, offer, offers, profile, queue};
use crate::{
    AgentStatus, CONSUMER_PHONE, CallLog, CallOutcome, Capacity, ClosedBy, Command, Customer, Disposition,
    DispositionRef, EndedBy, EngagementState, Engine, EngineError, NewEngagement, Output, QueueConfig, ReportedStatus,
    Snapshot,
};

/// A dial by `agent` under `queue` to +1 555 0199, showing +1 555 0100 as caller id.
fn dial(id: &str, agent: &str, queue: &str) -> NewEngagement {
    NewEngagement {
        direction: Direction::Outbound,
        target_agent: Some(agent.into()),
        from: "+15550100".into(),
        to: "+15550199".into(),
        ..NewEngagement::new(id, queue)
    }
}

fn dialed(id: &str, agent: &str) -> Output {
    Output::Dialed {
        engagement: id.into(),
        agent: agent.into(),
    }
}

fn occupied(agent: &str, chosen: AgentStatus) -> Output {
    Output::AgentStatus {
        agent: agent.into(),
        status: ReportedStatus::Occupied,
        chosen,
    }
}

fn outbound_queue() -> QueueConfig {
    QueueConfig {
        name: "Outbound".into(),
        wrap_up_ms: Some(30_000),
        dispositions: vec![
            Disposition {
                id: "reached".into(),
                name: "Reached".into(),
            },
            Disposition {
                id: "voicemail".into(),
                name: "Voicemail".into(),
            },
        ],
        default_disposition: Some("voicemail".into()),
        ..queue(Channel::Voice)
    }
}

/// Voice queue "out" (30 s wrap-up), chat queue "chat", video queue "video"; agent "a"
/// (named Ada) serves all three, connected and Ready.
fn world() -> World {
    let mut w = World::new();
    w.queue("out", outbound_queue());
    w.queue("chat", queue(Channel::Chat));
    w.queue("video", queue(Channel::Video));
    let mut ada = profile(&["out", "chat", "video"], &[], Capacity::default());
    ada.name = "Ada".into();
    w.agent_with("a", ada);
    w.ready("a");
    w
}

fn closed_log(out: &[Output]) -> &CallLog {
    let logs: Vec<&CallLog> = out
        .iter()
        .filter_map(|o| match o {
            Output::Closed { call_log, .. } => Some(&**call_log),
            _ => None,
        })
        .collect();
    assert_eq!(logs.len(), 1, "{out:?}");
    logs[0]
}

#[test]
fn a_dial_is_live_at_once_and_the_agent_occupied_as_after_an_accept() {
    let mut w = world();
    w.now = 1_000;
    let out = w.cmd(Command::Dial(dial("call", "a", "out")));
    assert_eq!(out, [dialed("call", "a"), occupied("a", AgentStatus::Ready)]);
    let e = w.engagement("call");
    assert_eq!(e.state, EngagementState::Live { agent: "a".into() });
    assert_eq!(e.direction, Direction::Outbound);
    assert_eq!((e.created_at, e.offered_at, e.accepted_at), (1_000, None, Some(1_000)));
    assert_eq!((e.offers, e.offer_reason.as_ref()), (0, None));
    assert!(w.order("out").is_empty(), "never queued");
    assert_eq!(w.reported("a"), ReportedStatus::Occupied);
    assert_eq!(
        w.engine
            .agent_engagements("a")
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>(),
        ["call"]
    );
    assert_eq!(w.engine.next_deadline(), None, "no ring timer");

    // An accepted inbound call produces the same status output, after its Accepted.
    let mut inbound = world();
    inbound.now = 1_000;
    inbound.create("call", "out");
    let accepted = inbound.accept("a", "call");
    assert_eq!(&accepted[1..], &out[1..]);
    assert_eq!(inbound.reported("a"), w.reported("a"));
}

#[test]
fn an_agent_who_is_not_ready_may_dial_and_returns_to_not_ready() {
    let mut w = world();
    let brk = AgentStatus::NotReady { code: "21".into() };
    w.status("a", brk.clone());
    let out = w.cmd(Command::Dial(dial("call", "a", "out")));
    assert_eq!(out, [dialed("call", "a"), occupied("a", brk.clone())]);
    let out = w.end("a", "call");
    assert!(out.contains(&Output::AgentStatus {
        agent: "a".into(),
        status: ReportedStatus::NotReady { code: "21".into() },
        chosen: brk,
    }));
}

#[test]
fn every_refusal_says_what_is_wrong_and_changes_nothing() {
    let mut w = world();
    w.queue("other", queue(Channel::Voice));
    w.agent("b", &["other"], &[]); // connected, Offline
    w.agent("c", &["other"], &[]);
    w.ready("c");
    w.cmd(Command::AgentDisconnected { agent: "c".into() });
    w.agent_with(
        "mute",
        profile(
            &["other"],
            &[],
            Capacity {
                voice: 0,
                ..Capacity::default()
            },
        ),
    );
    w.ready("mute");
    w.create("waiting", "chat");
    w.cmd(Command::CreateEngagement(NewEngagement::new("e", "chat")));
    let before = w.engine.snapshot();
    let invalid = |what: &str| EngineError::InvalidInput(what.to_owned());
    let cannot = |agent: &str, problem: &str| EngineError::CannotDial {
        agent: agent.into(),
        problem: problem.into(),
    };
    let cases = [
        (dial("", "a", "out"), invalid("an engagement needs a non-empty id")),
        (dial("e", "a", "out"), EngineError::DuplicateEngagement("e".into())),
        (dial("x", "a", "nope"), EngineError::UnknownQueue("nope".into())),
        (dial("x", "zed", "out"), EngineError::UnknownAgent("zed".into())),
        (
            NewEngagement {
                direction: Direction::Inbound,
                ..dial("x", "a", "out")
            },
            invalid("a dial is an outbound call: direction must be outbound, not inbound"),
        ),
        (
            NewEngagement {
                target_agent: None,
                ..dial("x", "a", "out")
            },
            invalid("a dial needs targetAgent: the agent who places the call"),
        ),
        (
            dial("x", "a", "chat"),
            invalid("a dial is a voice call, but queue \"chat\" is chat; log it under a voice queue"),
        ),
        (
            NewEngagement {
                to: " ".into(),
                ..dial("x", "a", "out")
            },
            invalid("a dial needs `to`, the number to call"),
        ),
        (
            NewEngagement {
                variables: [("Consumer.phone".to_owned(), "1".to_owned())].into(),
                ..dial("x", "a", "out")
            },
            invalid(
                "variable \"Consumer.phone\" is a system variable (Consumer.*), derived from the customer; it cannot be set",
            ),
        ),
        (
            dial("x", "a", "other"),
            cannot("a", "they do not serve queue \"other\""),
        ),
        (dial("x", "c", "other"), cannot("c", "their embed is not connected")),
        (
            dial("x", "b", "other"),
            cannot("b", "they are Offline; choose Ready or Not Ready first"),
        ),
        (dial("x", "mute", "other"), cannot("mute", "their voice capacity is 0")),
    ];
    for (new, expected) in cases {
        let shown = format!("{new:?}");
        assert_eq!(w.try_cmd(Command::Dial(new)).unwrap_err(), expected, "{shown}");
        assert_eq!(w.engine.snapshot(), before, "{shown} changed something");
    }
    assert_eq!(
        cannot("b", "they are Offline; choose Ready or Not Ready first").to_string(),
        "agent \"b\" cannot place a call now: they are Offline; choose Ready or Not Ready first"
    );
}

#[test]
fn a_dial_needs_room_for_a_call_by_the_offer_rules() {
    let busy = |w: &mut World, id: &str| w.try_cmd(Command::Dial(dial(id, "a", "out"))).unwrap_err();
    let no_room = |holding: &str| EngineError::CannotDial {
        agent: "a".into(),
        problem: format!("no room for a call (voice capacity 1): they hold {holding}"),
    };
    let mut w = world();
    // A voice call ringing at the agent holds the voice slot.
    w.create("ringing", "out");
    assert_eq!(busy(&mut w, "x"), no_room("ringing (voice offered)"));
    // Live, then in wrap-up.
    w.accept("a", "ringing");
    assert_eq!(busy(&mut w, "x"), no_room("ringing (voice live)"));
    w.end("a", "ringing");
    assert_eq!(busy(&mut w, "x"), no_room("ringing (voice in wrap-up)"));
    w.close("a", "ringing");
    // A dial holds it like any call.
    w.cmd(Command::Dial(dial("first", "a", "out")));
    assert_eq!(busy(&mut w, "second"), no_room("first (voice live)"));
    w.end("a", "first");
    w.close("a", "first");
    // A video offer takes the agent's attention; in wrap-up it no longer does.
    w.create("vid", "video");
    assert_eq!(busy(&mut w, "x"), no_room("vid (video offered)"));
    w.accept("a", "vid");
    assert_eq!(busy(&mut w, "x"), no_room("vid (video live)"));
    w.end("a", "vid");
    assert_eq!(
        w.cmd(Command::Dial(dial("after-video", "a", "out")))[0],
        dialed("after-video", "a")
    );
    // Live chats do not block a call (as for a voice offer).
    let mut w = world();
    w.create("c1", "chat");
    w.create("c2", "chat");
    w.accept("a", "c1");
    w.accept("a", "c2");
    assert_eq!(w.cmd(Command::Dial(dial("call", "a", "out")))[0], dialed("call", "a"));
}

#[test]
fn offers_ringing_on_other_channels_are_left_as_an_accept_leaves_them() {
    // With an accept: a chat offer rings, a voice offer arrives and is accepted.
    let mut accepted = world();
    accepted.create("chat1", "chat");
    accepted.create("call", "out");
    let accept_out = accepted.accept("a", "call");
    // With a dial: the same chat offer rings, the agent dials.
    let mut w = world();
    assert_eq!(offers(&w.create("chat1", "chat")), offer("chat1", "a"));
    let out = w.cmd(Command::Dial(dial("call", "a", "out")));
    assert!(
        !out.iter().any(|o| matches!(o, Output::OfferEnded { .. })),
        "nothing is taken back: {out:?}"
    );
    assert_eq!(&out[1..], &accept_out[1..]);
    for world in [&accepted, &w] {
        assert!(is_offered_to(world.state("chat1"), "a"), "the chat keeps ringing");
        assert_eq!(world.reported("a"), ReportedStatus::Occupied);
    }
    // The call blocks new chats, exactly as an accepted call does.
    for world in [&mut accepted, &mut w] {
        assert!(offers(&world.create("chat2", "chat")).is_empty());
        assert_eq!(world.order("chat"), ["chat2"]);
    }
    // The ringing chat can still be answered; ending the call lets the waiting one in.
    w.accept("a", "chat1");
    assert_eq!(offers(&w.end("a", "call")), offer("chat2", "a"));
}

#[test]
fn a_dial_restarts_the_missed_offer_count_like_an_accept() {
    let mut w = world();
    w.create("chat1", "chat");
    w.advance_to(20_000); // rings out, and is offered again to the only agent
    assert_eq!(w.engine.agent("a").unwrap().consecutive_missed, 1);
    w.cmd(Command::Dial(dial("call", "a", "out")));
    assert_eq!(w.engine.agent("a").unwrap().consecutive_missed, 0);
}

#[test]
fn an_outbound_call_wraps_up_under_its_queue_with_an_outbound_call_log() {
    let mut w = world();
    w.now = 1_000;
    w.cmd(Command::Dial(NewEngagement {
        customer: Customer {
            name: "Grace".into(),
            email: String::new(),
            phone: "+15550199".into(),
        },
        subject: "Renewal".into(),
        variables: [("campaign".to_owned(), "spring".to_owned())].into(),
        ..dial("call", "a", "out")
    }));
    w.cmd(Command::AddNote {
        agent: "a".into(),
        engagement: "call".into(),
        note: "left a message".into(),
    });
    w.now = 61_000;
    let out = w.end("a", "call");
    assert_eq!(
        out[0],
        Output::LiveEnded {
            engagement: "call".into(),
            agent: "a".into(),
            by: EndedBy::Agent,
            wrap_up_deadline: Some(91_000),
        },
        "the queue's wrap-up timer applies"
    );
    w.cmd(Command::SetDisposition {
        agent: "a".into(),
        engagement: "call".into(),
        disposition: "reached".into(),
    });
    w.now = 70_000;
    let out = w.close("a", "call");
    let log = closed_log(&out);
    assert_eq!(log.direction, Direction::Outbound);
    assert_eq!(log.channel, Channel::Voice);
    assert_eq!(
        (log.from.as_str(), log.to.as_str()),
        ("+15550100", "+15550199"),
        "from: the caller id shown; to: the number dialled"
    );
    assert_eq!((log.queue_id.as_str(), log.queue_name.as_str()), ("out", "Outbound"));
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
        (1_000, None, Some(1_000), Some(61_000), 70_000)
    );
    assert_eq!(log.notes, ["left a message"]);
    assert_eq!(
        log.disposition,
        Some(DispositionRef {
            id: "reached".into(),
            name: "Reached".into()
        })
    );
    assert_eq!(log.subject, "Renewal");
    assert_eq!(log.variables.get(CONSUMER_PHONE).map(String::as_str), Some("+15550199"));
    assert_eq!(log.variables.get("campaign").map(String::as_str), Some("spring"));
    assert_eq!(log.outcome, CallOutcome::Closed { by: ClosedBy::Agent });
    assert_eq!(w.reported("a"), ReportedStatus::Ready);
    assert!(w.engine.agent_engagements("a").unwrap().is_empty());

    // Left to the timer, it closes with the queue's default disposition.
    w.cmd(Command::Dial(dial("again", "a", "out")));
    w.end("a", "again");
    let out = w.advance_to(w.now + 30_000);
    let log = closed_log(&out);
    assert_eq!(log.outcome, CallOutcome::Closed { by: ClosedBy::Timer });
    assert_eq!(log.disposition.as_ref().map(|d| d.id.as_str()), Some("voicemail"));
    assert_eq!(log.direction, Direction::Outbound);
}

#[test]
fn the_far_end_hanging_up_starts_wrap_up_never_an_abandon() {
    let mut w = world();
    w.cmd(Command::Dial(dial("call", "a", "out")));
    w.now = 4_000;
    let out = w.cmd(Command::CustomerLeft {
        engagement: "call".into(),
    });
    assert_eq!(
        out[0],
        Output::LiveEnded {
            engagement: "call".into(),
            agent: "a".into(),
            by: EndedBy::Customer,
            wrap_up_deadline: Some(34_000),
        }
    );
    assert!(!out.iter().any(|o| matches!(o, Output::Abandoned { .. })));
    assert!(matches!(w.state("call"), EngagementState::WrapUp { .. }));
    assert_eq!(w.reported("a"), ReportedStatus::Ready);
    let out = w.close("a", "call");
    assert_eq!(closed_log(&out).outcome, CallOutcome::Closed { by: ClosedBy::Agent });
    // A live dial cannot be cancelled: it is ended.
    w.cmd(Command::Dial(dial("other", "a", "out")));
    let cancel = w.try_cmd(Command::Cancel {
        engagement: "other".into(),
    });
    assert!(matches!(cancel, Err(EngineError::InvalidState { state: "live", .. })));
}

#[test]
fn outbound_calls_leave_queue_statistics_alone_but_count_the_agent_occupied() {
    let mut w = world();
    w.agent("b", &["out"], &[]);
    w.ready("b");
    // Some inbound traffic: one answered within the service level, one waiting.
    w.create("in1", "out");
    w.now = 1_000;
    w.accept("a", "in1");
    w.end("a", "in1");
    w.close("a", "in1");
    w.now = 2_000;
    let before = w.engine.queue_stats("out", w.now).unwrap();
    assert_eq!(before.answered, 1);
    assert_eq!((before.agents.ready, before.agents.occupied), (2, 0));
    // Two dials: one the agent ends, one the far end hangs up on after a long time.
    w.cmd(Command::Dial(dial("d1", "a", "out")));
    w.cmd(Command::Dial(dial("d2", "b", "out")));
    let during = w.engine.queue_stats("out", w.now).unwrap();
    assert_eq!((during.agents.ready, during.agents.occupied), (0, 2));
    assert_eq!(during.available, 0);
    assert_eq!((during.waiting, during.longest_wait_ms), (0, 0), "dials never wait");
    w.now = 120_000;
    w.end("a", "d1");
    w.cmd(Command::CustomerLeft {
        engagement: "d2".into(),
    });
    w.close("a", "d1");
    w.close("b", "d2");
    let after = w.engine.queue_stats("out", 2_000).unwrap();
    assert_eq!(after, before, "not waiting, not answered, not abandoned");
}

#[test]
fn commands_serialize_and_a_restored_snapshot_carries_on_identically() {
    let command = Command::Dial(dial("call", "a", "out"));
    let json = serde_json::to_value(&command).unwrap();
    assert_eq!(json["type"], "dial");
    assert_eq!(json["direction"], "outbound");
    assert_eq!(json["targetAgent"], "a");
    assert_eq!(serde_json::from_value::<Command>(json).unwrap(), command);
    let output = serde_json::to_value(dialed("call", "a")).unwrap();
    assert_eq!(
        output,
        serde_json::json!({"type": "dialed", "engagement": "call", "agent": "a"})
    );

    // Every `World` command is also checked by replaying the log; here also a restore.
    let mut w = world();
    w.agent("b", &["out", "chat"], &[]);
    w.ready("b");
    w.create("chat1", "chat");
    w.now = 1_000;
    w.cmd(Command::Dial(dial("call", "a", "out")));
    w.cmd(Command::Dial(dial("call-b", "b", "out")));
    w.end("b", "call-b");
    let json = serde_json::to_string(&w.engine.snapshot()).unwrap();
    let mut restored = Engine::restore(serde_json::from_str::<Snapshot>(&json).unwrap()).unwrap();
    assert_eq!(restored.snapshot(), w.engine.snapshot());
    let script = [
        // The restored agents are still busy: refused alike.
        (2_000, Command::Dial(dial("again", "a", "out"))),
        (2_000, Command::Dial(dial("again", "b", "out"))),
        (2_000, Command::CreateEngagement(NewEngagement::new("chat2", "chat"))),
        (
            3_000,
            Command::SetDisposition {
                agent: "a".into(),
                engagement: "call".into(),
                disposition: "reached".into(),
            },
        ),
        (
            4_000,
            Command::End {
                agent: "a".into(),
                engagement: "call".into(),
            },
        ),
        (31_000, Command::Tick),
        (34_000, Command::Tick),
        (35_000, Command::Dial(dial("later", "a", "out"))),
        (
            36_000,
            Command::CustomerLeft {
                engagement: "later".into(),
            },
        ),
    ];
    for (at, command) in script {
        let original = w.engine.handle(at, command.clone());
        let copy = restored.handle(at, command.clone());
        assert_eq!(original, copy, "{command:?}");
        assert_eq!(restored.snapshot(), w.engine.snapshot(), "{command:?}");
    }
    assert!(matches!(
        restored.engagement("later").unwrap().state,
        EngagementState::WrapUp { .. }
    ));
}
