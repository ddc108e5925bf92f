CREATE INDEX users_workspace ON users (workspace_id);
DROP INDEX users_workspace_name;
