-- Joining from an invitation was recorded as "member.added", the code the first release
-- used when an admin created a member with a password. Joins get their own code, so each
-- entry reads as what happened ("Member added" or "Member joined"). A join's detail ends
-- "; invited by <name>"; an entry the first release wrote has none.
UPDATE audit_events SET action = 'member.joined'
WHERE action = 'member.added' AND detail LIKE '%; invited by %';
