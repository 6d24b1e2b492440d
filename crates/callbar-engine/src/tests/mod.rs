//! Unit tests of the engine's rules, one module per area, through the public API.
//!
//! [`World`] drives an engine the way the server does: it logs every command, ticks at
//! each deadline on the way to a new time, and after every successful command checks that a
//! replay of the log gives the same snapshot — so every test is also a replay test.

mod dial;
mod lifecycle;
mod persistence;
mod routing;
mod setup;
mod wrapup;

use std::collections::BTreeMap;

use callbar_protocol::Channel;

use crate::{
    AgentConfig, AgentStatus, Capacity, Command, Engagement, EngagementState, Engine, EngineConfig, EngineError,
    NewEngagement, Output, QueueConfig, ReportedStatus, SkillStep,
};

pub(crate) struct World {
    pub engine: Engine,
    pub now: i64,
    config: EngineConfig,
    log: Vec<(i64, Command)>,
}

impl World {
    /// A world that keeps finished engagements queryable.
    pub fn new() -> World {
        World::with_config(EngineConfig {
            retain_finished: usize::MAX,
            ..EngineConfig::default()
        })
    }

    pub fn with_config(config: EngineConfig) -> World {
        World {
            engine: Engine::new(config.clone()),
            now: 0,
            config,
            log: Vec::new(),
        }
    }

    pub fn try_cmd(&mut self, command: Command) -> Result<Vec<Output>, EngineError> {
        self.log.push((self.now, command.clone()));
        let result = self.engine.handle(self.now, command);
        if result.is_ok() {
            self.check_replay();
        }
        result
    }

    pub fn cmd(&mut self, command: Command) -> Vec<Output> {
        let shown = format!("{command:?}");
        self.try_cmd(command).unwrap_or_else(|e| panic!("{shown} refused: {e}"))
    }

    /// Moves the clock to `t`, ticking at every deadline on the way; returns the outputs.
    pub fn advance_to(&mut self, t: i64) -> Vec<Output> {
        let mut out = Vec::new();
        while let Some(deadline) = self.engine.next_deadline().filter(|d| *d <= t) {
            self.now = deadline;
            out.extend(self.cmd(Command::Tick));
        }
        self.now = t;
        out
    }

    fn check_replay(&self) {
        let mut replay = Engine::new(self.config.clone());
        for (at, command) in &self.log {
            let _ = replay.handle(*at, command.clone());
        }
        assert_eq!(
            replay.snapshot(),
            self.engine.snapshot(),
            "replaying the log gives another state"
        );
    }

    pub fn queue(&mut self, id: &str, config: QueueConfig) {
        self.cmd(Command::UpsertQueue { id: id.into(), config });
    }

    /// Adds an agent serving `queues`, connected but Offline.
    pub fn agent(&mut self, id: &str, queues: &[&str], skills: &[(&str, u8)]) {
        self.agent_with(id, profile(queues, skills, Capacity::default()));
    }

    pub fn agent_with(&mut self, id: &str, config: AgentConfig) {
        self.cmd(Command::UpsertAgent { id: id.into(), config });
        self.cmd(Command::AgentConnected { agent: id.into() });
    }

    pub fn ready(&mut self, agent: &str) -> Vec<Output> {
        self.status(agent, AgentStatus::Ready)
    }

    pub fn status(&mut self, agent: &str, status: AgentStatus) -> Vec<Output> {
        self.cmd(Command::SetAgentStatus {
            agent: agent.into(),
            status,
        })
    }

    pub fn create(&mut self, id: &str, queue: &str) -> Vec<Output> {
        self.cmd(Command::CreateEngagement(NewEngagement::new(id, queue)))
    }

    pub fn create_with(&mut self, new: NewEngagement) -> Vec<Output> {
        self.cmd(Command::CreateEngagement(new))
    }

    pub fn accept(&mut self, agent: &str, engagement: &str) -> Vec<Output> {
        self.cmd(Command::Accept {
            agent: agent.into(),
            engagement: engagement.into(),
        })
    }

    pub fn reject(&mut self, agent: &str, engagement: &str) -> Vec<Output> {
        self.cmd(Command::Reject {
            agent: agent.into(),
            engagement: engagement.into(),
        })
    }

    pub fn end(&mut self, agent: &str, engagement: &str) -> Vec<Output> {
        self.cmd(Command::End {
            agent: agent.into(),
            engagement: engagement.into(),
        })
    }

    pub fn close(&mut self, agent: &str, engagement: &str) -> Vec<Output> {
        self.cmd(Command::CloseWrapUp {
            agent: agent.into(),
            engagement: engagement.into(),
        })
    }

    /// Accept, end and close: the agent is done with it.
    pub fn finish(&mut self, agent: &str, engagement: &str) -> Vec<Output> {
        self.accept(agent, engagement);
        self.end(agent, engagement);
        self.close(agent, engagement)
    }

    pub fn engagement(&self, id: &str) -> &Engagement {
        self.engine
            .engagement(id)
            .unwrap_or_else(|| panic!("no engagement {id}"))
    }

    pub fn state(&self, id: &str) -> &EngagementState {
        &self.engagement(id).state
    }

    pub fn order(&self, queue: &str) -> Vec<String> {
        self.engine
            .queue_order(queue)
            .unwrap()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    pub fn reported(&self, agent: &str) -> ReportedStatus {
        self.engine.reported_status(agent).unwrap()
    }
}

/// The (engagement, agent) pairs offered in `out`.
pub(crate) fn offers(out: &[Output]) -> Vec<(String, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Offered { engagement, agent, .. } => Some((engagement.clone(), agent.clone())),
            _ => None,
        })
        .collect()
}

/// One offer, as ("engagement", "agent").
pub(crate) fn offer(engagement: &str, agent: &str) -> Vec<(String, String)> {
    vec![(engagement.to_owned(), agent.to_owned())]
}

/// Whether `state` is Offered to `agent` (any expiry).
pub(crate) fn is_offered_to(state: &EngagementState, agent: &str) -> bool {
    matches!(state, EngagementState::Offered { agent: a, .. } if a == agent)
}

pub(crate) fn profile(queues: &[&str], skills: &[(&str, u8)], capacity: Capacity) -> AgentConfig {
    AgentConfig {
        name: "Agent".to_owned(),
        skills: skills.iter().map(|(s, l)| (s.to_string(), *l)).collect(),
        capacity,
        queues: queues.iter().map(|q| q.to_string()).collect(),
    }
}

pub(crate) fn queue(channel: Channel) -> QueueConfig {
    QueueConfig::new("Queue", channel)
}

pub(crate) fn step(require: &[(&str, u8)], for_ms: Option<i64>) -> SkillStep {
    SkillStep {
        require: require
            .iter()
            .map(|(s, l)| (s.to_string(), *l))
            .collect::<BTreeMap<_, _>>(),
        for_ms,
    }
}
