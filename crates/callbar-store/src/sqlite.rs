//! The embedded store: SQLite in WAL mode, one file in the data folder.
//!
//! WAL lets the running server and a `callbar …` admin command use the same file at once;
//! `synchronous = NORMAL` keeps every committed transaction across a process crash.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, QueryBuilder, Row, Sqlite, SqlitePool};

use crate::*;

pub struct SqliteStore {
    pool: SqlitePool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl SqliteStore {
    /// Opens (creating if needed) `callbar.db` in `data_dir` and applies pending
    /// migrations.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Backend(format!("cannot create data folder {}: {e}", data_dir.display())))?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(backend)?
            .filename(data_dir.join("callbar.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // Migrate (and switch to WAL) on one connection before the pool opens more, so no
        // second connection races the schema change for the file lock.
        let mut first = options.connect().await.map_err(backend)?;
        MIGRATOR.run(&mut first).await.map_err(migration)?;
        first.close().await.map_err(backend)?;
        Ok(SqliteStore {
            pool: pool(options, 4).await?,
        })
    }

    /// A private in-memory database, for tests.
    pub async fn in_memory() -> Result<Self> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(backend)?
            .foreign_keys(true);
        // One connection: every connection to :memory: is its own database.
        let pool = pool(options, 1).await?;
        MIGRATOR.run(&pool).await.map_err(migration)?;
        Ok(SqliteStore { pool })
    }
}

async fn pool(options: SqliteConnectOptions, max: u32) -> Result<SqlitePool> {
    SqlitePoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        // A local file: a pooled connection cannot have gone away, and checking would cost
        // every query an extra trip to the connection's thread.
        .test_before_acquire(false)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(backend)
}

fn migration(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(format!("migrating the database failed: {e}"))
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Maps a unique-constraint violation to `Conflict(what)`.
fn write_error(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let what = what.into();
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => backend(e),
    }
}

const USER_COLUMNS: &str = "id, email, name, role, extension, status_code, created_at, agent_settings";

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<User> {
    let role: String = row.try_get("role").map_err(backend)?;
    Ok(User {
        id: row.try_get("id").map_err(backend)?,
        email: row.try_get("email").map_err(backend)?,
        name: row.try_get("name").map_err(backend)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Backend(format!("unknown role {role:?}")))?,
        extension: row.try_get("extension").map_err(backend)?,
        status_code: row.try_get("status_code").map_err(backend)?,
        created_at: row.try_get("created_at").map_err(backend)?,
        agent_settings: row.try_get("agent_settings").map_err(backend)?,
    })
}

fn queue_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Queue> {
    Ok(Queue {
        id: r.try_get("id").map_err(backend)?,
        name: r.try_get("name").map_err(backend)?,
        channel: r.try_get("channel").map_err(backend)?,
        settings: r.try_get("settings").map_err(backend)?,
    })
}

fn outbox_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<OutboxEntry> {
    Ok(OutboxEntry {
        id: r.try_get("id").map_err(backend)?,
        engagement_id: r.try_get("engagement_id").map_err(backend)?,
        agent_id: r.try_get("agent_id").map_err(backend)?,
        messages: r.try_get("messages").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
        delivered_at: r.try_get("delivered_at").map_err(backend)?,
    })
}

fn api_token_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.try_get("id").map_err(backend)?,
        name: r.try_get("name").map_err(backend)?,
        created_at: r.try_get("created_at").map_err(backend)?,
    })
}

