ALTER TABLE api_keys DROP COLUMN disabled_unused_days;
ALTER TABLE api_keys DROP COLUMN enabled_at;
DROP TABLE key_policies;
