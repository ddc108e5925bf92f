-- "Active sessions" on the Account page: the browser and address a session logged in
-- from, when it was last seen (moved at most once a minute), and a random public handle
-- that forms name it by (the id is a digest of the cookie, so it stays out of pages).
ALTER TABLE sessions ADD COLUMN handle TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMP;
