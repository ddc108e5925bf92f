-- lemlist's activity fields: who made it (usr_… of the key's creator), the lead's
-- variables as they were, and whether it is the lead's first activity of its type.
ALTER TABLE activities ADD COLUMN created_by TEXT;
ALTER TABLE activities ADD COLUMN variables TEXT;
ALTER TABLE activities ADD COLUMN is_first BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX activities_workspace_created ON activities (workspace_id, created_at);
CREATE INDEX activities_lead_type ON activities (workspace_id, lead_public_id, type);

-- Activities recorded before this migration: first of their type for their lead (or,
-- without a lead, for their email), as `models::activity::record` decides for new ones.
UPDATE activities SET is_first = NOT EXISTS (
    SELECT 1 FROM activities AS earlier
    WHERE earlier.workspace_id = activities.workspace_id
      AND earlier.type = activities.type
      AND earlier.id < activities.id
      AND ((activities.lead_public_id IS NOT NULL
            AND earlier.lead_public_id = activities.lead_public_id)
        OR (activities.lead_public_id IS NULL
            AND earlier.lead_public_id IS NULL
            AND earlier.lead_email = activities.lead_email))
);
