/**
 * `migrate()`: idempotent, one instance applies while the others wait, all or nothing, and the
 * embedded SQL is the SQL shipped in `sql/migrations`.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRoster, type WorkspaceId } from 'agent-roster';
import { migrate, MIGRATIONS, PostgresRosterStore, type MigrateOptions, type Migration, type SqlClient, type SqlPool } from 'agent-roster/postgres';
import { freshDatabase, postgresTarget, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;
const ALL = ['0001_roster', '0002_outbox_withdrawal', '0003_routing_chunks', '0004_outbox_pages', '0005_routing_chunk_versions', '0006_filtered_page_indexes', '0007_legacy_invitation_emails', '0008_agents_joining_order', '0009_invitations_sending_order', '0010_expired_invitations_closed_at'];

/** The schema as the catalog describes it: tables, columns, constraints, indexes, triggers, functions. */
async function schemaOf(database: FreshDatabase): Promise<unknown> {
  const { rows } = await database.pool.query(`
    SELECT 'column' AS what, table_name || '.' || column_name || ' ' || data_type AS name FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'constraint', conrelid::regclass::text || '.' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'trigger', tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT 'function', proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    ORDER BY 1, 2`);
  return rows;
}

describe('migrate()', () => {
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db?.close());

  it('creates the schema, then is a no-op the second time', async () => {
    expect(await migrate(db.pool)).toEqual({ applied: ALL, alreadyApplied: [] });
    const schema = await schemaOf(db);
    expect(await migrate(db.pool)).toEqual({ applied: [], alreadyApplied: ALL });
    expect(await schemaOf(db)).toEqual(schema);
    const { rows } = await db.pool.query('SELECT version, name FROM agent_roster_migrations ORDER BY version');
    expect(rows).toEqual([
      { version: 1, name: '0001_roster' },
      { version: 2, name: '0002_outbox_withdrawal' },
      { version: 3, name: '0003_routing_chunks' },
      { version: 4, name: '0004_outbox_pages' },
      { version: 5, name: '0005_routing_chunk_versions' },
      { version: 6, name: '0006_filtered_page_indexes' },
      { version: 7, name: '0007_legacy_invitation_emails' },
      { version: 8, name: '0008_agents_joining_order' },
      { version: 9, name: '0009_invitations_sending_order' },
      { version: 10, name: '0010_expired_invitations_closed_at' },
    ]);
    const tables = await db.pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.rows.map((r) => r.t)).toEqual([
      'agent_departments',
      'agent_roster_migrations',
      'agents',
      'departments',
      'email_claims',
      'events',
      'invitations',
      'outbox',
      'routing_chunks',
      'routing_states',
      'workspaces',
    ]);
  });

  it('lets many instances migrate at once: one applies, the others find it done', async () => {
    const reports = await Promise.all(Array.from({ length: 4 }, () => migrate(db.pool)));
    expect(reports.filter((r) => r.applied.length === ALL.length)).toHaveLength(1);
    expect(reports.filter((r) => r.alreadyApplied.length === ALL.length)).toHaveLength(3);
  });

  it('applies nothing when one of the pending migrations fails', async () => {
    const broken: Migration = { version: 90, name: '0090_broken', sql: 'CREATE TABLE half_done (id int); SELECT 1 / 0;' };
    await expect(migrate(db.pool, [...MIGRATIONS, broken])).rejects.toMatchObject({ code: '22012' });
    const { rows } = await db.pool.query(`SELECT to_regclass('public.workspaces') AS w, to_regclass('public.half_done') AS h,
      to_regclass('public.agent_roster_migrations') AS m`);
    expect(rows).toEqual([{ w: null, h: null, m: null }]);
    expect((await migrate(db.pool)).applied).toEqual(ALL);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    await migrate(db.pool);
    const edited = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
    await expect(migrate(db.pool, edited)).rejects.toThrow(/0001_roster was changed after it was applied/);
  });

  it('upgrades a database of 0001 with email waiting: old messages keep their place and go out as before', async () => {
    await migrate(db.pool, MIGRATIONS.slice(0, 1));
    await db.pool.query(`INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject, body_text, status, attempts, created_at, next_attempt_at, lease_until)
      VALUES ('msg_old_1', 'ws_old', 'invitation:inv_old_1:0', 'dee@acme.com', 'Join us', 'token=old-1', 'pending', 0, now() - interval '1 hour', now() - interval '1 hour', NULL),
             ('msg_old_2', 'ws_old', 'invitation:inv_old_2:0', 'eve@acme.com', 'Join us', 'token=old-2', 'pending', 1, now() - interval '1 hour', now() - interval '1 hour', now() + interval '1 minute')`);
    expect(await migrate(db.pool)).toEqual({ applied: ['0002_outbox_withdrawal', '0003_routing_chunks', '0004_outbox_pages', '0005_routing_chunk_versions', '0006_filtered_page_indexes', '0007_legacy_invitation_emails', '0008_agents_joining_order', '0009_invitations_sending_order', '0010_expired_invitations_closed_at'], alreadyApplied: ['0001_roster'] });

    const store = new PostgresRosterStore(db.pool);
    const [waiting] = await store.claimOutbox(new Date(), 10, 60_000);
    expect(waiting).toMatchObject({ id: 'msg_old_1', status: 'pending', text: 'token=old-1' });
    expect(waiting).not.toHaveProperty('topic');
    expect(waiting).not.toHaveProperty('expiresAt');
    await store.markDelivered('msg_old_1', new Date());
    const later = new Date(Date.now() + 120_000);
    expect((await store.claimOutbox(later, 10, 60_000)).map((m) => m.id)).toEqual(['msg_old_2']);
    expect((await store.listOutbox('ws_old' as WorkspaceId)).map((m) => [m.id, m.status])).toEqual([
      ['msg_old_1', 'delivered'],
      ['msg_old_2', 'pending'],
    ]);
    // A page of them too (0004's index): created in the same instant, so by id.
    expect((await store.listOutbox('ws_old' as WorkspaceId, undefined, { limit: 1 })).map((m) => m.id)).toEqual(['msg_old_1']);
    expect((await store.listOutbox('ws_old' as WorkspaceId, 'pending', {})).map((m) => m.id)).toEqual(['msg_old_2']);
  });

  it('leaves alone versions it does not know, which a newer release applied', async () => {
    const newer: Migration = { version: 99, name: '0099_future', sql: 'CREATE TABLE from_the_future (id int);' };
    await migrate(db.pool, [...MIGRATIONS, newer]);
    expect(await migrate(db.pool)).toEqual({ applied: [], alreadyApplied: ALL });
  });
});

