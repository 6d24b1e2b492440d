//! Routing rules: order, eligibility, strategies, capacity, decliners, offer reasons.

use callbar_protocol::Channel;

use super::{World, is_offered_to, offer, offers, profile, queue, step};
use crate::{AgentStatus, Capacity, Command, EngagementState, NewEngagement, RankKey, Strategy};

fn with_priority(id: &str, queue: &str, priority: i32) -> NewEngagement {
    NewEngagement {
        priority,
        ..NewEngagement::new(id, queue)
    }
}

#[test]
fn higher_priority_first_then_oldest() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.create_with(with_priority("old-low", "q", 0));
    w.now = 10;
    w.create_with(with_priority("high", "q", 5));
    w.create_with(with_priority("new-low", "q", 0));
    assert_eq!(w.order("q"), ["high", "old-low", "new-low"]);
    assert_eq!(offers(&w.ready("a")), offer("high", "a"));
    assert_eq!(offers(&w.finish("a", "high")), offer("old-low", "a"));
    assert_eq!(offers(&w.finish("a", "old-low")), offer("new-low", "a"));
}

#[test]
fn arrivals_in_the_same_millisecond_keep_their_order() {
    let mut w = World::new();
    w.queue("q", queue(Channel::WorkItem));
    for id in ["e3", "e1", "e2"] {
        w.create(id, "q");
    }
    assert_eq!(w.order("q"), ["e3", "e1", "e2"]);
}

#[test]
fn across_queues_priority_then_age_decides() {
    let mut w = World::new();
    w.queue("q1", queue(Channel::Voice));
    w.queue("q2", queue(Channel::Voice));
    w.agent("a", &["q1", "q2"], &[]);
    w.create("q2-old", "q2");
    w.now = 5;
    w.create("q1-new", "q1");
    w.create_with(with_priority("q1-urgent", "q1", 1));
    assert_eq!(offers(&w.ready("a")), offer("q1-urgent", "a"));
    assert_eq!(offers(&w.finish("a", "q1-urgent")), offer("q2-old", "a"));
}

#[test]
fn direct_to_agent_waits_for_its_target_only() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    // The target need not serve the queue or have its skills.
    w.agent("b", &[], &[]);
    w.ready("a");
    let out = w.create_with(NewEngagement {
        target_agent: Some("b".into()),
        ..NewEngagement::new("e", "q")
    });
    assert!(offers(&out).is_empty(), "only b may be offered it");
    assert_eq!(w.order("q"), ["e"]);
    assert_eq!(w.engine.queue_stats("q", w.now).unwrap().waiting, 1);
    let out = w.ready("b");
    assert_eq!(offers(&out), offer("e", "b"));
    let reason = w.engagement("e").offer_reason.clone().unwrap();
    assert_eq!(
        (reason.step, reason.rank, reason.candidates_considered),
        (None, RankKey::Direct, 1)
    );
}

#[test]
fn direct_to_agent_is_still_subject_to_maximum_wait() {
    let mut w = World::new();
    w.queue(
        "q",
        crate::QueueConfig {
            max_wait: Some(abandon_after(1_000)),
            ..queue(Channel::Voice)
        },
    );
    w.agent("b", &[], &[]);
    w.create_with(NewEngagement {
        target_agent: Some("b".into()),
        ..NewEngagement::new("e", "q")
    });
    w.advance_to(1_000);
    assert!(matches!(w.state("e"), EngagementState::Abandoned { .. }));
}

fn abandon_after(ms: i64) -> crate::MaxWait {
    crate::MaxWait {
        after_ms: ms,
        then: crate::MaxWaitOutcome::Abandon,
    }
}

fn spanish_queue() -> crate::QueueConfig {
    crate::QueueConfig {
        skill_steps: vec![
            step(&[("spanish", 7)], Some(30_000)),
            step(&[("spanish", 3)], Some(60_000)),
            step(&[], None),
        ],
        ..queue(Channel::Voice)
    }
}

