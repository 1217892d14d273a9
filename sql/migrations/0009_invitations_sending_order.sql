-- agent-roster migration 0009: invitations are read in their listing's order from an index.
--
-- listInvitations orders invitations by (sent_at, id COLLATE "C"), ids in code-point order
-- whatever the database's locale. invitations_by_sending held (workspace_id, sent_at, id) in the
-- database's collation, which that order cannot use past sent_at: invitations sent at one instant
-- (an import, a fixed clock) made every unfiltered page read and sort all of them, and a page's
-- cursor could not start the scan inside them. invitations_by_sending_in_order holds the order
-- itself and replaces invitations_by_sending, which no other read used (a status has
-- invitations_by_status_sending, lapsing invitations invitations_lapsing), so a write updates as
-- many indexes as before.
--
-- Building the index reads invitations once, under a lock that holds writes to invitations until
-- the migration's transaction ends.
--
-- Its indexes may be built beforehand, outside any transaction, with CREATE INDEX CONCURRENTLY
-- and the definitions below (IF NOT EXISTS then keeps them), and the indexes it replaces dropped
-- with DROP INDEX CONCURRENTLY (IF EXISTS), so that it neither builds nor drops them under its
-- locks: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS invitations_by_sending_in_order ON invitations (workspace_id, sent_at, id COLLATE "C");
DROP INDEX IF EXISTS invitations_by_sending;

-- An index built beforehand that failed (CREATE INDEX CONCURRENTLY leaves it INVALID) is not
-- taken for built: drop it and build it again, or let this migration build it.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_index WHERE NOT indisvalid AND indexrelid::regclass::text IN ('invitations_by_sending_in_order')) THEN
    RAISE EXCEPTION 'agent-roster: an index this migration needs is INVALID (a CREATE INDEX CONCURRENTLY that failed): DROP INDEX it and run migrate again';
  END IF;
END
$$;
