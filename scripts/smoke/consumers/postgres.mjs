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
console.log(`resolved ${import.meta.resolve('agent-roster/postgres')}`);
console.log(`postgres: adapter and ${MIGRATIONS.length} migration(s) loaded without pg`);
console.log('ok');
