DROP INDEX activities_lead_type;
DROP INDEX activities_workspace_created;
ALTER TABLE activities DROP COLUMN is_first;
ALTER TABLE activities DROP COLUMN variables;
ALTER TABLE activities DROP COLUMN created_by;
