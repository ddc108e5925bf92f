-- A workspace's members in name order (the team page, GET /api/team) straight from the
-- index, without sorting them on every request. It covers lookups by workspace alone too.
CREATE INDEX users_workspace_name ON users (workspace_id, name, id);
DROP INDEX users_workspace;
