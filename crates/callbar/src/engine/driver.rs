//! The task that owns the engine.
//!
//! It waits for commands, queries, the engine's next deadline and the statistics tick.
//! Commands arriving together are applied together and logged in one transaction; their
//! effects go out only after that transaction commits. If the log cannot be written, the
//! engine stops (its state would no longer match the log): requests then fail with
//! [`EngineGone`](super::EngineGone) and `/healthz` reports it.

use std::sync::Arc;
use std::time::Duration;

use callbar_engine::{Command, Engine, EngineError, Output};
use callbar_protocol::channel::{QueueStatsView, ServerOp};
use callbar_protocol::{CallRecording, EmbedMessage, ScreenPop};
use callbar_store::{NewOutboxEntry, Store};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, sleep_until};
use tokio_util::sync::CancellationToken;

use super::announce::{self, Effect};
use super::recovery::{self, Organization};
use super::settings::{self, RecordingPolicy};
use super::{EngineHandle, Request, call_log, views};
use crate::agents::AgentHub;
use crate::agents::lookups::Lookups;
use crate::directory::Directory;
use crate::voice::{Voice, recordings};

/// Commands taken from the queue at once, at most.
const BATCH: usize = 512;
/// A snapshot is written after this many logged commands (and at shutdown).
const SNAPSHOT_EVERY: u64 = 10_000;
/// How often queue statistics are recomputed and, when they changed, pushed.
const STATS_EVERY: Duration = Duration::from_millis(500);

/// What the driver works with besides the engine.
#[derive(Clone)]
pub struct Parts {
    pub store: Arc<dyn Store>,
    pub hub: Arc<AgentHub>,
    pub directory: Arc<Directory>,
    pub lookups: Arc<Lookups>,
    pub voice: Arc<Voice>,
    pub recordings: RecordingLinks,
    pub shutdown: CancellationToken,
}

/// What recording links in call logs are made from.
#[derive(Clone)]
pub struct RecordingLinks {
    pub public_url: String,
    pub key: [u8; 32],
    pub data_dir: std::path::PathBuf,
}

/// Starts the engine task with a rebuilt engine, after bringing its organization in step
/// with the store and marking every agent disconnected (their channels died with the last
/// process; they reconnect).
pub async fn spawn(
    parts: Parts,
    rebuilt: recovery::Rebuilt,
) -> anyhow::Result<(EngineHandle, tokio::task::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(4096);
    let mut driver = Driver {
        engine: rebuilt.engine,
        now: rebuilt.last_at,
        last_seq: rebuilt.last_seq,
        logged_since_snapshot: rebuilt.replayed as u64,
        last_stats: Vec::new(),
        parts,
        failed: false,
    };
    let org = Organization::load(&driver.parts.store).await?;
    let mut commands = recovery::sync_commands(&driver.engine, &org);
    for id in driver.engine.agent_ids() {
        if driver.engine.agent(id).is_some_and(|a| a.connected) {
            commands.push(Command::AgentDisconnected { agent: id.to_owned() });
        }
    }
    let results = driver.process_commands(commands).await;
    for r in results.into_iter().filter_map(Result::err) {
        tracing::warn!("bringing the engine in step with the organization: {r}");
    }
    anyhow::ensure!(!driver.failed, "the engine log could not be written");
    let task = tokio::spawn(driver.run(rx));
    Ok((EngineHandle { tx }, task))
}

struct Driver {
    engine: Engine,
    parts: Parts,
    /// The engine's time: never goes backwards.
    now: i64,
    last_seq: i64,
    logged_since_snapshot: u64,
    last_stats: Vec<QueueStatsView>,
    failed: bool,
}