#[test]
fn skill_requirements_relax_step_by_step() {
    let mut w = World::new();
    w.queue("q", spanish_queue());
    w.agent("novice", &["q"], &[("spanish", 1)]);
    w.agent("fluent", &["q"], &[("spanish", 5)]);
    w.ready("novice");
    w.ready("fluent");
    assert!(offers(&w.create("e", "q")).is_empty(), "step 0 wants spanish>=7");
    assert!(offers(&w.advance_to(29_999)).is_empty());
    assert_eq!(
        offers(&w.advance_to(30_000)),
        offer("e", "fluent"),
        "step 1 wants spanish>=3"
    );
    assert_eq!(w.engagement("e").offer_reason.as_ref().unwrap().step, Some(1));

    // The novice gets one only at step 2, while the fluent agent is busy.
    w.accept("fluent", "e");
    w.create("e2", "q");
    assert!(offers(&w.advance_to(119_999)).iter().all(|(e, _)| e != "e2"));
    let out = w.advance_to(120_000);
    assert!(offers(&out).contains(&("e2".into(), "novice".into())));
    assert_eq!(w.engagement("e2").offer_reason.as_ref().unwrap().step, Some(2));
}

#[test]
fn an_agent_becoming_ready_sees_the_step_reached_by_time_alone() {
    let mut w = World::new();
    w.queue("q", spanish_queue());
    w.agent("fluent", &["q"], &[("spanish", 5)]);
    w.create("e", "q");
    // No tick ran at 30 s; the step is derived from the time.
    w.now = 45_000;
    assert_eq!(offers(&w.ready("fluent")), offer("e", "fluent"));
}

#[test]
fn oldest_of_a_level_gets_the_agent_a_stricter_newer_one_cannot() {
    let mut w = World::new();
    w.queue("q", spanish_queue());
    w.agent("fluent", &["q"], &[("spanish", 5)]);
    w.create("old", "q");
    w.now = 31_000;
    w.create("new", "q");
    assert_eq!(offers(&w.ready("fluent")), offer("old", "fluent"));
}

#[test]
fn longest_idle_agent_first() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    for (t, id) in [(1, "a"), (2, "b"), (3, "c")] {
        w.agent(id, &["q"], &[]);
        w.now = t;
        w.ready(id);
    }
    w.now = 10;
    assert_eq!(offers(&w.create("e1", "q")), offer("e1", "a"));
    let reason = w.engagement("e1").offer_reason.clone().unwrap();
    assert_eq!(
        (reason.rank, reason.candidates_considered),
        (RankKey::IdleSince { idle_since: 1 }, 3)
    );
    w.now = 20;
    w.finish("a", "e1"); // a is idle since 20 now
    assert_eq!(offers(&w.create("e2", "q")), offer("e2", "b"));
    assert_eq!(offers(&w.create("e3", "q")), offer("e3", "c"));
    assert_eq!(offers(&w.create("e4", "q")), offer("e4", "a"));
}

#[test]
fn round_robin_rotates_regardless_of_idle_time() {
    let mut w = World::new();
    w.queue(
        "q",
        crate::QueueConfig {
            strategy: Strategy::RoundRobin,
            ..queue(Channel::Chat)
        },
    );
    for id in ["a", "b", "c"] {
        w.agent(id, &["q"], &[]);
        w.ready(id);
    }
    let mut got = Vec::new();
    for i in 0..6 {
        let out = w.create(&format!("e{i}"), "q");
        got.extend(offers(&out).into_iter().map(|(_, a)| a));
    }
    assert_eq!(got, ["a", "b", "c", "a", "b", "c"]);
    let reason = w.engagement("e3").offer_reason.clone().unwrap();
    assert_eq!(reason.rank, RankKey::RoundRobin { last_offered: 1 });
}

