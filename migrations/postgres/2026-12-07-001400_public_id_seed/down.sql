-- Keeps the install's value: its public ids must stay what its clients have stored.
SELECT 1;
