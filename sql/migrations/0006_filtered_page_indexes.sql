-- agent-roster migration 0006: a filtered page reads the rows it returns (ADR 0027).
--
-- A page of agents or invitations is read in (joined_at | sent_at, id) order. A filter the
-- ordered index does not hold (status, availability, department) made the page walk that index
-- past every row the filter refuses, or fetch every matching row and sort them. Each filter now
-- has an index that is both narrowed and ordered, ending in id COLLATE "C", the order pages use:
--
-- * agents by presence: one index for every status and availability filter. A filter on one of
--   the two is read as the one or two (status, availability) pairs it allows (an inactive agent
--   is away, agents_inactive_is_away), a range of this index each. It replaces
--   agents_by_presence, its first three columns.
-- * invitations by status: pending at a given now is a range of it, expired at now two (the
--   expired ones and the lapsed pending ones). It replaces invitations_by_status.
-- * agents by department: an array cannot be ordered in an index, so agent_departments holds a
--   row per agent and department with the agent's presence, kept by triggers in the same
--   transaction as the agent's row, whoever writes (as email_claims). A department's page is
--   read as the presence pairs it allows, as above, each a range of its index; the agents' rows
--   are then read for that page only. It replaces the GIN index on agents.department_ids, which
--   only the department reads used. Filled here from the agents already stored.
--
-- Building the indexes and filling the table read agents and invitations once each, under locks
-- that hold commits on those tables until the migration's transaction ends.
--
-- Its indexes may be built beforehand, outside any transaction, with CREATE INDEX CONCURRENTLY
-- and the definitions below (IF NOT EXISTS then keeps them, if exactly those), and the indexes it
-- replaces dropped with DROP INDEX CONCURRENTLY (IF EXISTS), so that it neither builds nor drops
-- them under its locks: see the PostgreSQL guide, "Building the indexes beforehand".

CREATE INDEX IF NOT EXISTS agents_by_presence_joining ON agents (workspace_id, status, availability, joined_at, id COLLATE "C");
CREATE INDEX IF NOT EXISTS invitations_by_status_sending ON invitations (workspace_id, status, sent_at, id COLLATE "C");

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
    ('agents_by_presence_joining', 'agents', 'btree (workspace_id, status, availability, joined_at, id COLLATE "C")'),
    ('invitations_by_status_sending', 'invitations', 'btree (workspace_id, status, sent_at, id COLLATE "C")')
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

CREATE TABLE agent_departments (
  workspace_id  text NOT NULL,
  department_id text NOT NULL,
  status        text NOT NULL,
  availability  text NOT NULL,
  joined_at     timestamptz NOT NULL,
  agent_id      text NOT NULL
);

-- A department's agents of one presence in the listing's order: a page is one range per pair.
CREATE UNIQUE INDEX agent_departments_by_joining
  ON agent_departments (workspace_id, department_id, status, availability, joined_at, agent_id COLLATE "C");

CREATE FUNCTION agent_roster_list_departments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM agent_departments
     WHERE workspace_id = OLD.workspace_id AND department_id = ANY (OLD.department_ids) AND status = OLD.status
       AND availability = OLD.availability AND joined_at = OLD.joined_at AND agent_id = OLD.id COLLATE "C";
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO agent_departments (workspace_id, department_id, status, availability, joined_at, agent_id)
    SELECT DISTINCT NEW.workspace_id, department_id, NEW.status, NEW.availability, NEW.joined_at, NEW.id
      FROM unnest(NEW.department_ids) AS department_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER agents_list_departments AFTER INSERT OR DELETE ON agents
  FOR EACH ROW EXECUTE FUNCTION agent_roster_list_departments();
CREATE TRIGGER agents_relist_departments AFTER UPDATE OF id, workspace_id, department_ids, status, availability, joined_at ON agents
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
                     OR OLD.department_ids IS DISTINCT FROM NEW.department_ids OR OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.availability IS DISTINCT FROM NEW.availability OR OLD.joined_at IS DISTINCT FROM NEW.joined_at)
  EXECUTE FUNCTION agent_roster_list_departments();

INSERT INTO agent_departments (workspace_id, department_id, status, availability, joined_at, agent_id)
SELECT DISTINCT a.workspace_id, department_id, a.status, a.availability, a.joined_at, a.id
  FROM agents AS a, unnest(a.department_ids) AS department_id;

-- The indexes it replaces, last: DROP INDEX holds reads of its table as well as writes, until the
-- migration's transaction ends.
DROP INDEX IF EXISTS agents_by_presence;
DROP INDEX IF EXISTS invitations_by_status;
DROP INDEX IF EXISTS agents_by_department;
