-- A reset link is void once a newer link is made, another link of the same user is
-- used, or the password changes: when that happened, so its page can say why.
ALTER TABLE password_resets ADD COLUMN replaced_at TIMESTAMP;