impl Driver {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        let mut stats = interval(STATS_EVERY);
        stats.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let shutdown = self.parts.shutdown.clone();
        while !self.failed {
            let wake = self.engine.next_deadline().map(|at| {
                let wait = (at - callbar_store::now_ms()).max(0) as u64;
                Instant::now() + Duration::from_millis(wait)
            });
            tokio::select! {
                request = rx.recv() => {
                    let Some(first) = request else { break };
                    let mut batch = vec![first];
                    while batch.len() < BATCH {
                        match rx.try_recv() {
                            Ok(r) => batch.push(r),
                            Err(_) => break,
                        }
                    }
                    self.process(batch).await;
                }
                _ = async { sleep_until(wake.expect("guarded")).await }, if wake.is_some() => {
                    self.process(Vec::new()).await;
                }
                _ = stats.tick() => self.push_stats(),
                _ = shutdown.cancelled() => break,
            }
        }
        if !self.failed {
            self.snapshot().await;
        }
    }

    /// The engine's current time.
    fn clock(&mut self) -> i64 {
        self.now = self.now.max(callbar_store::now_ms());
        self.now
    }

    async fn process(&mut self, batch: Vec<Request>) {
        let mut commands = Vec::new();
        let mut replies = Vec::new();
        let mut queries = Vec::new();
        for request in batch {
            match request {
                Request::Command { command, reply } => {
                    commands.push(command);
                    replies.push(reply);
                }
                Request::Query(q) => queries.push(q),
                Request::Sync { org, reply } => {
                    let sync = recovery::sync_commands(&self.engine, &org);
                    for result in self.process_commands(sync).await {
                        if let Err(e) = result {
                            tracing::warn!("applying an organization change to the engine: {e}");
                        }
                    }
                    let _ = reply.send(());
                }
            }
        }
        let results = self.process_commands(commands).await;
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
        let now = self.now;
        for q in queries {
            q(&self.engine, now);
        }
    }

    /// Applies commands (after any due timers), logs what changed the engine, then carries
    /// out the effects. Returns each command's result.
    async fn process_commands(&mut self, commands: Vec<Command>) -> Vec<Result<Vec<Output>, EngineError>> {
        let now = self.clock();
        let mut log = Vec::new();
        let mut effects = Vec::new();
        if self.engine.next_deadline().is_some_and(|at| at <= now) {
            let _ = self.apply(now, Command::Tick, &mut log, &mut effects);
        }
        let results: Vec<_> = commands
            .into_iter()
            .map(|c| self.apply(now, c, &mut log, &mut effects))
            .collect();
        // Outbox entries go into the same transaction as the commands that closed their
        // engagements: a close and its call log become durable together.
        let (outbox, messages) = self.outbox_entries(&effects);
        let mut outbox_ids = Vec::new();
        if !log.is_empty() {
            match self.parts.store.append_commands(&log, &outbox).await {
                Ok(appended) => {
                    self.last_seq = appended.last_seq;
                    self.logged_since_snapshot += log.len() as u64;
                    outbox_ids = appended.outbox_ids;
                }
                Err(e) => {
                    tracing::error!("the engine log could not be written ({e}); the engine stops");
                    self.failed = true;
                    return results
                        .into_iter()
                        .map(|_| {
                            Err(EngineError::InvalidInput(
                                "the engine could not record the change".into(),
                            ))
                        })
                        .collect();
                }
            }
        }
        self.carry_out(effects, outbox_ids.into_iter().zip(messages)).await;
        if self.logged_since_snapshot >= SNAPSHOT_EVERY {
            self.snapshot().await;
        }
        results
    }

    fn apply(
        &mut self,
        now: i64,
        command: Command,
        log: &mut Vec<(i64, String)>,
        effects: &mut Vec<Effect>,
    ) -> Result<Vec<Output>, EngineError> {
        let tick = matches!(command, Command::Tick);
        let text = serde_json::to_string(&command).expect("commands serialize");
        let outputs = self.engine.handle(now, command)?;
        if !(tick && outputs.is_empty()) {
            log.push((now, text));
        }
        announce::translate(&self.engine, &outputs, effects);
        Ok(outputs)
    }

    /// The outbox entries of the closes among `effects`, and their messages.
    fn outbox_entries(&self, effects: &[Effect]) -> (Vec<NewOutboxEntry>, Vec<Vec<EmbedMessage>>) {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Outbox { agent, engagement, log } => {
                    let extension = self
                        .parts
                        .directory
                        .user(agent)
                        .map(|u| u.extension.clone())
                        .unwrap_or_default();
                    let mut messages = call_log::messages(log, &extension, self.parts.lookups.contact(engagement));
                    if self.parts.voice.was_recorded(engagement) && self.parts.lookups.auto_update_call_url(agent) {
                        let links = &self.parts.recordings;
                        let url = recordings::signed_url(&links.public_url, &links.key, engagement, self.now);
                        messages.push(EmbedMessage::CallRecording(CallRecording {
                            engagement_id: engagement.clone(),
                            recording_url: url,
                        }));
                    }
                    let entry = NewOutboxEntry {
                        engagement_id: engagement.clone(),
                        agent_id: agent.clone(),
                        messages: serde_json::to_string(&messages).expect("messages serialize"),
                    };
                    Some((entry, messages))
                }
                _ => None,
            })
            .unzip()
    }

    async fn carry_out(&mut self, effects: Vec<Effect>, mut outbox: impl Iterator<Item = (i64, Vec<EmbedMessage>)>) {
        let Parts {
            store,
            hub,
            directory,
            lookups,
            ..
        } = &self.parts;
        let mut refresh = Vec::new();
        for effect in effects {
            match effect {
                Effect::Post { agent, message } => hub.send(&agent, ServerOp::Post { message }),
                Effect::Status {
                    agent,
                    chosen,
                    reported,
                } => {
                    if directory.user(&agent).is_some_and(|u| u.status_code != chosen) {
                        if let Err(e) = store.set_status_code(&agent, &chosen).await {
                            tracing::warn!(%agent, "storing the agent's status failed: {e}");
                        }
                        directory.set_status_code(&agent, &chosen);
                    }
                    for op in announce::status_ops(directory, &reported) {
                        hub.send(&agent, op);
                    }
                }
                Effect::Outbox { agent, .. } => {
                    if let Some((id, messages)) = outbox.next() {
                        hub.deliver(&agent, id, messages);
                    }
                }
                Effect::Lookup {
                    agent,
                    kind,
                    engagement,
                    address,
                    message,
                } => {
                    lookups.asked(&agent, kind, &engagement, &address);
                    hub.send(&agent, ServerOp::Post { message });
                }
                Effect::Connected { agent, engagement } => {
                    if let Some(id) = lookups.connected(&engagement) {
                        let pop = ScreenPop {
                            id,
                            engagement_id: Some(engagement),
                        };
                        hub.send(
                            &agent,
                            ServerOp::Post {
                                message: EmbedMessage::ScreenPop(pop),
                            },
                        );
                    }
                }
                Effect::Finished { engagement } => {
                    lookups.forget(&engagement);
                    self.parts.voice.forget(&engagement);
                }
                Effect::Phase { engagement, phase } => self.parts.voice.phase(&engagement, phase),
                Effect::CallAccepted {
                    engagement,
                    agent,
                    queue,
                } => {
                    let name = directory.user(&agent).map(|u| u.name.clone()).unwrap_or_default();
                    let voice = &self.parts.voice;
                    voice.accepted(&engagement, &agent, &name);
                    hub.send_one(
                        &agent,
                        ServerOp::StartMedia {
                            engagement_id: engagement.clone(),
                            ice_servers: voice.ice_servers(&agent),
                        },
                    );
                    if settings::recording_policy(&directory.queues(), &queue) == RecordingPolicy::Always {
                        let path = recordings::path(&self.parts.recordings.data_dir, &engagement);
                        voice.record_always(&engagement, &path).await;
                    }
                }
                Effect::Dial {
                    engagement,
                    agent,
                    from,
                    to,
                    queue_id,
                    queue_name,
                } => {
                    let agent_name = directory.user(&agent).map(|u| u.name.clone()).unwrap_or_default();
                    self.parts.voice.dial(crate::voice::trunk::DialRequest {
                        engagement,
                        agent,
                        agent_name,
                        from,
                        to,
                        queue_id,
                        queue_name,
                    });
                }
                Effect::HangUp { engagement } => {
                    let voice = self.parts.voice.clone();
                    tokio::spawn(async move { voice.hang_up(&engagement).await });
                }
                Effect::Refresh { agent } => {
                    if !refresh.contains(&agent) {
                        refresh.push(agent);
                    }
                }
            }
        }
        for agent in refresh {
            let engagements = views::agent_engagements(&self.engine, lookups, &self.parts.voice, &agent);
            hub.send(&agent, ServerOp::Engagements { engagements });
        }
    }

    /// Recomputes queue statistics and pushes them when they changed.
    fn push_stats(&mut self) {
        let now = self.clock();
        let mut queue_ids: Vec<String> = self.engine.queue_ids().into_iter().map(str::to_owned).collect();
        queue_ids.sort();
        let stats = views::queue_stats(&self.engine, &queue_ids, now);
        let unchanged = stats.len() == self.last_stats.len()
            && stats
                .iter()
                .zip(&self.last_stats)
                .all(|(a, b)| QueueStatsView { at: b.at, ..a.clone() } == *b);
        if unchanged {
            return;
        }
        let engine = &self.engine;
        self.parts.hub.broadcast(|user_id, role| {
            let queues: Vec<QueueStatsView> = if role >= callbar_store::Role::Supervisor {
                stats.clone()
            } else {
                let agent = engine.agent(user_id)?;
                stats
                    .iter()
                    .filter(|s| agent.config.queues.contains(&s.queue_id))
                    .cloned()
                    .collect()
            };
            Some(ServerOp::QueueStats { queues })
        });
        self.last_stats = stats;
    }

    async fn snapshot(&mut self) {
        if self.logged_since_snapshot == 0 {
            return;
        }
        let state = match serde_json::to_string(&self.engine.snapshot()) {
            Ok(s) => s,
            Err(e) => return tracing::error!("serializing the engine failed: {e}"),
        };
        let snapshot = callbar_store::Snapshot {
            seq: self.last_seq,
            at: self.now,
            state,
        };
        match self.parts.store.save_snapshot(snapshot).await {
            Ok(()) => self.logged_since_snapshot = 0,
            Err(e) => tracing::warn!("saving an engine snapshot failed: {e}"),
        }
    }
}
