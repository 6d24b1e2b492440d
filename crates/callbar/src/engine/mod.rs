//! The contact-center engine at work: one task owns the sans-IO [`callbar_engine::Engine`],
//! feeds it commands and the time, and carries out what comes out.
//!
//! Nothing is lost (DESIGN.md, principle 3): every command that changes the engine is
//! appended to the store's command log before any of its effects leave the process. The
//! driver applies a batch of commands, appends them in one transaction (group commit), and
//! only then sends offers, protocol messages and outbox entries to the agents. A restart
//! rebuilds the engine from the latest snapshot plus the log ([`recovery`]).

mod announce;
pub mod call_log;
mod driver;
pub mod recovery;
pub mod settings;
pub mod views;

use callbar_engine::{Command, Engine, EngineError, Output};
use tokio::sync::{mpsc, oneshot};

pub use driver::{Parts, RecordingLinks, spawn};

/// How the rest of the server talks to the engine.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Request>,
}

type Query = Box<dyn FnOnce(&Engine, i64) + Send>;

enum Request {
    Command {
        command: Command,
        reply: oneshot::Sender<Result<Vec<Output>, EngineError>>,
    },
    Query(Query),
    /// Bring queues and agents in step with the organization.
    Sync {
        org: recovery::Organization,
        reply: oneshot::Sender<()>,
    },
}

/// The engine task is gone (the server is shutting down, or the store failed).
#[derive(Debug, thiserror::Error)]
#[error("the contact-center engine is not running")]
pub struct EngineGone;

/// A command refused by the engine, or an engine that is gone.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Refused(#[from] EngineError),
    #[error(transparent)]
    Gone(#[from] EngineGone),
}

impl EngineHandle {
    /// Applies a command. It returns once the command is in the log and its effects are
    /// on their way.
    pub async fn run(&self, command: Command) -> Result<Vec<Output>, RunError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Command { command, reply })
            .await
            .map_err(|_| EngineGone)?;
        Ok(rx.await.map_err(|_| EngineGone)??)
    }

    /// Applies the organization's queues and agents (after an admin changed them).
    pub async fn sync(&self, org: recovery::Organization) -> Result<(), EngineGone> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Sync { org, reply })
            .await
            .map_err(|_| EngineGone)?;
        rx.await.map_err(|_| EngineGone)
    }

    /// Reads the engine's state (and the engine's current time).
    pub async fn query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Engine, i64) -> R + Send + 'static,
    ) -> Result<R, EngineGone> {
        let (reply, rx) = oneshot::channel();
        let query: Query = Box::new(move |engine, now| {
            let _ = reply.send(f(engine, now));
        });
        self.tx.send(Request::Query(query)).await.map_err(|_| EngineGone)?;
        rx.await.map_err(|_| EngineGone)
    }
}
