//! Rebuilding the engine at start, and keeping its configuration in step with the store.

use std::sync::Arc;

use callbar_engine::{AgentStatus, Command, Engine, EngineConfig, Output, Snapshot};
use callbar_protocol::status_code;
use callbar_store::{Disposition, Queue, Store, User};

use super::{call_log, settings};
use crate::directory::Directory;

/// The engine as of the last logged command, and that command's sequence number and time.
pub struct Rebuilt {
    pub engine: Engine,
    pub last_seq: i64,
    pub last_at: i64,
    pub replayed: usize,
}

/// Restores the latest snapshot and replays the log after it. The outputs of the replay are
/// dropped, except that every closed engagement is (idempotently) put in the outbox: if the
/// process died between logging a close and recording its outbox entry, the entry is made
/// now, with the same content.
pub async fn rebuild(store: &Arc<dyn Store>, directory: &Directory, config: EngineConfig) -> anyhow::Result<Rebuilt> {
    let (mut engine, mut last_seq, mut last_at) = match store.snapshot().await? {
        Some(s) => {
            let snapshot: Snapshot = serde_json::from_str(&s.state)?;
            (Engine::restore(snapshot)?, s.seq, s.at)
        }
        None => (Engine::new(config), 0, 0),
    };
    let log = store.commands_after(last_seq).await?;
    let replayed = log.len();
    for entry in log {
        let command: Command = serde_json::from_str(&entry.command)
            .map_err(|e| anyhow::anyhow!("log entry {} is unreadable: {e}", entry.seq))?;
        match engine.handle(entry.at, command) {
            Ok(outputs) => {
                for output in outputs {
                    if let Output::Closed { engagement, call_log } = output
                        && let Some(agent) = &call_log.agent_id
                    {
                        let extension = directory.user(agent).map(|u| u.extension.clone()).unwrap_or_default();
                        let messages = serde_json::to_string(&call_log::messages(&call_log, &extension, None))?;
                        store.add_outbox(&engagement, agent, &messages).await?;
                    }
                }
            }
            // Only commands that succeeded are logged; one failing now means the log and the
            // engine disagree. Say so, and go on: the command changed nothing.
            Err(e) => tracing::error!(seq = entry.seq, "replaying the engine log: {e}"),
        }
        last_seq = entry.seq;
        last_at = entry.at;
    }
    Ok(Rebuilt {
        engine,
        last_seq,
        last_at,
        replayed,
    })
}

/// The organization as the store has it, for [`sync_commands`].
pub struct Organization {
    pub queues: Vec<Queue>,
    pub dispositions: Vec<Disposition>,
    pub users: Vec<User>,
}

impl Organization {
    pub async fn load(store: &Arc<dyn Store>) -> Result<Organization, callbar_store::StoreError> {
        Ok(Organization {
            queues: store.queues().await?,
            dispositions: store.dispositions().await?,
            users: store.users().await?,
        })
    }
}

/// The commands that make the engine's queues and agents match the organization. New
/// agents start in the status they last chose (kept in the store).
pub fn sync_commands(engine: &Engine, org: &Organization) -> Vec<Command> {
    let mut commands = Vec::new();
    for queue in &org.queues {
        let config = settings::queue_config(queue, &org.dispositions);
        if engine.queue_config(&queue.id) != Some(&config) {
            commands.push(Command::UpsertQueue {
                id: queue.id.clone(),
                config,
            });
        }
    }
    let agents: Vec<&User> = org
        .users
        .iter()
        .filter(|u| u.role == callbar_store::Role::Agent)
        .collect();
    for user in &agents {
        let config = settings::agent_config(user, &org.queues);
        let known = engine.agent(&user.id);
        if known.map(|a| &a.config) != Some(&config) {
            commands.push(Command::UpsertAgent {
                id: user.id.clone(),
                config,
            });
        }
        if known.is_none() {
            commands.push(Command::SetAgentStatus {
                agent: user.id.clone(),
                status: chosen_status(&user.status_code),
            });
        }
    }
    for id in engine.agent_ids() {
        if !agents.iter().any(|u| u.id == id) {
            commands.push(Command::RemoveAgent { agent: id.to_owned() });
        }
    }
    commands
}

/// The engine's status for a stored status code.
pub fn chosen_status(code: &str) -> AgentStatus {
    match code {
        status_code::READY => AgentStatus::Ready,
        status_code::OFFLINE | "" => AgentStatus::Offline,
        other => AgentStatus::NotReady { code: other.to_owned() },
    }
}
