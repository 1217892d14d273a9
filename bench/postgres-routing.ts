/**
 * Routing on PostgreSQL at growing department sizes: what building the team costs per agent
 * (invite + accept + go online), what a route costs, how many characters a route sends to the
 * database, and what another instance reads (and sends, in how many statements) to catch up on a route. Through the roster (`createRoster` + `PostgresRosterStore`), one department, plan
 * 'custom' (no seat cap). No assertions: it prints a table.
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-routing.ts
 *
 * ROUTING_SIZES (default `10,1000,3000`) sets the department sizes, ROUTES (default 200) how
 * many conversations are routed (and closed) at each size.
 */
import { randomUUID } from 'node:crypto';
import type { Result } from 'neverthrow';
import pg from 'pg';
import { CapturingMailer, createRoster, type ActorRef } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL, or run: npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres-routing.ts');
  process.exit(2);
}
const SIZES = (process.env.ROUTING_SIZES ?? '10,1000,3000').split(',').map(Number);
const ROUTES = Number(process.env.ROUTES ?? 200);
const PASSWORD = 'correct horse battery staple';
const BATCH = 100;

/**
 * Counts the statements, the characters of statements and parameters sent, and the characters of
 * the rows received (as JSON), on the pool and its clients.
 */
function counting(inner: SqlPool): SqlPool & { statements: number; sent: number; received: number } {
  const sizeOf = (values?: unknown[]) =>
    (values ?? []).reduce<number>((n, v) => n + (typeof v === 'string' ? v.length : v == null ? 0 : JSON.stringify(v).length), 0);
  const run = async (query: SqlPool['query'], text: string, values?: unknown[]) => {
    counted.statements++;
    counted.sent += text.length + sizeOf(values);
    const result = await query(text, values);
    counted.received += JSON.stringify(result.rows).length;
    return result;
  };
  const counted = {
    statements: 0,
    sent: 0,
    received: 0,
    query: (text: string, values?: unknown[]) => run((t, v) => inner.query(t, v), text, values),
    connect: async () => {
      const client = await inner.connect();
      return {
        query: (text: string, values?: unknown[]) => run((t, v) => client.query(t, v), text, values),
        release: (error?: Error | boolean) => client.release(error),
      };
    },
  };
  return counted;
}

