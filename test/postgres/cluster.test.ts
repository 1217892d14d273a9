import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../../scripts/pg-cluster';
import { freshDatabase, postgresTarget, type FreshDatabase } from '../support/postgres';

const databaseUrl = process.env.DATABASE_URL;
const expectServer = (databaseUrl !== undefined && databaseUrl !== '') || findPostgresBinaries() !== null;

describe('postgres test target', () => {
  it(`runs on ${expectServer ? 'a real PostgreSQL server' : 'PGlite'} on this machine`, () => {
    const target = postgresTarget();
    const why = target.kind === 'pglite' ? `fell back to PGlite: ${target.reason}` : `got ${target.url}`;
    expect(target.kind, why).toBe(expectServer ? 'server' : 'pglite');
  });
});

describe('freshDatabase()', () => {
  let a: FreshDatabase;
  let b: FreshDatabase;

  beforeAll(async () => {
    [a, b] = await Promise.all([freshDatabase(), freshDatabase()]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('answers select 1 on the expected kind of database', async () => {
    expect(a.kind).toBe(postgresTarget().kind);
    const { rows } = await a.pool.query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    if (a.kind === 'server') {
      const version = await a.pool.query<{ v: string }>("select current_setting('server_version_num') as v");
      expect(Number(version.rows[0]?.v)).toBeGreaterThanOrEqual(150000);
      const current = await a.pool.query<{ db: string }>('select current_database() as db');
      expect(current.rows[0]?.db).toBe(a.name);
    }
  });

  it('gives pg value types in both modes', async () => {
    const { rows } = await a.pool.query(
      "select 1::int8 as big, 1.5::numeric as num, now() as at, $1::jsonb as doc, $2::text[] as tags",
      [{ x: 1 }, ['p', 'q']],
    );
    expect(rows[0]).toMatchObject({ big: '1', num: '1.5', doc: { x: 1 }, tags: ['p', 'q'] });
    expect(rows[0]?.at).toBeInstanceOf(Date);
  });

  it('rolls back and commits DDL in transactions', async () => {
    const client = await a.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('CREATE TABLE doomed (id int)');
      await client.query('ROLLBACK');

      await client.query('BEGIN');
      await client.query('CREATE TABLE widgets (id int primary key, name text not null)');
      const inserted = await client.query('INSERT INTO widgets VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
      expect(inserted.rowCount).toBe(2);
      await client.query('COMMIT');
    } finally {
      client.release();
    }

    const tables = await a.pool.query<{ doomed: string | null; widgets: string | null }>(
      "select to_regclass('public.doomed')::text as doomed, to_regclass('public.widgets')::text as widgets",
    );
    expect(tables.rows[0]).toEqual({ doomed: null, widgets: 'widgets' });
  });

  it('keeps concurrent transactions on one pool apart', async () => {
    await a.pool.query('CREATE TABLE ledger (n int)');
    const transfer = async (n: number, fail: boolean) => {
      const client = await a.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO ledger VALUES ($1)', [n]);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (fail) throw new Error('abort');
        await client.query('INSERT INTO ledger VALUES ($1)', [n * 10]);
        await client.query('COMMIT');
      } catch {
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    };
    await Promise.all([transfer(1, false), transfer(2, true), transfer(3, false)]);
    const { rows } = await a.pool.query<{ n: number }>('SELECT n FROM ledger ORDER BY n');
    expect(rows.map((r) => r.n)).toEqual([1, 3, 10, 30]);
  });

  it('isolates fresh databases from each other', async () => {
    await a.pool.query('CREATE TABLE only_in_a (id int)');
    await b.pool.query('CREATE TABLE only_in_b (id int)');
    const seen = async (db: FreshDatabase) =>
      (
        await db.pool.query<{ a: string | null; b: string | null }>(
          "select to_regclass('public.only_in_a')::text as a, to_regclass('public.only_in_b')::text as b",
        )
      ).rows[0];
    expect(await seen(a)).toEqual({ a: 'only_in_a', b: null });
    expect(await seen(b)).toEqual({ a: null, b: 'only_in_b' });
  });

  it('survives a failed query and a client released with an error mid-transaction', async () => {
    await expect(a.pool.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
    const client = await a.pool.connect();
    await client.query('BEGIN');
    await client.query('CREATE TABLE abandoned (id int)');
    client.release(new Error('test gives up on this client'));
    const { rows } = await a.pool.query<{ t: string | null }>("select to_regclass('public.abandoned')::text as t");
    expect(rows).toEqual([{ t: null }]);
  });
});

describe('closing a fresh database', () => {
  it('drops it from the server', async () => {
    const db = await freshDatabase();
    await db.close();
    await db.close(); // idempotent
    const target = postgresTarget();
    if (target.kind !== 'server') return;
    const probe = await freshDatabase();
    try {
      const { rows } = await probe.pool.query('select 1 from pg_database where datname = $1', [db.name]);
      expect(rows).toEqual([]);
    } finally {
      await probe.close();
    }
  });
});