#[test]
fn most_skilled_wins_and_ties_go_to_the_longest_idle() {
    let mut w = World::new();
    let config = crate::QueueConfig {
        strategy: Strategy::MostSkilled,
        skill_steps: vec![step(&[("spanish", 3), ("billing", 1)], None)],
        ..queue(Channel::Voice)
    };
    w.queue("q", config);
    w.agent("good", &["q"], &[("spanish", 6), ("billing", 2)]);
    w.agent("best-late", &["q"], &[("spanish", 9), ("billing", 3)]);
    w.agent("best-early", &["q"], &[("spanish", 8), ("billing", 4)]);
    w.agent("unqualified", &["q"], &[("spanish", 10)]);
    for id in ["unqualified", "best-early", "good", "best-late"] {
        w.now += 1;
        w.ready(id);
    }
    assert_eq!(offers(&w.create("e1", "q")), offer("e1", "best-early"));
    let reason = w.engagement("e1").offer_reason.clone().unwrap();
    assert_eq!(
        reason.rank,
        RankKey::SkillScore {
            score: 12,
            idle_since: 2
        }
    );
    assert_eq!(reason.candidates_considered, 3);
    assert_eq!(offers(&w.create("e2", "q")), offer("e2", "best-late"));
    assert_eq!(offers(&w.create("e3", "q")), offer("e3", "good"));
    assert!(
        offers(&w.create("e4", "q")).is_empty(),
        "the unqualified agent never gets it"
    );
}

#[test]
fn capacity_per_channel_limits_offers() {
    let mut w = World::new();
    w.queue("chat", queue(Channel::Chat));
    w.agent("a", &["chat"], &[]);
    for i in 0..4 {
        w.create(&format!("c{i}"), "chat");
    }
    let out = w.ready("a");
    assert_eq!(offers(&out).len(), 3, "chat capacity is 3 by default");
    let capacities: Vec<u32> = ["c0", "c1", "c2"]
        .iter()
        .map(|id| w.engagement(id).offer_reason.as_ref().unwrap().capacity_left_on_channel)
        .collect();
    assert_eq!(capacities, [3, 2, 1]);
    assert_eq!(w.order("chat"), ["c3"]);
    assert_eq!(offers(&w.finish("a", "c0")), offer("c3", "a"));
}

#[test]
fn voice_or_video_blocks_other_channels_while_offered_or_live() {
    let mut w = World::new();
    w.queue("voice", queue(Channel::Voice));
    w.queue("chat", queue(Channel::Chat));
    w.queue("video", queue(Channel::Video));
    w.agent("a", &["voice", "chat", "video"], &[]);
    w.ready("a");
    assert_eq!(offers(&w.create("call", "voice")), offer("call", "a"));
    assert!(
        offers(&w.create("chat1", "chat")).is_empty(),
        "an offered call blocks chat"
    );
    assert!(offers(&w.create("vid", "video")).is_empty(), "and video");
    w.accept("a", "call");
    assert!(w.order("chat").contains(&"chat1".to_owned()), "a live call blocks chat");
    // Ending the call frees the agent's attention; the wrap-up keeps only the voice slot.
    let out = w.end("a", "call");
    assert_eq!(
        offers(&out),
        vec![("chat1".into(), "a".into()), ("vid".into(), "a".into())]
    );
    assert!(
        offers(&w.create("chat2", "chat")).is_empty(),
        "now the video offer blocks chat"
    );
}

#[test]
fn a_voice_offer_may_reach_an_agent_busy_with_chats() {
    let mut w = World::new();
    w.queue("voice", queue(Channel::Voice));
    w.queue("chat", queue(Channel::Chat));
    w.agent("a", &["voice", "chat"], &[]);
    w.ready("a");
    w.create("chat1", "chat");
    w.accept("a", "chat1");
    assert_eq!(offers(&w.create("call", "voice")), offer("call", "a"));
    assert!(
        offers(&w.create("chat2", "chat")).is_empty(),
        "but then the call blocks new chats"
    );
}

#[test]
fn wrap_up_holds_the_slot_of_its_channel() {
    let mut w = World::new();
    w.queue("voice", queue(Channel::Voice));
    w.agent("a", &["voice"], &[]);
    w.ready("a");
    w.create("c1", "voice");
    w.accept("a", "c1");
    w.end("a", "c1");
    assert!(
        offers(&w.create("c2", "voice")).is_empty(),
        "voice capacity 1 is used by the wrap-up"
    );
    assert_eq!(offers(&w.close("a", "c1")), offer("c2", "a"));
}

