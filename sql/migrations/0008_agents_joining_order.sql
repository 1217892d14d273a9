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
-- and the definitions below (IF NOT EXISTS then keeps them, if exactly those), and the indexes it
-- replaces dropped with DROP INDEX CONCURRENTLY (IF EXISTS), so that it neither builds nor drops
-- them under its locks: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS agents_by_joining_in_order ON agents (workspace_id, joined_at, id COLLATE "C");

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
    ('agents_by_joining_in_order', 'agents', 'btree (workspace_id, joined_at, id COLLATE "C")')
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

DROP INDEX IF EXISTS agents_by_joining;
