//! Routing benchmark: one core, 10,000 agents, 100,000 waiting engagements, 50 queues with
//! skill rules that relax over time.
//!
//! A decision is one offer. Two measurements, each timing every `handle` call that makes at
//! least one offer (nothing else is timed):
//!
//! - **agent-available**: with 100,000 engagements waiting, agents become Ready one at a time
//!   and work through a few engagements (accept, end, close — each close frees a slot and
//!   makes the next offer); the backlog is topped up after each agent.
//! - **arrival**: a fresh engine with the same 10,000 agents all Ready and nothing waiting;
//!   engagements arrive one at a time and are offered at once.
//!
//! A call can make several offers (an agent who becomes Ready with room for three chats gets
//! three), so percentiles are given per call and per decision (call time / offers made).
//!
//! Prints one JSON line. `cargo bench -p callbar-engine --bench routing`; `BENCH_ROUNDS=<n>`
//! sets the agent rounds and arrivals (default 200,000).

use std::time::Instant;

use callbar_engine::{
    AgentConfig, AgentStatus, Capacity, Command, Engine, EngineConfig, MaxWait, MaxWaitOutcome, NewEngagement, Output,
    QueueConfig, SkillStep, Strategy,
};
use callbar_protocol::Channel;

const AGENTS: usize = 10_000;
const WAITING: usize = 100_000;
const QUEUES: usize = 50;
const LANGUAGES: [&str; 5] = ["spanish", "french", "german", "japanese", "portuguese"];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Times `handle` calls and keeps those that made offers.
#[derive(Default)]
struct Timings {
    /// Per call that made offers: its time.
    calls_ns: Vec<u64>,
    /// Per call that made offers: its time divided by the offers it made.
    per_decision_ns: Vec<u64>,
    decisions: u64,
    total_ns: u64,
}

impl Timings {
    fn handle(&mut self, engine: &mut Engine, now: i64, command: Command) -> Vec<Output> {
        let start = Instant::now();
        let out = engine.handle(now, command).expect("benchmark commands are valid");
        let ns = start.elapsed().as_nanos() as u64;
        let offers = out.iter().filter(|o| matches!(o, Output::Offered { .. })).count() as u64;
        if let Some(per_decision) = ns.checked_div(offers) {
            self.calls_ns.push(ns);
            self.per_decision_ns.push(per_decision);
            self.decisions += offers;
            self.total_ns += ns;
        }
        out
    }

