-- "Verify keys": the key may ask POST /api/keys/verify whether another key of its
-- workspace is valid. Granted on its own at "Generate", whatever the access level.
ALTER TABLE api_keys ADD COLUMN verify_keys BOOLEAN NOT NULL DEFAULT FALSE;
