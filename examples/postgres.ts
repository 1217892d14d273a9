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

try {
  // Safe at every start-up, from every instance: applies what is missing, once.
  const migrated = await migrate(pool);
  console.log(`schema: applied [${migrated.applied.join(', ')}], already there [${migrated.alreadyApplied.join(', ')}]`);

  const mailer = new CapturingMailer();
  const roster = createRoster({ store: new PostgresRosterStore(pool), mailer, acceptUrl: 'https://chat.example.com/join' });

  const opened = await must(
    roster.createWorkspace({ name: 'Acme Support', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }),
  );
  const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
  console.log(`Ana opened ${opened.state.workspace.name} (${ana.workspaceId})`);

  const invited = await must(roster.inviteAgent(ana, { email: 'bob@acme.com', role: 'admin' }));
  console.log(`invited ${invited.state.invitation.email}; email delivered from the outbox: ${mailer.sent.length === 1}`);

  const token = mailer.lastTokenFor('bob@acme.com') ?? '';
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
  await pool.end();
}
