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

CREATE INDEX invitations_by_sending_in_order ON invitations (workspace_id, sent_at, id COLLATE "C");
DROP INDEX invitations_by_sending;
