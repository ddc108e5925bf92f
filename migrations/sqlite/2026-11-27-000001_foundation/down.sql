DROP TABLE server_secrets;
DROP TABLE audit_events;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE workspaces;
