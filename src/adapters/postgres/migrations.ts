/**
 * The schema, as numbered migrations. The SQL is embedded here so that it ships inside the
 * bundle and needs no file-system access at run time (bundlers, serverless functions, edge
 * runtimes); the same text is in `sql/migrations/*.sql` for teams that run migrations with their
 * own tool. A test checks that both copies are byte-identical.
 */

/** One schema change. `version` orders them; applied versions are recorded and never re-run. */
export type Migration = Readonly<{ version: number; name: string; sql: string }>;

/**
 * Every migration, oldest first. Never edit a released one: add the next number.
 *
 * @example MIGRATIONS.map((m) => m.name) // ['0001_roster', '0002_outbox_withdrawal', '0003_routing_chunks', '0004_outbox_pages', '0005_routing_chunk_versions', '0006_filtered_page_indexes', '0007_legacy_invitation_emails', '0008_agents_joining_order', '0009_invitations_sending_order', '0010_expired_invitations_closed_at']
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: '0001_roster',
    sql: `-- agent-roster migration 0001: the roster.
--
-- Each aggregate is a row: typed columns for what is queried or constrained, and data, the
-- whole aggregate as the domain wrote it, which is what reads hand back. The typed columns are
-- filled from data by the store's own statements, so the two cannot disagree.
-- version is the optimistic-concurrency counter: 1 when inserted, +1 per write.
--
-- Uniqueness and ownership rules are DEFERRABLE INITIALLY DEFERRED: they are checked at COMMIT,
-- so one commit may hand a key from one aggregate to another (an invitation accepted and its
-- agent created; ownership moved and the former owner demoted) in whatever order its statements run.

CREATE TABLE workspaces (
  id         text PRIMARY KEY,
  -- Exactly one owner per workspace, by construction: one column (invariant 1).
  owner_id   text NOT NULL,
  data       jsonb NOT NULL,
  version    integer NOT NULL CHECK (version > 0)
);

CREATE TABLE agents (
  id             text PRIMARY KEY,
  workspace_id   text NOT NULL REFERENCES workspaces (id) DEFERRABLE INITIALLY DEFERRED,
  email          text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'agent')),
  status         text NOT NULL CHECK (status IN ('active', 'inactive')),
  availability   text NOT NULL CHECK (availability IN ('online', 'away')),
  department_ids text[] NOT NULL,
  joined_at      timestamptz NOT NULL,
  data           jsonb NOT NULL,
  version        integer NOT NULL CHECK (version > 0),
  -- Invariant 5: an inactive agent is never online.
  CONSTRAINT agents_inactive_is_away CHECK (status = 'active' OR availability = 'away'),
  -- Invariant 3: agent emails are unique in a workspace.
  CONSTRAINT agents_email_key UNIQUE (workspace_id, email) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX agents_by_joining ON agents (workspace_id, joined_at, id);
CREATE INDEX agents_by_presence ON agents (workspace_id, status, availability);
CREATE INDEX agents_by_department ON agents USING gin (department_ids);

CREATE TABLE invitations (
  id             text PRIMARY KEY,
  workspace_id   text NOT NULL REFERENCES workspaces (id) DEFERRABLE INITIALLY DEFERRED,
  email          text NOT NULL,
  status         text NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
  token_hash     text NOT NULL,
  department_ids text[] NOT NULL,
  sent_at        timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  data           jsonb NOT NULL,
  version        integer NOT NULL CHECK (version > 0),
  -- Every link opens one invitation, in any workspace, whatever its status.
  CONSTRAINT invitations_token_hash_key UNIQUE (token_hash) DEFERRABLE INITIALLY DEFERRED
);

CREATE INDEX invitations_by_sending ON invitations (workspace_id, sent_at, id);
CREATE INDEX invitations_by_status ON invitations (workspace_id, status);
CREATE INDEX invitations_lapsing ON invitations (workspace_id, expires_at) WHERE status = 'pending';
CREATE INDEX invitations_pending_by_department ON invitations USING gin (department_ids) WHERE status = 'pending';

CREATE TABLE departments (
  id           text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) DEFERRABLE INITIALLY DEFERRED,
  name_key     text NOT NULL,
  data         jsonb NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  -- Department names are unique in a workspace, compared by their case-folded key.
  CONSTRAINT departments_name_key UNIQUE (workspace_id, name_key) DEFERRABLE INITIALLY DEFERRED
);

-- One email key space per workspace, shared by agents and pending invitations (invariant 3):
-- a row per email that someone holds, kept by the triggers below in the same transaction as
-- the write that claims or frees it, whoever writes (this library or hand-written SQL).
CREATE TABLE email_claims (
  workspace_id text NOT NULL,
  email        text NOT NULL,
  holder_kind  text NOT NULL CHECK (holder_kind IN ('agent', 'invitation')),
  holder_id    text NOT NULL,
  CONSTRAINT email_claims_pkey PRIMARY KEY (workspace_id, email) DEFERRABLE INITIALLY DEFERRED
);

CREATE FUNCTION agent_roster_claim_email() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM email_claims
     WHERE workspace_id = OLD.workspace_id AND email = OLD.email AND holder_id = OLD.id;
  END IF;
  -- Agents always hold their email; invitations only while pending.
  IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_ARGV[0] = 'agent' OR NEW.status = 'pending') THEN
    INSERT INTO email_claims (workspace_id, email, holder_kind, holder_id)
    VALUES (NEW.workspace_id, NEW.email, TG_ARGV[0], NEW.id);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER agents_claim_email AFTER INSERT OR DELETE ON agents
  FOR EACH ROW EXECUTE FUNCTION agent_roster_claim_email('agent');
CREATE TRIGGER agents_reclaim_email AFTER UPDATE OF workspace_id, email ON agents
  FOR EACH ROW WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION agent_roster_claim_email('agent');
CREATE TRIGGER invitations_claim_email AFTER INSERT OR DELETE ON invitations
  FOR EACH ROW EXECUTE FUNCTION agent_roster_claim_email('invitation');
CREATE TRIGGER invitations_reclaim_email AFTER UPDATE OF workspace_id, email, status ON invitations
  FOR EACH ROW WHEN (OLD.workspace_id IS DISTINCT FROM NEW.workspace_id OR OLD.email IS DISTINCT FROM NEW.email
                     OR (OLD.status = 'pending') IS DISTINCT FROM (NEW.status = 'pending'))
  EXECUTE FUNCTION agent_roster_claim_email('invitation');

-- Invariant 1, the rest of it: the owner is an admin agent of the workspace. Checked at COMMIT
-- whenever ownership moves or an agent is demoted, moved or deleted, so a transfer that promotes
-- the new owner and demotes the former one in one commit passes, and deleting or demoting the
-- owner without handing ownership over fails. A workspace may be stored before its owner agent
-- (imports, test fixtures): the check guards every change, not the first insert.
CREATE FUNCTION agent_roster_check_owner() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ws_id    text;
  owner_of text;
BEGIN
  IF TG_TABLE_NAME = 'workspaces' THEN
    ws_id := NEW.id;
    owner_of := NEW.owner_id;
  ELSE
    ws_id := OLD.workspace_id;
    owner_of := OLD.id;
  END IF;
  IF EXISTS (SELECT 1 FROM workspaces w WHERE w.id = ws_id AND w.owner_id = owner_of)
     AND NOT EXISTS (SELECT 1 FROM agents a WHERE a.id = owner_of AND a.workspace_id = ws_id AND a.role = 'admin') THEN
    RAISE EXCEPTION 'the owner of workspace % must be one of its admins, and % is not', ws_id, owner_of
      USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'workspaces_owner_is_admin';
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER workspaces_owner_is_admin AFTER UPDATE OF owner_id ON workspaces
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id)
  EXECUTE FUNCTION agent_roster_check_owner();
CREATE CONSTRAINT TRIGGER agents_owner_stays_admin AFTER UPDATE OF role, workspace_id ON agents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)
  EXECUTE FUNCTION agent_roster_check_owner();
CREATE CONSTRAINT TRIGGER agents_owner_stays AFTER DELETE ON agents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION agent_roster_check_owner();

-- Routing queues: one per department and one for the whole workspace (queue_key 'workspace'),
-- each an aggregate like the others: its state in data, versioned.
CREATE TABLE routing_states (
  id           text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) DEFERRABLE INITIALLY DEFERRED,
  queue_key    text NOT NULL,
  data         jsonb NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  -- A random token per write: the instance that wrote this version recognises it and hands back
  -- the state object it committed instead of parsing the document again.
  stamp        text NOT NULL,
  CONSTRAINT routing_states_queue_key UNIQUE (workspace_id, queue_key)
);

-- What happened, in commit order within a workspace: appended, never changed.
CREATE TABLE events (
  position     bigserial PRIMARY KEY,
  workspace_id text NOT NULL,
  type         text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  data         jsonb NOT NULL
);

CREATE INDEX events_by_workspace ON events (workspace_id, position);

CREATE FUNCTION agent_roster_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION agent_roster_refuse_change();

-- Emails stored with the commit that caused them, delivered afterwards by any number of
-- dispatchers: a dispatcher leases due rows (lease_until) with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox (
  id              text PRIMARY KEY,
  -- Enqueue order, for stable listings and first-in-first-out delivery among equals.
  seq             bigint GENERATED ALWAYS AS IDENTITY,
  workspace_id    text NOT NULL,
  idempotency_key text NOT NULL,
  to_address      text NOT NULL,
  subject         text NOT NULL,
  body_text       text NOT NULL,
  body_html       text,
  status          text NOT NULL CHECK (status IN ('pending', 'delivered')),
  attempts        integer NOT NULL CHECK (attempts >= 0),
  created_at      timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  delivered_at    timestamptz,
  last_error      text,
  lease_until     timestamptz,
  -- A delivered invitation email no longer holds its link: the body is dropped on delivery.
  CONSTRAINT outbox_delivered_has_no_body CHECK (status = 'pending' OR (body_text = '' AND body_html IS NULL))
);

CREATE INDEX outbox_due ON outbox (next_attempt_at, seq) WHERE status = 'pending';
CREATE INDEX outbox_by_workspace ON outbox (workspace_id, seq);
CREATE INDEX outbox_by_idempotency_key ON outbox (idempotency_key);
`,
  },
  {
    version: 2,
    name: '0002_outbox_withdrawal',
    sql: `-- agent-roster migration 0002: an outbox message can be withdrawn (ADR 0025).
--
-- An invitation email still pending when its invitation is revoked, resent, accepted or expired
-- is withdrawn by that commit instead of being sent with a dead link; one whose link lapses
-- before it goes out is withdrawn by delivery. topic says what a message is about
-- ('invitation:<id>'), expires_at when its link stops working; both are NULL on rows enqueued
-- before this migration, which are then delivered as before. Adding the two columns rewrites
-- nothing; the new status check and the index each read the outbox once.

ALTER TABLE outbox
  ADD COLUMN topic text,
  ADD COLUMN expires_at timestamptz,
  DROP CONSTRAINT outbox_status_check,
  -- Withdrawn, like delivered, is final and keeps no body (outbox_delivered_has_no_body already
  -- requires that of every status but pending).
  ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'delivered', 'withdrawn'));

-- What a commit's withdraw finds: the pending messages of a workspace's topic.
CREATE INDEX outbox_pending_by_topic ON outbox (workspace_id, topic) WHERE status = 'pending' AND topic IS NOT NULL;
`,
  },
  {
    version: 3,
    name: '0003_routing_chunks',
    sql: `-- agent-roster migration 0003: routing queues stored in chunks (ADR 0026).
--
-- A large queue's members and conversations (hash tries of arrays) are cut into subtrees of at
-- most 128 records, one row each, so a command writes the root row and the few chunks it changed
-- instead of the whole queue. routing_states.data keeps the rest of the queue, with each chunked
-- table as null; a queue written before this migration keeps its whole document there, is read
-- as it is, and is cut into chunks by its next write. Every chunk row is written in the same
-- transaction as its root row, whose version and stamp cover them.
-- (Written beside 0002, the outbox withdrawal of the same release.)

CREATE TABLE routing_chunks (
  -- Deleting a queue, or erasing a workspace's queues, deletes its chunks with it.
  routing_id text NOT NULL REFERENCES routing_states (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  -- m or c (members, conversations), then the slot taken at each level of branches: m.3.17.
  path       text NOT NULL,
  -- The stamp of the write that stored this chunk (routing_states.stamp at that write): an
  -- instance that knows the chunk under that stamp does not need it sent again.
  stamp      text NOT NULL,
  data       jsonb NOT NULL,
  PRIMARY KEY (routing_id, path)
);
`,
  },
  {
    version: 4,
    name: '0004_outbox_pages',
    sql: `-- agent-roster migration 0004: the outbox, a page at a time.
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
`,
  },
  {
    version: 5,
    name: '0005_routing_chunk_versions',
    sql: `-- agent-roster migration 0005: an instance catching up on a chunked routing queue reads only
-- what changed (ADR 0026, "Catch-up").
--
-- Each chunk row names the root version that wrote it, and each root row the write that began
-- its run of versions and how many chunk rows it has. An instance that holds a queue at version
-- v asks for the chunk rows written after v, and learns which of its paths are gone from the
-- count (and from the paths the new chunks replace), instead of receiving the list of every
-- chunk. Rows stored before this migration have NULLs, which mean "unknown": they are read by
-- listing every chunk, as before, and a queue's next write fills them in (it rewrites every chunk
-- once). Nothing else changes; no data is converted.

ALTER TABLE routing_chunks
  -- routing_states.version as of the write that stored this chunk; NULL if written before 0005.
  ADD COLUMN version integer;

ALTER TABLE routing_states
  -- The stamp of the write that created this row, or of its first write after 0005: versions
  -- count from 1 again when a queue is deleted and created again under the same id, and this
  -- tells the two runs apart. NULL until then.
  ADD COLUMN created_stamp text,
  -- How many routing_chunks rows the queue has after the write that set this version.
  ADD COLUMN chunk_count integer;
`,
  },
  {
    version: 6,
    name: '0006_filtered_page_indexes',
    sql: `-- agent-roster migration 0006: a filtered page reads the rows it returns (ADR 0027).
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
`,
  },
  {
    version: 7,
    name: '0007_legacy_invitation_emails',
    sql: `-- agent-roster migration 0007: invitation emails queued by 0.1.0 can be withdrawn (ADR 0025,
-- "Upgrading from 0.1.0").
--
-- 0.1.0 queued each invitation email with no topic and no expiry (0002 added both), so an email it
-- left pending was never withdrawn: the dispatcher sent it even when its invitation had been
-- revoked, accepted or expired, or resent (whose first link is dead), and a later revoke, resend
-- or accept did not withdraw it. Such a message is recognised by its idempotency key,
-- 'invitation:<invitationId>:<n>', where n is the invitation's resendCount when the email was
-- queued (0 for the first send, 1 for the first resend, ...); the invitation's current send is
-- the one whose n is its current resendCount (invitations.data->>'resendCount').
--
-- First, every such message still pending whose invitation is no longer pending, or whose n is
-- below the invitation's resendCount (a superseded link), is withdrawn as a commit withdraws
-- one: final, body dropped, lease ended. Then every such message of an invitation's current
-- send gets the topic 'invitation:<invitationId>' and the invitation's expires_at, as this
-- release writes them, so the commit that closes the invitation withdraws it and delivery
-- withdraws it once its link lapses. A message whose invitation is not stored is left as it was.
--
-- The first statement looks at every pending message of that form, topic or not: running the
-- file again by hand once the last 0.1.0 instance has stopped also withdraws what those instances
-- closed meanwhile (during a rolling deploy) without withdrawing anything (a 0.1.0 revoke, resend
-- or accept withdraws nothing). The second gives topics to pending messages only, so the history
-- of delivered ones is not rewritten. Each reads the outbox once and looks its invitations up by
-- primary key. A key that does not have that form matches no invitation (the substrings are
-- NULL), so no cast can fail.

UPDATE outbox AS o
   SET status = 'withdrawn', body_text = '', body_html = NULL, lease_until = NULL
  FROM invitations AS i
 WHERE o.status = 'pending'
   AND i.id = substring(o.idempotency_key FROM '^invitation:([^:]+):[0-9]{1,9}$')
   AND i.workspace_id = o.workspace_id
   AND (i.status <> 'pending'
        OR substring(o.idempotency_key FROM ':([0-9]{1,9})$')::integer < (i.data->>'resendCount')::integer);

UPDATE outbox AS o
   SET topic = 'invitation:' || i.id, expires_at = i.expires_at
  FROM invitations AS i
 WHERE o.topic IS NULL
   AND o.status = 'pending'
   AND i.id = substring(o.idempotency_key FROM '^invitation:([^:]+):[0-9]{1,9}$')
   AND i.workspace_id = o.workspace_id
   AND substring(o.idempotency_key FROM ':([0-9]{1,9})$')::integer = (i.data->>'resendCount')::integer;
`,
  },
  {
    version: 8,
    name: '0008_agents_joining_order',
    sql: `-- agent-roster migration 0008: the whole team is read in its listing's order from an index.
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
`,
  },
  {
    version: 9,
    name: '0009_invitations_sending_order',
    sql: `-- agent-roster migration 0009: invitations are read in their listing's order from an index.
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
`,
  },
  {
    version: 10,
    name: '0010_expired_invitations_closed_at',
    sql: `-- agent-roster migration 0010: an expired invitation is closed when it lapsed.
--
-- Until this release an invitation's closedAt, once a sweep recorded it expired, was the time of
-- that sweep, which came a minute or a month after the expiry, whenever a use case or the expiry
-- job first looked; the listings showed the same invitation closed at its expiresAt before the
-- sweep, so its closedAt jumped. Now the sweep and the fold of InvitationExpired close it at the
-- instant it lapsed, the event's expiredAt, which is the invitation's expiresAt (nothing changes
-- an expired invitation's expiresAt but a resend, which opens it again). This gives every stored
-- expired invitation that closedAt, so the rows equal a replay of their events, and bumps its
-- version, so a command that read the old row cannot write it back.
--
-- It reads the expired invitations once, through invitations_by_status_sending, and rewrites only
-- those whose closedAt differs (a row without an expiresAt, which no release writes, is left as it
-- is rather than given a NULL data). An instance of the previous release keeps working on the migrated
-- rows; the invitations it expires meanwhile get the sweep's time again, which running this file
-- again by hand, once the last such instance has stopped, sets right.

UPDATE invitations
   SET data = jsonb_set(data, '{closedAt}', data->'expiresAt'), version = version + 1
 WHERE status = 'expired'
   AND data ? 'expiresAt'
   AND data->'closedAt' IS DISTINCT FROM data->'expiresAt';
`,
  },
];
