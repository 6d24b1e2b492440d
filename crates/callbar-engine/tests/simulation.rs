//! Seeded simulation: thousands of agents and engagements under random traffic, with the
//! engine's invariants checked after every step against an independent model.
//!
//! Each seed builds a random contact center (12 queues over every channel, with skill steps,
//! strategies, ring timeouts, maximum waits with overflow or abandon, wrap-up timers) and
//! 2,000 agents, then runs random steps: arrivals, outbound calls agents dial (most under a
//! voice queue they serve, some refused for a reason the model predicts, some malformed),
//! status changes, connects and disconnects,
//! accepts, rejects, ring timeouts, ends, customer abandons, cancels, notes, dispositions,
//! variables, wrap-up closes (by agents and timers), profile and queue changes, agent
//! removal, deliberately invalid commands, and restarts of the engine — from the command log
//! (replayed into a fresh engine and compared snapshot for snapshot) and from a JSON snapshot
//! (which then becomes the base of a compacted log). Ticks are sent at each deadline, before
//! any later command, as the server does; ticks that return nothing are not logged.
//!
//! The model follows the engine only through outputs and its own rules, and after every step
//! checks:
//! - **one offer at a time**: an engagement is offered only while the model has it queued;
//! - **capacity**: every offer goes to a Ready, connected agent with a free slot on the channel
//!   and no offered or live voice/video engagement on another channel;
//! - **eligibility**: the agent serves the queue and meets the skill step the engagement has
//!   reached (or is the direct target);
//! - **order**: for every offer made in the step to agent A on channel C, no engagement still
//!   waiting that A could take on C ranks before it (higher priority, or same priority and
//!   earlier arrival in its queue);
//! - **work conservation**: after the step, no waiting engagement has an agent who is Ready,
//!   connected, with a free unblocked slot on its channel, serves its queue and meets its
//!   current step (for direct engagements: the target);
//! - **nothing lost**: every engagement is in exactly one state, the engine's state equals the
//!   model's (touched ones every step, all of them every 250 steps and at the end), queue
//!   orders match, agents' status, reported status and held engagements match (odd seeds
//!   keep finished engagements queryable; even seeds use the default of forgetting them, and
//!   then only finished ones may be unknown);
//! - **terminal is terminal**: no output moves a closed, abandoned or cancelled engagement,
//!   and commands on them are refused and change nothing;
//! - **one call log**: every engagement that went live and finished yields exactly one
//!   `Closed`, and no `Abandoned` or `Cancelled`; one that never went live yields no `Closed`;
//!   its direction is outbound exactly for dialled ones, which were never offered;
//! - **dials**: a dial succeeds exactly when the model says the agent may place a call
//!   (connected, not Offline, serves the voice queue, a free voice slot and no offered or live
//!   video), is live at once (never queued or offered), and leaves the queue's answered and
//!   abandoned counts alone — as does the end of any live part;
//! - **one call at a time**: no agent ever has two live voice/video engagements (every
//!   agent here has voice capacity 1 and video at most 1);
//! - **refusals change nothing** and **empty ticks change nothing** (sampled, comparing
//!   snapshots);
//! - **replay and restore** give exactly the live engine's snapshot.
//!
//! On failure the seed and step are printed; replay with `SIM_SEED=<seed>`.
//! `SIM_SEEDS=<n>` runs seeds 1..=n (default 2: one of each retention mode),
//! `SIM_STEPS=<n>` sets the steps per seed (default 12,000) and `SIM_AGENTS=<n>` the agents
//! (default 2,000).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};

use callbar_engine::{
    AgentConfig, AgentStatus, Capacity, Command, Customer, Disposition, Engine, EngineConfig, MaxWait, MaxWaitOutcome,
    NewEngagement, OfferEndReason, Output, QueueConfig, ReportedStatus, SkillStep, Snapshot, Strategy,
};
use callbar_protocol::{Channel, Direction};

const MISSED_LIMIT: u32 = 3;
const MISSED_CODE: &str = "missed";
const LANGUAGES: [&str; 3] = ["spanish", "french", "german"];

#[test]
fn simulation() {
    let steps = env_usize("SIM_STEPS").unwrap_or(12_000);
    let agents = env_usize("SIM_AGENTS").unwrap_or(2_000);
    let seeds: Vec<u64> = match env_usize("SIM_SEED") {
        Some(seed) => vec![seed as u64],
        None => (1..=env_usize("SIM_SEEDS").unwrap_or(2) as u64).collect(),
    };
    for seed in seeds {
        let result = catch_unwind(AssertUnwindSafe(|| Sim::new(seed, agents).run(steps)));
        match result {
            Ok(Ok(summary)) => eprintln!("seed {seed}: {summary}"),
            Ok(Err(failure)) => panic!("simulation failed: {failure}\nreplay with SIM_SEED={seed}"),
            Err(_) => panic!("simulation panicked with seed {seed}; replay with SIM_SEED={seed}"),
        }
    }
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name} must be a number")))
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A set with O(1) random choice.
#[derive(Default)]
struct Bag {
    items: Vec<String>,
    index: HashMap<String, usize>,
}

impl Bag {
    fn insert(&mut self, id: &str) {
        if !self.index.contains_key(id) {
            self.index.insert(id.to_owned(), self.items.len());
            self.items.push(id.to_owned());
        }
    }

    fn remove(&mut self, id: &str) {
        if let Some(i) = self.index.remove(id) {
            self.items.swap_remove(i);
            if let Some(moved) = self.items.get(i) {
                self.index.insert(moved.clone(), i);
            }
        }
    }

    fn pick(&self, rng: &mut Rng) -> Option<String> {
        (!self.items.is_empty()).then(|| self.items[rng.below(self.items.len() as u64) as usize].clone())
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Queued,
    Offered(String),
    Live(String),
    WrapUp(String),
    /// Between an offer's end (or an overflow) and where the engagement goes next, within
    /// one step.
    Between,
    Closed,
    Abandoned,
    Cancelled,
}

impl Phase {
    fn bag(&self) -> Option<usize> {
        match self {
            Phase::Queued => Some(0),
            Phase::Offered(_) => Some(1),
            Phase::Live(_) => Some(2),
            Phase::WrapUp(_) => Some(3),
            Phase::Closed | Phase::Abandoned | Phase::Cancelled => Some(4),
            Phase::Between => None,
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self, Phase::Closed | Phase::Abandoned | Phase::Cancelled)
    }
}

struct ModelEngagement {
    queue: String,
    channel: Channel,
    priority: i32,
    seq: u64,
    entered: i64,
    target: Option<String>,
    phase: Phase,
    went_live: bool,
    /// Placed by an agent with `Dial`: outbound, never queued or offered.
    dialed: bool,
    closed_logs: u32,
    terminal_outputs: u32,
    /// When the offer rings out, or the wrap-up timer closes it.
    deadline: Option<i64>,
}

impl ModelEngagement {
    fn rank(&self) -> (Reverse<i32>, u64) {
        (Reverse(self.priority), self.seq)
    }
}

struct ModelAgent {
    config: AgentConfig,
    status: AgentStatus,
    connected: bool,
    missed: u32,
    /// Engagement → (channel, live or offered: holds attention).
    held: BTreeMap<String, (Channel, Phase)>,
    /// Queue → first skill step the agent meets.
    first_step: BTreeMap<String, Option<usize>>,
}

impl ModelAgent {
    fn used(&self, channel: Channel) -> u32 {
        self.held.values().filter(|(c, _)| *c == channel).count() as u32
    }

