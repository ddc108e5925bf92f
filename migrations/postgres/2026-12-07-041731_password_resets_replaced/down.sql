ALTER TABLE password_resets DROP COLUMN replaced_at;
