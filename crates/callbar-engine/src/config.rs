//! Configuration: the engine's own settings, queues and agents.
//!
//! Queues and agents arrive as commands (`UpsertQueue`, `UpsertAgent`) rather than as a
//! constructor argument, so they are part of the command log like everything else and a
//! replay rebuilds them in the same order. Each config is validated here, before anything
//! changes, so a bad one is refused whole with a message that says what to fix.

use std::collections::{BTreeMap, BTreeSet};

use callbar_protocol::Channel;
use serde::{Deserialize, Serialize};

/// Settings of the engine itself. Part of the snapshot; a replay must use the same one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EngineConfig {
    /// Consecutive offers an agent lets ring out before the engine sets them Not Ready with
    /// [`missed_reason_code`](Self::missed_reason_code). Accepting or rejecting an offer,
    /// placing a call ([`Command::Dial`](crate::Command::Dial)) or choosing Ready starts the
    /// count again. `0` turns the rule off.
    pub missed_offers_limit: u32,
    /// The not-ready reason code used for agents who missed too many offers.
    pub missed_reason_code: String,
    /// The sliding window of [`QueueStats::service_level`](crate::QueueStats::service_level).
    pub service_level_window_ms: i64,
    /// How many finished engagements (closed, abandoned, cancelled) stay queryable through
    /// [`Engine::engagement`](crate::Engine::engagement), oldest forgotten first. The default
    /// is 0: the terminal output (call log) is the record and the server's store keeps
    /// history; forgetting at once is also the cheapest (the memory is still in cache). While
    /// an engagement is known its id cannot be reused.
    pub retain_finished: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            missed_offers_limit: 3,
            missed_reason_code: "missed".to_owned(),
            service_level_window_ms: 30 * 60 * 1000,
            retain_finished: 0,
        }
    }
}

/// How a queue picks among the agents who could take an engagement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Strategy {
    /// The agent idle longest: since they last finished a live part or became Ready.
    #[default]
    LongestIdle,
    /// The agent this queue offered to least recently (never offered counts as oldest).
    RoundRobin,
    /// The highest sum of the agent's levels in the skills the queue names in its first
    /// step; ties go to the longest idle.
    MostSkilled,
}

/// One step of a queue's skill requirements: `require` holds for `for_ms` after the
/// engagement entered the queue (counted from the end of the previous step), then the next
/// step applies. The last step has no `for_ms` and holds for ever.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillStep {
    /// Skill name → minimum level (1..=10). Empty: any agent of the queue.
    #[serde(default)]
    pub require: BTreeMap<String, u8>,
    #[serde(default)]
    pub for_ms: Option<i64>,
}

/// What happens to an engagement that has waited `after_ms` in a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MaxWait {
    pub after_ms: i64,
    pub then: MaxWaitOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum MaxWaitOutcome {
    /// Move to the back of its priority level in another queue of the same channel.
    Overflow { queue: String },
    /// End the engagement as abandoned.
    Abandon,
}

/// An outcome an agent can choose at wrap-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disposition {
    pub id: String,
    pub name: String,
}

/// A queue: where engagements of one channel wait, with its routing rules and wrap-up policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueConfig {
    pub name: String,
    /// Fixed once the queue exists.
    pub channel: Channel,
    #[serde(default)]
    pub strategy: Strategy,
    /// Requirements that relax over time; each step must be a relaxation of the one before
    /// (drop skills or lower levels). Empty: any agent of the queue.
    #[serde(default)]
    pub skill_steps: Vec<SkillStep>,
    #[serde(default = "default_ring_timeout_ms")]
    pub ring_timeout_ms: i64,
    #[serde(default)]
    pub max_wait: Option<MaxWait>,
    /// Wrap-up time before the engine closes it with the default disposition; `None`: the
    /// agent closes it.
    #[serde(default)]
    pub wrap_up_ms: Option<i64>,
    #[serde(default)]
    pub dispositions: Vec<Disposition>,
    #[serde(default)]
    pub default_disposition: Option<String>,
    /// An engagement accepted within this time of entering the queue counts as answered
    /// within the service level.
    #[serde(default = "default_service_level_ms")]
    pub service_level_ms: i64,
}

fn default_ring_timeout_ms() -> i64 {
    20_000
}

fn default_service_level_ms() -> i64 {
    20_000
}

impl QueueConfig {
    /// A queue with the defaults: longest idle, no skill requirements, 20 s ring, no maximum
    /// wait, no wrap-up timer, no dispositions, 20 s service level.
    pub fn new(name: impl Into<String>, channel: Channel) -> Self {
        QueueConfig {
            name: name.into(),
            channel,
            strategy: Strategy::default(),
            skill_steps: Vec::new(),
            ring_timeout_ms: default_ring_timeout_ms(),
            max_wait: None,
            wrap_up_ms: None,
            dispositions: Vec::new(),
            default_disposition: None,
            service_level_ms: default_service_level_ms(),
        }
    }

