-- "Custom" access: per resource a level, e.g. "campaigns:read leads:write".
-- NULL for "Full access" and "Read only" keys, which read_only describes.
ALTER TABLE api_keys ADD COLUMN scopes TEXT;
