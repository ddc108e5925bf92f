-- Who made each hook, so a member manages only the hooks that they or their keys made:
-- the person (on the page, or the owner of the key that made it through the API) and
-- the key. Hooks made before this have neither and are managed by admins only.
ALTER TABLE hooks ADD COLUMN created_by_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE hooks ADD COLUMN created_by_key_id INTEGER REFERENCES api_keys (id) ON DELETE SET NULL;
