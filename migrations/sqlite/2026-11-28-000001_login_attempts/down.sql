DROP INDEX login_failures_by_device;
DROP INDEX login_failures_by_ip;
ALTER TABLE login_failures DROP COLUMN device;
