ALTER TABLE api_keys DROP COLUMN verify_keys;
