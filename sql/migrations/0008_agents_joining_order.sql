-- agent-roster migration 0008: the whole team is read in its listing's order from an index.
--
-- listAgents orders agents by (joined_at, id COLLATE "C"), ids in code-point order whatever the
-- database's locale. agents_by_joining held (workspace_id, joined_at, id) in the database's
-- collation, which that order cannot use past joined_at: the whole team of a workspace (the
-- availability board's read) was sorted, documents and all, and at 20,000 agents the sort spilled
-- to disk at the default work_mem (about 7 MB); agents who joined at one instant (an import, a
-- fixed clock) made even an unfiltered page of 100 read and sort every one of them.
-- agents_by_joining_in_order holds the order itself and replaces agents_by_joining, so a write
-- updates as many indexes as before.
--
-- Building the index reads agents once, under a lock that holds writes to agents until the
-- migration's transaction ends.

CREATE INDEX agents_by_joining_in_order ON agents (workspace_id, joined_at, id COLLATE "C");
DROP INDEX agents_by_joining;
