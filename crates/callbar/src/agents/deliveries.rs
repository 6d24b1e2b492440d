//! Confirmations of outbox deliveries, recorded in batches.
//!
//! Every finished engagement's call log is confirmed by the embed that posted it. Writing
//! each confirmation on its own would cost a database round trip per engagement on the
//! busiest path; instead they queue here and one task writes whatever has gathered in one
//! transaction. If the process dies before a batch is written, those entries are delivered
//! again after the restart (at-least-once from the server; the embed posts an entry once
//! per page).

use std::sync::Arc;

use callbar_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Confirmations written in one transaction, at most.
const BATCH: usize = 1024;

#[derive(Clone)]
pub struct Deliveries {
    tx: mpsc::UnboundedSender<(i64, String)>,
}

impl Deliveries {
    /// Starts the writer; at shutdown it writes what is queued and ends.
    pub fn spawn(store: Arc<dyn Store>, shutdown: CancellationToken) -> (Deliveries, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<(i64, String)>();
        let task = tokio::spawn(async move {
            let mut batch = Vec::new();
            loop {
                let stopping = tokio::select! {
                    n = rx.recv_many(&mut batch, BATCH) => n == 0,
                    _ = shutdown.cancelled() => true,
                };
                if stopping {
                    while let Ok(entry) = rx.try_recv() {
                        batch.push(entry);
                    }
                }
                if !batch.is_empty() {
                    if let Err(e) = store.mark_delivered_many(&batch).await {
                        tracing::warn!(entries = batch.len(), "recording deliveries failed: {e}");
                    }
                    batch.clear();
                }
                if stopping {
                    return;
                }
            }
        });
        (Deliveries { tx }, task)
    }

    /// An embed of `agent` posted outbox entry `id` to its host.
    pub fn confirmed(&self, id: i64, agent: &str) {
        let _ = self.tx.send((id, agent.to_owned()));
    }
}
