-- "Ask for API access": a member's request and an admin's decision on it.
CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    decided_by_name TEXT,
    decline_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
-- One pending request per member, whatever the races: the second insert fails.
CREATE UNIQUE INDEX access_requests_one_pending ON access_requests (user_id) WHERE status = 'pending';
CREATE INDEX access_requests_workspace ON access_requests (workspace_id, status);
CREATE INDEX access_requests_user ON access_requests (user_id, id);