    fn blocked(&self, channel: Channel) -> bool {
        self.held.values().any(|(c, phase)| {
            matches!(c, Channel::Voice | Channel::Video)
                && *c != channel
                && matches!(phase, Phase::Offered(_) | Phase::Live(_))
        })
    }

    fn can_take(&self, channel: Channel) -> bool {
        self.status == AgentStatus::Ready
            && self.connected
            && self.used(channel) < self.config.capacity.get(channel)
            && !self.blocked(channel)
    }

    /// Whether the agent may place a call logged under voice queue `queue`: the offer's
    /// capacity rule on voice, but Not Ready will do and skills do not matter.
    fn can_dial(&self, queue: &str) -> bool {
        self.dial_refusal(queue).is_none()
    }

    /// Why the engine must refuse the agent's dial under `queue`, if it must.
    fn dial_refusal(&self, queue: &str) -> Option<&'static str> {
        if !self.config.queues.contains(queue) {
            Some("dials refused: not their queue")
        } else if !self.connected {
            Some("dials refused: disconnected")
        } else if self.status == AgentStatus::Offline {
            Some("dials refused: offline")
        } else if self.used(Channel::Voice) >= self.config.capacity.get(Channel::Voice) || self.blocked(Channel::Voice)
        {
            Some("dials refused: no room")
        } else {
            None
        }
    }

    /// Live voice and video engagements: at most one at a time.
    fn live_calls(&self) -> usize {
        self.held
            .values()
            .filter(|(c, p)| matches!(c, Channel::Voice | Channel::Video) && matches!(p, Phase::Live(_)))
            .count()
    }

    fn reported(&self) -> ReportedStatus {
        if self.held.values().any(|(_, p)| matches!(p, Phase::Live(_))) {
            return ReportedStatus::Occupied;
        }
        match &self.status {
            AgentStatus::Ready => ReportedStatus::Ready,
            AgentStatus::NotReady { code } => ReportedStatus::NotReady { code: code.clone() },
            AgentStatus::Offline => ReportedStatus::Offline,
        }
    }
}

/// The model's rule for skill steps: the first step whose requirement the agent meets.
fn first_step(agent: &AgentConfig, queue: &QueueConfig) -> Option<usize> {
    if queue.skill_steps.is_empty() {
        return Some(0);
    }
    queue.skill_steps.iter().position(|step| {
        step.require
            .iter()
            .all(|(skill, min)| agent.skills.get(skill).is_some_and(|level| level >= min))
    })
}

/// The step an engagement has reached `elapsed` ms after entering the queue.
fn step_at(queue: &QueueConfig, elapsed: i64) -> usize {
    let mut start = 0;
    let mut step = 0;
    for s in &queue.skill_steps {
        let Some(ms) = s.for_ms else { break };
        start += ms;
        if elapsed >= start {
            step += 1;
        }
    }
    step
}

struct Model {
    queues: BTreeMap<String, QueueConfig>,
    agents: BTreeMap<String, ModelAgent>,
    engagements: BTreeMap<String, ModelEngagement>,
    /// Per queue: waiting engagements open to all, in routing order.
    waiting: BTreeMap<String, BTreeSet<(Reverse<i32>, u64, String)>>,
    /// Per queue: waiting engagements open to all, by arrival (the first has waited longest
    /// and so reached the most relaxed step).
    by_arrival: BTreeMap<String, BTreeSet<(u64, String)>>,
    /// Waiting direct-to-agent engagements.
    direct: BTreeSet<String>,
    /// Agents who are Ready and connected.
    ready: BTreeSet<String>,
    bags: [Bag; 5],
    next_seq: u64,
}

impl Model {
    fn set_phase(&mut self, id: &str, phase: Phase) {
        let e = self.engagements.get_mut(id).expect("known engagement");
        if let Some(bag) = e.phase.bag() {
            self.bags[bag].remove(id);
        }
        if e.phase == Phase::Queued {
            if e.target.is_some() {
                self.direct.remove(id);
            } else {
                self.waiting
                    .get_mut(&e.queue)
                    .unwrap()
                    .remove(&(Reverse(e.priority), e.seq, id.to_owned()));
                self.by_arrival
                    .get_mut(&e.queue)
                    .unwrap()
                    .remove(&(e.seq, id.to_owned()));
            }
        }
        if phase == Phase::Queued {
            if e.target.is_some() {
                self.direct.insert(id.to_owned());
            } else {
                self.waiting
                    .get_mut(&e.queue)
                    .unwrap()
                    .insert((Reverse(e.priority), e.seq, id.to_owned()));
                self.by_arrival
                    .get_mut(&e.queue)
                    .unwrap()
                    .insert((e.seq, id.to_owned()));
            }
        }
        if let Some(bag) = phase.bag() {
            self.bags[bag].insert(id);
        }
        e.phase = phase;
    }

    fn refresh_ready(&mut self, agent: &str) {
        match self.agents.get(agent) {
            Some(a) if a.status == AgentStatus::Ready && a.connected => self.ready.insert(agent.to_owned()),
            _ => self.ready.remove(agent),
        };
    }

    fn refresh_first_steps(&mut self, agent: &str) {
        let a = self.agents.get_mut(agent).unwrap();
        a.first_step = a
            .config
            .queues
            .iter()
            .map(|q| (q.clone(), first_step(&a.config, &self.queues[q])))
            .collect();
    }

    fn step_of(&self, e: &ModelEngagement, now: i64) -> usize {
        step_at(&self.queues[&e.queue], now - e.entered)
    }

    /// Whether `agent` could be offered `e` now, capacity aside.
    fn eligible(&self, agent: &str, e: &ModelEngagement, now: i64) -> bool {
        match &e.target {
            Some(target) => target == agent,
            None => self.agents[agent]
                .first_step
                .get(&e.queue)
                .copied()
                .flatten()
                .is_some_and(|first| first <= self.step_of(e, now)),
        }
    }
}

struct Offer {
    engagement: String,
    agent: String,
}

struct Sim {
    seed: u64,
    rng: Rng,
    now: i64,
    step: usize,
    engine: Engine,
    config: EngineConfig,
    /// The compaction base and the commands logged since.
    base: Option<Snapshot>,
    log: Vec<(i64, Command)>,
    model: Model,
    agent_ids: Vec<String>,
    queue_ids: Vec<String>,
    next_engagement: u64,
    counts: BTreeMap<&'static str, u64>,
    touched_engagements: BTreeSet<String>,
    touched_agents: BTreeSet<String>,
    offers: Vec<Offer>,
    announced: BTreeMap<String, ReportedStatus>,
    next_restart: usize,
}

type Check = Result<(), String>;

