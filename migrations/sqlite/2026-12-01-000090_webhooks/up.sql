-- Webhooks: a target URL (and optionally one activity type) per hook, with the secret
-- that signs its deliveries (kept: each delivery is signed with it).
CREATE TABLE hooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    public_id TEXT NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    target_url TEXT NOT NULL,
    event_type TEXT,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX hooks_workspace ON hooks (workspace_id);

-- The outbox: one row per event and hook, written in the transaction that records the
-- event, sent (at least once, in order per hook) by the delivery loop.
CREATE TABLE hook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    public_id TEXT NOT NULL UNIQUE,
    hook_id INTEGER NOT NULL REFERENCES hooks (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_duration_ms INTEGER,
    last_error TEXT
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (state, next_attempt_at);
CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id, id);
