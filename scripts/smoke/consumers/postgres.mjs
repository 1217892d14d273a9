// `agent-roster/postgres` through `import`, with `pg` deliberately NOT installed: the adapter takes a
// pool you construct, so loading it must never require the driver.
import { MIGRATIONS, PostgresRosterStore, migrate } from 'agent-roster/postgres';

const pgResolves = await import('pg').then(
  () => true,
  () => false,
);
if (pgResolves) throw new Error('pg is installed here, so this consumer cannot prove the adapter loads without it');
if (typeof PostgresRosterStore !== 'function') throw new Error(`PostgresRosterStore is ${typeof PostgresRosterStore}`);
if (typeof migrate !== 'function') throw new Error(`migrate is ${typeof migrate}`);
if (!(MIGRATIONS.length > 0)) throw new Error('no migrations shipped');
// The store's sessions wait in the core's WorkspaceTurns, which the adapter imports from
// 'agent-roster' by name: a store that constructs proves that import resolves (under require, a
// missing export shows only here, as `undefined is not a constructor`).
const store = new PostgresRosterStore({ query: async () => ({ rows: [] }), connect: async () => { throw new Error('not connected'); } }, { lockWorkspaces: true });
if (typeof store.begin !== 'function') throw new Error('PostgresRosterStore({ lockWorkspaces: true }) has no begin');
console.log(`resolved ${import.meta.resolve('agent-roster/postgres')}`);
console.log(`postgres: adapter and ${MIGRATIONS.length} migration(s) loaded without pg`);
console.log('ok');
