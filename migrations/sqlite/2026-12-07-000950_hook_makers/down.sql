ALTER TABLE hooks DROP COLUMN created_by_key_id;
ALTER TABLE hooks DROP COLUMN created_by_user_id;
