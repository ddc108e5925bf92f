-- Sessions logged in before "Active sessions" existed have no public handle, so the
-- page could not offer their own "Sign out". Each gets a random one (22 characters, like
-- the handles made at login); their device and address stay unknown, as they are.
UPDATE sessions SET handle = lower(hex(randomblob(11)))
WHERE handle IS NULL AND user_id IS NOT NULL;
