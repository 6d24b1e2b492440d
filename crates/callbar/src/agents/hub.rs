//! The live agent channels, by user.
//!
//! A user may have several channels open (two tabs, a reload in progress); whatever
//! concerns them goes to all of them, except outbox deliveries, which go to one channel at
//! a time so that a call log reaches one host once. Each channel has a bounded queue: a
//! channel that cannot keep up is closed rather than allowed to grow without bound, and the
//! embed reconnects and receives a fresh snapshot.
//!
//! Snapshots (an agent's engagements, queue statistics) replace what the embed shows, so
//! an older one must never arrive after a newer one. They are taken and queued here on the
//! engine's task only (the driver, or a query that sends before it returns): one task
//! takes them in turn and each channel's queue keeps that order.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use callbar_protocol::EmbedMessage;
use callbar_protocol::channel::{CloseReason, ServerOp};
use callbar_store::Role;
use tokio::sync::mpsc;

/// Messages queued per channel before it counts as stuck.
const QUEUE: usize = 256;

struct Conn {
    id: u64,
    token_hash: Vec<u8>,
    role: Role,
    tx: mpsc::Sender<ServerOp>,
}

/// An outbox entry handed to one channel and not yet confirmed.
struct InFlight {
    user_id: String,
    conn: u64,
    messages: Vec<EmbedMessage>,
}

#[derive(Default)]
struct Inner {
    conns: HashMap<String, Vec<Conn>>,
    in_flight: HashMap<i64, InFlight>,
}

#[derive(Default)]
pub struct AgentHub {
    next_id: AtomicU64,
    inner: Mutex<Inner>,
}

/// A registered channel: its id, its queue, and whether it is the user's first.
pub struct Registration {
    pub id: u64,
    pub outbox: mpsc::Receiver<ServerOp>,
    pub first: bool,
}

impl AgentHub {
    pub fn register(&self, user_id: &str, role: Role, token_hash: Vec<u8>) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, outbox) = mpsc::channel(QUEUE);
        let mut inner = self.lock();
        let list = inner.conns.entry(user_id.to_owned()).or_default();
        let first = list.is_empty();
        list.push(Conn {
            id,
            token_hash,
            role,
            tx,
        });
        Registration { id, outbox, first }
    }

    /// Removes a channel; returns whether it was the user's last. Deliveries it had not
    /// confirmed move to another channel of the user, if there is one.
    pub fn unregister(&self, user_id: &str, id: u64) -> bool {
        let mut inner = self.lock();
        let last = match inner.conns.get_mut(user_id) {
            Some(list) => {
                list.retain(|c| c.id != id);
                list.is_empty()
            }
            None => true,
        };
        if last {
            inner.conns.remove(user_id);
        }
        let orphaned: Vec<i64> = inner
            .in_flight
            .iter()
            .filter(|(_, f)| f.conn == id)
            .map(|(outbox_id, _)| *outbox_id)
            .collect();
        for outbox_id in orphaned {
            let flight = inner.in_flight.remove(&outbox_id).expect("listed above");
            Self::hand_over(&mut inner, outbox_id, flight.user_id, flight.messages);
        }
        last
    }

    pub fn is_connected(&self, user_id: &str) -> bool {
        self.lock().conns.contains_key(user_id)
    }

    /// Sends to every channel of the user. A channel whose queue is full is dropped.
    pub fn send(&self, user_id: &str, op: ServerOp) {
        let mut inner = self.lock();
        if let Some(list) = inner.conns.get_mut(user_id) {
            list.retain(|c| deliverable(c, user_id, op.clone()));
        }
    }

    /// Sends to one given channel of the user: a new channel's first snapshots.
    pub fn send_to(&self, user_id: &str, id: u64, op: ServerOp) {
        let mut inner = self.lock();
        if let Some(list) = inner.conns.get_mut(user_id) {
            list.retain(|c| c.id != id || deliverable(c, user_id, op.clone()));
        }
    }

    /// Sends to one channel of the user (the newest): for what only one window must do,
    /// such as opening the audio of a call.
    pub fn send_one(&self, user_id: &str, op: ServerOp) {
        let inner = self.lock();
        if let Some(conn) = inner.conns.get(user_id).and_then(|list| list.last()) {
            let _ = conn.tx.try_send(op);
        }
    }

    /// Sends to every channel whose user `pick` gives something for.
    pub fn broadcast(&self, pick: impl Fn(&str, Role) -> Option<ServerOp>) {
        let mut inner = self.lock();
        for (user_id, list) in inner.conns.iter_mut() {
            list.retain(|c| match pick(user_id, c.role) {
                Some(op) => deliverable(c, user_id, op),
                None => true,
            });
        }
    }

    /// Hands an outbox entry to one channel of the user (the newest). Without a channel it
    /// waits in the store for the next connection.
    pub fn deliver(&self, user_id: &str, outbox_id: i64, messages: Vec<EmbedMessage>) {
        let mut inner = self.lock();
        if inner.in_flight.contains_key(&outbox_id) {
            return;
        }
        Self::hand_over(&mut inner, outbox_id, user_id.to_owned(), messages);
    }

    /// Whether an entry is already with a channel.
    pub fn in_flight(&self, outbox_id: i64) -> bool {
        self.lock().in_flight.contains_key(&outbox_id)
    }

    /// A channel confirmed an entry.
    pub fn delivered(&self, outbox_id: i64) {
        self.lock().in_flight.remove(&outbox_id);
    }

    fn hand_over(inner: &mut Inner, outbox_id: i64, user_id: String, messages: Vec<EmbedMessage>) {
        let Some(conn) = inner.conns.get(&user_id).and_then(|list| list.last()) else {
            return;
        };
        let op = ServerOp::Deliver {
            outbox_id,
            messages: messages.clone(),
        };
        if conn.tx.try_send(op).is_ok() {
            let conn = conn.id;
            inner.in_flight.insert(
                outbox_id,
                InFlight {
                    user_id,
                    conn,
                    messages,
                },
            );
        }
    }

    /// Ends every channel opened with this session (sign-out).
    pub fn close_session(&self, token_hash: &[u8], reason: CloseReason, message: &str) {
        let inner = self.lock();
        for c in inner.conns.values().flatten().filter(|c| c.token_hash == token_hash) {
            let _ = c.tx.try_send(closed(reason, message));
        }
    }

    /// Ends every channel of a user (removed, or password changed).
    pub fn close_user(&self, user_id: &str, reason: CloseReason, message: &str) {
        let inner = self.lock();
        for c in inner.conns.get(user_id).into_iter().flatten() {
            let _ = c.tx.try_send(closed(reason, message));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("agent hub lock")
    }
}

/// Queues `op` on a channel; false when the channel is gone or stuck.
fn deliverable(c: &Conn, user_id: &str, op: ServerOp) -> bool {
    match c.tx.try_send(op) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(user = user_id, channel = c.id, "agent channel stuck; closing it");
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

fn closed(reason: CloseReason, message: &str) -> ServerOp {
    ServerOp::Closed {
        reason,
        message: message.to_owned(),
    }
}