#[test]
fn reject_returns_the_engagement_to_its_original_place() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.agent("b", &["q"], &[]);
    for id in ["e1", "e2", "e3"] {
        w.create(id, "q");
    }
    w.ready("a");
    let out = w.reject("a", "e1");
    // e1 is back at the head, and the only free agent is its decliner: a gets it again.
    assert_eq!(offers(&out), offer("e1", "a"));
    w.status("a", AgentStatus::NotReady { code: "21".into() });
    assert_eq!(w.order("q"), ["e1", "e2", "e3"]);
}

#[test]
fn ring_timeout_returns_the_engagement_to_its_original_place() {
    let mut w = World::with_config(crate::EngineConfig {
        missed_offers_limit: 1,
        ..Default::default()
    });
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    for id in ["e1", "e2", "e3"] {
        w.create(id, "q");
    }
    w.ready("a");
    assert!(is_offered_to(w.state("e1"), "a"));
    let out = w.advance_to(20_000);
    assert!(out.iter().any(|o| matches!(
        o,
        crate::Output::OfferEnded {
            reason: crate::OfferEndReason::TimedOut,
            ..
        }
    )));
    assert_eq!(w.order("q"), ["e1", "e2", "e3"]);
}

#[test]
fn a_decliner_gets_the_engagement_again_only_if_nobody_else_can_take_it() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.agent("b", &["q"], &[]);
    w.ready("a");
    w.now = 1;
    w.ready("b");
    assert_eq!(offers(&w.create("e", "q")), offer("e", "a"));
    // a is idle longer than b, but b gets it after a rejects.
    assert_eq!(offers(&w.reject("a", "e")), offer("e", "b"));
    // Timeouts count as declining too: b lets it ring out; a is free, so a gets it.
    assert_eq!(offers(&w.advance_to(20_001)), offer("e", "a"));
    assert_eq!(w.engagement("e").last_declined_by.as_deref(), Some("b"));
}

#[test]
fn missed_offers_in_a_row_set_the_agent_not_ready() {
    let mut w = World::with_config(crate::EngineConfig {
        missed_offers_limit: 2,
        missed_reason_code: "missed".into(),
        ..Default::default()
    });
    w.queue(
        "q",
        crate::QueueConfig {
            ring_timeout_ms: 1_000,
            ..queue(Channel::Chat)
        },
    );
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e1", "q");
    w.create("e2", "q");
    // Both ring out together at 1 s: two misses in a row.
    let out = w.advance_to(1_000);
    assert_eq!(
        w.engine.agent("a").unwrap().status,
        AgentStatus::NotReady { code: "missed".into() }
    );
    assert!(out.contains(&crate::Output::AgentStatus {
        agent: "a".into(),
        status: crate::ReportedStatus::NotReady { code: "missed".into() },
        chosen: AgentStatus::NotReady { code: "missed".into() },
    }));
    assert_eq!(w.order("q"), ["e1", "e2"]);
}

#[test]
fn a_status_the_engine_sets_is_announced_even_while_occupied() {
    let mut w = World::with_config(crate::EngineConfig {
        missed_offers_limit: 1,
        ..Default::default()
    });
    w.queue("q", queue(Channel::Chat));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("live", "q");
    w.accept("a", "live");
    w.create("missed", "q");
    let out = w.advance_to(20_000);
    let missed = AgentStatus::NotReady { code: "missed".into() };
    assert!(out.contains(&crate::Output::AgentStatus {
        agent: "a".into(),
        status: crate::ReportedStatus::Occupied,
        chosen: missed.clone(),
    }));
    let out = w.end("a", "live");
    assert!(out.contains(&crate::Output::AgentStatus {
        agent: "a".into(),
        status: crate::ReportedStatus::NotReady { code: "missed".into() },
        chosen: missed,
    }));
}

#[test]
fn accepting_resets_the_missed_count() {
    let mut w = World::with_config(crate::EngineConfig {
        missed_offers_limit: 2,
        ..Default::default()
    });
    w.queue(
        "q",
        crate::QueueConfig {
            ring_timeout_ms: 1_000,
            ..queue(Channel::Chat)
        },
    );
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e1", "q");
    w.advance_to(1_000); // missed once; re-offered to a (the only agent)
    assert_eq!(w.engine.agent("a").unwrap().consecutive_missed, 1);
    w.accept("a", "e1");
    assert_eq!(w.engine.agent("a").unwrap().consecutive_missed, 0);
    w.create("e2", "q");
    w.advance_to(2_500);
    assert_eq!(
        w.engine.agent("a").unwrap().status,
        AgentStatus::Ready,
        "one miss after an accept is not two"
    );
}

