//! Configuration validation and queue statistics.

use callbar_protocol::Channel;

use super::{World, profile, queue, step};
use crate::{
    AgentStatus, Capacity, Command, Disposition, EngineError, MaxWait, MaxWaitOutcome, QueueConfig, QueueStats,
};

fn refused(w: &mut World, id: &str, config: QueueConfig) -> String {
    match w.try_cmd(Command::UpsertQueue { id: id.into(), config }) {
        Err(EngineError::InvalidQueueConfig { problem, .. }) => problem,
        other => panic!("expected InvalidQueueConfig, got {other:?}"),
    }
}

#[test]
fn skill_steps_must_relax() {
    let mut w = World::new();
    let tighter = vec![step(&[("spanish", 3)], Some(1_000)), step(&[("spanish", 7)], None)];
    let problem = refused(
        &mut w,
        "q",
        QueueConfig {
            skill_steps: tighter,
            ..queue(Channel::Voice)
        },
    );
    assert!(problem.contains("must relax step 0"), "{problem}");
    let new_skill = vec![step(&[("spanish", 3)], Some(1_000)), step(&[("french", 1)], None)];
    refused(
        &mut w,
        "q",
        QueueConfig {
            skill_steps: new_skill,
            ..queue(Channel::Voice)
        },
    );
    let forever_first = vec![step(&[("spanish", 3)], None), step(&[], None)];
    refused(
        &mut w,
        "q",
        QueueConfig {
            skill_steps: forever_first,
            ..queue(Channel::Voice)
        },
    );
    let level = vec![step(&[("spanish", 11)], None)];
    refused(
        &mut w,
        "q",
        QueueConfig {
            skill_steps: level,
            ..queue(Channel::Voice)
        },
    );
}

#[test]
fn queue_settings_are_checked() {
    let mut w = World::new();
    w.queue("chat", queue(Channel::Chat));
    let sold = Disposition {
        id: "sold".into(),
        name: "Sold".into(),
    };
    let cases = [
        QueueConfig {
            ring_timeout_ms: 0,
            ..queue(Channel::Voice)
        },
        QueueConfig {
            wrap_up_ms: Some(0),
            ..queue(Channel::Voice)
        },
        QueueConfig {
            default_disposition: Some("gone".into()),
            dispositions: vec![sold.clone()],
            ..queue(Channel::Voice)
        },
        QueueConfig {
            dispositions: vec![sold.clone(), sold],
            ..queue(Channel::Voice)
        },
        QueueConfig {
            max_wait: Some(MaxWait {
                after_ms: 1,
                then: MaxWaitOutcome::Overflow { queue: "q".into() },
            }),
            ..queue(Channel::Voice)
        },
        QueueConfig {
            max_wait: Some(MaxWait {
                after_ms: 1,
                then: MaxWaitOutcome::Overflow { queue: "chat".into() },
            }),
            ..queue(Channel::Voice)
        },
    ];
    for config in cases {
        refused(&mut w, "q", config);
    }
    let unknown = QueueConfig {
        max_wait: Some(MaxWait {
            after_ms: 1,
            then: MaxWaitOutcome::Overflow { queue: "nope".into() },
        }),
        ..queue(Channel::Voice)
    };
    let err = w
        .try_cmd(Command::UpsertQueue {
            id: "q".into(),
            config: unknown,
        })
        .unwrap_err();
    assert_eq!(err, EngineError::UnknownQueue("nope".into()));
    let problem = refused(&mut w, "chat", queue(Channel::Voice));
    assert!(problem.contains("channel cannot change"), "{problem}");
}

#[test]
fn agent_profiles_are_checked() {
    let mut w = World::new();
    let err = w
        .try_cmd(Command::UpsertAgent {
            id: "a".into(),
            config: profile(&["nope"], &[], Capacity::default()),
        })
        .unwrap_err();
    assert_eq!(err, EngineError::UnknownQueue("nope".into()));
    let err = w
        .try_cmd(Command::UpsertAgent {
            id: "a".into(),
            config: profile(&[], &[("x", 0)], Capacity::default()),
        })
        .unwrap_err();
    assert!(matches!(err, EngineError::InvalidAgentConfig { .. }));
    assert_eq!(w.engine.agent("a"), None);
}

#[test]
fn queue_stats_count_waiting_agents_and_service_level() {
    let mut w = World::new();
    w.queue(
        "q",
        QueueConfig {
            service_level_ms: 10_000,
            ..queue(Channel::Voice)
        },
    );
    for id in ["a", "b", "c", "d"] {
        w.agent(id, &["q"], &[]);
    }
    w.status("c", AgentStatus::NotReady { code: "21".into() });
    w.cmd(Command::AgentDisconnected { agent: "d".into() });
    w.create("quick", "q");
    w.create("slow", "q");
    w.create("gone-early", "q");
    w.create("gone-late", "q");
    w.now = 2_000;
    w.ready("a");
    w.accept("a", "quick"); // answered within 10 s
    w.cmd(Command::CustomerLeft {
        engagement: "gone-early".into(),
    }); // not counted
    w.now = 15_000;
    w.ready("b");
    w.accept("b", "slow"); // answered after 10 s
    w.cmd(Command::CustomerLeft {
        engagement: "gone-late".into(),
    }); // counted against
    w.create("waiting", "q");
    w.now = 16_000;
    let stats = w.engine.queue_stats("q", w.now).unwrap();
    assert_eq!(
        stats,
        QueueStats {
            queue_id: "q".into(),
            waiting: 1,
            longest_wait_ms: 1_000,
            agents: crate::AgentCounts {
                ready: 0,
                not_ready: 1,
                occupied: 2,
                offline: 1
            },
            available: 0,
            answered: 2,
            answered_within_threshold: 1,
            abandoned_after_threshold: 1,
            service_level: Some(1.0 / 3.0),
        }
    );
    // Outside the window, nothing counts.
    let later = w
        .engine
        .queue_stats("q", 16_000 + w.engine.config().service_level_window_ms)
        .unwrap();
    assert_eq!(later.service_level, None);
}