    /// The disposition with this id.
    pub fn disposition(&self, id: &str) -> Option<&Disposition> {
        self.dispositions.iter().find(|d| d.id == id)
    }

    /// Checks everything that does not need other queues; the message says what is wrong.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.ring_timeout_ms <= 0 {
            return Err(format!("ringTimeoutMs must be positive, not {}", self.ring_timeout_ms));
        }
        if self.service_level_ms <= 0 {
            return Err(format!(
                "serviceLevelMs must be positive, not {}",
                self.service_level_ms
            ));
        }
        if let Some(w) = self.wrap_up_ms.filter(|w| *w <= 0) {
            return Err(format!("wrapUpMs must be positive (or absent for no timer), not {w}"));
        }
        if let Some(mw) = self.max_wait.as_ref().filter(|mw| mw.after_ms <= 0) {
            return Err(format!("maxWait.afterMs must be positive, not {}", mw.after_ms));
        }
        self.validate_steps()?;
        let mut ids = BTreeSet::new();
        for d in &self.dispositions {
            if d.id.is_empty() {
                return Err("a disposition has an empty id".to_owned());
            }
            if !ids.insert(d.id.as_str()) {
                return Err(format!("disposition id {:?} appears twice", d.id));
            }
        }
        if let Some(default) = &self.default_disposition
            && self.disposition(default).is_none()
        {
            return Err(format!(
                "defaultDisposition {default:?} is not one of the queue's dispositions"
            ));
        }
        Ok(())
    }

    fn validate_steps(&self) -> Result<(), String> {
        let last = self.skill_steps.len().saturating_sub(1);
        for (i, step) in self.skill_steps.iter().enumerate() {
            match (i == last, step.for_ms) {
                (true, Some(_)) => {
                    return Err(format!("the last skill step ({i}) holds for ever: drop its forMs"));
                }
                (false, None) => {
                    return Err(format!("skill step {i} needs forMs: only the last step holds for ever"));
                }
                (false, Some(ms)) if ms <= 0 => {
                    return Err(format!("skill step {i}: forMs must be positive, not {ms}"));
                }
                _ => {}
            }
            for (skill, level) in &step.require {
                if !(1..=10).contains(level) {
                    return Err(format!("skill step {i}: {skill} level {level} is outside 1..=10"));
                }
            }
            if i > 0 {
                let before = &self.skill_steps[i - 1].require;
                for (skill, level) in &step.require {
                    if before.get(skill).is_none_or(|b| level > b) {
                        return Err(format!(
                            "skill step {i} must relax step {}: it may only drop skills or lower levels, but it requires {skill}>={level}",
                            i - 1
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// How many steps routing distinguishes (at least one, with no requirement).
    pub(crate) fn step_count(&self) -> usize {
        self.skill_steps.len().max(1)
    }

    /// The requirement of step `step`; empty for the implicit single step.
    pub(crate) fn requirement(&self, step: usize) -> Option<&BTreeMap<String, u8>> {
        self.skill_steps.get(step).map(|s| &s.require)
    }

    /// When each step after the first begins, in ms after entering the queue.
    pub(crate) fn step_starts(&self) -> Vec<i64> {
        let mut at = 0;
        let mut starts = Vec::new();
        for step in &self.skill_steps {
            if let Some(ms) = step.for_ms {
                at += ms;
                starts.push(at);
            }
        }
        starts
    }
}

/// How many engagements of each channel an agent may hold at once (offered, live or in
/// wrap-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Capacity {
    pub voice: u32,
    pub video: u32,
    pub chat: u32,
    pub sms: u32,
    pub work_item: u32,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            voice: 1,
            video: 1,
            chat: 3,
            sms: 5,
            work_item: 2,
        }
    }
}

impl Capacity {
    pub fn get(&self, channel: Channel) -> u32 {
        match channel {
            Channel::Voice => self.voice,
            Channel::Video => self.video,
            Channel::Chat => self.chat,
            Channel::Sms => self.sms,
            Channel::WorkItem => self.work_item,
        }
    }
}

/// An agent's routing profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentConfig {
    pub name: String,
    /// Skill name → level (1..=10).
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
    #[serde(default)]
    pub capacity: Capacity,
    /// Ids of the queues this agent serves.
    #[serde(default)]
    pub queues: BTreeSet<String>,
}

impl AgentConfig {
    pub(crate) fn validate(&self) -> Result<(), String> {
        for (skill, level) in &self.skills {
            if !(1..=10).contains(level) {
                return Err(format!("skill {skill} level {level} is outside 1..=10"));
            }
        }
        Ok(())
    }
}
