-- "Disable": a key kept but refused until it is enabled again; who disabled it, and when.
ALTER TABLE api_keys ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE api_keys ADD COLUMN disabled_by_name TEXT;
