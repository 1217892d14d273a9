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
-- and the definitions below (IF NOT EXISTS then keeps them, if exactly those), and the indexes it
-- replaces dropped with DROP INDEX CONCURRENTLY (IF EXISTS), so that it neither builds nor drops
-- them under its locks: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS invitations_by_sending_in_order ON invitations (workspace_id, sent_at, id COLLATE "C");

-- What IF NOT EXISTS found under an index's name (built beforehand) is kept only if it is exactly
-- that index: an index on the same table, not UNIQUE, whose definition as pg_get_indexdef prints
-- it, from USING on (method, columns, collations, operator classes, options, predicate), is the
-- one above, and valid (a CREATE INDEX CONCURRENTLY that failed leaves it INVALID). Anything else
-- is refused, naming it, rather than taken for built; nothing has been dropped yet.
DO $$
DECLARE
  want record;
  have record;
BEGIN
  FOR want IN SELECT * FROM (VALUES
    ('invitations_by_sending_in_order', 'invitations', 'btree (workspace_id, sent_at, id COLLATE "C")')
  ) AS w (index_name, table_name, definition) LOOP
    SELECT i.indexrelid IS NOT NULL AS is_index, i.indrelid = want.table_name::regclass AS on_its_table,
           i.indisunique AS is_unique, i.indisvalid AS is_valid, pg_get_indexdef(i.indexrelid) AS indexdef
      INTO have
      FROM pg_class AS c LEFT JOIN pg_index AS i ON i.indexrelid = c.oid
     WHERE c.relname = want.index_name
       AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = want.table_name::regclass);
    IF (have.is_index AND have.on_its_table AND NOT have.is_unique
        AND substr(have.indexdef, strpos(have.indexdef, ' USING ') + 7) = want.definition) IS NOT TRUE THEN
      RAISE EXCEPTION 'agent-roster: index %, which this migration needs, is not the index it builds: found %, expected CREATE INDEX % ON % USING %. Drop or rename it, then build the index as the PostgreSQL guide says ("Building the indexes beforehand") or let migrate build it',
        want.index_name, coalesce(have.indexdef, 'a relation that is not an index'), want.index_name, want.table_name, want.definition;
    ELSIF NOT have.is_valid THEN
      RAISE EXCEPTION 'agent-roster: index %, which this migration needs, is INVALID (a CREATE INDEX CONCURRENTLY that failed). DROP INDEX CONCURRENTLY % and build it again, or let migrate build it',
        want.index_name, want.index_name;
    END IF;
  END LOOP;
END
$$;

DROP INDEX IF EXISTS invitations_by_sending;
