/**
 * `migrate()`: idempotent, one instance applies while the others wait, all or nothing, and the
 * embedded SQL is the SQL shipped in `sql/migrations`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, type Migration } from 'agent-roster/postgres';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;

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
    expect(await migrate(db.pool)).toEqual({ applied: ['0001_roster', '0003_routing_chunks'], alreadyApplied: [] });
    const schema = await schemaOf(db);
    expect(await migrate(db.pool)).toEqual({ applied: [], alreadyApplied: ['0001_roster', '0003_routing_chunks'] });
    expect(await schemaOf(db)).toEqual(schema);
    const { rows } = await db.pool.query('SELECT version, name FROM agent_roster_migrations ORDER BY version');
    expect(rows).toEqual([
      { version: 1, name: '0001_roster' },
      { version: 3, name: '0003_routing_chunks' },
    ]);
    const tables = await db.pool.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    expect(tables.rows.map((r) => r.t)).toEqual([
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
    expect(reports.filter((r) => r.applied.length === MIGRATIONS.length)).toHaveLength(1);
    expect(reports.filter((r) => r.alreadyApplied.length === MIGRATIONS.length)).toHaveLength(3);
  });

  it('applies nothing when one of the pending migrations fails', async () => {
    const broken: Migration = { version: 2, name: '0002_broken', sql: 'CREATE TABLE half_done (id int); SELECT 1 / 0;' };
    await expect(migrate(db.pool, [...MIGRATIONS, broken])).rejects.toMatchObject({ code: '22012' });
    const { rows } = await db.pool.query(`SELECT to_regclass('public.workspaces') AS w, to_regclass('public.half_done') AS h,
      to_regclass('public.agent_roster_migrations') AS m`);
    expect(rows).toEqual([{ w: null, h: null, m: null }]);
    expect((await migrate(db.pool)).applied).toEqual(['0001_roster', '0003_routing_chunks']);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    await migrate(db.pool);
    const edited = MIGRATIONS.map((m) => ({ ...m, sql: `${m.sql}\n-- edited` }));
    await expect(migrate(db.pool, edited)).rejects.toThrow(/0001_roster was changed after it was applied/);
  });

  it('leaves alone versions it does not know, which a newer release applied', async () => {
    const newer: Migration = { version: 99, name: '0099_future', sql: 'CREATE TABLE from_the_future (id int);' };
    await migrate(db.pool, [...MIGRATIONS, newer]);
    expect(await migrate(db.pool)).toEqual({ applied: [], alreadyApplied: ['0001_roster', '0003_routing_chunks'] });
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
