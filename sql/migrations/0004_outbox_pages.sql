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
-- and the definitions below (IF NOT EXISTS then keeps them, if exactly those), so that it does
-- not build them under its lock: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS outbox_by_creation ON outbox (workspace_id, created_at, id COLLATE "C");
CREATE INDEX IF NOT EXISTS outbox_by_status_and_creation ON outbox (workspace_id, status, created_at, id COLLATE "C");

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
    ('outbox_by_creation', 'outbox', 'btree (workspace_id, created_at, id COLLATE "C")'),
    ('outbox_by_status_and_creation', 'outbox', 'btree (workspace_id, status, created_at, id COLLATE "C")')
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
