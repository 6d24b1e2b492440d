//! Queues and the two indexes that make routing cheap.
//!
//! - **Waiting engagements** are kept per priority level, oldest first (by arrival sequence,
//!   not time, so two arrivals in the same millisecond keep their order). Within one level the
//!   oldest engagement has been in the queue longest, so its skill requirement is the most
//!   relaxed one: an agent who cannot take the head of a level can take nothing in it. An
//!   available agent therefore looks only at the head of each level, and only heads need a
//!   timer for their next skill step: when a later engagement relaxes, the head has already
//!   relaxed at least as far, so an agent who could take the later one would have taken the
//!   head. Likewise only the engagement that entered first can be the next to reach the
//!   maximum wait. So each queue has one timer (its *wake*), not one per engagement.
//! - **Available agents** — those who can take an offer on the queue's channel right now — are
//!   kept ordered by the queue's strategy key, in one set per skill step: the set of the first
//!   step they meet (they meet every later one too). For an engagement at step `s` the agent
//!   to offer to is the best of the first entries of sets `0..=s`: a few lookups, and each
//!   agent is filed once per queue.
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

/// A waiting engagement as its queue files it: key and queue entry time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Waiting {
    pub key: u64,
    pub entered: i64,
}

/// One priority level of waiting engagements, by arrival sequence.
#[derive(Debug, Clone, Default)]
pub(crate) struct Level {
    /// Open to every eligible agent of the queue.
    pub general: BTreeMap<u64, Waiting>,
    /// Direct-to-agent: routed through the target agent, listed here for order, maximum
    /// wait and stats.
    pub direct: BTreeMap<u64, Waiting>,
}

#[derive(Debug, Clone)]
pub(crate) struct Queue {
    pub st: QueueState,
    /// When each step after the first begins, in ms after entering the queue.
    pub step_starts: Vec<i64>,
    pub waiting: BTreeMap<Reverse<i32>, Level>,
    /// Per skill step: agents who can take an offer now and whose first step it is.
    pub ready: Vec<BTreeSet<AgentRank>>,
    /// Agent slots serving the queue.
    pub members: BTreeSet<u32>,
    /// When the queue's timer is set to fire, if it is.
    pub wake: Option<i64>,
}

impl Queue {
    pub fn new(st: QueueState) -> Self {
        let mut queue = Queue {
            st,
            step_starts: Vec::new(),
            waiting: BTreeMap::new(),
            ready: Vec::new(),
            members: BTreeSet::new(),
            wake: None,
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

    /// The best available agent for an engagement at `step`, passing over `avoid` when
    /// someone else can take it, and how many agents could.
    pub fn best_ready(&self, step: usize, avoid: Option<u32>) -> Option<(AgentRank, usize)> {
        let groups = &self.ready[..=step];
        let best = |skip: Option<u32>| {
            groups
                .iter()
                .filter_map(|g| g.iter().find(|r| Some(r.2) != skip))
                .min()
                .copied()
        };
        let chosen = best(avoid).or_else(|| best(None))?;
        Some((chosen, groups.iter().map(BTreeSet::len).sum()))
    }

    /// Agents who could take an offer of this queue now (meeting at least its last step).
    pub fn available(&self) -> usize {
        self.ready.iter().map(BTreeSet::len).sum()
    }

    pub fn insert_waiting(&mut self, priority: i32, seq: u64, waiting: Waiting, direct: bool) {
        let level = self.waiting.entry(Reverse(priority)).or_default();
        let side = if direct { &mut level.direct } else { &mut level.general };
        side.insert(seq, waiting);
    }

    /// Takes an engagement out of the order; returns the key of its level's new head when it
    /// was the head (the new head may be routable now).
    pub fn remove_waiting(&mut self, priority: i32, seq: u64, direct: bool) -> Option<u64> {
        let level = self.waiting.get_mut(&Reverse(priority))?;
        if direct {
            level.direct.remove(&seq);
        } else {
            let was_head = level.general.first_key_value().is_some_and(|(s, _)| *s == seq);
            level.general.remove(&seq);
            if was_head && let Some((_, next)) = level.general.first_key_value() {
                return Some(next.key);
            }
        }
        if level.general.is_empty() && level.direct.is_empty() {
            self.waiting.remove(&Reverse(priority));
        }
        None
    }

    /// The head of each priority level open to all.
    pub fn heads(&self) -> impl Iterator<Item = (Reverse<i32>, u64, Waiting)> + '_ {
        self.waiting
            .iter()
            .filter_map(|(p, level)| level.general.first_key_value().map(|(seq, w)| (*p, *seq, *w)))
    }

    /// Waiting engagement keys in routing order: priority, then arrival.
    pub fn order(&self) -> Vec<u64> {
        let mut keys = Vec::new();
        for level in self.waiting.values() {
            let mut all: Vec<(u64, u64)> = level
                .general
                .iter()
                .chain(&level.direct)
                .map(|(s, w)| (*s, w.key))
                .collect();
            all.sort_unstable();
            keys.extend(all.into_iter().map(|(_, k)| k));
        }
        keys
    }

    pub fn waiting_count(&self) -> usize {
        self.waiting.values().map(|l| l.general.len() + l.direct.len()).sum()
    }

    /// The engagement that entered the queue first (entry times follow arrival sequence).
    pub fn oldest(&self) -> Option<Waiting> {
        self.waiting
            .values()
            .flat_map(|l| {
                l.general
                    .first_key_value()
                    .into_iter()
                    .chain(l.direct.first_key_value())
            })
            .min()
            .map(|(_, w)| *w)
    }

    /// When the queue next needs attention after `now`: a head reaching its next skill step,
    /// or the oldest engagement reaching the maximum wait (even if already past).
    pub fn next_wake(&self, now: i64) -> Option<i64> {
        let max_wait = self
            .config()
            .max_wait
            .as_ref()
            .and_then(|mw| self.oldest().map(|w| w.entered + mw.after_ms));
        let steps = self.heads().filter_map(|(_, _, w)| {
            self.step_starts
                .iter()
                .map(|start| w.entered + start)
                .find(|at| *at > now)
        });
        max_wait.into_iter().chain(steps).min()
    }

    /// Records an engagement that stopped waiting, forgetting samples older than `window`.
    pub fn record_service(&mut self, sample: ServiceSample, window: i64) {
        while self.st.service.front().is_some_and(|s| s.at <= sample.at - window) {
            self.st.service.pop_front();
        }
        self.st.service.push_back(sample);
    }
}