#[test]
fn disconnected_agents_get_no_offers_and_lose_ringing_ones() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Chat));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("live", "q");
    w.accept("a", "live");
    w.create("ringing", "q");
    w.create("waiting", "q");
    let out = w.cmd(Command::AgentDisconnected { agent: "a".into() });
    assert!(out.iter().any(|o| matches!(
        o,
        crate::Output::OfferEnded {
            reason: crate::OfferEndReason::AgentDisconnected,
            ..
        }
    )));
    assert_eq!(w.order("q"), ["ringing", "waiting"], "both back in place");
    assert!(
        matches!(w.state("live"), EngagementState::Live { .. }),
        "live engagements survive"
    );
    assert!(offers(&w.create("more", "q")).is_empty());
    let out = w.cmd(Command::AgentConnected { agent: "a".into() });
    assert_eq!(
        offers(&out),
        vec![("ringing".into(), "a".into()), ("waiting".into(), "a".into())]
    );
}

#[test]
fn leaving_ready_takes_offers_back() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Voice));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e", "q");
    let out = w.status("a", AgentStatus::Offline);
    assert!(out.iter().any(|o| matches!(
        o,
        crate::Output::OfferEnded {
            reason: crate::OfferEndReason::AgentUnavailable,
            ..
        }
    )));
    assert_eq!(w.order("q"), ["e"]);
    assert_eq!(w.engine.agent("a").unwrap().consecutive_missed, 0, "not a miss");
}

#[test]
fn occupied_is_reported_while_live() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Chat));
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e", "q");
    let occupied = crate::Output::AgentStatus {
        agent: "a".into(),
        status: crate::ReportedStatus::Occupied,
        chosen: AgentStatus::Ready,
    };
    assert!(w.accept("a", "e").contains(&occupied));
    assert_eq!(w.reported("a"), crate::ReportedStatus::Occupied);
    assert_eq!(w.reported("a").status_code(), "3");
    let out = w.end("a", "e");
    assert!(out.contains(&crate::Output::AgentStatus {
        agent: "a".into(),
        status: crate::ReportedStatus::Ready,
        chosen: AgentStatus::Ready,
    }));
}

#[test]
fn offer_reasons_stay_queryable_after_accept() {
    let mut w = World::new();
    w.queue("q", spanish_queue());
    w.agent("a", &["q"], &[("spanish", 8)]);
    w.now = 7;
    w.ready("a");
    w.create("e", "q");
    w.accept("a", "e");
    let reason = w.engagement("e").offer_reason.clone().unwrap();
    assert_eq!(
        reason,
        crate::OfferReason {
            queue_id: "q".into(),
            step: Some(0),
            strategy: Strategy::LongestIdle,
            rank: RankKey::IdleSince { idle_since: 7 },
            capacity_left_on_channel: 1,
            candidates_considered: 1,
        }
    );
}

#[test]
fn changing_a_queue_reroutes_its_waiting_engagements() {
    let mut w = World::new();
    w.queue("q", spanish_queue());
    w.agent("a", &["q"], &[]);
    w.ready("a");
    w.create("e", "q");
    assert!(w.order("q") == ["e"]);
    let out = w.cmd(Command::UpsertQueue {
        id: "q".into(),
        config: queue(Channel::Voice),
    });
    assert_eq!(offers(&out), offer("e", "a"));
}

#[test]
fn changing_an_agent_profile_takes_effect_at_once() {
    let mut w = World::new();
    w.queue("q", queue(Channel::Chat));
    w.agent("a", &[], &[]);
    w.ready("a");
    w.create("e1", "q");
    w.create("e2", "q");
    let one = Capacity {
        chat: 1,
        ..Capacity::default()
    };
    let out = w.cmd(Command::UpsertAgent {
        id: "a".into(),
        config: profile(&["q"], &[], one),
    });
    assert_eq!(offers(&out), offer("e1", "a"));
}