/** The statements of the guide's "Building the indexes beforehand", one by one, comments dropped. */
function prebuildStatements(): string[] {
  const guide = readFileSync(new URL('../../docs/guides/storage-postgres.md', import.meta.url), 'utf8');
  const section = guide.slice(guide.indexOf('**Building the indexes beforehand.**'));
  const block = /```sql\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean);
}

describe('migrate() after indexes built beforehand', () => {
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db?.close());

  it('keeps the indexes the guide builds CONCURRENTLY before migrating 0.1.0, and ends with the schema of a fresh migration', async () => {
    const statements = prebuildStatements();
    expect(statements.filter((s) => s.startsWith('CREATE INDEX CONCURRENTLY'))).toHaveLength(6);
    expect(statements.filter((s) => s.startsWith('DROP INDEX CONCURRENTLY'))).toHaveLength(5);
    await migrate(db.pool, MIGRATIONS.slice(0, 1));
    for (const statement of statements) await db.pool.query(statement);
    expect(await migrate(db.pool)).toEqual({ applied: ALL.slice(1), alreadyApplied: ALL.slice(0, 1) });
    const fresh = await freshDatabase();
    try {
      await migrate(fresh.pool);
      expect(await schemaOf(db)).toEqual(await schemaOf(fresh));
    } finally {
      await fresh.close();
    }
  });

  it('refuses an index built beforehand that is INVALID (a failed CREATE INDEX CONCURRENTLY), changing nothing', async () => {
    await migrate(db.pool, MIGRATIONS.slice(0, 7));
    await db.pool.query(`CREATE INDEX CONCURRENTLY agents_by_joining_in_order ON agents (workspace_id, joined_at, id COLLATE "C")`);
    // What a cancelled or failed build leaves behind.
    await db.pool.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'agents_by_joining_in_order'::regclass`);
    await expect(migrate(db.pool)).rejects.toThrow(/index agents_by_joining_in_order, which this migration needs, is INVALID/);
    expect((await db.pool.query(`SELECT to_regclass('agents_by_joining') IS NOT NULL AS kept`)).rows).toEqual([{ kept: true }]);
    await db.pool.query('DROP INDEX agents_by_joining_in_order');
    expect((await migrate(db.pool)).applied).toEqual(ALL.slice(7));
  });

  // A same-named relation that is not exactly the index the migration builds would otherwise be
  // kept by IF NOT EXISTS, recorded as applied, and the index it replaces dropped.
  it.each([
    {
      what: 'the index 0008 builds without COLLATE "C" (the listing could not use it)',
      before: 7,
      build: `CREATE INDEX CONCURRENTLY agents_by_joining_in_order ON agents (workspace_id, joined_at, id)`,
      refused: 'index agents_by_joining_in_order, which this migration needs, is not the index it builds: found CREATE INDEX agents_by_joining_in_order ON public.agents USING btree (workspace_id, joined_at, id), expected CREATE INDEX agents_by_joining_in_order ON agents USING btree (workspace_id, joined_at, id COLLATE "C")',
      replaced: 'agents_by_joining',
      clear: 'DROP INDEX agents_by_joining_in_order',
    },
    {
      what: "0009's index name on agents instead of invitations",
      before: 8,
      build: `CREATE INDEX CONCURRENTLY invitations_by_sending_in_order ON agents (workspace_id, joined_at, id COLLATE "C")`,
      refused: 'index invitations_by_sending_in_order, which this migration needs, is not the index it builds: found CREATE INDEX invitations_by_sending_in_order ON public.agents USING btree (workspace_id, joined_at, id COLLATE "C"), expected CREATE INDEX invitations_by_sending_in_order ON invitations USING btree (workspace_id, sent_at, id COLLATE "C")',
      replaced: 'invitations_by_sending',
      clear: 'DROP INDEX invitations_by_sending_in_order',
    },
    {
      what: 'a UNIQUE index of the definition 0004 builds',
      before: 3,
      build: `CREATE UNIQUE INDEX CONCURRENTLY outbox_by_creation ON outbox (workspace_id, created_at, id COLLATE "C")`,
      refused: 'index outbox_by_creation, which this migration needs, is not the index it builds: found CREATE UNIQUE INDEX outbox_by_creation ON public.outbox USING btree (workspace_id, created_at, id COLLATE "C"), expected CREATE INDEX outbox_by_creation ON outbox USING btree (workspace_id, created_at, id COLLATE "C")',
      replaced: undefined,
      clear: 'DROP INDEX outbox_by_creation',
    },
    {
      what: "a table named as one of 0006's indexes",
      before: 5,
      build: `CREATE TABLE agents_by_presence_joining (id int)`,
      refused: 'index agents_by_presence_joining, which this migration needs, is not the index it builds: found a relation that is not an index, expected CREATE INDEX agents_by_presence_joining ON agents USING btree (workspace_id, status, availability, joined_at, id COLLATE "C")',
      replaced: 'agents_by_presence',
      clear: 'DROP TABLE agents_by_presence_joining',
    },
  ])('refuses $what, naming it, changing nothing', async ({ before, build, refused, replaced, clear }) => {
    await migrate(db.pool, MIGRATIONS.slice(0, before));
    const ledger = async () => (await db.pool.query('SELECT * FROM agent_roster_migrations ORDER BY version')).rows;
    const applied = await ledger();
    await db.pool.query(build);
    const error = await migrate(db.pool).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toBe(`agent-roster: ${refused}. Drop or rename it, then build the index as the PostgreSQL guide says ("Building the indexes beforehand") or let migrate build it`);
    expect(await ledger()).toEqual(applied);
    if (replaced) expect((await db.pool.query(`SELECT to_regclass($1) IS NOT NULL AS kept`, [replaced])).rows).toEqual([{ kept: true }]);
    await db.pool.query(clear);
    expect((await migrate(db.pool)).applied).toEqual(ALL.slice(before));
  });
});

