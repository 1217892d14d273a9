/**
 * Section 4: the application layer on the in-memory store — load, decide, commit, through
 * `createRoster` — as one client calling use cases one after another.
 *
 * - invite + accept: invitations are sent in batches with `deliverImmediately: false`, the batch's
 *   emails delivered with `deliverOutbox()` to a {@link CapturingMailer}, and each token read
 *   back with `mailer.lastTokenFor(email)`, as an invitee would from the email; then each is
 *   accepted. The delivery is timed as part of the pair: it is work the host must run.
 * - routeConversation: routes through the roster into a department queue whose agents are all
 *   online; each batch's conversations are closed again (untimed) so the load stays level.
 */
import { CapturingMailer, createRoster, type ActorRef, type Roster } from 'agent-roster';
import { PASSWORD } from './fixtures';
import { statsOf, type Stats } from './measure';
import { count, duration, heading, perSecond, table } from './report';

/** Options of {@link applicationSection}. @example { batch: 100, inviteBatches: 30, queueSizes: [10, 1_000], routesPerBatch: 200, routeBatches: 15 } */
export type ApplicationOptions = Readonly<{
  /** Invitations per batch. */
  batch: number;
  /** Batches of invite + accept. */
  inviteBatches: number;
  /** Queue sizes to route into. */
  queueSizes: readonly number[];
  /** Routes per batch, and batches per queue size. */
  routesPerBatch: number;
  routeBatches: number;
}>;

/** Unwraps a use case's result; a failure means the benchmark is broken, so it throws. */
function ok<T>(result: { isOk(): boolean; _unsafeUnwrap(): T; _unsafeUnwrapErr(): unknown }, what: string): T {
  if (!result.isOk()) throw new Error(`benchmark: ${what} failed: ${JSON.stringify(result._unsafeUnwrapErr())}`);
  return result._unsafeUnwrap();
}

