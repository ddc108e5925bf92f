-- How many times two-factor authentication was turned on or off: a setup secret shown
-- before a change is refused after it (a "Set up" page left open cannot take over).
ALTER TABLE users ADD COLUMN totp_changes INTEGER NOT NULL DEFAULT 0;
