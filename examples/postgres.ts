/**
 * The roster on PostgreSQL: migrate, open a workspace, invite Bob, Bob accepts — then read back
 * what the database holds. Needs `DATABASE_URL`, a database it may create its tables in (it
 * runs `migrate`) and add a workspace to:
 *
 *   DATABASE_URL=postgres://user:password@localhost:5432/roster_example npx tsx examples/postgres.ts
 *
 * (from the package installed with `pg`: `npx tsx node_modules/agent-roster/examples/postgres.ts`).
 * In a clone of the repository (`scripts/` is not in the package), with PostgreSQL installed
 * locally, run it on a throwaway cluster instead:
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx examples/postgres.ts
 */
import type { ResultAsync } from 'neverthrow';
import pg from 'pg';
import { CapturingMailer, createRoster } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error(
    'Set DATABASE_URL (DATABASE_URL=postgres://user:password@localhost:5432/roster_example npx tsx examples/postgres.ts), or, in a clone' +
      ' of the repository with PostgreSQL installed, run it on a throwaway cluster: npx tsx scripts/pg-cluster.ts -- npx tsx examples/postgres.ts',
  );
  process.exit(2);
}

// Both settings, as the guide says: without the listener an idle connection the server drops
// (a restart, a failover) ends the process; without the timeout an exhausted pool waits forever.
const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
pool.on('error', (error) => console.warn('idle PostgreSQL connection lost', error.message));
const PASSWORD = 'correct horse battery staple';
/** The value of a step this story expects to succeed; a refusal there is a bug in the story, so it throws. */
const must = async <T>(pending: ResultAsync<T, { type: string; message: string }>): Promise<T> => {
  const result = await pending;
  if (result.isErr()) throw new Error(`${result.error.type}: ${result.error.message}`);
  return result.value;
};

const mailer = new CapturingMailer();
const roster = createRoster({ store: new PostgresRosterStore(pool), mailer, acceptUrl: 'https://chat.example.com/join' });

try {
  // Applies what is missing, once, however many instances start together. With nothing pending it
  // takes no lock and needs no CREATE, so any start-up may call it. With migrations pending it
  // needs a role that may CREATE in the schema, and a direct or session-mode connection: through
  // a transaction-mode pooler (PgBouncer `pool_mode = transaction`) it refuses and applies
  // nothing, so run it at deploy time on a direct connection (the PostgreSQL guide's Migrations).
  const migrated = await migrate(pool);
  console.log(`schema: applied [${migrated.applied.join(', ')}], already there [${migrated.alreadyApplied.join(', ')}]`);

  const opened = await must(
    roster.createWorkspace({ name: 'Acme Support', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }),
  );
  const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  console.log(`Ana opened ${opened.state.workspace.name} (${ana.workspaceId})`);

  const invited = await must(roster.inviteAgent(ana, { email: 'bob@acme.com', role: 'admin' }));
  // The invite waited at most `deliveryWaitMs` (2 s) for the mailer; a slower one is still sending.
  await roster.idle();
  console.log(`invited ${invited.state.invitation.email}; email delivered from the outbox: ${mailer.sent.length === 1}`);

  // The emailed link's token, as Bob's click would bring it. A real app never reads it: the mailer
  // sends it and the visitor brings it back.
  const token = mailer.lastTokenFor('bob@acme.com');
  if (token === undefined) throw new Error('No invitation email to bob@acme.com was sent: see `roster.outbox(ana)` for its lastError.');
  const accepted = await must(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }));
  console.log(`Bob joined as ${accepted.state.agent.role} (${accepted.state.agent.id})`);

  // The same link a second time: it works once.
  const again = await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD });
  console.log(`the link again: ${again.isErr() ? again.error.type : 'accepted twice?!'}`);

  const agents = await must(roster.listAgents(ana));
  console.log(`agents: ${agents.map((a) => `${a.name} <${a.email}> ${a.role}`).join(', ')}`);
  const events = await must(roster.events(ana));
  console.log(`event log: ${events.map((e) => e.type).join(' → ')}`);

  const { rows } = await pool.query<{ table: string; rows: string }>(
    `SELECT 'workspaces' AS table, count(*)::text AS rows FROM workspaces WHERE id = $1
     UNION ALL SELECT 'agents', count(*)::text FROM agents WHERE workspace_id = $1
     UNION ALL SELECT 'invitations', count(*)::text FROM invitations WHERE workspace_id = $1
     UNION ALL SELECT 'events', count(*)::text FROM events WHERE workspace_id = $1
     UNION ALL SELECT 'outbox (delivered)', count(*)::text FROM outbox WHERE workspace_id = $1 AND status = 'delivered'`,
    [ana.workspaceId],
  );
  console.table(Object.fromEntries(rows.map((r) => [r.table, Number(r.rows)])));
} finally {
  // Shutting down: first every email send a command left running ends with its outcome recorded
  // (else its row stays leased and the email goes out again after the lease), then the pool.
  await roster.idle();
  await pool.end();
}
