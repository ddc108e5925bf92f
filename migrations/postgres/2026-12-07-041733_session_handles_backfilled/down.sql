-- The handles given to old sessions are kept: they name nothing else.
SELECT 1;
