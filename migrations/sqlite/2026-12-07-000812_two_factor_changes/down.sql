ALTER TABLE users DROP COLUMN totp_changes;
