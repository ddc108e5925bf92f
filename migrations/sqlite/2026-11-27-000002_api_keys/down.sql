DROP TABLE form_nonces;
DROP TABLE api_key_clients;
DROP TABLE api_key_usage;
DROP TABLE api_keys;
