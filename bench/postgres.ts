/**
 * Invite + accept per second on PostgreSQL, 8 connections: through the roster (`createRoster` +
 * `PostgresRosterStore`, optimistic as by default and with `lockWorkspaces: true`), and through a
 * hand-written SQL transaction making the same writes without the library (no reads beyond the
 * rows it locks, no validation, no domain).
 * The ratio is what the roster's checks cost. No assertions: it prints a table.
 *
 *   npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres.ts
 *
 * BENCH_SECONDS (default 5) sets how long each scenario runs.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRoster, type ActorRef } from 'agent-roster';
import { migrate, PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('Set DATABASE_URL, or run: npx tsx scripts/pg-cluster.ts -- npx tsx bench/postgres.ts');
  process.exit(2);
}
const CONNECTIONS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PASSWORD = 'correct horse battery staple';

const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });

/** Counts the statements sent, to show how many round trips each way needs. */
function counting(inner: SqlPool): SqlPool & { statements: number } {
  const counted = {
    statements: 0,
    query: (text: string, values?: unknown[]) => (counted.statements++, inner.query(text, values)),
    connect: async () => {
      const client = await inner.connect();
      return {
        query: (text: string, values?: unknown[]) => (counted.statements++, client.query(text, values)),
        release: (error?: Error | boolean) => client.release(error),
      };
    },
  };
  return counted;
}

type Result = { scenario: string; pairs: number; seconds: number; statements: number; latencies: number[] };