impl Sim {
    fn new(seed: u64, agents: usize) -> Sim {
        let config = EngineConfig {
            missed_offers_limit: MISSED_LIMIT,
            missed_reason_code: MISSED_CODE.to_owned(),
            // Odd seeds keep finished engagements queryable; even seeds forget them at once.
            retain_finished: if seed % 2 == 1 { usize::MAX } else { 0 },
            ..EngineConfig::default()
        };
        Sim {
            seed,
            rng: Rng(seed),
            now: 1_700_000_000_000,
            step: 0,
            engine: Engine::new(config.clone()),
            config,
            base: None,
            log: Vec::new(),
            model: Model {
                queues: BTreeMap::new(),
                agents: BTreeMap::new(),
                engagements: BTreeMap::new(),
                waiting: BTreeMap::new(),
                by_arrival: BTreeMap::new(),
                direct: BTreeSet::new(),
                ready: BTreeSet::new(),
                bags: Default::default(),
                next_seq: 0,
            },
            agent_ids: (0..agents).map(|i| format!("a{i}")).collect(),
            queue_ids: Vec::new(),
            next_engagement: 0,
            counts: BTreeMap::new(),
            touched_engagements: BTreeSet::new(),
            touched_agents: BTreeSet::new(),
            offers: Vec::new(),
            announced: BTreeMap::new(),
            next_restart: 0,
        }
    }

    fn count(&mut self, what: &'static str) {
        *self.counts.entry(what).or_default() += 1;
    }

    fn fail(&self, what: impl std::fmt::Display) -> String {
        format!("seed {} step {} (t={}): {what}", self.seed, self.step, self.now)
    }

    fn run(mut self, steps: usize) -> Result<String, String> {
        const CHANNELS: [Channel; 12] = [
            Channel::Voice,
            Channel::Voice,
            Channel::Voice,
            Channel::Video,
            Channel::Chat,
            Channel::Chat,
            Channel::Chat,
            Channel::Sms,
            Channel::Sms,
            Channel::WorkItem,
            Channel::WorkItem,
            Channel::WorkItem,
        ];
        for (i, channel) in CHANNELS.into_iter().enumerate() {
            let id = format!("q{i}");
            let config = self.random_queue(channel);
            self.queue_ids.push(id.clone());
            self.model.waiting.insert(id.clone(), BTreeSet::new());
            self.model.by_arrival.insert(id.clone(), BTreeSet::new());
            self.apply(Command::UpsertQueue { id, config }, true)?;
        }
        for i in 0..self.agent_ids.len() {
            let id = self.agent_ids[i].clone();
            let config = self.random_profile();
            self.apply(Command::UpsertAgent { id, config }, true)?;
        }
        self.next_restart = 500 + self.rng.below(1_500) as usize;
        for step in 1..=steps {
            self.step = step;
            self.one_step()?;
            if step == self.next_restart {
                self.restart()?;
                self.next_restart = step + 500 + self.rng.below(1_500) as usize;
            }
        }
        self.check_all()?;
        self.check_call_logs()?;
        let waiting: usize = self.model.waiting.values().map(BTreeSet::len).sum();
        Ok(format!(
            "{} steps, {} agents, {} engagements, {} still waiting; {:?}",
            steps,
            self.agent_ids.len(),
            self.next_engagement,
            waiting + self.model.direct.len(),
            self.counts
        ))
    }

    fn random_queue(&mut self, channel: Channel) -> QueueConfig {
        let strategy = [Strategy::LongestIdle, Strategy::RoundRobin, Strategy::MostSkilled][self.rng.below(3) as usize];
        let language = LANGUAGES[self.rng.below(3) as usize];
        let skill_steps = match self.rng.below(3) {
            0 => Vec::new(),
            1 => vec![
                SkillStep {
                    require: [(language.to_owned(), 7)].into(),
                    for_ms: Some(self.rng.range(3_000, 15_000)),
                },
                SkillStep {
                    require: [(language.to_owned(), 3)].into(),
                    for_ms: Some(self.rng.range(5_000, 20_000)),
                },
                SkillStep::default(),
            ],
            _ => vec![
                SkillStep {
                    require: [(language.to_owned(), 5)].into(),
                    for_ms: Some(self.rng.range(5_000, 30_000)),
                },
                SkillStep {
                    require: [(language.to_owned(), 2)].into(),
                    for_ms: None,
                },
            ],
        };
        // Overflow only to an earlier queue of the same channel, so there are no cycles.
        let earlier: Vec<&String> = self
            .queue_ids
            .iter()
            .filter(|q| self.model.queues.get(*q).is_some_and(|c| c.channel == channel))
            .collect();
        let max_wait = match self.rng.below(3) {
            0 => None,
            1 if !earlier.is_empty() => {
                let to = earlier[self.rng.below(earlier.len() as u64) as usize].clone();
                Some(MaxWait {
                    after_ms: self.rng.range(20_000, 90_000),
                    then: MaxWaitOutcome::Overflow { queue: to },
                })
            }
            _ => Some(MaxWait {
                after_ms: self.rng.range(30_000, 120_000),
                then: MaxWaitOutcome::Abandon,
            }),
        };
        let dispositions = vec![
            Disposition {
                id: "resolved".into(),
                name: "Resolved".into(),
            },
            Disposition {
                id: "callback".into(),
                name: "Call back".into(),
            },
        ];
        QueueConfig {
            name: format!("{channel} queue"),
            channel,
            strategy,
            skill_steps,
            ring_timeout_ms: self.rng.range(5_000, 20_000),
            max_wait,
            wrap_up_ms: self.rng.chance(50).then(|| self.rng.range(3_000, 30_000)),
            default_disposition: self.rng.chance(50).then(|| "resolved".to_owned()),
            dispositions,
            service_level_ms: 20_000,
        }
    }

    fn random_profile(&mut self) -> AgentConfig {
        let mut queues = BTreeSet::new();
        for _ in 0..1 + self.rng.below(4) {
            queues.insert(self.queue_ids[self.rng.below(self.queue_ids.len() as u64) as usize].clone());
        }
        let mut skills = BTreeMap::new();
        for language in LANGUAGES {
            if self.rng.chance(50) {
                skills.insert(language.to_owned(), 1 + self.rng.below(10) as u8);
            }
        }
        let capacity = if self.rng.chance(70) {
            Capacity::default()
        } else {
            Capacity {
                voice: 1,
                video: self.rng.below(2) as u32,
                chat: self.rng.below(5) as u32,
                sms: self.rng.below(7) as u32,
                work_item: self.rng.below(4) as u32,
            }
        };
        AgentConfig {
            name: "Agent".into(),
            skills,
            capacity,
            queues,
        }
    }

    fn one_step(&mut self) -> Check {
        let t = self.now + self.rng.range(0, 60);
        if let Some(deadline) = self.engine.next_deadline().filter(|d| *d <= t) {
            self.now = self.now.max(deadline);
            self.apply(Command::Tick, true)?;
        } else {
            self.now = t;
            match self.random_command() {
                Some((command, expect_ok)) => self.apply(command, expect_ok)?,
                None => self.apply(Command::Tick, true)?,
            }
        }
        self.check_step()
    }