    fn json(&mut self) -> String {
        fn percentiles(ns: &mut [u64]) -> String {
            ns.sort_unstable();
            let at = |p: f64| ns[((ns.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
            format!(
                r#"{{"p50_us":{:.3},"p99_us":{:.3},"max_us":{:.3}}}"#,
                at(0.5),
                at(0.99),
                at(1.0)
            )
        }
        format!(
            r#"{{"decisions":{},"calls":{},"decisions_per_sec":{:.0},"mean_us_per_decision":{:.3},"per_call":{},"per_decision":{}}}"#,
            self.decisions,
            self.calls_ns.len(),
            self.decisions as f64 / (self.total_ns as f64 / 1e9),
            self.total_ns as f64 / 1000.0 / self.decisions as f64,
            percentiles(&mut self.calls_ns),
            percentiles(&mut self.per_decision_ns),
        )
    }
}

fn queue_config(i: usize) -> QueueConfig {
    let channel = [
        Channel::Voice,
        Channel::Voice,
        Channel::Chat,
        Channel::Sms,
        Channel::WorkItem,
    ][i % 5];
    let language = LANGUAGES[i % LANGUAGES.len()];
    let skill_steps = match i % 3 {
        0 => vec![
            SkillStep {
                require: [(language.to_owned(), 7)].into(),
                for_ms: Some(30_000),
            },
            SkillStep {
                require: [(language.to_owned(), 3)].into(),
                for_ms: Some(60_000),
            },
            SkillStep::default(),
        ],
        1 => vec![
            SkillStep {
                require: [(language.to_owned(), 5), ("billing".to_owned(), 3)].into(),
                for_ms: Some(45_000),
            },
            SkillStep {
                require: [(language.to_owned(), 2)].into(),
                for_ms: None,
            },
        ],
        _ => Vec::new(),
    };
    QueueConfig {
        strategy: [
            Strategy::LongestIdle,
            Strategy::LongestIdle,
            Strategy::RoundRobin,
            Strategy::MostSkilled,
        ][i % 4],
        skill_steps,
        max_wait: i.is_multiple_of(2).then_some(MaxWait {
            after_ms: 3_600_000,
            then: MaxWaitOutcome::Abandon,
        }),
        wrap_up_ms: Some(30_000),
        ..QueueConfig::new(format!("Queue {i}"), channel)
    }
}

fn agent_config(rng: &mut Rng) -> AgentConfig {
    let mut queues = std::collections::BTreeSet::new();
    while queues.len() < 5 {
        queues.insert(format!("q{}", rng.below(QUEUES)));
    }
    let mut skills = std::collections::BTreeMap::new();
    for language in LANGUAGES {
        if rng.below(3) == 0 {
            skills.insert(language.to_owned(), 1 + rng.below(10) as u8);
        }
    }
    skills.insert("billing".to_owned(), 1 + rng.below(10) as u8);
    AgentConfig {
        name: "Agent".into(),
        skills,
        capacity: Capacity::default(),
        queues,
    }
}

/// An engine with the queues and agents (connected, Not Ready).
fn setup(rng: &mut Rng) -> Engine {
    let mut engine = Engine::new(EngineConfig::default());
    for i in 0..QUEUES {
        engine
            .handle(
                0,
                Command::UpsertQueue {
                    id: format!("q{i}"),
                    config: queue_config(i),
                },
            )
            .unwrap();
    }
    for i in 0..AGENTS {
        let agent = format!("a{i}");
        engine
            .handle(
                0,
                Command::UpsertAgent {
                    id: agent.clone(),
                    config: agent_config(rng),
                },
            )
            .unwrap();
        engine
            .handle(0, Command::AgentConnected { agent: agent.clone() })
            .unwrap();
        let status = AgentStatus::NotReady { code: "break".into() };
        engine.handle(0, Command::SetAgentStatus { agent, status }).unwrap();
    }
    engine
}

fn arrival(rng: &mut Rng, n: usize) -> Command {
    let priority = if rng.below(10) == 0 { 1 + rng.below(3) as i32 } else { 0 };
    Command::CreateEngagement(NewEngagement {
        priority,
        ..NewEngagement::new(format!("e{n}"), format!("q{}", rng.below(QUEUES)))
    })
}

/// Waiting engagements gained (entered a queue) minus lost (offered) in `out`.
fn waiting_delta(out: &[Output]) -> isize {
    out.iter()
        .map(|o| match o {
            Output::Queued { .. } => 1,
            Output::Offered { .. } => -1,
            _ => 0,
        })
        .sum()
}

fn offered(out: &[Output]) -> impl Iterator<Item = (String, String)> + '_ {
    out.iter().filter_map(|o| match o {
        Output::Offered { engagement, agent, .. } => Some((engagement.clone(), agent.clone())),
        _ => None,
    })
}

fn agent_available(rounds: usize) -> Timings {
    let mut rng = Rng(7);
    let mut engine = setup(&mut rng);
    let mut now = 0;
    let mut created = 0;
    let mut waiting: isize = 0;
    while created < WAITING {
        now += 1;
        let out = engine.handle(now, arrival(&mut rng, created)).unwrap();
        waiting += waiting_delta(&out);
        created += 1;
    }
    let mut timings = Timings::default();
    let mut pending = Vec::new();
    let track = |out: Vec<Output>, pending: &mut Vec<(String, String)>, waiting: &mut isize| {
        *waiting += waiting_delta(&out);
        pending.extend(offered(&out));
    };
    for round in 0..rounds {
        now += 1;
        if engine.next_deadline().is_some_and(|d| d <= now) {
            track(engine.handle(now, Command::Tick).unwrap(), &mut pending, &mut waiting);
        }
        let agent = format!("a{}", round % AGENTS);
        let ready = Command::SetAgentStatus {
            agent: agent.clone(),
            status: AgentStatus::Ready,
        };
        track(timings.handle(&mut engine, now, ready), &mut pending, &mut waiting);
        // Work through up to three engagements; every close may make the next offer.
        for _ in 0..3 {
            let Some(i) = pending.iter().position(|(_, a)| *a == agent) else {
                break;
            };
            let (engagement, agent) = pending.swap_remove(i);
            let accept = Command::Accept {
                agent: agent.clone(),
                engagement: engagement.clone(),
            };
            track(engine.handle(now, accept).unwrap(), &mut pending, &mut waiting);
            let end = Command::End {
                agent: agent.clone(),
                engagement: engagement.clone(),
            };
            track(timings.handle(&mut engine, now, end), &mut pending, &mut waiting);
            let close = Command::CloseWrapUp {
                agent: agent.clone(),
                engagement,
            };
            track(timings.handle(&mut engine, now, close), &mut pending, &mut waiting);
        }
        let status = AgentStatus::NotReady { code: "break".into() };
        track(
            engine
                .handle(
                    now,
                    Command::SetAgentStatus {
                        agent: agent.clone(),
                        status,
                    },
                )
                .unwrap(),
            &mut pending,
            &mut waiting,
        );
        pending.retain(|(_, a)| *a != agent);
        // Top the backlog up (nobody is Ready, so these wait).
        while waiting < WAITING as isize {
            track(
                engine.handle(now, arrival(&mut rng, created)).unwrap(),
                &mut pending,
                &mut waiting,
            );
            created += 1;
        }
    }
    timings
}

fn arrivals(count: usize) -> Timings {
    let mut rng = Rng(11);
    let mut engine = setup(&mut rng);
    for i in 0..AGENTS {
        engine
            .handle(
                1,
                Command::SetAgentStatus {
                    agent: format!("a{i}"),
                    status: AgentStatus::Ready,
                },
            )
            .unwrap();
    }
    let mut timings = Timings::default();
    let mut now = 1;
    let mut pending = Vec::new();
    for n in 0..count {
        now += 1;
        if engine.next_deadline().is_some_and(|d| d <= now) {
            pending.extend(offered(&engine.handle(now, Command::Tick).unwrap()));
        }
        let out = timings.handle(&mut engine, now, arrival(&mut rng, n));
        pending.extend(offered(&out));
        // Agents finish their work (untimed) so capacity keeps turning over.
        for (engagement, agent) in pending.drain(..) {
            for command in [
                Command::Accept {
                    agent: agent.clone(),
                    engagement: engagement.clone(),
                },
                Command::End {
                    agent: agent.clone(),
                    engagement: engagement.clone(),
                },
                Command::CloseWrapUp { agent, engagement },
            ] {
                engine.handle(now, command).unwrap();
            }
        }
    }
    timings
}

fn main() {
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .map_or(200_000, |v| v.parse().expect("BENCH_ROUNDS is a number"));
    let mut available = agent_available(rounds);
    let mut arrived = arrivals(rounds);
    println!(
        r#"{{"bench":"engine_routing","agents":{AGENTS},"queues":{QUEUES},"waiting":{WAITING},"agent_available":{},"arrival":{}}}"#,
        available.json(),
        arrived.json()
    );
}
