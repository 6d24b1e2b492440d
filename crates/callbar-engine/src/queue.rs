//! Queues and the two indexes that make routing cheap.
//!
//! - **Waiting engagements** are kept per priority level, oldest first (by arrival sequence,
//!   not time, so two arrivals in the same millisecond keep their order). Within one level the
//!   oldest engagement has been in the queue longest, so its skill requirement is the most
//!   relaxed one: an agent who cannot take the head of a level can take nothing in it. An
//!   available agent therefore looks only at the head of each level.
//! - **Available agents** are kept per skill step, ordered by the queue's strategy key, holding
//!   only agents who can take an offer on the queue's channel right now and meet that step.
//!   The first entry is the agent to offer to.
//!
//! Both are derived state: a snapshot stores [`QueueState`] and the indexes are rebuilt.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::QueueConfig;

/// An agent's place in a step index: strategy key (smaller first), then agent slot.
pub(crate) type AgentRank = (i64, i64, u32);

/// A waiting engagement's place in the global order: higher priority, then older.
pub(crate) type Rank = (Reverse<i32>, u64);

/// The durable part of a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueueState {
    pub id: String,
    pub config: QueueConfig,
    /// Counts round-robin offers; an agent's position is the value at their last offer.
    pub rr_clock: u64,
    /// Answered and unanswered engagements, oldest first, for the service level.
    pub service: VecDeque<ServiceSample>,
}

/// One engagement that stopped waiting in this queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSample {
    pub at: i64,
    pub wait_ms: i64,
    /// Accepted; otherwise abandoned or moved on at maximum wait.
    pub answered: bool,
}

/// One priority level of waiting engagements: arrival sequence → engagement key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Level {
    /// Open to every eligible agent of the queue.
    pub general: BTreeMap<u64, u64>,
    /// Direct-to-agent: routed through the target agent, listed here for order and stats.
    pub direct: BTreeMap<u64, u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Queue {
    pub st: QueueState,
    /// When each step after the first begins, in ms after entering the queue.
    pub step_starts: Vec<i64>,
    pub waiting: BTreeMap<Reverse<i32>, Level>,
    /// Per step: agents who can take an offer now and meet the step.
    pub ready: Vec<BTreeSet<AgentRank>>,
    /// Agent slots serving the queue.
    pub members: BTreeSet<u32>,
}

impl Queue {
    pub fn new(st: QueueState) -> Self {
        let mut queue = Queue {
            st,
            step_starts: Vec::new(),
            waiting: BTreeMap::new(),
            ready: Vec::new(),
            members: BTreeSet::new(),
        };
        queue.reset_steps();
        queue
    }

    pub fn config(&self) -> &QueueConfig {
        &self.st.config
    }

    /// Recomputes step timing and empties the step indexes (after a config change).
    pub fn reset_steps(&mut self) {
        self.step_starts = self.st.config.step_starts();
        self.ready = vec![BTreeSet::new(); self.st.config.step_count()];
    }

    /// The skill step of an engagement that entered the queue `elapsed` ms ago.
    pub fn step_at(&self, elapsed: i64) -> usize {
        self.step_starts.partition_point(|start| *start <= elapsed)
    }

    pub fn insert_waiting(&mut self, priority: i32, seq: u64, key: u64, direct: bool) {
        let level = self.waiting.entry(Reverse(priority)).or_default();
        let side = if direct {
            &mut level.direct
        } else {
            &mut level.general
        };
        side.insert(seq, key);
    }

    pub fn remove_waiting(&mut self, priority: i32, seq: u64, direct: bool) {
        if let Some(level) = self.waiting.get_mut(&Reverse(priority)) {
            let side = if direct {
                &mut level.direct
            } else {
                &mut level.general
            };
            side.remove(&seq);
            if level.general.is_empty() && level.direct.is_empty() {
                self.waiting.remove(&Reverse(priority));
            }
        }
    }

    /// Waiting engagement keys in routing order: priority, then arrival.
    pub fn order(&self) -> Vec<u64> {
        let mut keys = Vec::new();
        for level in self.waiting.values() {
            let mut all: Vec<(u64, u64)> = level
                .general
                .iter()
                .chain(&level.direct)
                .map(|(s, k)| (*s, *k))
                .collect();
            all.sort_unstable();
            keys.extend(all.into_iter().map(|(_, k)| k));
        }
        keys
    }

    pub fn waiting_count(&self) -> usize {
        self.waiting
            .values()
            .map(|l| l.general.len() + l.direct.len())
            .sum()
    }

    /// The key of the engagement that entered the queue first.
    pub fn oldest(&self) -> Option<u64> {
        self.waiting
            .values()
            .flat_map(|l| {
                l.general
                    .first_key_value()
                    .into_iter()
                    .chain(l.direct.first_key_value())
            })
            .min()
            .map(|(_, key)| *key)
    }

    /// Records an engagement that stopped waiting, forgetting samples older than `window`.
    pub fn record_service(&mut self, sample: ServiceSample, window: i64) {
        while self
            .st
            .service
            .front()
            .is_some_and(|s| s.at <= sample.at - window)
        {
            self.st.service.pop_front();
        }
        self.st.service.push_back(sample);
    }
}