    /// A random command and whether it should succeed.
    fn random_command(&mut self) -> Option<(Command, bool)> {
        let pick_agent = |sim: &mut Sim| sim.agent_ids[sim.rng.below(sim.agent_ids.len() as u64) as usize].clone();
        let roll = self.rng.below(1_000);
        match roll {
            0..250 => {
                let id = format!("e{}", self.next_engagement);
                self.next_engagement += 1;
                let queue = self.queue_ids[self.rng.below(self.queue_ids.len() as u64) as usize].clone();
                let target = self
                    .rng
                    .chance(3)
                    .then(|| pick_agent(self))
                    .filter(|a| self.model.agents.contains_key(a));
                let customer = Customer {
                    name: format!("Customer {id}"),
                    email: format!("{id}@example.com"),
                    phone: String::new(),
                };
                let new = NewEngagement {
                    priority: if self.rng.chance(15) {
                        self.rng.below(3) as i32 + 1
                    } else {
                        0
                    },
                    customer,
                    target_agent: target,
                    variables: [("source".to_owned(), "sim".to_owned())].into(),
                    ..NewEngagement::new(id, queue)
                };
                Some((Command::CreateEngagement(new), true))
            }
            250..380 => {
                let agent = pick_agent(self);
                self.model.agents.get(&agent)?;
                let status = match self.rng.below(100) {
                    0..65 => AgentStatus::Ready,
                    65..90 => AgentStatus::NotReady { code: "21".into() },
                    _ => AgentStatus::Offline,
                };
                Some((Command::SetAgentStatus { agent, status }, true))
            }
            380..420 => {
                let agent = pick_agent(self);
                let connected = self.model.agents.get(&agent)?.connected;
                if connected && self.rng.chance(40) {
                    Some((Command::AgentDisconnected { agent }, true))
                } else {
                    Some((Command::AgentConnected { agent }, true))
                }
            }
            420..650 => {
                let engagement = self.model.bags[1].pick(&mut self.rng)?;
                let Phase::Offered(agent) = self.model.engagements[&engagement].phase.clone() else {
                    unreachable!()
                };
                if absent(&agent) {
                    return None; // rings out
                }
                if self.rng.chance(85) {
                    Some((Command::Accept { agent, engagement }, true))
                } else {
                    Some((Command::Reject { agent, engagement }, true))
                }
            }
            650..760 => {
                let engagement = self.model.bags[2].pick(&mut self.rng)?;
                let Phase::Live(agent) = self.model.engagements[&engagement].phase.clone() else {
                    unreachable!()
                };
                match self.rng.below(10) {
                    0 => Some((Command::CustomerLeft { engagement }, true)),
                    1 => Some((
                        Command::AddNote {
                            agent,
                            engagement,
                            note: "talking".into(),
                        },
                        true,
                    )),
                    _ => Some((Command::End { agent, engagement }, true)),
                }
            }
            760..890 => {
                let engagement = self.model.bags[3].pick(&mut self.rng)?;
                let Phase::WrapUp(agent) = self.model.engagements[&engagement].phase.clone() else {
                    unreachable!()
                };
                match self.rng.below(10) {
                    0 | 1 => Some((
                        Command::AddNote {
                            agent,
                            engagement,
                            note: format!("note at {}", self.now),
                        },
                        true,
                    )),
                    2 | 3 => {
                        let disposition = if self.rng.chance(50) { "resolved" } else { "callback" };
                        Some((
                            Command::SetDisposition {
                                agent,
                                engagement,
                                disposition: disposition.into(),
                            },
                            true,
                        ))
                    }
                    4 => Some((
                        Command::SetVariable {
                            engagement,
                            agent: Some(agent),
                            name: "outcome".into(),
                            value: "ok".into(),
                        },
                        true,
                    )),
                    _ => Some((Command::CloseWrapUp { agent, engagement }, true)),
                }
            }
            890..940 => {
                let bag = self.rng.below(2) as usize;
                let engagement = self.model.bags[bag].pick(&mut self.rng)?;
                if self.rng.chance(80) {
                    Some((Command::CustomerLeft { engagement }, true))
                } else {
                    Some((Command::Cancel { engagement }, true))
                }
            }
            940..960 => {
                let engagement = self.model.bags[0].pick(&mut self.rng)?;
                Some((
                    Command::SetVariable {
                        engagement,
                        agent: None,
                        name: "wait".into(),
                        value: "long".into(),
                    },
                    true,
                ))
            }
            960..975 => {
                let id = pick_agent(self);
                let config = self.random_profile();
                Some((Command::UpsertAgent { id, config }, true))
            }
            975..980 => {
                let agent = pick_agent(self);
                let busy = self
                    .model
                    .agents
                    .get(&agent)?
                    .held
                    .values()
                    .any(|(_, p)| !matches!(p, Phase::Offered(_)));
                Some((Command::RemoveAgent { agent }, !busy))
            }
            980..983 => {
                let i = self.rng.below(self.queue_ids.len() as u64) as usize;
                let channel = self.model.queues[&self.queue_ids[i]].channel;
                // Keep overflow pointing to earlier queues only.
                let saved = std::mem::take(&mut self.queue_ids);
                self.queue_ids = saved[..i].to_vec();
                let config = self.random_queue(channel);
                self.queue_ids = saved;
                Some((
                    Command::UpsertQueue {
                        id: self.queue_ids[i].clone(),
                        config,
                    },
                    true,
                ))
            }
            983..998 => self.random_dial(),
            _ => None,
        }
        .or_else(|| self.rng.chance(30).then(|| self.invalid_command()).flatten())
    }

    /// A dial by a random agent — most often one the model says may place a call, else one
    /// who is connected, not Offline and serves a voice queue, else anyone — mostly under a
    /// voice queue they serve; whether it should succeed is the model's call. One in ten is
    /// malformed.
    fn random_dial(&mut self) -> Option<(Command, bool)> {
        let serves_voice = |a: &ModelAgent| {
            a.config
                .queues
                .iter()
                .any(|q| self.model.queues[q].channel == Channel::Voice)
        };
        let present: Vec<&String> = self
            .model
            .agents
            .iter()
            .filter(|(_, a)| a.connected && a.status != AgentStatus::Offline && serves_voice(a))
            .map(|(id, _)| id)
            .collect();
        let able: Vec<&String> = present
            .iter()
            .copied()
            .filter(|id| {
                let a = &self.model.agents[*id];
                a.config
                    .queues
                    .iter()
                    .any(|q| self.model.queues[q].channel == Channel::Voice && a.can_dial(q))
            })
            .collect();
        let roll = self.rng.below(100);
        let agent = if !able.is_empty() && roll < 60 {
            able[self.rng.below(able.len() as u64) as usize].clone()
        } else if !present.is_empty() && roll < 80 {
            present[self.rng.below(present.len() as u64) as usize].clone()
        } else {
            self.agent_ids[self.rng.below(self.agent_ids.len() as u64) as usize].clone()
        };
        let served = &self.model.agents.get(&agent)?.config.queues;
        let voice: Vec<String> = self
            .queue_ids
            .iter()
            .filter(|q| self.model.queues[*q].channel == Channel::Voice)
            .cloned()
            .collect();
        let theirs: Vec<String> = voice.iter().filter(|q| served.contains(*q)).cloned().collect();
        let queue = if !theirs.is_empty() && self.rng.chance(85) {
            theirs[self.rng.below(theirs.len() as u64) as usize].clone()
        } else {
            voice[self.rng.below(voice.len() as u64) as usize].clone()
        };
        let id = format!("e{}", self.next_engagement);
        self.next_engagement += 1;
        let number = format!("+1555{:07}", self.rng.below(10_000_000));
        let mut new = NewEngagement {
            direction: Direction::Outbound,
            target_agent: Some(agent.clone()),
            from: "+15550100".into(),
            to: number.clone(),
            customer: Customer {
                name: String::new(),
                email: String::new(),
                phone: number,
            },
            ..NewEngagement::new(id, queue)
        };
        let malformed = self.rng.chance(10);
        if malformed {
            match self.rng.below(3) {
                0 => new.direction = Direction::Inbound,
                1 => new.to.clear(),
                _ => new.queue = "q4".into(), // chat
            }
        }
        let refusal = if malformed {
            Some("dials refused: malformed")
        } else {
            self.model.agents[&agent].dial_refusal(&new.queue)
        };
        if let Some(why) = refusal {
            self.count(why);
        }
        Some((Command::Dial(new), refusal.is_none()))
    }

