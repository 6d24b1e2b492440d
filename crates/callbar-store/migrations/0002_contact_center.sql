-- The contact center: the engine's command log and snapshots, the outbox of messages that
-- must reach a host exactly once, API tokens for back-office systems, and routing settings.

-- Every engine command, in order, appended before its effects leave the process. A restart
-- replays it (after the latest snapshot) into a fresh engine.
CREATE TABLE engine_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    command TEXT NOT NULL
);

-- The engine's state as of log entry `seq`; entries up to it may be dropped.
CREATE TABLE engine_snapshot (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    at    INTEGER NOT NULL,
    state TEXT NOT NULL
);

-- What a finished engagement owes the host (notes, end of wrap-up, call log), kept until an
-- embed of the agent confirms it posted them.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    engagement_id TEXT NOT NULL UNIQUE,
    agent_id      TEXT NOT NULL,
    messages      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    delivered_at  INTEGER
);
CREATE INDEX outbox_pending ON outbox (agent_id) WHERE delivered_at IS NULL;

-- Tokens for back-office systems (POST /api/v1/engagements). Only a SHA-256 is kept.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- Routing settings as JSON in the engine's own shape (queue rules; agent skills, capacity
-- and queues), so they evolve with the engine without a migration each time.
ALTER TABLE queues ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE users ADD COLUMN agent_settings TEXT NOT NULL DEFAULT '{}';