/** Runs `pair` on `workers` loops until the time is up. */
async function run(scenario: string, workers: (() => Promise<void>)[], statements: () => number): Promise<Result> {
  const latencies: number[] = [];
  const before = statements();
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    workers.map(async (pair) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await pair();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { scenario, pairs: latencies.length, seconds: (performance.now() - started) / 1000, statements: statements() - before, latencies };
}

// ── Through the roster ─────────────────────────────────────────────────────────────────────────

async function rosterWorkers(workspaces: number, workers: number, db: SqlPool, lockWorkspaces: boolean) {
  const store = new PostgresRosterStore(db, { lockWorkspaces });
  const owners: ActorRef[] = [];
  const opener = createRoster({ store });
  for (let w = 0; w < workspaces; w++) {
    const email = `owner-${randomUUID()}@bench.example`;
    const opened = (await opener.createWorkspace({ name: `Bench ${w}`, plan: 'custom', owner: { email, name: 'Owner', password: PASSWORD } }))._unsafeUnwrap();
    owners.push({ workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id });
  }
  return Array.from({ length: workers }, (_, n) => {
    // One roster per worker, so the token its link carries is this worker's own. The link is
    // built while the use case runs; a retried invite builds a new one, and the last one counts.
    let token = '';
    const roster = createRoster({
      store,
      deliverImmediately: false,
      maxAttempts: 100,
      acceptUrl: (t) => ((token = t), `https://chat.example.com/join?token=${t}`),
    });
    return async () => {
      const invited = await roster.inviteAgent(owners[n % workspaces]!, { email: `agent-${randomUUID()}@bench.example` });
      if (invited.isErr()) throw new Error(`invite: ${invited.error.type}`);
      const accepted = await roster.acceptInvitation({ token, name: 'Agent', password: PASSWORD });
      if (accepted.isErr()) throw new Error(`accept: ${accepted.error.type}`);
    };
  });
}

// ── By hand ────────────────────────────────────────────────────────────────────────────────────

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function transaction(db: SqlPool, body: (q: (text: string, values?: unknown[]) => Promise<pg.QueryResult>) => Promise<void>) {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    await body((text, values) => client.query(text, values) as Promise<pg.QueryResult>);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** The same rows, events and email an invite and an accept write, in two plain transactions. */
async function handWrittenWorkers(workspaces: number, workers: number, db: SqlPool) {
  const ids: { workspaceId: string; ownerId: string }[] = [];
  for (let w = 0; w < workspaces; w++) {
    const workspaceId = `ws_${randomUUID()}`;
    const ownerId = `agt_${randomUUID()}`;
    const now = new Date().toISOString();
    const workspace = {
      kind: 'workspace', id: workspaceId, name: `Bench ${w}`, ownerId, plan: { id: 'custom', seats: null, departments: null },
      seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true }, invitationTtlHours: 168,
      counts: { activeAgents: 1, inactiveAgents: 0, pendingInvitations: 0, departments: 0 }, createdAt: now,
    };
    const owner = {
      kind: 'agent', id: ownerId, workspaceId, email: `owner-${randomUUID()}@bench.example`, name: 'Owner', description: '',
      role: 'admin', status: 'active', availability: 'away', departmentIds: [], joinedAt: now,
    };
    await transaction(db, async (q) => {
      await q(`INSERT INTO workspaces (id, owner_id, data, version) VALUES ($1, $2, $3, 1)`, [workspaceId, ownerId, workspace]);
      await q(
        `INSERT INTO agents (id, workspace_id, email, role, status, availability, department_ids, joined_at, data, version)
         VALUES ($1, $2, $3, 'admin', 'active', 'away', '{}', $4, $5, 1)`,
        [ownerId, workspaceId, owner.email, now, owner],
      );
    });
    ids.push({ workspaceId, ownerId });
  }

  return Array.from({ length: workers }, (_, n) => async () => {
    const { workspaceId, ownerId } = ids[n % workspaces]!;
    const email = `agent-${randomUUID()}@bench.example`;
    const token = randomBytes(32).toString('base64url');
    const tokenHash = sha256(token);
    const invitationId = `inv_${randomUUID()}`;
    const now = new Date();
    const sentAt = now.toISOString();
    const expiresAt = new Date(now.getTime() + 168 * 3_600_000).toISOString();
    const invitation = {
      kind: 'invitation', id: invitationId, workspaceId, email, role: 'agent', departmentIds: [], invitedBy: ownerId, tokenHash,
      status: 'pending', sentAt, expiresAt, resendCount: 0, agentId: null, closedAt: null,
    };

    await transaction(db, async (q) => {
      // Lock the workspace to count the seat, like any careful hand-written invite would.
      await q(`SELECT version FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, [workspaceId]);
      await q(
        `UPDATE workspaces SET data = jsonb_set(data, '{counts,pendingInvitations}', to_jsonb((data #>> '{counts,pendingInvitations}')::int + 1)),
           version = version + 1 WHERE id = $1`,
        [workspaceId],
      );
      await q(
        `INSERT INTO invitations (id, workspace_id, email, status, token_hash, department_ids, sent_at, expires_at, data, version)
         VALUES ($1, $2, $3, 'pending', $4, '{}', $5, $6, $7, 1)`,
        [invitationId, workspaceId, email, tokenHash, sentAt, expiresAt, invitation],
      );
      await q(`INSERT INTO events (workspace_id, type, occurred_at, data) VALUES ($1, 'InvitationSent', $2, $3)`, [
        workspaceId, sentAt, { invitationId, email, role: 'agent', departmentIds: [], invitedBy: ownerId, tokenHash, expiresAt },
      ]);
      await q(
        `INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject, body_text, body_html, status, attempts, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, 'You are invited', $5, NULL, 'pending', 0, $6, $6)`,
        [`msg_${randomUUID()}`, workspaceId, `invitation:${invitationId}:0`, email, `Join: https://chat.example.com/join?token=${token}`, sentAt],
      );
    });

    const agentId = `agt_${randomUUID()}`;
    const joinedAt = new Date().toISOString();
    await transaction(db, async (q) => {
      const found = await q(`SELECT id, workspace_id, status, expires_at FROM invitations WHERE token_hash = $1 FOR NO KEY UPDATE`, [sha256(token)]);
      const row = found.rows[0] as { id: string; status: string } | undefined;
      if (!row || row.status !== 'pending') throw new Error('accept: not pending');
      await q(`SELECT version FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, [workspaceId]);
      await q(
        `UPDATE invitations SET status = 'accepted', version = version + 1,
           data = data || jsonb_build_object('status', 'accepted', 'agentId', $2::text, 'closedAt', $3::text) WHERE id = $1`,
        [row.id, agentId, joinedAt],
      );
      await q(
        `INSERT INTO agents (id, workspace_id, email, role, status, availability, department_ids, joined_at, data, version)
         VALUES ($1, $2, $3, 'agent', 'active', 'away', '{}', $4, $5, 1)`,
        [agentId, workspaceId, email, joinedAt, {
          kind: 'agent', id: agentId, workspaceId, email, name: 'Agent', description: '', role: 'agent', status: 'active',
          availability: 'away', departmentIds: [], joinedAt,
        }],
      );
      await q(
        `UPDATE workspaces SET data = jsonb_set(jsonb_set(data, '{counts,pendingInvitations}', to_jsonb((data #>> '{counts,pendingInvitations}')::int - 1)),
           '{counts,activeAgents}', to_jsonb((data #>> '{counts,activeAgents}')::int + 1)), version = version + 1 WHERE id = $1`,
        [workspaceId],
      );
      await q(`INSERT INTO events (workspace_id, type, occurred_at, data) VALUES ($1, 'InvitationAccepted', $2, $3)`, [
        workspaceId, joinedAt, { invitationId: row.id, agentId, email, name: 'Agent', role: 'agent', departmentIds: [] },
      ]);
    });
  });
}

// ── Run ────────────────────────────────────────────────────────────────────────────────────────

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

try {
  await migrate(pool);
  const { rows } = await pool.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
  console.log(`PostgreSQL ${rows[0]?.v}, ${CONNECTIONS} connections, ${SECONDS}s per scenario\n`);

  const results: Result[] = [];
  for (const [label, workspaces] of [
    ['8 workspaces, a worker each', CONNECTIONS],
    ['1 workspace, 8 workers', 1],
  ] as const) {
    const byHand = counting(pool);
    // A short warm-up of each, so connections and plans exist before timing.
    for (const pair of (await handWrittenWorkers(workspaces, CONNECTIONS, byHand)).slice(0, 2)) await pair();
    const hand = await run(`hand-written SQL — ${label}`, await handWrittenWorkers(workspaces, CONNECTIONS, byHand), () => byHand.statements);
    // The store's two modes: purely optimistic (the default) and with workspace locks (opt-in).
    for (const [mode, lockWorkspaces] of [['roster', false], ['roster, lockWorkspaces', true]] as const) {
      const viaRoster = counting(pool);
      for (const pair of (await rosterWorkers(workspaces, CONNECTIONS, viaRoster, lockWorkspaces)).slice(0, 2)) await pair();
      results.push(await run(`${mode} — ${label}`, await rosterWorkers(workspaces, CONNECTIONS, viaRoster, lockWorkspaces), () => viaRoster.statements));
    }
    results.push(hand);
  }

  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      'invite+accept': r.pairs,
      'per second': Math.round(r.pairs / r.seconds),
      'statements per pair': (r.statements / r.pairs).toFixed(1),
      'p50 ms': percentile(r.latencies, 50).toFixed(1),
      'p99 ms': percentile(r.latencies, 99).toFixed(1),
    })),
  );
  for (let i = 0; i < results.length; i += 3) {
    const hand = results[i + 2]!;
    for (const roster of results.slice(i, i + 2)) {
      const ratio = roster.pairs / roster.seconds / (hand.pairs / hand.seconds);
      console.log(`${roster.scenario}: ${(ratio * 100).toFixed(0)}% of hand-written SQL (ratio ${ratio.toFixed(2)})`);
    }
  }
} finally {
  await pool.end();
}
