//! The records the store keeps.

use serde::Serialize;

/// What a user may do. Checked on the server for every action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user as everyone but the sign-in code sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub extension: String,
    pub status_code: String,
    pub created_at: i64,
    /// Routing settings (JSON in the engine's shape: skills, capacity, queues).
    #[serde(skip)]
    pub agent_settings: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    /// `None`: the lowest free extension from 1001 up, chosen by the insert itself so that
    /// users created at once never share one.
    pub extension: Option<String>,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub extension: Option<String>,
    pub password_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// An admin-defined reason for being Not Ready.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusReason {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewQueue {
    pub name: String,
    /// A channel wire value: voice, video, chat, sms, work_item.
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub channel: String,
    /// Routing settings (JSON in the engine's shape).
    #[serde(skip)]
    pub settings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disposition {
    pub id: String,
    pub queue_id: String,
    pub name: String,
}

/// One entry of the engine's command log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedCommand {
    pub seq: i64,
    pub at: i64,
    pub command: String,
}

/// The engine's state as of log entry `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: i64,
    pub at: i64,
    pub state: String,
}

/// Messages an engagement owes the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub engagement_id: String,
    pub agent_id: String,
    /// A JSON array of messages.
    pub messages: String,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// A back-office system allowed to create engagements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// An outbox entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxEntry {
    pub engagement_id: String,
    pub agent_id: String,
    /// A JSON array of messages.
    pub messages: String,
}

/// What [`crate::Store::append_commands`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub last_seq: i64,
    /// The ids of the outbox entries, in the order given.
    pub outbox_ids: Vec<i64>,
}

/// How customers reach a queue: the website widget, a phone number, an SMS number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    pub id: String,
    pub name: String,
    /// `widget`, `phone` or `sms`.
    pub kind: String,
    pub queue_id: String,
    /// The number for `phone` and `sms`.
    pub address: String,
}

#[derive(Debug, Clone)]
pub struct NewEntryPoint {
    pub name: String,
    pub kind: String,
    pub queue_id: String,
    pub address: String,
}
