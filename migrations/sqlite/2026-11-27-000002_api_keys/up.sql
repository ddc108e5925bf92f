CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by_name TEXT NOT NULL,
    name TEXT NOT NULL,
    -- lower-cased name: names are unique per workspace, ignoring case
    name_key TEXT NOT NULL,
    note TEXT NOT NULL,
    -- SHA-256 of the key; the plaintext is never stored
    key_hash BLOB NOT NULL,
    last4 TEXT NOT NULL,
    read_only BOOLEAN NOT NULL,
    -- newline-separated IP addresses and CIDR ranges; empty = any address
    allowed_ips TEXT NOT NULL,
    expires_in_days INTEGER,
    expires_at TIMESTAMP,
    expiry_logged BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    -- the secret replaced by "Regenerate", still accepted until previous_expires_at
    previous_hash BLOB,
    previous_last4 TEXT,
    previous_expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    last_used_ip TEXT,
    last_used_agent TEXT
);
CREATE UNIQUE INDEX api_keys_key_hash ON api_keys (key_hash);
CREATE UNIQUE INDEX api_keys_previous_hash ON api_keys (previous_hash);
CREATE UNIQUE INDEX api_keys_workspace_name ON api_keys (workspace_id, name_key);
CREATE INDEX api_keys_expiry ON api_keys (expires_at);

-- Requests per key per UTC day.
CREATE TABLE api_key_usage (
    key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day DATE NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);

-- Addresses and user agents seen per key (for the "new address" and "several tools" hints).
CREATE TABLE api_key_clients (
    key_id INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    PRIMARY KEY (key_id, kind, value)
);

-- One-time tokens of "Create Key" / "Regenerate" forms: a resubmission is recognised.
CREATE TABLE form_nonces (
    nonce TEXT PRIMARY KEY NOT NULL,
    created_at TIMESTAMP NOT NULL
);
