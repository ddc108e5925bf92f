-- Sessions logged in before "Active sessions" existed have no public handle, so the
-- page could not offer their own "Sign out". Each gets a random one (22 characters, like
-- the handles made at login); their device and address stay unknown, as they are. A
-- handle only names a session among its owner's, so it needs no secrecy.
UPDATE sessions SET handle = substr(md5(random()::text || clock_timestamp()::text), 1, 22)
WHERE handle IS NULL AND user_id IS NOT NULL;