describe('migrate() options', () => {
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db?.close());

  it.each<[string, MigrateOptions]>([
    ['a negative lock timeout', { lockTimeoutMs: -1 }],
    ['a fractional retry delay', { retryDelayMs: 0.5 }],
    // 0 doubled is 0: attempts back to back for ever, each holding up the table for lockTimeoutMs.
    ['no pause between attempts', { retryDelayMs: 0 }],
    ['a lock timeout PostgreSQL refuses', { lockTimeoutMs: 2 ** 31 }],
    ['no attempt at all', { maxAttempts: 0 }],
    ['an onRetry that is no function', { onRetry: 'log' as unknown as MigrateOptions['onRetry'] }],
  ])('rejects %s with a TypeError, before touching the database', async (_, options) => {
    await expect(migrate(db.pool, MIGRATIONS, options)).rejects.toBeInstanceOf(TypeError);
    expect((await db.pool.query(`SELECT to_regclass('agent_roster_migrations') AS m`)).rows).toEqual([{ m: null }]);
  });

  it('names the range of each option it refuses', async () => {
    await expect(migrate(db.pool, MIGRATIONS, { retryDelayMs: 0 })).rejects.toThrow('migrate: retryDelayMs must be a whole number of milliseconds from 1 to 2147483647, got 0');
    await expect(migrate(db.pool, MIGRATIONS, { lockTimeoutMs: -1 })).rejects.toThrow('migrate: lockTimeoutMs must be a whole number of milliseconds from 0 to 2147483647, got -1');
  });
});

