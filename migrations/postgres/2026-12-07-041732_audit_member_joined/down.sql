UPDATE audit_events SET action = 'member.added' WHERE action = 'member.joined';