    /// A command the engine must refuse.
    fn invalid_command(&mut self) -> Option<(Command, bool)> {
        match self.rng.below(4) {
            0 => {
                let engagement = self.model.bags[1].pick(&mut self.rng)?;
                let Phase::Offered(owner) = self.model.engagements[&engagement].phase.clone() else {
                    unreachable!()
                };
                let agent = self
                    .agent_ids
                    .iter()
                    .find(|a| **a != owner && self.model.agents.contains_key(*a))?
                    .clone();
                Some((Command::Accept { agent, engagement }, false))
            }
            1 => {
                let engagement = self.model.bags[4].pick(&mut self.rng)?;
                Some((Command::CustomerLeft { engagement }, false))
            }
            2 => {
                let engagement = self.model.bags[self.rng.below(4) as usize].pick(&mut self.rng)?;
                if self.rng.chance(50) {
                    return Some((Command::CreateEngagement(NewEngagement::new(engagement, "q0")), false));
                }
                let agent = self.model.agents.keys().next()?.clone();
                let dial = NewEngagement {
                    direction: Direction::Outbound,
                    target_agent: Some(agent),
                    to: "+15550199".into(),
                    ..NewEngagement::new(engagement, "q0")
                };
                Some((Command::Dial(dial), false))
            }
            _ => {
                let engagement = self.model.bags[2].pick(&mut self.rng)?;
                let Phase::Live(agent) = self.model.engagements[&engagement].phase.clone() else {
                    unreachable!()
                };
                Some((
                    Command::SetDisposition {
                        agent,
                        engagement,
                        disposition: "bogus".into(),
                    },
                    false,
                ))
            }
        }
    }

    fn apply(&mut self, command: Command, expect_ok: bool) -> Check {
        let is_tick = command == Command::Tick;
        let sample = !expect_ok || (is_tick && self.rng.below(500) == 0);
        let before = sample.then(|| self.engine.snapshot());
        let counts_before = self.service_counts_around(&command);
        if !is_tick {
            self.log.push((self.now, command.clone()));
        }
        let result = self.engine.handle(self.now, command.clone());
        match (result, expect_ok) {
            (Ok(out), true) => {
                if is_tick {
                    if out.is_empty() {
                        if let Some(before) = before
                            && before != self.engine.snapshot()
                        {
                            return Err(self.fail("a tick that returned nothing changed the state"));
                        }
                        return Ok(());
                    }
                    self.log.push((self.now, Command::Tick));
                    self.count("ticks with outputs");
                }
                self.before_outputs(&command);
                for output in out {
                    self.absorb(output)?;
                }
                self.after_outputs(&command);
                if let Some((queue, before)) = counts_before {
                    let after = self.service_counts(&queue)?;
                    if after != before {
                        return Err(self.fail(format!(
                            "{command:?} moved the service counts of {queue} from {before:?} to {after:?}"
                        )));
                    }
                }
                Ok(())
            }
            (Err(e), false) => {
                self.count("refused as expected");
                if before.is_some_and(|before| before != self.engine.snapshot()) {
                    return Err(self.fail(format!("refused {command:?} ({e}) but changed the state")));
                }
                Ok(())
            }
            (Ok(out), false) => Err(self.fail(format!("{command:?} should have been refused; got {out:?}"))),
            (Err(e), true) => Err(self.fail(format!("{command:?} refused: {e}"))),
        }
    }

    /// For a dial, or the end of a live part: its queue and service counts, which must not
    /// change (a dial neither waited nor was answered; the far end leaving a live call is not
    /// an abandon).
    fn service_counts_around(&self, command: &Command) -> Option<(String, (u32, u32, u32))> {
        let queue = match command {
            Command::Dial(new) => new.queue.clone(),
            Command::End { engagement, .. } | Command::CustomerLeft { engagement } => {
                let e = self.model.engagements.get(engagement)?;
                if !matches!(e.phase, Phase::Live(_)) {
                    return None;
                }
                e.queue.clone()
            }
            _ => return None,
        };
        let counts = self.service_counts(&queue).ok()?;
        Some((queue, counts))
    }

    /// Answered, answered within the threshold, abandoned after it.
    fn service_counts(&self, queue: &str) -> Result<(u32, u32, u32), String> {
        let stats = self.engine.queue_stats(queue, self.now).map_err(|e| self.fail(e))?;
        Ok((
            stats.answered,
            stats.answered_within_threshold,
            stats.abandoned_after_threshold,
        ))
    }

    /// What a successful command does to the model before its outputs.
    fn before_outputs(&mut self, command: &Command) {
        match command {
            Command::UpsertQueue { id, config } => {
                self.model.queues.insert(id.clone(), config.clone());
                let members: Vec<String> = self
                    .model
                    .agents
                    .iter()
                    .filter(|(_, a)| a.config.queues.contains(id))
                    .map(|(i, _)| i.clone())
                    .collect();
                for agent in members {
                    self.model.refresh_first_steps(&agent);
                }
            }
            Command::UpsertAgent { id, config } => {
                let agent = self.model.agents.entry(id.clone()).or_insert_with(|| ModelAgent {
                    config: config.clone(),
                    status: AgentStatus::Offline,
                    connected: false,
                    missed: 0,
                    held: BTreeMap::new(),
                    first_step: BTreeMap::new(),
                });
                agent.config = config.clone();
                self.model.refresh_first_steps(id);
                self.touched_agents.insert(id.clone());
            }
            Command::AgentConnected { agent } | Command::AgentDisconnected { agent } => {
                self.model.agents.get_mut(agent).unwrap().connected = matches!(command, Command::AgentConnected { .. });
                self.model.refresh_ready(agent);
                self.touched_agents.insert(agent.clone());
            }
            Command::SetAgentStatus { agent, status } => {
                let a = self.model.agents.get_mut(agent).unwrap();
                if a.status != *status && *status == AgentStatus::Ready {
                    a.missed = 0;
                }
                a.status = status.clone();
                self.model.refresh_ready(agent);
                self.touched_agents.insert(agent.clone());
            }
            Command::CreateEngagement(new) | Command::Dial(new) => {
                let dialed = matches!(command, Command::Dial(_));
                let queue = &self.model.queues[&new.queue];
                self.model.engagements.insert(
                    new.id.clone(),
                    ModelEngagement {
                        queue: new.queue.clone(),
                        channel: queue.channel,
                        priority: new.priority,
                        seq: self.model.next_seq,
                        entered: self.now,
                        target: new.target_agent.clone(),
                        phase: Phase::Between,
                        went_live: false,
                        dialed,
                        closed_logs: 0,
                        terminal_outputs: 0,
                        deadline: None,
                    },
                );
                self.model.next_seq += 1;
                self.touched_engagements.insert(new.id.clone());
                self.count(if dialed { "dials" } else { "created" });
            }
            Command::Reject { agent, .. } => {
                self.model.agents.get_mut(agent).unwrap().missed = 0;
                self.count("rejected");
            }
            _ => {}
        }
        if let Some(id) = engagement_of(command) {
            self.touched_engagements.insert(id.to_owned());
        }
    }