async function openWorkspace(roster: Roster, name: string): Promise<ActorRef> {
  const opened = ok(
    await roster.createWorkspace({ name, plan: 'custom', owner: { email: `owner@${name.toLowerCase()}.example`, name: 'Owner', password: PASSWORD } }),
    'createWorkspace',
  );
  return { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
}

/** Invites `emails`, delivers their emails, and returns each invitee's token from its email. */
async function inviteBatch(roster: Roster, mailer: CapturingMailer, owner: ActorRef, emails: readonly string[], departmentIds: readonly string[]) {
  for (const email of emails) ok(await roster.inviteAgent(owner, { email, departmentIds: [...departmentIds] }), 'inviteAgent');
  const delivered = await roster.deliverOutbox(emails.length);
  if (ok(delivered, 'deliverOutbox').delivered !== emails.length) throw new Error('benchmark: not every invitation was delivered');
  const tokens = emails.map((email) => {
    const token = mailer.lastTokenFor(email);
    if (!token) throw new Error(`benchmark: no token mailed to ${email}`);
    return token;
  });
  // Emails already read are dropped, so looking up a token never scans the whole run's mail.
  mailer.sent.length = 0;
  return tokens;
}

type PhaseTimes = { invite: number[]; deliver: number[]; accept: number[]; pair: number[] };

async function inviteAndAccept(options: ApplicationOptions) {
  const mailer = new CapturingMailer();
  const roster = createRoster({ mailer, deliverImmediately: false });
  const owner = await openWorkspace(roster, 'Invites');
  const times: PhaseTimes = { invite: [], deliver: [], accept: [], pair: [] };
  let next = 0;
  const started = performance.now();
  for (let b = 0; b < options.inviteBatches; b++) {
    const emails = Array.from({ length: options.batch }, () => `invitee.${next++}@bench.example`);
    const t0 = performance.now();
    for (const email of emails) ok(await roster.inviteAgent(owner, { email }), 'inviteAgent');
    const t1 = performance.now();
    ok(await roster.deliverOutbox(emails.length), 'deliverOutbox');
    const tokens = emails.map((email) => mailer.lastTokenFor(email));
    mailer.sent.length = 0;
    const t2 = performance.now();
    for (const [n, token] of tokens.entries()) {
      if (!token) throw new Error(`benchmark: no token mailed to ${emails[n]}`);
      ok(await roster.acceptInvitation({ token, name: `Invitee ${n}`, password: PASSWORD }), 'acceptInvitation');
    }
    const t3 = performance.now();
    const per = (ms: number) => (ms * 1e6) / emails.length;
    times.invite.push(per(t1 - t0));
    times.deliver.push(per(t2 - t1));
    times.accept.push(per(t3 - t2));
    times.pair.push(per(t3 - t0));
  }
  const seconds = (performance.now() - started) / 1000;
  const pairs = options.batch * options.inviteBatches;
  const third = Math.max(1, Math.floor(times.pair.length / 3));
  return {
    pairs,
    seconds,
    stats: { invite: statsOf(times.invite), deliver: statsOf(times.deliver), accept: statsOf(times.accept), pair: statsOf(times.pair) },
    // The store keeps every agent, so later batches run on a bigger workspace; the first and last
    // thirds show whether that costs anything.
    firstThird: statsOf(times.pair.slice(0, third)),
    lastThird: statsOf(times.pair.slice(-third)),
  };
}

/** A roster whose Sales queue has `agents` agents, all active and online. */
async function queueOf(agents: number, options: ApplicationOptions) {
  const mailer = new CapturingMailer();
  const roster = createRoster({ mailer, deliverImmediately: false });
  const owner = await openWorkspace(roster, `Routing${agents}`);
  const sales = ok(await roster.createDepartment(owner, { name: 'Sales' }), 'createDepartment').state.department.id;
  for (let done = 0; done < agents; done += options.batch) {
    const emails = Array.from({ length: Math.min(options.batch, agents - done) }, (_, n) => `agent.${done + n}@routing.example`);
    const tokens = await inviteBatch(roster, mailer, owner, emails, [sales]);
    for (const [n, token] of tokens.entries()) {
      const joined = ok(await roster.acceptInvitation({ token, name: `Agent ${done + n}`, password: PASSWORD }), 'acceptInvitation');
      const me = { workspaceId: owner.workspaceId, agentId: joined.state.agent.id };
      ok(await roster.setAvailability(me, { agentId: me.agentId, availability: 'online' }), 'setAvailability');
    }
  }
  return { roster, workspaceId: owner.workspaceId, sales };
}

async function routeThroughRoster(agents: number, options: ApplicationOptions): Promise<Stats> {
  const { roster, workspaceId, sales } = await queueOf(agents, options);
  const values: number[] = [];
  let next = 0;
  // The first batch warms up: the queue's pick index is built on the first route.
  for (let b = 0; b <= options.routeBatches; b++) {
    const ids = Array.from({ length: options.routesPerBatch }, () => `conv_${next++}`);
    const start = performance.now();
    for (const conversationId of ids) {
      const routed = ok(await roster.routeConversation(workspaceId, { departmentId: sales, conversationId }), 'routeConversation');
      if (routed.outcome.type !== 'Assigned') throw new Error('benchmark: a conversation was not assigned');
    }
    const elapsed = performance.now() - start;
    if (b > 0) values.push((elapsed * 1e6) / ids.length);
    for (const conversationId of ids) ok(await roster.closeConversation(workspaceId, { departmentId: sales, conversationId }), 'closeConversation');
  }
  return statsOf(values);
}

/**
 * Measures and prints section 4.
 *
 * @example await applicationSection({ batch: 100, inviteBatches: 30, queueSizes: [10, 1_000], routesPerBatch: 200, routeBatches: 15 })
 */
export async function applicationSection(options: ApplicationOptions): Promise<void> {
  const invites = await inviteAndAccept(options);
  const routing: { agents: number; stats: Stats }[] = [];
  for (const agents of options.queueSizes) routing.push({ agents, stats: await routeThroughRoster(agents, options) });

  heading('4. Application layer on the in-memory store (createRoster, one client, sequential awaits)');
  const rate = (s: Stats) => perSecond(1e9 / s.median);
  table(
    ['use case', 'per operation (median)', 'p95 of batches', 'rate (from median)'],
    [
      ['inviteAgent', duration(invites.stats.invite.median), duration(invites.stats.invite.p95), rate(invites.stats.invite)],
      ['deliverOutbox (per email)', duration(invites.stats.deliver.median), duration(invites.stats.deliver.p95), rate(invites.stats.deliver)],
      ['acceptInvitation', duration(invites.stats.accept.median), duration(invites.stats.accept.p95), rate(invites.stats.accept)],
      ['invite + deliver + accept (a pair)', duration(invites.stats.pair.median), duration(invites.stats.pair.p95), rate(invites.stats.pair)],
      ...routing.map((r) => [
        `routeConversation, ${count(r.agents)} agents online`,
        duration(r.stats.median),
        duration(r.stats.p95),
        rate(r.stats),
      ]),
    ],
  );
  console.log(
    `\nInvite + accept: ${count(invites.pairs)} pairs in ${invites.seconds.toFixed(1)} s = ${perSecond(invites.pairs / invites.seconds)} overall, ` +
      `in batches of ${options.batch}; one workspace growing to ${count(invites.pairs + 1)} agents. ` +
      `A pair took ${duration(invites.firstThird.median)} in the first third of the run and ${duration(invites.lastThird.median)} in the last.`,
  );
}