const must = <T, E>(result: Result<T, E>, what: string): T => {
  if (result.isErr()) throw new Error(`${what}: ${JSON.stringify(result.error)}`);
  return result.value;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(size: number, pool: pg.Pool) {
  const db = counting(pool);
  const store = new PostgresRosterStore(db);
  const mailer = new CapturingMailer();
  const roster = createRoster({ store, mailer, deliverImmediately: false });
  const opened = must(
    await roster.createWorkspace({ name: `Probe ${size}`, plan: 'custom', owner: { email: `owner-${randomUUID()}@probe.example`, name: 'Owner', password: PASSWORD } }),
    'createWorkspace',
  );
  const workspaceId = opened.state.workspace.id;
  const owner: ActorRef = { workspaceId, agentId: opened.state.owner.id };
  const dep = must(await roster.createDepartment(owner, { name: 'Support' }), 'createDepartment').state.department.id;

  const setupStarted = performance.now();
  for (let done = 0; done < size; done += BATCH) {
    const emails = Array.from({ length: Math.min(BATCH, size - done) }, (_, n) => `agent-${done + n}-${randomUUID()}@probe.example`);
    for (const email of emails) must(await roster.inviteAgent(owner, { email, departmentIds: [dep] }), 'invite');
    must(await roster.deliverOutbox(BATCH), 'deliverOutbox');
    for (const email of emails) {
      const accepted = must(await roster.acceptInvitation({ token: mailer.lastTokenFor(email) ?? '', name: 'Agent', password: PASSWORD }), 'accept');
      const agentId = accepted.state.agent.id;
      must(await roster.setAvailability({ workspaceId, agentId }, { agentId, availability: 'online' }), 'online');
    }
  }
  const setupMs = performance.now() - setupStarted;

  // Before migration 0003 there was no routing_chunks and the row was the whole queue: the
  // fallback lets the probe measure older releases too.
  const { rows } = await pool.query<{ chars: string }>(
    `SELECT (length(r.data::text) + coalesce((SELECT sum(length(c.data::text)) FROM routing_chunks c WHERE c.routing_id = r.id), 0))::text AS chars
       FROM routing_states r WHERE r.workspace_id = $1 AND r.queue_key = $2`,
    [workspaceId, dep],
  ).catch(() => pool.query<{ chars: string }>(`SELECT length(data::text)::text AS chars FROM routing_states WHERE workspace_id = $1 AND queue_key = $2`, [workspaceId, dep]));

  const routeMs: number[] = [];
  const closeMs: number[] = [];
  const sentBefore = db.sent;
  for (let n = 0; n < ROUTES; n++) {
    const conversationId = `conv_${n}`;
    let t0 = performance.now();
    must(await roster.routeConversation(workspaceId, { departmentId: dep, conversationId }), 'route');
    routeMs.push(performance.now() - t0);
    t0 = performance.now();
    must(await roster.closeConversation(workspaceId, { departmentId: dep, conversationId }), 'close');
    closeMs.push(performance.now() - t0);
  }
  const sentPerPair = (db.sent - sentBefore) / ROUTES;

  // A second instance of the application reads the queue after each route the first one made.
  const other = counting(pool);
  const otherStore = new PostgresRosterStore(other);
  await otherStore.loadRoutingStates(workspaceId, [dep]);
  const catchUpMs: number[] = [];
  const receivedBefore = other.received;
  const otherSentBefore = other.sent;
  const otherStatementsBefore = other.statements;
  const CATCH_UPS = 20;
  for (let n = 0; n < CATCH_UPS; n++) {
    must(await roster.routeConversation(workspaceId, { departmentId: dep, conversationId: `conv_other_${n}` }), 'route');
    const t0 = performance.now();
    await otherStore.loadRoutingStates(workspaceId, [dep]);
    catchUpMs.push(performance.now() - t0);
  }
  return {
    agents: size,
    queueChars: Number(rows[0]?.chars ?? 0),
    routeMedianMs: median(routeMs),
    closeMedianMs: median(closeMs),
    sentPerRouteAndClose: Math.round(sentPerPair),
    otherInstanceLoadMs: median(catchUpMs),
    otherInstanceReceived: Math.round((other.received - receivedBefore) / CATCH_UPS),
    otherInstanceSent: Math.round((other.sent - otherSentBefore) / CATCH_UPS),
    otherInstanceStatements: (other.statements - otherStatementsBefore) / CATCH_UPS,
    setupSeconds: setupMs / 1000,
    setupPerAgentMs: setupMs / size,
  };
}

const pool = new pg.Pool({ connectionString: url, max: 4 });
try {
  await migrate(pool);
  const results = [];
  for (const size of SIZES) {
    const result = await measure(size, pool);
    console.error(JSON.stringify(result));
    results.push(result);
  }
  console.log('| agents | stored queue (chars) | route median | close median | sent per route + close | another instance loads it after a route | setup per agent |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.agents.toLocaleString('en')} | ${r.queueChars.toLocaleString('en')} | ${r.routeMedianMs.toFixed(1)} ms | ${r.closeMedianMs.toFixed(1)} ms | ` +
        `${r.sentPerRouteAndClose.toLocaleString('en')} chars | ${r.otherInstanceLoadMs.toFixed(1)} ms, ${r.otherInstanceReceived.toLocaleString('en')} chars received, ` +
        `${r.otherInstanceSent.toLocaleString('en')} sent, ${r.otherInstanceStatements} statements | ` +
        `${r.setupPerAgentMs.toFixed(1)} ms (${r.setupSeconds.toFixed(0)} s) |`,
    );
  }
} finally {
  await pool.end();
}
