-- "Key policy": one row per workspace that has one (no row = no policy).
CREATE TABLE key_policies (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    -- new keys must expire within this many days; NULL = no limit
    max_lifetime_days INTEGER,
    -- enabled keys unused for this many days are disabled; NULL = off
    auto_disable_unused_days INTEGER,
    require_note BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by_name TEXT NOT NULL
);
-- When a key was last enabled again: the policy counts inactivity from then at the latest,
-- so enabling a key is not undone by the next round of the job.
ALTER TABLE api_keys ADD COLUMN enabled_at TIMESTAMP;
-- Set when the policy disabled the key: after how many days unused.
ALTER TABLE api_keys ADD COLUMN disabled_unused_days INTEGER;