fn affected(what: &str, id: &str, rows: u64) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NotFound(format!("{what} {id:?}")))
    } else {
        Ok(())
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn user_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(n as u64)
    }

    async fn create_user(&self, user: NewUser) -> Result<User> {
        let id = new_id();
        // One statement, so the free extension is found under the write lock the insert
        // holds: users created at once cannot both take it. The unique index
        // `users_extension` makes sure of it.
        sqlx::query(
            "INSERT INTO users (id, email, name, role, password_hash, extension, created_at)
             SELECT ?, ?, ?, ?, ?, COALESCE(?, (
                 SELECT CAST(MIN(n) AS TEXT) FROM (
                     SELECT 1001 AS n
                     UNION ALL
                     SELECT CAST(extension AS INTEGER) + 1 FROM users WHERE CAST(extension AS INTEGER) >= 1001
                 )
                 WHERE n NOT IN (SELECT CAST(extension AS INTEGER) FROM users WHERE extension <> '')
             )), ?",
        )
        .bind(&id)
        .bind(&user.email)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(&user.extension)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                match (&user.extension, db.message().contains("users.extension")) {
                    (Some(extension), true) => StoreError::Conflict(format!("a user with extension {extension:?}")),
                    // The statement found that extension free; a clash is our bug.
                    (None, true) => backend(e),
                    (_, false) => StoreError::Conflict(format!("a user with email {:?}", user.email)),
                }
            }
            _ => backend(e),
        })?;
        self.user(&id)
            .await?
            .ok_or_else(|| StoreError::Backend("the new user vanished".into()))
    }

    async fn user(&self, id: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn credentials(&self, email: &str) -> Result<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        match row {
            Some(row) => Ok(Some((
                user_from_row(&row)?,
                row.try_get("password_hash").map_err(backend)?,
            ))),
            None => Ok(None),
        }
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY created_at, email"))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(user_from_row).collect()
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<User> {
        let result = sqlx::query(
            "UPDATE users SET
                name = COALESCE(?, name),
                role = COALESCE(?, role),
                extension = COALESCE(?, extension),
                password_hash = COALESCE(?, password_hash)
             WHERE id = ?",
        )
        .bind(update.name)
        .bind(update.role.map(Role::as_str))
        .bind(&update.extension)
        .bind(update.password_hash)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(write_error(format!(
            "a user with extension {:?}",
            update.extension.as_deref().unwrap_or_default()
        )))?;
        affected("user", id, result.rows_affected())?;
        self.user(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("user {id:?}")))
    }

    async fn delete_user(&self, id: &str) -> Result<()> {
        let result = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("user", id, result.rows_affected())
    }

    async fn set_status_code(&self, user_id: &str, code: &str) -> Result<()> {
        let result = sqlx::query("UPDATE users SET status_code = ? WHERE id = ?")
            .bind(code)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("user", user_id, result.rows_affected())
    }

    async fn create_session(&self, session: Session) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(&session.token_hash)
            .bind(&session.user_id)
            .bind(session.created_at)
            .bind(session.expires_at)
            .execute(&self.pool)
            .await
            .map_err(write_error("a session with that token"))?;
        Ok(())
    }

    async fn session(&self, token_hash: &[u8]) -> Result<Option<Session>> {
        let row = sqlx::query("SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.try_get("token_hash").map_err(backend)?,
                user_id: r.try_get("user_id").map_err(backend)?,
                created_at: r.try_get("created_at").map_err(backend)?,
                expires_at: r.try_get("expires_at").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn delete_sessions_of(&self, user_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn purge_expired_sessions(&self, now_ms: i64) -> Result<u64> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(result.rows_affected())
    }

    async fn add_domain(&self, origin: &str) -> Result<()> {
        sqlx::query("INSERT INTO approved_domains (origin, created_at) VALUES (?, ?)")
            .bind(origin)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(write_error(format!("approved domain {origin:?}")))?;
        Ok(())
    }

    async fn remove_domain(&self, origin: &str) -> Result<()> {
        let result = sqlx::query("DELETE FROM approved_domains WHERE origin = ?")
            .bind(origin)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("approved domain", origin, result.rows_affected())
    }

    async fn domains(&self) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT origin FROM approved_domains ORDER BY origin")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn domain_approved(&self, origin: &str) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approved_domains WHERE origin = ?")
            .bind(origin)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(n > 0)
    }

    async fn add_status_reason(&self, name: &str) -> Result<StatusReason> {
        // The next code is chosen inside the INSERT, so two reasons added at once cannot
        // both take it (as for user extensions).
        let code: String = sqlx::query_scalar(
            "INSERT INTO status_reasons (code, name, created_at)
             SELECT CAST(COALESCE(MAX(CAST(code AS INTEGER)), 19) + 1 AS TEXT), ?, ? FROM status_reasons
             RETURNING code",
        )
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(write_error(format!("not-ready reason {name:?}")))?;
        Ok(StatusReason {
            code,
            name: name.to_owned(),
        })
    }

    async fn status_reasons(&self) -> Result<Vec<StatusReason>> {
        let rows = sqlx::query("SELECT code, name FROM status_reasons ORDER BY CAST(code AS INTEGER)")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(StatusReason {
                    code: r.try_get("code").map_err(backend)?,
                    name: r.try_get("name").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn remove_status_reason(&self, code: &str) -> Result<()> {
        let result = sqlx::query("DELETE FROM status_reasons WHERE code = ?")
            .bind(code)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("not-ready reason", code, result.rows_affected())
    }

    async fn create_queue(&self, queue: NewQueue) -> Result<Queue> {
        let id = new_id();
        sqlx::query("INSERT INTO queues (id, name, channel, created_at) VALUES (?, ?, ?, ?)")
            .bind(&id)
            .bind(&queue.name)
            .bind(&queue.channel)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(write_error(format!("queue {:?}", queue.name)))?;
        Ok(Queue {
            id,
            name: queue.name,
            channel: queue.channel,
            settings: "{}".into(),
        })
    }

    async fn queues(&self) -> Result<Vec<Queue>> {
        let rows = sqlx::query("SELECT id, name, channel, settings FROM queues ORDER BY created_at, name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(queue_from_row).collect()
    }

    async fn add_disposition(&self, queue_id: &str, name: &str) -> Result<Disposition> {
        let id = new_id();
        sqlx::query("INSERT INTO dispositions (id, queue_id, name, created_at) VALUES (?, ?, ?, ?)")
            .bind(&id)
            .bind(queue_id)
            .bind(name)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                    StoreError::NotFound(format!("queue {queue_id:?}"))
                }
                _ => write_error(format!("disposition {name:?} in that queue"))(e),
            })?;
        Ok(Disposition {
            id,
            queue_id: queue_id.to_owned(),
            name: name.to_owned(),
        })
    }

    async fn dispositions(&self) -> Result<Vec<Disposition>> {
        let rows = sqlx::query("SELECT id, queue_id, name FROM dispositions ORDER BY queue_id, created_at")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(Disposition {
                    id: r.try_get("id").map_err(backend)?,
                    queue_id: r.try_get("queue_id").map_err(backend)?,
                    name: r.try_get("name").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn set_queue_settings(&self, queue_id: &str, settings: &str) -> Result<()> {
        let result = sqlx::query("UPDATE queues SET settings = ? WHERE id = ?")
            .bind(settings)
            .bind(queue_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("queue", queue_id, result.rows_affected())
    }

    async fn set_agent_settings(&self, user_id: &str, settings: &str) -> Result<()> {
        let result = sqlx::query("UPDATE users SET agent_settings = ? WHERE id = ?")
            .bind(settings)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("user", user_id, result.rows_affected())
    }

    async fn append_commands(&self, commands: &[(i64, String)], outbox: &[NewOutboxEntry]) -> Result<Appended> {
        if outbox.is_empty() && !commands.is_empty() {
            // The usual case, and the engine waits for it: one statement, atomic on its own.
            // A transaction would take three trips to the connection's thread (BEGIN, INSERT,
            // COMMIT), and under load each trip waits for a core.
            let mut insert = QueryBuilder::<Sqlite>::new("INSERT INTO engine_log (at, command) ");
            insert.push_values(commands, |mut row, (at, command)| {
                row.push_bind(at).push_bind(command);
            });
            let done = insert.build().execute(&self.pool).await.map_err(backend)?;
            return Ok(Appended {
                // The last row's: the rows are numbered in order.
                last_seq: done.last_insert_rowid(),
                outbox_ids: Vec::new(),
            });
        }
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut last_seq = 0;
        for (at, command) in commands {
            last_seq = sqlx::query("INSERT INTO engine_log (at, command) VALUES (?, ?)")
                .bind(at)
                .bind(command)
                .execute(&mut *tx)
                .await
                .map_err(backend)?
                .last_insert_rowid();
        }
        let mut outbox_ids = Vec::with_capacity(outbox.len());
        for entry in outbox {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO outbox (engagement_id, agent_id, messages, created_at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (engagement_id) DO UPDATE SET engagement_id = excluded.engagement_id
                 RETURNING id",
            )
            .bind(&entry.engagement_id)
            .bind(&entry.agent_id)
            .bind(&entry.messages)
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
            outbox_ids.push(id);
        }
        tx.commit().await.map_err(backend)?;
        Ok(Appended { last_seq, outbox_ids })
    }

    async fn commands_after(&self, seq: i64) -> Result<Vec<LoggedCommand>> {
        let rows = sqlx::query("SELECT seq, at, command FROM engine_log WHERE seq > ? ORDER BY seq")
            .bind(seq)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(LoggedCommand {
                    seq: r.try_get("seq").map_err(backend)?,
                    at: r.try_get("at").map_err(backend)?,
                    command: r.try_get("command").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn snapshot(&self) -> Result<Option<Snapshot>> {
        let row = sqlx::query("SELECT seq, at, state FROM engine_snapshot WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(Snapshot {
                seq: r.try_get("seq").map_err(backend)?,
                at: r.try_get("at").map_err(backend)?,
                state: r.try_get("state").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn save_snapshot(&self, snapshot: Snapshot) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        sqlx::query(
            "INSERT INTO engine_snapshot (id, seq, at, state) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, at = excluded.at, state = excluded.state",
        )
        .bind(snapshot.seq)
        .bind(snapshot.at)
        .bind(&snapshot.state)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        sqlx::query("DELETE FROM engine_log WHERE seq <= ?")
            .bind(snapshot.seq)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn add_outbox(&self, engagement_id: &str, agent_id: &str, messages: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO outbox (engagement_id, agent_id, messages, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (engagement_id) DO NOTHING",
        )
        .bind(engagement_id)
        .bind(agent_id)
        .bind(messages)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn pending_outbox(&self, agent_id: &str) -> Result<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT id, engagement_id, agent_id, messages, created_at, delivered_at FROM outbox
             WHERE agent_id = ? AND delivered_at IS NULL ORDER BY id",
        )
        .bind(agent_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(outbox_from_row).collect()
    }

    async fn mark_delivered(&self, id: i64, agent_id: &str) -> Result<bool> {
        let result =
            sqlx::query("UPDATE outbox SET delivered_at = ? WHERE id = ? AND agent_id = ? AND delivered_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .bind(agent_id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
        Ok(result.rows_affected() == 1)
    }

    async fn mark_delivered_many(&self, entries: &[(i64, String)]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let now = now_ms();
        for (id, agent) in entries {
            sqlx::query("UPDATE outbox SET delivered_at = ? WHERE id = ? AND agent_id = ? AND delivered_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(agent)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn outbox_entry(&self, engagement_id: &str) -> Result<Option<OutboxEntry>> {
        let row = sqlx::query(
            "SELECT id, engagement_id, agent_id, messages, created_at, delivered_at FROM outbox WHERE engagement_id = ?",
        )
        .bind(engagement_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.as_ref().map(outbox_from_row).transpose()
    }

    async fn create_api_token(&self, name: &str, token_hash: &[u8]) -> Result<ApiToken> {
        let token = ApiToken {
            id: new_id(),
            name: name.to_owned(),
            created_at: now_ms(),
        };
        sqlx::query("INSERT INTO api_tokens (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
            .bind(&token.id)
            .bind(&token.name)
            .bind(token_hash)
            .bind(token.created_at)
            .execute(&self.pool)
            .await
            .map_err(write_error("an API token with that value"))?;
        Ok(token)
    }

    async fn api_token(&self, token_hash: &[u8]) -> Result<Option<ApiToken>> {
        let row = sqlx::query("SELECT id, name, created_at FROM api_tokens WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(api_token_from_row).transpose()
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query("SELECT id, name, created_at FROM api_tokens ORDER BY created_at")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(api_token_from_row).collect()
    }

    async fn delete_api_token(&self, id: &str) -> Result<()> {
        let result = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("API token", id, result.rows_affected())
    }

    async fn create_entry_point(&self, entry: NewEntryPoint) -> Result<EntryPoint> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO entry_points (id, name, kind, queue_id, address, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&entry.name)
        .bind(&entry.kind)
        .bind(&entry.queue_id)
        .bind(&entry.address)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::NotFound(format!("queue {:?}", entry.queue_id))
            }
            _ => write_error(format!("entry point {:?}", entry.name))(e),
        })?;
        Ok(EntryPoint {
            id,
            name: entry.name,
            kind: entry.kind,
            queue_id: entry.queue_id,
            address: entry.address,
        })
    }

    async fn entry_points(&self) -> Result<Vec<EntryPoint>> {
        let rows = sqlx::query("SELECT id, name, kind, queue_id, address FROM entry_points ORDER BY created_at, name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(EntryPoint {
                    id: r.try_get("id").map_err(backend)?,
                    name: r.try_get("name").map_err(backend)?,
                    kind: r.try_get("kind").map_err(backend)?,
                    queue_id: r.try_get("queue_id").map_err(backend)?,
                    address: r.try_get("address").map_err(backend)?,
                })
            })
            .collect()
    }

    async fn delete_entry_point(&self, id: &str) -> Result<()> {
        let result = sqlx::query("DELETE FROM entry_points WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        affected("entry point", id, result.rows_affected())
    }

    async fn set_engagement_contact(&self, engagement_id: &str, contact: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO engagement_contacts (engagement_id, contact, created_at) VALUES (?, ?, ?)
             ON CONFLICT (engagement_id) DO UPDATE SET contact = excluded.contact",
        )
        .bind(engagement_id)
        .bind(contact)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn engagement_contact(&self, engagement_id: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT contact FROM engagement_contacts WHERE engagement_id = ?")
            .bind(engagement_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }
}