    fn after_outputs(&mut self, command: &Command) {
        if let Command::RemoveAgent { agent } = command {
            self.model.agents.remove(agent);
            self.model.refresh_ready(agent);
            self.touched_agents.remove(agent);
            self.count("agents removed");
        }
    }

    /// Moves the model by one output, checking that the move is allowed.
    fn absorb(&mut self, output: Output) -> Check {
        let now = self.now;
        match output {
            Output::Queued { engagement, queue } => {
                let e = &self.model.engagements[&engagement];
                if e.phase != Phase::Between || e.queue != queue {
                    return Err(self.fail(format!(
                        "{engagement} queued in {queue} from {:?} in {}",
                        e.phase, e.queue
                    )));
                }
                self.model.set_phase(&engagement, Phase::Queued);
            }
            Output::Offered {
                engagement,
                agent,
                expires_at,
                reason,
            } => {
                self.check_offer(&engagement, &agent)?;
                let e = &self.model.engagements[&engagement];
                if reason.queue_id != e.queue || expires_at != now + self.model.queues[&e.queue].ring_timeout_ms {
                    return Err(self.fail(format!("offer of {engagement}: wrong reason or expiry {reason:?}")));
                }
                let channel = e.channel;
                self.model.set_phase(&engagement, Phase::Offered(agent.clone()));
                self.model.engagements.get_mut(&engagement).unwrap().deadline = Some(expires_at);
                let a = self.model.agents.get_mut(&agent).unwrap();
                a.held
                    .insert(engagement.clone(), (channel, Phase::Offered(agent.clone())));
                self.offers.push(Offer {
                    engagement: engagement.clone(),
                    agent: agent.clone(),
                });
                self.touched_engagements.insert(engagement);
                self.touched_agents.insert(agent);
                self.count("offers");
            }
            Output::OfferEnded {
                engagement,
                agent,
                reason,
            } => {
                self.expect_phase(&engagement, Phase::Offered(agent.clone()))?;
                self.model.set_phase(&engagement, Phase::Between);
                let a = self.model.agents.get_mut(&agent).unwrap();
                a.held.remove(&engagement);
                if reason == OfferEndReason::TimedOut {
                    a.missed += 1;
                    if a.missed >= MISSED_LIMIT {
                        a.status = AgentStatus::NotReady {
                            code: MISSED_CODE.into(),
                        };
                        self.model.refresh_ready(&agent);
                    }
                    self.count("timed out");
                }
                self.touched_engagements.insert(engagement);
                self.touched_agents.insert(agent);
            }
            Output::Accepted { engagement, agent } => {
                self.expect_phase(&engagement, Phase::Offered(agent.clone()))?;
                self.model.set_phase(&engagement, Phase::Live(agent.clone()));
                self.model.engagements.get_mut(&engagement).unwrap().went_live = true;
                let a = self.model.agents.get_mut(&agent).unwrap();
                a.missed = 0;
                a.held.get_mut(&engagement).unwrap().1 = Phase::Live(agent.clone());
                self.touched_agents.insert(agent);
                self.count("accepted");
            }
            Output::Dialed { engagement, agent } => {
                let e = &self.model.engagements[&engagement];
                if e.phase != Phase::Between || !e.dialed || e.target.as_deref() != Some(agent.as_str()) {
                    return Err(self.fail(format!(
                        "{engagement} dialed by {agent} from {:?} (dialed {}, target {:?})",
                        e.phase, e.dialed, e.target
                    )));
                }
                if !self.model.agents[&agent].can_dial(&e.queue) {
                    return Err(self.fail(format!("{agent} dialed {engagement} but may not place a call")));
                }
                self.model.set_phase(&engagement, Phase::Live(agent.clone()));
                self.model.engagements.get_mut(&engagement).unwrap().went_live = true;
                let a = self.model.agents.get_mut(&agent).unwrap();
                a.missed = 0;
                a.held
                    .insert(engagement.clone(), (Channel::Voice, Phase::Live(agent.clone())));
                self.touched_engagements.insert(engagement);
                self.touched_agents.insert(agent);
            }
            Output::LiveEnded {
                engagement,
                agent,
                wrap_up_deadline,
                ..
            } => {
                self.expect_phase(&engagement, Phase::Live(agent.clone()))?;
                self.model.set_phase(&engagement, Phase::WrapUp(agent.clone()));
                self.model.engagements.get_mut(&engagement).unwrap().deadline = wrap_up_deadline;
                let a = self.model.agents.get_mut(&agent).unwrap();
                a.held.get_mut(&engagement).unwrap().1 = Phase::WrapUp(agent.clone());
                self.touched_engagements.insert(engagement);
                self.touched_agents.insert(agent);
            }
            Output::Closed { engagement, call_log } => {
                let agent = call_log.agent_id.clone().unwrap_or_default();
                self.expect_phase(&engagement, Phase::WrapUp(agent.clone()))?;
                if call_log.accepted_at.is_none() || call_log.ended_at.is_none() || call_log.closed_at != now {
                    return Err(self.fail(format!("incomplete call log {call_log:?}")));
                }
                let dialed = self.model.engagements[&engagement].dialed;
                let outbound = call_log.direction == Direction::Outbound;
                if outbound != dialed || (dialed && (call_log.offered_at.is_some() || call_log.to.is_empty())) {
                    return Err(self.fail(format!("call log of {engagement} (dialed {dialed}): {call_log:?}")));
                }
                self.model.set_phase(&engagement, Phase::Closed);
                let e = self.model.engagements.get_mut(&engagement).unwrap();
                e.closed_logs += 1;
                e.terminal_outputs += 1;
                self.model.agents.get_mut(&agent).unwrap().held.remove(&engagement);
                self.touched_engagements.insert(engagement);
                self.touched_agents.insert(agent);
                self.count(match call_log.outcome {
                    callbar_engine::CallOutcome::Closed {
                        by: callbar_engine::ClosedBy::Timer,
                    } => "closed by timer",
                    _ => "closed by agent",
                });
            }
            Output::Abandoned { engagement, .. } => self.finish_unanswered(&engagement, Phase::Abandoned)?,
            Output::Cancelled { engagement } => self.finish_unanswered(&engagement, Phase::Cancelled)?,
            Output::Overflowed {
                engagement,
                from_queue,
                to_queue,
            } => {
                let e = &self.model.engagements[&engagement];
                if !matches!(e.phase, Phase::Queued | Phase::Between) || e.queue != from_queue {
                    return Err(self.fail(format!("{engagement} overflowed from {:?} in {}", e.phase, e.queue)));
                }
                self.model.set_phase(&engagement, Phase::Between);
                let seq = self.model.next_seq;
                self.model.next_seq += 1;
                let e = self.model.engagements.get_mut(&engagement).unwrap();
                e.queue = to_queue;
                e.entered = now;
                e.seq = seq;
                e.target = None;
                self.touched_engagements.insert(engagement);
                self.count("overflowed");
            }
            Output::AgentStatus { agent, status, chosen } => {
                self.announced.insert(agent.clone(), status);
                self.touched_agents.insert(agent.clone());
                let expected = &self.model.agents[&agent].status;
                if chosen != *expected {
                    return Err(self.fail(format!("{agent} announced chosen {chosen:?}, model has {expected:?}")));
                }
            }
            Output::NoteAdded { engagement, .. }
            | Output::DispositionSet { engagement, .. }
            | Output::VariableSet { engagement, .. } => {
                if self.model.engagements[&engagement].phase.is_terminal() {
                    return Err(self.fail(format!("{engagement} changed after it finished")));
                }
            }
        }
        Ok(())
    }

