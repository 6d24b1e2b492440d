-- Voice: the entry points customers reach a queue through, and the host records linked to
-- engagements (they go into the call log as `user`).

CREATE TABLE entry_points (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- 'widget' (the website's "Call us" button), 'phone' (a number on a SIP trunk), 'sms'.
    kind       TEXT NOT NULL CHECK (kind IN ('widget', 'phone', 'sms')),
    queue_id   TEXT NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    -- The dialled number for 'phone' and 'sms'; empty for widgets.
    address    TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE engagement_contacts (
    engagement_id TEXT PRIMARY KEY,
    contact       TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
