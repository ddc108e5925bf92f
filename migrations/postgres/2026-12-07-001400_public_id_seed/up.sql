-- Public ids (tea_, usr_, key_, ctc_) are derived with a value of each install's own,
-- made at the first start (`PublicIds::of_install`). An install that already has data has
-- handed its ids out to clients, which stored them: it keeps the empty value, and with it
-- exactly the ids it answered before. A fresh install gets a random value at its start.
INSERT INTO server_secrets (name, value)
SELECT 'public_id_seed', ''::bytea
WHERE EXISTS (SELECT 1 FROM workspaces)
  AND NOT EXISTS (SELECT 1 FROM server_secrets WHERE name = 'public_id_seed');
