-- A row is now written before the password is checked (a success deletes it again),
-- and is counted per account and address, per address, per account, and per device.
ALTER TABLE login_failures ADD COLUMN device TEXT;
CREATE INDEX login_failures_by_ip ON login_failures (ip, failed_at);
CREATE INDEX login_failures_by_device ON login_failures (email, device, failed_at);
