-- The organization: who may sign in, from which host origins, and how work is grouped.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    password_hash TEXT NOT NULL,
    extension     TEXT NOT NULL DEFAULT '',
    -- The agent's chosen status code ("1", "30", or a not-ready reason's code).
    status_code   TEXT NOT NULL DEFAULT '30',
    created_at    INTEGER NOT NULL
);

-- Only a SHA-256 of each session token is stored: a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE approved_domains (
    origin     TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

CREATE TABLE status_reasons (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

CREATE TABLE queues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    channel    TEXT NOT NULL CHECK (channel IN ('voice', 'video', 'chat', 'sms', 'work_item')),
    created_at INTEGER NOT NULL
);

CREATE TABLE dispositions (
    id         TEXT PRIMARY KEY,
    queue_id   TEXT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (queue_id, name)
);
