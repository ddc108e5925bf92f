-- lemlist's activity fields: who made it (usr_… of the key's creator), the lead's
-- variables as they were, and whether it is the lead's first activity of its type.
ALTER TABLE activities ADD COLUMN created_by TEXT;
ALTER TABLE activities ADD COLUMN variables TEXT;
ALTER TABLE activities ADD COLUMN is_first BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX activities_workspace_created ON activities (workspace_id, created_at);
CREATE INDEX activities_lead_type ON activities (workspace_id, lead_public_id, type);
