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
--
-- Its indexes may be built beforehand, outside any transaction, with CREATE INDEX CONCURRENTLY
-- and the definitions below (IF NOT EXISTS then keeps them), and the indexes it replaces dropped
-- with DROP INDEX CONCURRENTLY (IF EXISTS), so that it neither builds nor drops them under its
-- locks: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS agents_by_joining_in_order ON agents (workspace_id, joined_at, id COLLATE "C");
DROP INDEX IF EXISTS agents_by_joining;

-- An index built beforehand that failed (CREATE INDEX CONCURRENTLY leaves it INVALID) is not
-- taken for built: drop it and build it again, or let this migration build it.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND indexrelid::regclass::text IN ('agents_by_joining_in_order')) THEN
    RAISE EXCEPTION 'agent-roster: an index this migration needs is INVALID (a CREATE INDEX CONCURRENTLY that failed): DROP INDEX it and run migrate again';
  END IF;
END
$$;