    /// An engagement that never went live ends as abandoned or cancelled.
    fn finish_unanswered(&mut self, engagement: &str, phase: Phase) -> Check {
        let e = &self.model.engagements[engagement];
        if !matches!(e.phase, Phase::Queued | Phase::Between) || e.went_live {
            return Err(self.fail(format!("{engagement} {phase:?} from {:?}", e.phase)));
        }
        self.count(if phase == Phase::Abandoned {
            "abandoned"
        } else {
            "cancelled"
        });
        self.model.set_phase(engagement, phase);
        self.model.engagements.get_mut(engagement).unwrap().terminal_outputs += 1;
        self.touched_engagements.insert(engagement.to_owned());
        Ok(())
    }

    fn expect_phase(&self, engagement: &str, phase: Phase) -> Check {
        let actual = &self.model.engagements[engagement].phase;
        if *actual != phase {
            return Err(self.fail(format!("{engagement}: output expects {phase:?}, model has {actual:?}")));
        }
        Ok(())
    }

    /// Capacity and eligibility of one offer, against the model before the offer.
    fn check_offer(&self, engagement: &str, agent: &str) -> Check {
        let e = &self.model.engagements[engagement];
        if e.phase != Phase::Queued {
            return Err(self.fail(format!("{engagement} offered to {agent} while {:?}", e.phase)));
        }
        let Some(a) = self.model.agents.get(agent) else {
            return Err(self.fail(format!("{engagement} offered to unknown agent {agent}")));
        };
        if !a.can_take(e.channel) {
            return Err(self.fail(format!(
                "{engagement} ({}) offered to {agent} who cannot take it: {:?}, connected {}, held {:?}, capacity {:?}",
                e.channel, a.status, a.connected, a.held, a.config.capacity
            )));
        }
        if !self.model.eligible(agent, e, self.now) {
            return Err(self.fail(format!("{engagement} offered to ineligible {agent}")));
        }
        Ok(())
    }

    fn check_step(&mut self) -> Check {
        let now = self.now;
        // Nothing left between states.
        for id in &self.touched_engagements {
            if self
                .model
                .engagements
                .get(id)
                .is_some_and(|e| e.phase == Phase::Between)
            {
                return Err(self.fail(format!("{id} was left between states")));
            }
        }
        // Order: no waiting engagement the agent could take ranks before what they got.
        for offer in &self.offers {
            let e = &self.model.engagements[&offer.engagement];
            let (rank, channel) = (e.rank(), e.channel);
            let Some(a) = self.model.agents.get(&offer.agent) else {
                continue;
            };
            for queue in a
                .config
                .queues
                .iter()
                .filter(|q| self.model.queues[*q].channel == channel)
            {
                for (p, seq, other) in &self.model.waiting[queue] {
                    if (*p, *seq) >= rank {
                        break;
                    }
                    if self.model.eligible(&offer.agent, &self.model.engagements[other], now) {
                        return Err(self.fail(format!(
                            "{} got {} while {other} ranks before it and waits",
                            offer.agent, offer.engagement
                        )));
                    }
                }
            }
            for other in &self.model.direct {
                let o = &self.model.engagements[other];
                if o.target.as_deref() == Some(&offer.agent) && o.channel == channel && o.rank() < rank {
                    return Err(self.fail(format!(
                        "{} got {} while direct {other} waits",
                        offer.agent, offer.engagement
                    )));
                }
            }
        }
        self.offers.clear();
        self.check_work_conserving()?;
        self.check_timers()?;
        // The engine agrees with the model on everything touched.
        let touched: Vec<String> = std::mem::take(&mut self.touched_engagements).into_iter().collect();
        for id in &touched {
            self.compare_engagement(id)?;
        }
        let queues: BTreeSet<String> = touched
            .iter()
            .map(|id| self.model.engagements[id].queue.clone())
            .collect();
        for queue in &queues {
            self.compare_queue(queue)?;
        }
        for agent in std::mem::take(&mut self.touched_agents) {
            self.compare_agent(&agent)?;
        }
        self.announced.clear();
        if self.step.is_multiple_of(250) {
            self.check_all()?;
        }
        Ok(())
    }

    fn check_work_conserving(&self) -> Check {
        let now = self.now;
        // Per queue, the waiting engagement that arrived first has reached the most relaxed
        // step; an agent who meets it could take it.
        let mut most_relaxed: BTreeMap<&str, usize> = BTreeMap::new();
        for (queue, waiting) in &self.model.by_arrival {
            if let Some((_, id)) = waiting.first() {
                most_relaxed.insert(queue, self.model.step_of(&self.model.engagements[id], now));
            }
        }
        if most_relaxed.is_empty() && self.model.direct.is_empty() {
            return Ok(());
        }
        for id in &self.model.ready {
            let a = &self.model.agents[id];
            for (queue, first) in &a.first_step {
                let (Some(first), Some(reached)) = (first, most_relaxed.get(queue.as_str())) else {
                    continue;
                };
                if first <= reached && a.can_take(self.model.queues[queue].channel) {
                    let head = self.model.by_arrival[queue].first().unwrap();
                    return Err(self.fail(format!("{} waits in {queue} while {id} could take it", head.1)));
                }
            }
        }
        for other in &self.model.direct {
            let e = &self.model.engagements[other];
            let target = e.target.as_ref().unwrap();
            if self.model.agents.get(target).is_some_and(|a| a.can_take(e.channel)) {
                return Err(self.fail(format!("direct {other} waits while {target} could take it")));
            }
        }
        Ok(())
    }

