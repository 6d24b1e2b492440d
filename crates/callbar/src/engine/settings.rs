//! Routing settings: what the store keeps for queues and agents, turned into the engine's
//! configuration.
//!
//! A queue row holds its name and channel; its routing rules are JSON in the engine's own
//! shape (`queues.settings`), and its dispositions are rows of their own. An agent's skills,
//! capacity and queues are JSON in `users.agent_settings`; an agent with no queue list
//! serves every queue.

use std::collections::{BTreeMap, BTreeSet};

use callbar_engine::{AgentConfig, Capacity, Disposition, MaxWait, QueueConfig, SkillStep, Strategy};
use callbar_protocol::Channel;
use callbar_store::{Queue, User};
use serde::{Deserialize, Serialize};

/// A queue's routing rules as stored (every field optional; defaults are the engine's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill_steps: Option<Vec<SkillStep>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_timeout_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<MaxWait>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up_ms: Option<i64>,
    /// The id of the disposition used when wrap-up closes on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_disposition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level_ms: Option<i64>,
    /// Voice queues: whether calls are recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording: Option<RecordingPolicy>,
    /// Voice queues: the number presented to people agents call on this queue's behalf
    /// (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_id: Option<String>,
    /// Voice queues: the name of the SIP trunk that carries calls agents place on this
    /// queue's behalf (default: the first configured trunk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_trunk: Option<String>,
}

/// Whether a voice queue's calls are recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RecordingPolicy {
    /// From the moment the agent accepts.
    Always,
    /// When the agent or the host starts it (`zcc-set-recording`).
    #[default]
    OnDemand,
    /// Never; requests to record are refused.
    Never,
}

/// A queue's settings (the defaults for an unknown queue).
fn settings_of(queues: &[Queue], queue_id: &str) -> QueueSettings {
    queues
        .iter()
        .find(|q| q.id == queue_id)
        .map(|q| parse::<QueueSettings>("queue", &q.settings))
        .unwrap_or_default()
}

/// The caller ID of a queue, if it has one.
pub fn caller_id(queues: &[Queue], queue_id: &str) -> Option<String> {
    settings_of(queues, queue_id).caller_id
}

/// The trunk a queue's outbound calls take, if it names one.
pub fn outbound_trunk(queues: &[Queue], queue_id: &str) -> Option<String> {
    settings_of(queues, queue_id).outbound_trunk
}

/// The recording policy of a queue.
pub fn recording_policy(queues: &[Queue], queue_id: &str) -> RecordingPolicy {
    settings_of(queues, queue_id).recording.unwrap_or_default()
}

impl QueueSettings {
    /// Fields of `change` replace fields of `self`.
    pub fn merge(&mut self, change: QueueSettings) {
        macro_rules! take {
            ($($f:ident),*) => { $( if change.$f.is_some() { self.$f = change.$f; } )* };
        }
        take!(
            strategy,
            skill_steps,
            ring_timeout_ms,
            max_wait,
            wrap_up_ms,
            default_disposition,
            service_level_ms,
            recording,
            caller_id,
            outbound_trunk
        );
    }
}

/// An agent's routing settings as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<BTreeMap<String, u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// Queue ids; absent = every queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<BTreeSet<String>>,
}

impl AgentSettings {
    pub fn merge(&mut self, change: AgentSettings) {
        if change.skills.is_some() {
            self.skills = change.skills;
        }
        if change.capacity.is_some() {
            self.capacity = change.capacity;
        }
        if change.queues.is_some() {
            self.queues = change.queues;
        }
    }
}

/// Parses stored JSON; a row that no longer parses falls back to defaults (and says so).
pub fn parse<T: Default + for<'de> Deserialize<'de>>(what: &str, json: &str) -> T {
    serde_json::from_str(json).unwrap_or_else(|e| {
        tracing::warn!("stored settings of {what} are unreadable ({e}); using defaults");
        T::default()
    })
}

/// The engine configuration of a stored queue with its dispositions.
pub fn queue_config(queue: &Queue, dispositions: &[callbar_store::Disposition]) -> QueueConfig {
    let channel = Channel::parse(&queue.channel).unwrap_or(Channel::WorkItem);
    let settings: QueueSettings = parse(&format!("queue {:?}", queue.name), &queue.settings);
    let mut config = QueueConfig::new(queue.name.clone(), channel);
    config.dispositions = dispositions
        .iter()
        .filter(|d| d.queue_id == queue.id)
        .map(|d| Disposition {
            id: d.id.clone(),
            name: d.name.clone(),
        })
        .collect();
    if let Some(s) = settings.strategy {
        config.strategy = s;
    }
    if let Some(steps) = settings.skill_steps {
        config.skill_steps = steps;
    }
    if let Some(ms) = settings.ring_timeout_ms {
        config.ring_timeout_ms = ms;
    }
    config.max_wait = settings.max_wait;
    config.wrap_up_ms = settings.wrap_up_ms;
    config.default_disposition = settings.default_disposition;
    if let Some(ms) = settings.service_level_ms {
        config.service_level_ms = ms;
    }
    config
}

/// The engine configuration of a stored user, serving `all_queues` unless their settings
/// name queues.
pub fn agent_config(user: &User, all_queues: &[Queue]) -> AgentConfig {
    let settings: AgentSettings = parse(&format!("agent {:?}", user.email), &user.agent_settings);
    AgentConfig {
        name: user.name.clone(),
        skills: settings.skills.unwrap_or_default(),
        capacity: settings.capacity.unwrap_or_default(),
        queues: settings
            .queues
            .unwrap_or_else(|| all_queues.iter().map(|q| q.id.clone()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(settings: &str) -> Queue {
        Queue {
            id: "q1".into(),
            name: "Back Office".into(),
            channel: "work_item".into(),
            settings: settings.into(),
        }
    }

    #[test]
    fn stored_settings_become_engine_config() {
        let d = callbar_store::Disposition {
            id: "d1".into(),
            queue_id: "q1".into(),
            name: "Resolved".into(),
        };
        let c = queue_config(
            &queue(r#"{"strategy":"roundRobin","wrapUpMs":60000,"defaultDisposition":"d1","ringTimeoutMs":15000}"#),
            &[d],
        );
        assert_eq!(c.channel, Channel::WorkItem);
        assert_eq!(c.strategy, Strategy::RoundRobin);
        assert_eq!(c.wrap_up_ms, Some(60_000));
        assert_eq!(c.ring_timeout_ms, 15_000);
        assert_eq!(c.dispositions.len(), 1);
        let defaults = queue_config(&queue("{}"), &[]);
        assert_eq!(defaults.ring_timeout_ms, 20_000);
    }

    #[test]
    fn unknown_setting_keys_are_refused() {
        assert!(serde_json::from_str::<QueueSettings>(r#"{"ringTimeout":5}"#).is_err());
        let mut s = QueueSettings {
            wrap_up_ms: Some(1),
            ..Default::default()
        };
        s.merge(QueueSettings {
            ring_timeout_ms: Some(5),
            ..Default::default()
        });
        assert_eq!((s.wrap_up_ms, s.ring_timeout_ms), (Some(1), Some(5)));
    }
}
