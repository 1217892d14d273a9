// `agent-roster/postgres` through `require`, with `pg` deliberately NOT installed.
'use strict';
const { MIGRATIONS, PostgresRosterStore, migrate } = require('agent-roster/postgres');

let pgResolves = true;
try {
  require.resolve('pg');
} catch {
  pgResolves = false;
}
if (pgResolves) throw new Error('pg is installed here, so this consumer cannot prove the adapter loads without it');
if (typeof PostgresRosterStore !== 'function') throw new Error(`PostgresRosterStore is ${typeof PostgresRosterStore}`);
if (typeof migrate !== 'function') throw new Error(`migrate is ${typeof migrate}`);
if (!(MIGRATIONS.length > 0)) throw new Error('no migrations shipped');
console.log(`resolved ${require.resolve('agent-roster/postgres')}`);
console.log(`postgres: adapter and ${MIGRATIONS.length} migration(s) loaded without pg`);
console.log('ok');