    /// Ticks at each deadline keep every timer honoured: no offer rings past its timeout, no
    /// wrap-up outlives its timer, nothing waits in a queue past its maximum wait.
    fn check_timers(&self) -> Check {
        for bag in [1, 3] {
            for id in &self.model.bags[bag].items {
                if self.model.engagements[id].deadline.is_some_and(|d| d <= self.now) {
                    return Err(self.fail(format!(
                        "{id} is still {:?} past its deadline",
                        self.model.engagements[id].phase
                    )));
                }
            }
        }
        for (queue, waiting) in &self.model.by_arrival {
            let Some(max_wait) = &self.model.queues[queue].max_wait else {
                continue;
            };
            if let Some((_, id)) = waiting.first()
                && self.model.engagements[id].entered + max_wait.after_ms <= self.now
            {
                return Err(self.fail(format!("{id} waits in {queue} past its maximum wait")));
            }
        }
        for id in &self.model.direct {
            let e = &self.model.engagements[id];
            if self.model.queues[&e.queue]
                .max_wait
                .as_ref()
                .is_some_and(|mw| e.entered + mw.after_ms <= self.now)
            {
                return Err(self.fail(format!("direct {id} waits past its maximum wait")));
            }
        }
        Ok(())
    }

    fn compare_engagement(&self, id: &str) -> Check {
        let model = &self.model.engagements[id];
        let Some(engine) = self.engine.engagement(id) else {
            if model.phase.is_terminal() && self.config.retain_finished == 0 {
                return Ok(());
            }
            return Err(self.fail(format!("the engine lost {id}")));
        };
        let model_state = match &model.phase {
            Phase::Queued => ("queued", None),
            Phase::Offered(a) => ("offered", Some(a.as_str())),
            Phase::Live(a) => ("live", Some(a.as_str())),
            Phase::WrapUp(a) => ("in wrap-up", Some(a.as_str())),
            Phase::Closed => ("closed", None),
            Phase::Abandoned => ("abandoned", None),
            Phase::Cancelled => ("cancelled", None),
            Phase::Between => ("between", None),
        };
        let engine_agent = engine.state.agent().filter(|_| !engine.state.is_terminal());
        let same = model_state == (engine.state.name(), engine_agent);
        if !same || engine.queue_id != model.queue {
            return Err(self.fail(format!(
                "{id}: engine {:?} in {}, model {:?} in {}",
                engine.state, engine.queue_id, model.phase, model.queue
            )));
        }
        Ok(())
    }

    fn compare_queue(&self, queue: &str) -> Check {
        let engine = self.engine.queue_order(queue).map_err(|e| self.fail(e))?;
        let mut model: Vec<(Reverse<i32>, u64, &str)> = self.model.waiting[queue]
            .iter()
            .map(|(p, s, id)| (*p, *s, id.as_str()))
            .collect();
        for id in &self.model.direct {
            let e = &self.model.engagements[id];
            if e.queue == queue {
                model.push((Reverse(e.priority), e.seq, id.as_str()));
            }
        }
        model.sort();
        let model: Vec<&str> = model.into_iter().map(|(_, _, id)| id).collect();
        if engine != model {
            return Err(self.fail(format!("queue {queue}: engine order {engine:?}, model {model:?}")));
        }
        let stats = self.engine.queue_stats(queue, self.now).map_err(|e| self.fail(e))?;
        if stats.waiting as usize != model.len() {
            return Err(self.fail(format!("queue {queue}: stats say {} waiting", stats.waiting)));
        }
        Ok(())
    }

    fn compare_agent(&self, id: &str) -> Check {
        let Some(model) = self.model.agents.get(id) else {
            return if self.engine.agent(id).is_some() {
                Err(self.fail(format!("{id} should be gone")))
            } else {
                Ok(())
            };
        };
        let Some(engine) = self.engine.agent(id) else {
            return Err(self.fail(format!("the engine lost agent {id}")));
        };
        let reported = self.engine.reported_status(id).unwrap();
        let held: BTreeSet<String> = self
            .engine
            .agent_engagements(id)
            .unwrap()
            .into_iter()
            .map(|e| e.id.clone())
            .collect();
        let model_held: BTreeSet<String> = model.held.keys().cloned().collect();
        if engine.status != model.status
            || engine.connected != model.connected
            || engine.consecutive_missed != model.missed
            || reported != model.reported()
            || held != model_held
        {
            return Err(self.fail(format!(
                "agent {id}: engine {:?}/{reported:?}/connected {}/missed {}/{held:?}, model {:?}/{:?}/connected {}/missed {}/{model_held:?}",
                engine.status,
                engine.connected,
                engine.consecutive_missed,
                model.status,
                model.reported(),
                model.connected,
                model.missed
            )));
        }
        if model.live_calls() > 1 {
            return Err(self.fail(format!("agent {id} is on several calls at once: {:?}", model.held)));
        }
        if let Some(announced) = self.announced.get(id)
            && *announced != reported
        {
            return Err(self.fail(format!("agent {id}: announced {announced:?}, is {reported:?}")));
        }
        Ok(())
    }

    fn check_all(&self) -> Check {
        for id in self.model.engagements.keys() {
            self.compare_engagement(id)?;
        }
        for queue in &self.queue_ids {
            self.compare_queue(queue)?;
        }
        for id in &self.agent_ids {
            self.compare_agent(id)?;
        }
        Ok(())
    }

    /// Every engagement that went live and finished has exactly one call log; others none.
    fn check_call_logs(&self) -> Check {
        for (id, e) in &self.model.engagements {
            let expected = u32::from(e.went_live && e.phase.is_terminal());
            if e.closed_logs != expected || e.terminal_outputs != u32::from(e.phase.is_terminal()) {
                return Err(self.fail(format!(
                    "{id}: {:?}, went live {}, {} call logs, {} terminal outputs",
                    e.phase, e.went_live, e.closed_logs, e.terminal_outputs
                )));
            }
        }
        Ok(())
    }

    /// Restarts the engine: from the log (replayed over the base) or from a snapshot that
    /// becomes the new base.
    fn restart(&mut self) -> Check {
        let mut replayed = match &self.base {
            Some(snapshot) => Engine::restore(snapshot.clone()).map_err(|e| self.fail(e))?,
            None => Engine::new(self.config.clone()),
        };
        for (at, command) in &self.log {
            let _ = replayed.handle(*at, command.clone());
        }
        if replayed.snapshot() != self.engine.snapshot() {
            return Err(self.fail(format!(
                "replaying {} logged commands gives another state",
                self.log.len()
            )));
        }
        if self.rng.chance(50) {
            self.engine = replayed;
            self.count("restarts from the log");
        } else {
            let json = serde_json::to_string(&self.engine.snapshot()).map_err(|e| self.fail(e))?;
            let snapshot: Snapshot = serde_json::from_str(&json).map_err(|e| self.fail(e))?;
            self.engine = Engine::restore(snapshot.clone()).map_err(|e| self.fail(e))?;
            self.base = Some(snapshot);
            self.log.clear();
            self.count("restarts from a snapshot");
        }
        Ok(())
    }
}

/// Every tenth agent never answers offers: they ring out.
fn absent(agent: &str) -> bool {
    agent.ends_with('0')
}

fn engagement_of(command: &Command) -> Option<&str> {
    match command {
        Command::Accept { engagement, .. }
        | Command::Reject { engagement, .. }
        | Command::End { engagement, .. }
        | Command::CustomerLeft { engagement }
        | Command::AddNote { engagement, .. }
        | Command::SetDisposition { engagement, .. }
        | Command::CloseWrapUp { engagement, .. }
        | Command::Cancel { engagement }
        | Command::SetVariable { engagement, .. } => Some(engagement),
        _ => None,
    }
}
