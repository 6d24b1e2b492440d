//! Persistence: commands and snapshots are serde, replay and restore rebuild the same engine,
//! and ticks that return nothing change nothing.

use callbar_protocol::Channel;

use super::{World, queue, step};
use crate::{AgentStatus, Command, Engine, EngineConfig, NewEngagement, QueueConfig, Snapshot};

/// A busy little world: waiting, offered, live and wrap-up engagements, skill steps.
fn busy() -> World {
    let mut w = World::new();
    let steps = vec![step(&[("french", 5)], Some(10_000)), step(&[], None)];
    w.queue(
        "chat",
        QueueConfig {
            skill_steps: steps,
            wrap_up_ms: Some(60_000),
            ..queue(Channel::Chat)
        },
    );
    w.queue("voice", queue(Channel::Voice));
    w.agent("a", &["chat", "voice"], &[("french", 6)]);
    w.agent("b", &["chat"], &[]);
    w.ready("a");
    for i in 0..6 {
        w.now += 100;
        w.create(&format!("c{i}"), "chat");
    }
    w.create("v", "voice");
    w.accept("a", "c0");
    w.end("a", "c0");
    w.accept("a", "c1");
    w
}

#[test]
fn commands_are_camel_case_json() {
    let command = Command::SetAgentStatus {
        agent: "a".into(),
        status: AgentStatus::NotReady { code: "21".into() },
    };
    let json = serde_json::to_value(&command).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"type": "setAgentStatus", "agent": "a", "status": {"status": "notReady", "code": "21"}})
    );
    let create = Command::CreateEngagement(NewEngagement {
        target_agent: Some("a".into()),
        ..NewEngagement::new("e", "q")
    });
    let json = serde_json::to_value(&create).unwrap();
    assert_eq!(json["type"], "createEngagement");
    assert_eq!(json["targetAgent"], "a");
    let back: Command = serde_json::from_value(json).unwrap();
    assert_eq!(back, create);
    let minimal: Command = serde_json::from_str(r#"{"type":"createEngagement","id":"e","queue":"q"}"#).unwrap();
    assert_eq!(minimal, Command::CreateEngagement(NewEngagement::new("e", "q")));
    let config: EngineConfig = serde_json::from_str(r#"{"missedOffersLimit": 5}"#).unwrap();
    assert_eq!(
        config,
        EngineConfig {
            missed_offers_limit: 5,
            ..Default::default()
        }
    );
}

#[test]
fn a_restored_snapshot_behaves_like_the_original() {
    let mut w = busy();
    let json = serde_json::to_string(&w.engine.snapshot()).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&json).unwrap();
    let mut restored = Engine::restore(snapshot).unwrap();
    assert_eq!(restored.snapshot(), w.engine.snapshot());
    // Run both through the same future, timers included.
    let script = [
        (20_000, Command::Tick),
        (
            21_000,
            Command::SetAgentStatus {
                agent: "b".into(),
                status: AgentStatus::Ready,
            },
        ),
        (
            22_000,
            Command::End {
                agent: "a".into(),
                engagement: "c1".into(),
            },
        ),
        (90_000, Command::Tick),
        (91_000, Command::CreateEngagement(NewEngagement::new("late", "voice"))),
    ];
    for (at, command) in script {
        w.now = at;
        let original = w.engine.handle(at, command.clone());
        let copy = restored.handle(at, command);
        assert_eq!(original, copy);
        assert_eq!(restored.snapshot(), w.engine.snapshot());
    }
}

#[test]
fn a_tick_that_returns_nothing_changes_nothing() {
    let mut w = busy();
    // Stale step timers after a restore fire without effect.
    let mut restored = Engine::restore(w.engine.snapshot()).unwrap();
    let before = restored.snapshot();
    assert!(restored.handle(w.now, Command::Tick).unwrap().is_empty());
    assert_eq!(restored.snapshot(), before);
    // A step change nobody can use yet: the deadline passes, nothing happens, nothing changes.
    w.status("a", AgentStatus::NotReady { code: "21".into() });
    let before = w.engine.snapshot();
    let deadline = w.engine.next_deadline().unwrap();
    let out = w.engine.handle(deadline, Command::Tick).unwrap();
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(w.engine.snapshot(), before);
}

#[test]
fn a_replay_without_the_empty_ticks_gives_the_same_state() {
    let mut w = busy();
    let mut log: Vec<(i64, Command)> = Vec::new();
    let mut engine = Engine::restore(w.engine.snapshot()).unwrap();
    let base = engine.snapshot();
    let mut t = w.now;
    for i in 0..40 {
        t += 1_500;
        let command = match i % 4 {
            0 => Command::CreateEngagement(NewEngagement::new(format!("n{i}"), "chat")),
            1 => Command::SetAgentStatus {
                agent: "b".into(),
                status: AgentStatus::Ready,
            },
            2 => Command::SetAgentStatus {
                agent: "b".into(),
                status: AgentStatus::NotReady { code: "21".into() },
            },
            _ => Command::Tick,
        };
        let out = engine.handle(t, command.clone());
        if command != Command::Tick || out.as_ref().is_ok_and(|o| !o.is_empty()) {
            log.push((t, command));
        }
    }
    let mut replay = Engine::restore(base).unwrap();
    for (at, command) in log {
        let _ = replay.handle(at, command);
    }
    assert_eq!(replay.snapshot(), engine.snapshot());
    w.now = t;
}
