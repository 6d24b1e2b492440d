//! The live agent channels, by agent.
//!
//! An agent may have several channels open (two tabs, a reload in progress); whatever
//! concerns the agent goes to all of them. Each channel has a bounded queue: a channel
//! that cannot keep up is closed rather than allowed to grow without bound, and the embed
//! reconnects and receives a fresh snapshot.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use callbar_protocol::channel::{CloseReason, ServerOp};
use tokio::sync::mpsc;

/// Messages queued per channel before it counts as stuck.
const QUEUE: usize = 256;

struct Conn {
    id: u64,
    token_hash: Vec<u8>,
    tx: mpsc::Sender<ServerOp>,
}

#[derive(Default)]
pub struct AgentHub {
    next_id: AtomicU64,
    conns: Mutex<HashMap<String, Vec<Conn>>>,
}

impl AgentHub {
    /// Adds a channel of `user_id`; returns its id and the queue to drain into the socket.
    pub fn register(&self, user_id: &str, token_hash: Vec<u8>) -> (u64, mpsc::Receiver<ServerOp>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        self.lock()
            .entry(user_id.to_owned())
            .or_default()
            .push(Conn { id, token_hash, tx });
        (id, rx)
    }

    pub fn unregister(&self, user_id: &str, id: u64) {
        let mut conns = self.lock();
        if let Some(list) = conns.get_mut(user_id) {
            list.retain(|c| c.id != id);
            if list.is_empty() {
                conns.remove(user_id);
            }
        }
    }

    /// Sends to every channel of the agent. A channel whose queue is full is dropped.
    pub fn send(&self, user_id: &str, op: ServerOp) {
        let mut conns = self.lock();
        if let Some(list) = conns.get_mut(user_id) {
            list.retain(|c| match c.tx.try_send(op.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    tracing::warn!(
                        user = user_id,
                        channel = c.id,
                        "agent channel stuck; closing it"
                    );
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            });
        }
    }

    /// Ends every channel opened with this session (sign-out).
    pub fn close_session(&self, token_hash: &[u8], reason: CloseReason, message: &str) {
        self.close_where(|c| c.token_hash == token_hash, reason, message);
    }

    /// Ends every channel of a user (removed, or password changed).
    pub fn close_user(&self, user_id: &str, reason: CloseReason, message: &str) {
        let conns = self.lock();
        for c in conns.get(user_id).into_iter().flatten() {
            let _ = c.tx.try_send(closed(reason, message));
        }
    }

    fn close_where(&self, pick: impl Fn(&Conn) -> bool, reason: CloseReason, message: &str) {
        let conns = self.lock();
        for c in conns.values().flatten().filter(|c| pick(c)) {
            let _ = c.tx.try_send(closed(reason, message));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Conn>>> {
        self.conns.lock().expect("agent hub lock")
    }
}

fn closed(reason: CloseReason, message: &str) -> ServerOp {
    ServerOp::Closed {
        reason,
        message: message.to_owned(),
    }
}