/** What PostgreSQL raises, as `pg` rejects with it: an Error with the SQLSTATE as `code`. */
function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

/**
 * `pool`, on the real test database, except that the statement `failing` (a migration's SQL)
 * rejects with `errors`, one per time it is run, before it reaches the database: what a lock
 * timeout, a deadlock or a serialization failure look like to migrate, in the attempt's
 * transaction, which then really rolls back. Records how each connection was released.
 */
function failingAt(pool: SqlPool, failing: string, errors: Error[]): SqlPool & { releases: unknown[] } {
  const pending = [...errors];
  const releases: unknown[] = [];
  return {
    releases,
    query: (text, values) => pool.query(text, values),
    async connect() {
      const client = await pool.connect();
      const wrapped: SqlClient = {
        async query(text, values) {
          if (text === failing && pending.length > 0) throw pending.shift()!;
          return client.query(text, values);
        },
        release(error) {
          releases.push(error);
          client.release(error);
        },
      };
      return wrapped;
    },
  };
}

/** Advisory locks held by any session on the test database. */
async function advisoryLocks(): Promise<number> {
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  return (rows[0] as { n: number }).n;
}

describe('migrate() when an attempt fails', () => {
  beforeEach(async () => {
    db = await freshDatabase();
    await migrate(db.pool, MIGRATIONS.slice(0, 7));
  });
  afterEach(() => db?.close());

  const lockTimeout = () => sqlError('55P03', 'canceling statement due to lock timeout');

  it('rejects with the error onRetry throws, the attempt\'s error as its cause, its lock released and its connection kept', async () => {
    const timedOut = lockTimeout();
    const pool = failingAt(db.pool, MIGRATIONS[7]!.sql, [timedOut]);
    const stop = new Error('deploy deadline passed');
    const failed = await migrate(pool, MIGRATIONS, {
      retryDelayMs: 1,
      onRetry: () => {
        throw stop;
      },
    }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBe(stop);
    expect((failed as Error).cause).toBe(timedOut);
    // The session lock let go, and the connection, healthy, handed back to the pool (no error).
    expect(await advisoryLocks()).toBe(0);
    expect(pool.releases).toEqual([undefined]);
    expect((await db.pool.query('SELECT max(version) AS v FROM agent_roster_migrations')).rows).toEqual([{ v: 7 }]);
    expect(await migrate(db.pool)).toEqual({ applied: ALL.slice(7), alreadyApplied: ALL.slice(0, 7) });
  });

  it.each<[string, (error: unknown) => unknown]>([
    ['a string', () => 'stop'],
    ['an error with a cause of its own', () => new Error('stop', { cause: 'mine' })],
    ['a frozen error', () => Object.freeze(new Error('stop'))],
  ])('keeps both errors when onRetry throws %s, which cannot take a cause', async (_, thrown) => {
    const timedOut = lockTimeout();
    let threw: unknown;
    const failed = await migrate(failingAt(db.pool, MIGRATIONS[7]!.sql, [timedOut]), MIGRATIONS, {
      retryDelayMs: 1,
      onRetry: ({ error }) => {
        threw = thrown(error);
        throw threw;
      },
    }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(AggregateError);
    expect((failed as AggregateError).errors).toEqual([threw]);
    expect((failed as AggregateError).errors[0]).toBe(threw);
    expect((failed as Error).cause).toBe(timedOut);
    expect((failed as Error).message).toBe('migrate: onRetry threw after attempt 1 failed (55P03); nothing was applied');
    expect(await advisoryLocks()).toBe(0);
  });

  // An attempt chosen as a deadlock's victim, or failing serialization, was rolled back as a
  // lock timeout's is, so it is as safe to try again. A real deadlock with migrate as its victim
  // could not be set up reliably; the error comes where it would, at a migration's statement.
  it.each<[string, string, MigrateOptions]>([
    ['a deadlock', '40P01', {}],
    ['a serialization failure', '40001', {}],
    ['a deadlock, with lock waits unbounded (lockTimeoutMs: 0)', '40P01', { lockTimeoutMs: 0 }],
  ])('tries again after %s, telling onRetry', async (_, code, options) => {
    const failure = sqlError(code, 'could not complete the statement');
    const retries: Array<{ attempt: number; error: unknown }> = [];
    const pool = failingAt(db.pool, MIGRATIONS[8]!.sql, [failure]);
    const report = await migrate(pool, MIGRATIONS, { ...options, retryDelayMs: 1, onRetry: ({ attempt, error }) => retries.push({ attempt, error }) });
    expect(report).toEqual({ applied: ALL.slice(7), alreadyApplied: ALL.slice(0, 7) });
    expect(retries).toEqual([{ attempt: 1, error: failure }]);
    expect(retries[0]!.error).toBe(failure);
    expect(pool.releases).toEqual([undefined]);
  });

  it('gives up after maxAttempts with the last attempt\'s error, whichever of them it was', async () => {
    const errors = [sqlError('40P01', 'deadlock detected'), sqlError('40001', 'could not serialize access'), lockTimeout(), sqlError('40P01', 'deadlock detected')];
    const retries: unknown[] = [];
    const pool = failingAt(db.pool, MIGRATIONS[7]!.sql, errors);
    const failed = await migrate(pool, MIGRATIONS, { retryDelayMs: 1, maxAttempts: 3, onRetry: ({ error }) => retries.push(error) }).then(() => undefined, (e: unknown) => e);
    expect(retries).toEqual(errors.slice(0, 2));
    expect(failed).toBe(errors[2]);
    expect(await advisoryLocks()).toBe(0);
    expect((await db.pool.query('SELECT max(version) AS v FROM agent_roster_migrations')).rows).toEqual([{ v: 7 }]);
  });

  it('does not try again after any other failure', async () => {
    const denied = sqlError('42501', 'permission denied for schema public');
    const retries: number[] = [];
    const failed = await migrate(failingAt(db.pool, MIGRATIONS[7]!.sql, [denied]), MIGRATIONS, { retryDelayMs: 1, onRetry: ({ attempt }) => retries.push(attempt) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBe(denied);
    expect(retries).toEqual([]);
  });

  it('rejects with the attempt\'s own error, unchanged, when onRetry rethrows it', async () => {
    const timedOut = lockTimeout();
    const failed = await migrate(failingAt(db.pool, MIGRATIONS[7]!.sql, [timedOut]), MIGRATIONS, {
      retryDelayMs: 1,
      onRetry: ({ error }) => {
        throw error;
      },
    }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBe(timedOut);
    expect((failed as Error).cause).toBeUndefined();
    expect(await advisoryLocks()).toBe(0);
  });
});

/** A pool of its own on the test database, as `user` if given, with `config` (server only). */
function aPool(config: pg.PoolConfig = {}): pg.Pool {
  const target = postgresTarget();
  if (target.kind !== 'server') throw new Error('server only');
  const url = new URL(target.url);
  url.pathname = `/${db.name}`;
  if (config.user) url.username = config.user;
  const pool = new pg.Pool({ ...config, connectionString: url.toString() });
  pool.on('error', () => {});
  return pool;
}

describe.runIf(postgresTarget().kind === 'server')('migrate() on an application\'s pool', () => {
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db?.close());

  it('does nothing that needs CREATE when nothing is pending, so a role with the documented grants can call it on every start', async () => {
    await migrate(db.pool);
    const role = `app_${randomBytes(6).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN`);
    const app = aPool({ user: role, max: 2 });
    try {
      // docs/guides/storage-postgres.md, "Privileges", and no CREATE on the schema for anyone.
      await db.pool.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      await db.pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
      await db.pool.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
      expect(await migrate(app)).toEqual({ applied: [], alreadyApplied: ALL });
      expect(await migrate(app)).toEqual({ applied: [], alreadyApplied: ALL });
      // A pending migration still needs the owner.
      const newer: Migration = { version: 99, name: '0099_future', sql: 'CREATE TABLE from_the_future (id int);' };
      await expect(migrate(app, [...MIGRATIONS, newer])).rejects.toMatchObject({ code: '42501' });
      // An edited one is still refused, lock or no lock.
      await expect(migrate(app, MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` })))).rejects.toThrow(/was changed after it was applied/);
    } finally {
      await app.end();
      await db.pool.query(`DROP OWNED BY ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  // docs/guides/storage-postgres.md, "Privileges": GRANT … ON ALL TABLES covers the tables that
  // exist, so a role granted on 0.1.0's schema cannot use the tables later migrations create
  // (routing_chunks, agent_departments, which a trigger fills as the caller) until the owner's
  // step grants again, or default privileges set up once cover them.
  it.each([
    ['grants again right after migrate', false],
    ['set default privileges once, before migrating', true],
  ])('upgrades 0.1.0 for an application role whose owner %s', async (_, byDefault) => {
    await migrate(db.pool, MIGRATIONS.slice(0, 1));
    const role = `app_${randomBytes(6).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN`);
    const app = aPool({ user: role, max: 2 });
    const grant = async () => {
      await db.pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
      await db.pool.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    };
    try {
      await db.pool.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
      await grant();
      if (byDefault) {
        await db.pool.query(`ALTER DEFAULT PRIVILEGES FOR ROLE current_user IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`);
        await db.pool.query(`ALTER DEFAULT PRIVILEGES FOR ROLE current_user IN SCHEMA public GRANT USAGE ON SEQUENCES TO ${role}`);
      }
      expect((await migrate(db.pool)).applied).toHaveLength(ALL.length - 1);
      if (!byDefault) await grant();
      expect(await migrate(app)).toEqual({ applied: [], alreadyApplied: ALL });
      // createWorkspace writes routing_chunks' table (0003) and, through the agents' trigger, agent_departments (0006).
      const roster = createRoster({ store: new PostgresRosterStore(app), deliverImmediately: false, maxAttempts: 1 });
      const opened = await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: 'correct horse battery staple' } });
      expect(opened.isOk() ? 'opened' : opened.error).toBe('opened');
      const { workspace, owner } = opened._unsafeUnwrap().state;
      const ana = { workspaceId: workspace.id, agentId: owner.id };
      const sales = await roster.createDepartment(ana, { name: 'Sales' });
      expect(sales.isOk() ? 'created' : sales.error).toBe('created');
      const assigned = await roster.assignAgentToDepartments(ana, { agentId: owner.id, departmentIds: [sales._unsafeUnwrap().state.department.id] });
      expect(assigned.isOk() ? 'assigned' : assigned.error).toBe('assigned');
    } finally {
      await app.end();
      await db.pool.query(`DROP OWNED BY ${role}`);
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  /** A session holding a read lock on agents in an open transaction, as a long report would. */
  async function aBlocker() {
    const blocker = await db.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT count(*) FROM agents');
    return blocker;
  }

  /** Resolves once some session waits for a lock on agents it was not granted. */
  async function someoneWaitsOnAgents(): Promise<void> {
    for (let i = 0; i < 1_000; i += 1) {
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'agents'::regclass`);
      if ((rows[0] as { n: number }).n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('nobody waited for a lock on agents');
  }

  it('gives way to queries queued behind its DDL when a transaction holds a table, and applies once it ends', async () => {
    await migrate(db.pool, MIGRATIONS.slice(0, 7));
    const blocker = await aBlocker();
    const retries: number[] = [];
    try {
      // 0008's DROP INDEX asks for ACCESS EXCLUSIVE on agents and waits behind the blocker; every
      // query on agents after it queues behind that request, reads included.
      const migrating = migrate(db.pool, MIGRATIONS, { lockTimeoutMs: 500, retryDelayMs: 200, onRetry: ({ attempt }) => retries.push(attempt) });
      await someoneWaitsOnAgents();
      // A simple read issued now gets through within about the lock timeout, while the blocker
      // still holds its lock (without a timeout it waited as long as the blocker: here, for ever).
      const read = db.pool.query('SELECT count(*)::int AS n FROM agents').then(() => 'read' as const);
      const verdict = await Promise.race([read, new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 15_000))]);
      expect(verdict).toBe('read');
      expect((await blocker.query('SELECT 1 AS still_open')).rows).toEqual([{ still_open: 1 }]);
      await blocker.query('COMMIT');
      expect(await migrating).toEqual({ applied: ALL.slice(7), alreadyApplied: ALL.slice(0, 7) });
      expect(retries.length).toBeGreaterThan(0);
      expect(retries).toEqual(retries.map((_, i) => i + 1));
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      blocker.release();
    }
  });

  it('holds its lock through the pause between attempts: another instance waits on it, not at the table', async () => {
    await migrate(db.pool, MIGRATIONS.slice(0, 7));
    const blocker = await aBlocker();
    let paused!: () => void;
    const inPause = new Promise<void>((resolve) => (paused = resolve));
    try {
      // The first attempt times out behind the blocker; the pause after it lasts 1.5–3 s.
      const first = migrate(db.pool, MIGRATIONS, { lockTimeoutMs: 300, retryDelayMs: 3_000, onRetry: () => paused() });
      await inPause;
      const second = migrate(db.pool, MIGRATIONS, { lockTimeoutMs: 300, retryDelayMs: 3_000 });
      // The second instance waits for the migrations' lock, which the first still holds; with a
      // lock each attempt let go, it took it and waited at agents, holding up every query there.
      const locks = async () =>
        (await db.pool.query(`SELECT locktype, granted FROM pg_locks
             WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND (locktype = 'advisory' OR (relation = 'agents'::regclass AND NOT granted))
             ORDER BY granted`)).rows;
      let seen: unknown[] = [];
      for (let i = 0; i < 500 && seen.length < 2; i += 1) {
        seen = await locks();
        if (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(seen).toEqual([
        { locktype: 'advisory', granted: false },
        { locktype: 'advisory', granted: true },
      ]);
      await blocker.query('COMMIT');
      expect(await first).toEqual({ applied: ALL.slice(7), alreadyApplied: ALL.slice(0, 7) });
      expect(await second).toEqual({ applied: [], alreadyApplied: ALL });
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      blocker.release();
    }
  });

  it('gives up after maxAttempts with the lock timeout\'s error, having applied nothing', async () => {
    await migrate(db.pool, MIGRATIONS.slice(0, 7));
    const blocker = await aBlocker();
    const retries: Array<{ attempt: number; delayMs: number }> = [];
    try {
      const options: MigrateOptions = { lockTimeoutMs: 100, retryDelayMs: 20, maxAttempts: 3, onRetry: ({ attempt, delayMs }) => retries.push({ attempt, delayMs }) };
      await expect(migrate(db.pool, MIGRATIONS, options)).rejects.toMatchObject({ code: '55P03' });
      expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
      // Jittered between half and the whole of a delay that doubles: 10–20 ms, then 20–40 ms.
      expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(10);
      expect(retries[0]!.delayMs).toBeLessThanOrEqual(20);
      expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(20);
      expect(retries[1]!.delayMs).toBeLessThanOrEqual(40);
      const { rows } = await db.pool.query('SELECT max(version) AS v FROM agent_roster_migrations');
      expect(rows).toEqual([{ v: 7 }]);
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      blocker.release();
    }
  });

  it('waits for another instance migrating, whatever lock_timeout and statement_timeout the pool sets, and leaves them set', async () => {
    const holder = await db.pool.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('agent-roster migrations', 0))`);
    // The pool the guide recommends with lockWorkspaces, with shorter timeouts than the wait.
    const app = aPool({ max: 1, lock_timeout: 200, statement_timeout: 500 } as pg.PoolConfig);
    try {
      const started = performance.now();
      const migrating = migrate(app);
      setTimeout(() => void holder.query('COMMIT'), 1_200);
      expect(await migrating).toEqual({ applied: ALL, alreadyApplied: [] });
      expect(performance.now() - started).toBeGreaterThan(1_000);
      // SET LOCAL: the commands' connection keeps the pool's settings.
      expect((await app.query('SHOW lock_timeout')).rows).toEqual([{ lock_timeout: '200ms' }]);
      expect((await app.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '500ms' }]);
    } finally {
      holder.release();
      await app.end();
    }
  });
});

/**
 * A pool in front of `sessions` as PgBouncer in transaction mode is: each transaction, and each
 * statement outside one, runs on the next session in turn, whichever client sent it. Records how
 * its clients were released.
 */
function transactionPooler(sessions: readonly pg.Client[]): SqlPool & { releases: unknown[] } {
  let next = 0;
  const releases: unknown[] = [];
  const pick = () => sessions[next++ % sessions.length]!;
  return {
    releases,
    query: (text, values) => pick().query(text, values),
    async connect() {
      let inTransaction: pg.Client | undefined;
      return {
        async query(text, values) {
          const session = inTransaction ?? pick();
          if (text.startsWith('BEGIN')) inTransaction = session;
          if (text === 'COMMIT' || text === 'ROLLBACK') inTransaction = undefined;
          return session.query(text, values);
        },
        release(error) {
          releases.push(error);
        },
      };
    },
  };
}

describe.runIf(postgresTarget().kind === 'server')('migrate() behind a pooler in transaction mode', () => {
  let sessions: pg.Client[] = [];
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all(sessions.map((s) => s.end().catch(() => {})));
    sessions = [];
    await db?.close();
  });

  /** `n` server sessions on the test database, for the pooler to hand transactions to. */
  async function serverSessions(n: number): Promise<pg.Client[]> {
    const url = new URL((postgresTarget() as { url: string }).url);
    url.pathname = `/${db.name}`;
    sessions = Array.from({ length: n }, () => new pg.Client({ connectionString: url.toString() }));
    await Promise.all(sessions.map((s) => s.connect()));
    return sessions;
  }

  const refused = /^agent-roster: migrate does not hold its advisory lock in the transaction that would apply the migrations: .* Nothing was applied\. migrate needs a session connection: a direct connection to PostgreSQL, or a PgBouncer pool in session mode$/;
  const nothingApplied = async () =>
    (await db.pool.query(`SELECT to_regclass('agent_roster_migrations') AS m, to_regclass('workspaces') AS w`)).rows;

  // Took its lock on one session, then ran its DDL on another, unlocked: two instances migrating
  // at once both applied (one failed on a duplicate type).
  it('refuses to apply when the lock it took is not held where it would apply, leaving no lock held', async () => {
    const pooler = transactionPooler(await serverSessions(2));
    // The ledger's read on the first session, the lock on the second, the attempt on the first.
    await expect(migrate(pooler)).rejects.toThrow(refused);
    expect(await nothingApplied()).toEqual([{ m: null, w: null }]);
    // Let go on the second session, which took it: its client handed back healthy.
    expect(await advisoryLocks()).toBe(0);
    expect(pooler.releases).toEqual([undefined]);
    expect(await migrate(db.pool)).toEqual({ applied: ALL, alreadyApplied: [] });
    // With nothing pending it takes no lock: a start-up call through the pooler passes.
    expect(await migrate(pooler)).toEqual({ applied: [], alreadyApplied: ALL });
  });

  it('drops its connection when letting go of the lock reaches a session that does not hold it', async () => {
    const pooler = transactionPooler(await serverSessions(3));
    // The ledger's read on the first session, the lock on the second, the attempt on the third, the unlock on the first.
    await expect(migrate(pooler)).rejects.toThrow(refused);
    expect(await nothingApplied()).toEqual([{ m: null, w: null }]);
    expect(pooler.releases).toEqual([new Error('agent-roster: migrate found its advisory lock not held by its session when letting go of it')]);
    // What a pooler in transaction mode keeps: the lock, on the server session that took it,
    // until that session ends (see the guide's "Connection poolers").
    const holders = await db.pool.query(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted`);
    const second = await sessions[1]!.query('SELECT pg_backend_pid() AS pid');
    expect(holders.rows).toEqual(second.rows);
    await sessions[1]!.end();
    expect(await advisoryLocks()).toBe(0);
    expect(await migrate(db.pool)).toEqual({ applied: ALL, alreadyApplied: [] });
  });
});

describe('the shipped SQL', () => {
  it('is, file for file, the SQL embedded in the package', () => {
    const dir = new URL('../../sql/migrations/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
    expect(files.map((f) => f.replace(/\.sql$/, ''))).toEqual(MIGRATIONS.map((m) => m.name));
    for (const m of MIGRATIONS) {
      expect(readFileSync(new URL(`${m.name}.sql`, dir), 'utf8'), m.name).toBe(m.sql);
      expect(m.version).toBe(Number(m.name.slice(0, 4)));
    }
  });
});
