ALTER TABLE api_keys DROP COLUMN disabled_by_name;
ALTER TABLE api_keys DROP COLUMN disabled_at;
