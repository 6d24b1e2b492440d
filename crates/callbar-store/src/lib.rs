//! Callbar's persistence, behind the [`Store`] trait.
//!
//! Callers hold an `Arc<dyn Store>` and never see SQL, so a PostgreSQL implementation can
//! be added for scale-out (DESIGN.md, principle 8) without touching them. The embedded
//! default is [`SqliteStore`]: one file in the data folder, migrated at start.

mod model;
mod sqlite;

pub use model::*;
pub use sqlite::SqliteStore;

use async_trait::async_trait;

/// What can go wrong in the store. `NotFound` and `Conflict` are the caller's doing and
/// map to clear client errors; `Backend` is ours.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("storage failed: {0}")]
    Backend(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The organization's records.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    // Users
    async fn user_count(&self) -> Result<u64>;
    /// Adds a user, with the lowest free extension from 1001 up unless one is given. An
    /// email or extension someone already has is a `Conflict`.
    async fn create_user(&self, user: NewUser) -> Result<User>;
    async fn user(&self, id: &str) -> Result<Option<User>>;
    /// The user and their password hash, for sign-in. Emails compare case-insensitively.
    async fn credentials(&self, email: &str) -> Result<Option<(User, String)>>;
    async fn users(&self) -> Result<Vec<User>>;
    /// Changes a user; an extension someone else has is a `Conflict`.
    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<User>;
    async fn delete_user(&self, id: &str) -> Result<()>;
    /// Persists the agent's chosen status code.
    async fn set_status_code(&self, user_id: &str, code: &str) -> Result<()>;

    // Sessions
    async fn create_session(&self, session: Session) -> Result<()>;
    async fn session(&self, token_hash: &[u8]) -> Result<Option<Session>>;
    async fn delete_session(&self, token_hash: &[u8]) -> Result<()>;
    async fn delete_sessions_of(&self, user_id: &str) -> Result<()>;
    /// Removes sessions that expired before `now_ms`; returns how many.
    async fn purge_expired_sessions(&self, now_ms: i64) -> Result<u64>;

    // Approved domains (host origins allowed to embed the softphone)
    async fn add_domain(&self, origin: &str) -> Result<()>;
    async fn remove_domain(&self, origin: &str) -> Result<()>;
    async fn domains(&self) -> Result<Vec<String>>;
    async fn domain_approved(&self, origin: &str) -> Result<bool>;

    // Not-ready reasons
    /// Adds a reason; its code is the next free number from 20 up.
    async fn add_status_reason(&self, name: &str) -> Result<StatusReason>;
    async fn status_reasons(&self) -> Result<Vec<StatusReason>>;
    async fn remove_status_reason(&self, code: &str) -> Result<()>;

    // Queues and dispositions
    async fn create_queue(&self, queue: NewQueue) -> Result<Queue>;
    async fn queues(&self) -> Result<Vec<Queue>>;
    async fn add_disposition(&self, queue_id: &str, name: &str) -> Result<Disposition>;
    async fn dispositions(&self) -> Result<Vec<Disposition>>;
    /// Replaces a queue's routing settings (JSON in the engine's shape).
    async fn set_queue_settings(&self, queue_id: &str, settings: &str) -> Result<()>;
    /// Replaces an agent's routing settings (JSON in the engine's shape).
    async fn set_agent_settings(&self, user_id: &str, settings: &str) -> Result<()>;

    // The engine's command log
    /// Appends commands `(at, command)` and records the outbox entries they produced, in
    /// one transaction: a close and its call log are durable together. Returns the last
    /// sequence number and the entries' ids (an engagement already in the outbox keeps its
    /// entry and id).
    async fn append_commands(&self, commands: &[(i64, String)], outbox: &[NewOutboxEntry]) -> Result<Appended>;
    /// The commands after `seq`, in order.
    async fn commands_after(&self, seq: i64) -> Result<Vec<LoggedCommand>>;
    async fn snapshot(&self) -> Result<Option<Snapshot>>;
    /// Stores a snapshot and drops the log entries it covers, in one transaction.
    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<()>;

    // The outbox
    /// Records what an engagement owes the host. A second entry for the same engagement is
    /// ignored, so recording is idempotent.
    async fn add_outbox(&self, engagement_id: &str, agent_id: &str, messages: &str) -> Result<()>;
    /// Entries for the agent that no embed has confirmed yet, oldest first.
    async fn pending_outbox(&self, agent_id: &str) -> Result<Vec<OutboxEntry>>;
    /// Marks an entry delivered; false if it was not the agent's or already delivered.
    async fn mark_delivered(&self, id: i64, agent_id: &str) -> Result<bool>;
    /// Marks entries `(id, agent)` delivered in one transaction (each only if it is that
    /// agent's).
    async fn mark_delivered_many(&self, entries: &[(i64, String)]) -> Result<()>;
    /// Whether an engagement's entry exists, delivered or not.
    async fn outbox_entry(&self, engagement_id: &str) -> Result<Option<OutboxEntry>>;

    // Entry points
    async fn create_entry_point(&self, entry: NewEntryPoint) -> Result<EntryPoint>;
    async fn entry_points(&self) -> Result<Vec<EntryPoint>>;
    async fn delete_entry_point(&self, id: &str) -> Result<()>;

    // Host records linked to engagements
    /// Links (or re-links) an engagement to a host record (JSON).
    async fn set_engagement_contact(&self, engagement_id: &str, contact: &str) -> Result<()>;
    async fn engagement_contact(&self, engagement_id: &str) -> Result<Option<String>>;

    // API tokens
    async fn create_api_token(&self, name: &str, token_hash: &[u8]) -> Result<ApiToken>;
    async fn api_token(&self, token_hash: &[u8]) -> Result<Option<ApiToken>>;
    async fn api_tokens(&self) -> Result<Vec<ApiToken>>;
    async fn delete_api_token(&self, id: &str) -> Result<()>;
}

/// A new random identifier: 16 bytes as 22 characters of base64url, the shape of
/// Zoom's engagement and queue ids.
pub fn new_id() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<16>())
}

/// Bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
