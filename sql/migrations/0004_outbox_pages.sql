-- agent-roster migration 0004: the outbox, a page at a time.
--
-- Delivered and withdrawn messages stay in the outbox (one per invitation email), so a
-- workspace's outbox grows without bound and is read a page at a time (roster.outboxPage): by
-- created_at, then id compared code unit by code unit (COLLATE "C", as JavaScript compares
-- strings). Each index holds that order whole, so a page is one index range scan from its
-- cursor, with no sort: the first for the whole outbox, the second for one status (a few pending
-- messages among many delivered ones). Neither column changes while a message is stored.
-- Building them reads the outbox once each.
--
-- Its indexes may be built beforehand, outside any transaction, with CREATE INDEX CONCURRENTLY
-- and the definitions below (IF NOT EXISTS then keeps them), so that it does not build them
-- under its lock: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS outbox_by_creation ON outbox (workspace_id, created_at, id COLLATE "C");
CREATE INDEX IF NOT EXISTS outbox_by_status_and_creation ON outbox (workspace_id, status, created_at, id COLLATE "C");

-- An index built beforehand that failed (CREATE INDEX CONCURRENTLY leaves it INVALID) is not
-- taken for built: drop it and build it again, or let this migration build it.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND indexrelid::regclass::text IN ('outbox_by_creation', 'outbox_by_status_and_creation')) THEN
    RAISE EXCEPTION 'agent-roster: an index this migration needs is INVALID (a CREATE INDEX CONCURRENTLY that failed): DROP INDEX it and run migrate again';
  END IF;
END
$$;
