//! Agents: who they are, the status they chose, and what they hold right now.
//!
//! [`Agent`] is the durable part (what a snapshot stores). [`Load`] is derived from the
//! engagements the agent holds and rebuilt on restore; it answers the one question routing
//! asks all the time — can this agent take another engagement on this channel? — without
//! looking at the engagements themselves.

use std::collections::{BTreeMap, BTreeSet};

use callbar_protocol::Channel;
use serde::{Deserialize, Serialize};

use crate::{AgentConfig, ReportedStatus};

/// The status an agent chooses. Occupied is never chosen: it is derived (see
/// [`ReportedStatus`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum AgentStatus {
    Ready,
    NotReady { code: String },
    Offline,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: String,
    pub config: AgentConfig,
    pub status: AgentStatus,
    /// Whether the agent's embed is connected; a disconnected agent gets no offers.
    pub connected: bool,
    /// Since when the agent is idle: when they last finished a live part or became Ready.
    pub idle_since: i64,
    /// Offers that rang out in a row.
    pub consecutive_missed: u32,
    /// Per round-robin queue: the queue's counter at this agent's last offer from it.
    pub(crate) round_robin: BTreeMap<String, u64>,
}

/// Index of a channel in per-channel arrays.
pub(crate) fn ch(channel: Channel) -> usize {
    match channel {
        Channel::Voice => 0,
        Channel::Video => 1,
        Channel::Chat => 2,
        Channel::Sms => 3,
        Channel::WorkItem => 4,
    }
}

/// Voice and video hold the agent's full attention.
fn is_exclusive(channel: Channel) -> bool {
    matches!(channel, Channel::Voice | Channel::Video)
}

/// What an agent holds, derived from engagements.
#[derive(Debug, Clone, Default)]
pub(crate) struct Load {
    /// Offered, live and wrap-up engagements (engine keys).
    pub engagements: BTreeSet<u64>,
    /// Per channel: offered + live + wrap-up.
    pub used: [u32; 5],
    /// Per channel: offered + live (only voice and video matter).
    pub attention: [u32; 5],
    /// Live engagements on any channel.
    pub live: u32,
}

impl Load {
    /// An offer takes a slot (and, on voice or video, the agent's attention).
    pub fn offer(&mut self, key: u64, channel: Channel) {
        self.engagements.insert(key);
        self.used[ch(channel)] += 1;
        if is_exclusive(channel) {
            self.attention[ch(channel)] += 1;
        }
    }

    /// An offer ended without an accept.
    pub fn withdraw_offer(&mut self, key: u64, channel: Channel) {
        self.engagements.remove(&key);
        self.used[ch(channel)] -= 1;
        if is_exclusive(channel) {
            self.attention[ch(channel)] -= 1;
        }
    }

    pub fn go_live(&mut self) {
        self.live += 1;
    }

    /// The live part ended: wrap-up keeps the slot but not the attention.
    pub fn end_live(&mut self, channel: Channel) {
        self.live -= 1;
        if is_exclusive(channel) {
            self.attention[ch(channel)] -= 1;
        }
    }

    /// Wrap-up closed: the slot is free.
    pub fn close(&mut self, key: u64, channel: Channel) {
        self.engagements.remove(&key);
        self.used[ch(channel)] -= 1;
    }

    /// A live or offered voice or video engagement blocks every other channel.
    pub fn blocks(&self, channel: Channel) -> bool {
        (channel != Channel::Voice && self.attention[ch(Channel::Voice)] > 0)
            || (channel != Channel::Video && self.attention[ch(Channel::Video)] > 0)
    }
}

impl Agent {
    pub(crate) fn new(id: String, config: AgentConfig, now: i64) -> Self {
        Agent {
            id,
            config,
            status: AgentStatus::Offline,
            connected: false,
            idle_since: now,
            consecutive_missed: 0,
            round_robin: BTreeMap::new(),
        }
    }

    /// What to announce: Occupied while any engagement is live.
    pub(crate) fn reported(&self, load: &Load) -> ReportedStatus {
        if load.live > 0 {
            return ReportedStatus::Occupied;
        }
        match &self.status {
            AgentStatus::Ready => ReportedStatus::Ready,
            AgentStatus::NotReady { code } => ReportedStatus::NotReady { code: code.clone() },
            AgentStatus::Offline => ReportedStatus::Offline,
        }
    }

    /// Free slots on a channel (0 when over capacity after a profile change).
    pub(crate) fn free(&self, load: &Load, channel: Channel) -> u32 {
        self.config.capacity.get(channel).saturating_sub(load.used[ch(channel)])
    }

    /// Whether a new offer on `channel` may go to this agent now.
    pub(crate) fn can_take(&self, load: &Load, channel: Channel) -> bool {
        self.status == AgentStatus::Ready && self.connected && self.has_room(load, channel)
    }

    /// The capacity half of [`can_take`](Self::can_take): a free slot on `channel` and no
    /// live or offered voice/video engagement on another channel. A dial needs this too, but
    /// not Ready (an agent who is Not Ready may still place a call).
    pub(crate) fn has_room(&self, load: &Load, channel: Channel) -> bool {
        self.free(load, channel) > 0 && !load.blocks(channel)
    }

    /// One bit per channel the agent can take an offer on.
    pub(crate) fn availability(&self, load: &Load) -> u8 {
        Channel::ALL
            .into_iter()
            .filter(|c| self.can_take(load, *c))
            .fold(0, |bits, c| bits | 1 << ch(c))
    }

    /// The first step of a queue whose requirement this agent meets (they meet every later
    /// one too, because steps only relax); `None` if they meet none.
    pub(crate) fn first_step(&self, queue: &crate::QueueConfig) -> Option<usize> {
        (0..queue.step_count()).find(|s| {
            queue.requirement(*s).is_none_or(|req| {
                req.iter()
                    .all(|(skill, min)| self.config.skills.get(skill).is_some_and(|l| l >= min))
            })
        })
    }

    /// The most-skilled score for a queue: the agent's levels in the skills its first step
    /// names.
    pub(crate) fn skill_score(&self, queue: &crate::QueueConfig) -> u32 {
        queue.requirement(0).map_or(0, |req| {
            req.keys()
                .map(|skill| u32::from(self.config.skills.get(skill).copied().unwrap_or(0)))
                .sum()
        })
    }
}
