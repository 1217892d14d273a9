/**
 * Races between use cases, explored by fast-check's scheduler: every store call waits for the
 * scheduler to let it through, so each run tries another interleaving of the racing use cases.
 * After every run the stored roster must obey every invariant and equal the replay of its events.
 *
 * Set ROSTER_CONCURRENCY_STATS=<file> to append how many runs, commits, conflicts and retries
 * each race produced; the tests print nothing.
 */
import fc from 'fast-check';
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { report, scheduledStore } from '../support/scheduled-store';
import { aShop } from '../support/shop';
import {
  CapturingMailer,
  checkHistory,
  checkRoster,
  createRoster,
  ManualClock,
  MemoryIdentity,
  MemoryRosterStore,
  replay,
  type ActorRef,
  type AgentId,
  type CommitOutcome,
  type InviteAgentInput,
  type Plan,
  type RosterStore,
  type WorkspaceId,
} from 'agent-roster';

const NO_BACKOFF = { baseDelayMs: 0, maxDelayMs: 0 };
const PASSWORD = 'correct horse battery staple';
const RUNS = 100;

/** What one race produced over all its runs. */
type Stats = { runs: number; commits: number; staleVersions: number; uniqueViolations: number; retries: number; gaveUp: number };
const newStats = (): Stats => ({ runs: 0, commits: 0, staleVersions: 0, uniqueViolations: 0, retries: 0, gaveUp: 0 });

/**
 * One run's world: a workspace built without scheduling (`setup`), and a roster on the same store
 * whose every store call is scheduled (`racing`).
 */
async function aWorld(s: fc.Scheduler, stats: Stats, options: Readonly<{ plan: string | Plan; maxAttempts?: number; lockWorkspaces?: boolean }>) {
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const identity = new MemoryIdentity();
  // Purely optimistic unless asked: most races here are about the version checks, which alone
  // must keep the invariants (with sessions, racing commands of one workspace take turns).
  const store = new MemoryRosterStore({ lockWorkspaces: options.lockWorkspaces ?? false });
  const common = { clock, mailer, identity, deliverImmediately: false } as const;
  const setup = createRoster({ ...common, store, allowInlinePlans: true });
  // The scheduler picks every interleaving; a wall-clock backoff between attempts would only make
  // a run depend on timing, and its seed no longer replay it.
  const racing = createRoster({ ...common, store: scheduledStore(s, store, stats), conflictBackoff: NO_BACKOFF, maxAttempts: options.maxAttempts ?? 50 });
  const opened = (
    await setup.createWorkspace({ name: 'Acme', plan: options.plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } })
  )._unsafeUnwrap();
  const workspaceId = opened.state.workspace.id;
  const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
  const invite = async (email: string, input: Omit<InviteAgentInput, 'email'> = {}) => {
    const invitation = (await setup.inviteAgent(ana, { email, ...input }))._unsafeUnwrap().state.invitation;
    await setup.deliverOutbox();
    return { invitation, token: mailer.lastTokenFor(invitation.email) ?? 'missing' };
  };
  const join = async (name: string, input: Omit<InviteAgentInput, 'email'> = {}): Promise<ActorRef> => {
    const { token } = await invite(`${name.toLowerCase()}@acme.com`, input);
    const accepted = (await setup.acceptInvitation({ token, name, password: PASSWORD }))._unsafeUnwrap();
    return { workspaceId, agentId: accepted.state.agent.id };
  };
  const department = async (name: string) => (await setup.createDepartment(ana, { name }))._unsafeUnwrap().state.department;
  return { store, identity, clock, setup, racing, workspaceId, ana, invite, join, department };
}

/** Lets the scheduler run the racing use cases to their end, in the interleaving it picks. */
async function race<T extends readonly unknown[]>(s: fc.Scheduler, stats: Stats, outcomes: Promise<T>): Promise<T> {
  stats.runs++;
  const settled = await s.waitFor(outcomes);
  const isResult = (r: unknown): r is Result<unknown, { type: string }> => typeof r === 'object' && r !== null && 'isErr' in r;
  stats.gaveUp += settled.filter((r) => isResult(r) && r.isErr() && r.error.type === 'ConcurrencyConflict').length;
  stats.retries = stats.staleVersions + stats.uniqueViolations - stats.gaveUp;
  return settled;
}

const typeOf = (r: Result<unknown, { type: string }>) => (r.isOk() ? 'ok' : r.error.type);
const byId = <T extends { id: string }>(items: Iterable<T>) => [...items].sort((a, b) => a.id.localeCompare(b.id));

/** The stored roster obeys every invariant and is exactly the replay of its events. */
async function expectConsistent(store: MemoryRosterStore, workspaceId: WorkspaceId) {
  const events = await store.events(workspaceId);
  const replayed = replay(events);
  expect(checkRoster(replayed)).toEqual([]);
  expect(checkHistory(events)).toEqual([]);
  expect(replayed.workspace).toEqual((await store.loadWorkspace(workspaceId))?.value);
  expect(byId(Object.values(replayed.agents))).toEqual(byId(await store.listAgents(workspaceId)));
  expect(byId(Object.values(replayed.invitations))).toEqual(byId(await store.listInvitations(workspaceId)));
  expect(byId(Object.values(replayed.departments))).toEqual(byId((await store.listDepartments(workspaceId)).map((d) => d.department)));
  return events;
}

describe('racing use cases', () => {
  it('N invitations into k free seats: exactly min(N, k) get in, never over the plan', async () => {
    const stats = newStats();
    const exhausted = newStats();
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom(2, 50),
        async (s, n, k, maxAttempts) => {
          const counted = maxAttempts === 50 ? stats : exhausted;
          const world = await aWorld(s, counted, { plan: { id: 'team', seats: 1 + k, departments: 5 }, maxAttempts });
          const results = await race(
            s,
            counted,
            Promise.all(Array.from({ length: n }, (_, i) => world.racing.inviteAgent(world.ana, { email: `agent${i}@acme.com` }))),
          );
          const types = results.map(typeOf);
          const ok = types.filter((t) => t === 'ok').length;
          const full = types.filter((t) => t === 'SeatLimitReached').length;
          const conflicts = types.filter((t) => t === 'ConcurrencyConflict').length;
          expect(ok + full + conflicts).toBe(n);
          expect(ok).toBeLessThanOrEqual(k);
          if (full > 0) expect(ok).toBe(k);
          if (maxAttempts === 50) expect(conflicts).toBe(0);
          if (conflicts === 0) expect(ok).toBe(Math.min(n, k));
          if (k > 0) expect(ok).toBeGreaterThan(0);
          const events = await expectConsistent(world.store, world.workspaceId);
          expect(events.filter((e) => e.type === 'InvitationSent')).toHaveLength(ok);
        },
      ),
      { numRuns: RUNS },
    );
    report('invitations into free seats (maxAttempts 50)', stats);
    report('invitations into free seats (maxAttempts 2)', exhausted);
    expect(stats.staleVersions).toBeGreaterThan(0);
  });

  it('N invitations into k free seats with the default in-memory locks: exactly min(N, k) get in, none collides, even with maxAttempts 2', async () => {
    const stats = newStats();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 4 }), async (s, n, k) => {
        const world = await aWorld(s, stats, { plan: { id: 'team', seats: 1 + k, departments: 5 }, maxAttempts: 2, lockWorkspaces: true });
        const results = await race(
          s,
          stats,
          Promise.all(Array.from({ length: n }, (_, i) => world.racing.inviteAgent(world.ana, { email: `agent${i}@acme.com` }))),
        );
        const types = results.map(typeOf);
        expect(types.filter((t) => t === 'ok')).toHaveLength(Math.min(n, k));
        expect(types.filter((t) => t === 'SeatLimitReached')).toHaveLength(n - Math.min(n, k));
        const events = await expectConsistent(world.store, world.workspaceId);
        expect(events.filter((e) => e.type === 'InvitationSent')).toHaveLength(Math.min(n, k));
      }),
      { numRuns: RUNS },
    );
    report('invitations into free seats (locks, maxAttempts 2)', stats);
    // Every attempt decided under the workspace's lock, so no commit ever found it moved.
    expect(stats.staleVersions).toBe(0);
    expect(stats.commits).toBeGreaterThan(0);
  });

  it('two accepts of one invitation (and maybe a revoke): one agent, one InvitationAccepted', async () => {
    const stats = newStats();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, withRevoke) => {
        const world = await aWorld(s, stats, { plan: 'pro' });
        const { invitation, token } = await world.invite('bob@acme.com', { role: 'admin' });
        const [first, second, revoke] = await race(
          s,
          stats,
          Promise.all([
            world.racing.acceptInvitation({ token, name: 'Bob', password: PASSWORD }),
            world.racing.acceptInvitation({ token, name: 'Robert', password: PASSWORD }),
            withRevoke ? world.racing.revokeInvitation(world.ana, { invitationId: invitation.id }) : null,
          ]),
        );
        const accepts = [first, second].map(typeOf).sort();
        const revoked = revoke !== null && revoke.isOk();
        if (revoked) {
          expect(accepts).toEqual(['InvitationWasRevoked', 'InvitationWasRevoked']);
        } else {
          expect(accepts).toEqual(['InvitationAlreadyAccepted', 'ok']);
          if (revoke !== null) expect(typeOf(revoke)).toBe('InvitationNotPending');
        }
        const events = await expectConsistent(world.store, world.workspaceId);
        const joined = events.filter((e) => e.type === 'InvitationAccepted');
        expect(joined).toHaveLength(revoked ? 0 : 1);
        const bobs = (await world.store.listAgents(world.workspaceId)).filter((a) => a.email === 'bob@acme.com');
        expect(bobs.map((a) => a.id)).toEqual(joined.map((e) => e.data.agentId));
        // The loser's login was created before its commit failed, and taken back.
        const logins = [...world.identity.logins.entries()].filter(([, l]) => l.email === 'bob@acme.com').map(([id]) => id);
        expect(logins).toEqual(bobs.map((a) => a.id));
      }),
      { numRuns: RUNS },
    );
    report('two accepts of one invitation', stats);
    expect(stats.staleVersions).toBeGreaterThan(0);
  });

  it('two ownership transfers at once (and maybe a delete of the heir): exactly one owner', async () => {
    const stats = newStats();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.boolean(), async (s, withDelete) => {
        const world = await aWorld(s, stats, { plan: 'pro' });
        const bob = await world.join('Bob');
        const cy = await world.join('Cy', { role: 'admin' });
        const [toBob, toCy, deleteBob] = await race(
          s,
          stats,
          Promise.all([
            world.racing.transferOwnership(world.ana, { toAgentId: bob.agentId }),
            world.racing.transferOwnership(world.ana, { toAgentId: cy.agentId }),
            withDelete ? world.racing.deleteAgent(world.ana, { agentId: bob.agentId }) : null,
          ]),
        );
        const transfers = [typeOf(toBob), typeOf(toCy)];
        expect(transfers.filter((t) => t === 'ok')).toHaveLength(1);
        expect(transfers.filter((t) => t !== 'ok')[0]).toMatch(/^(PermissionDenied|AgentNotFound)$/);
        if (toBob.isErr() && toBob.error.type === 'PermissionDenied') expect(toBob.error.reason).toBe('not-owner');
        const workspace = (await world.store.loadWorkspace(world.workspaceId))?.value;
        expect(workspace?.ownerId).toBe(toBob.isOk() ? bob.agentId : cy.agentId);
        if (deleteBob !== null) expect(['ok', 'OwnerCannotBeDeleted', 'PermissionDenied']).toContain(typeOf(deleteBob));
        const events = await expectConsistent(world.store, world.workspaceId);
        expect(events.filter((e) => e.type === 'OwnershipTransferred')).toHaveLength(1);
      }),
      { numRuns: RUNS },
    );
    report('two ownership transfers', stats);
    expect(stats.staleVersions).toBeGreaterThan(0);
  });

  it('deleting a department while it is assigned, invited to and accepted into: nobody names a deleted department', async () => {
    const stats = newStats();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const world = await aWorld(s, stats, { plan: 'pro' });
        const sales = await world.department('Sales');
        const support = await world.department('Support');
        const bob = await world.join('Bob', { departmentIds: [support.id] });
        const cy = await world.invite('cy@acme.com', { departmentIds: [sales.id, support.id] });
        const [deleted, assigned, invited, accepted] = await race(
          s,
          stats,
          Promise.all([
            world.racing.deleteDepartment(world.ana, { departmentId: sales.id }),
            world.racing.assignAgentToDepartments(world.ana, { agentId: bob.agentId, departmentIds: [sales.id] }),
            world.racing.inviteAgent(world.ana, { email: 'dee@acme.com', departmentIds: [sales.id, support.id] }),
            world.racing.acceptInvitation({ token: cy.token, name: 'Cy', password: PASSWORD }),
          ]),
        );
        await expectConsistent(world.store, world.workspaceId);
        expect(typeOf(deleted)).toBe('ok');
        expect(typeOf(accepted)).toBe('ok');
        expect(['ok', 'DepartmentNotFound']).toContain(typeOf(assigned));
        expect(['ok', 'DepartmentNotFound']).toContain(typeOf(invited));
        const removedFrom = deleted._unsafeUnwrap().events[0];
        if (removedFrom?.type !== 'DepartmentDeleted') throw new Error('expected DepartmentDeleted');
        if (assigned.isOk()) expect(removedFrom.data.agentIds).toContain(bob.agentId);
        if (invited.isOk()) expect(removedFrom.data.invitationIds).toContain(invited.value.state.invitation.id);
        expect(accepted._unsafeUnwrap().state.agent.departmentIds).toContain(support.id);
        const everyone = [...(await world.store.listAgents(world.workspaceId)), ...(await world.store.listInvitations(world.workspaceId, { status: 'pending' }))];
        expect(everyone.filter((holder) => holder.departmentIds.includes(sales.id))).toEqual([]);
      }),
      { numRuns: RUNS },
    );
    report('department delete vs assign, invite and accept', stats);
    expect(stats.staleVersions).toBeGreaterThan(0);
  });

  it('three commands sweeping 120 lapsed invitations at once, read meanwhile: each recorded once, no read counts a lapsed one', async () => {
    const stats = newStats();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const world = await aWorld(s, stats, { plan: { id: 'bulk', seats: 121, departments: 5 } });
        const lapsed = [];
        for (let n = 0; n < 120; n++) lapsed.push((await world.setup.inviteAgent(world.ana, { email: `lapsed${n}@acme.com` }))._unsafeUnwrap().state.invitation);
        world.clock.advance({ days: 7 });
        const [invited, resent, job, usage, workspace] = await race(
          s,
          stats,
          Promise.all([
            // The last to lapse, and the one before it: free only once every lapsed one is swept.
            world.racing.inviteAgent(world.ana, { email: 'lapsed119@acme.com' }),
            world.racing.resendInvitation(world.ana, { invitationId: lapsed[118]!.id }),
            world.racing.expireLapsedInvitations(world.workspaceId),
            world.racing.seatUsage(world.ana),
            world.racing.getWorkspace(world.ana),
          ] as const),
        );
        expect([invited, resent, job].map(typeOf)).toEqual(['ok', 'ok', 'ok']);
        // Whatever committed while they read, a read never counts a lapsed invitation: at most the
        // two sent or revived in this race are pending.
        expect(usage._unsafeUnwrap().counts.pendingInvitations).toBeLessThanOrEqual(2);
        expect(workspace._unsafeUnwrap().counts.pendingInvitations).toBeLessThanOrEqual(2);
        const events = await expectConsistent(world.store, world.workspaceId);
        const expired = events.flatMap((e) => (e.type === 'InvitationExpired' ? [e.data.invitationId] : []));
        expect([...expired].sort()).toEqual(lapsed.map((i) => i.id).sort());
        expect((await world.store.loadWorkspace(world.workspaceId))?.value.counts.pendingInvitations).toBe(2);
      }),
      { numRuns: 25 },
    );
    report('120 lapsed invitations swept by three racing commands, two reads', stats);
  });

  it('creating departments at the plan limit: never over, and only the limit or a taken name refuses', async () => {
    const stats = newStats();
    const names = ['Sales', 'SALES', 'Support', 'Billing', 'VIP'];
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 2 }),
        fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 5 }),
        async (s, limit, existingWanted, racers) => {
          const existing = Math.min(existingWanted, limit - 1);
          const world = await aWorld(s, stats, { plan: { id: 'team', seats: 5, departments: limit } });
          for (let i = 0; i < existing; i++) await world.department(`Existing ${i}`);
          const results = await race(s, stats, Promise.all(racers.map((name) => world.racing.createDepartment(world.ana, { name }))));
          const types = results.map(typeOf);
          expect(types.every((t) => ['ok', 'DepartmentLimitReached', 'DepartmentNameTaken'].includes(t))).toBe(true);
          const distinctKeys = new Set(racers.map((n) => n.toLowerCase())).size;
          expect(types.filter((t) => t === 'ok')).toHaveLength(Math.min(limit - existing, distinctKeys));
          const events = await expectConsistent(world.store, world.workspaceId);
          expect(events.filter((e) => e.type === 'DepartmentCreated').length).toBeLessThanOrEqual(limit);
        },
      ),
      { numRuns: RUNS },
    );
    report('department creation at the limit', stats);
    expect(stats.staleVersions + stats.uniqueViolations).toBeGreaterThan(0);
  });
});

describe('a burst of writers on the in-memory store, with the default retry settings', () => {
  /**
   * A memory store counting attempts: those that loaded the workspace from the store (purely
   * optimistic) or in a session they opened (each attempt of a counting command opens one).
   */
  function aCountingStore(lockWorkspaces: boolean) {
    const inner = new MemoryRosterStore({ lockWorkspaces });
    const counts = { attempts: 0 };
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as unknown;
        if (typeof original !== 'function') return original;
        return (...args: unknown[]) => {
          if (name === 'loadWorkspace' || name === 'begin') counts.attempts++;
          return (original as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as RosterStore;
    return { store, counts };
  }

  // Purely optimistic, all seven decide on the same workspace and one commits; the six others wait
  // a jittered moment and decide once more, on fresh reads: four fit, and two are refused for good,
  // without spending another attempt on a refusal whose reads did not move (13 attempts). With
  // the default sessions, each waits for the workspace's turn and decides once (7 attempts).
  it.each([
    [false, 13],
    [true, 7],
  ])(
    'seven departments at once on a plan allowing five (lockWorkspaces: %s): five created, two refused with DepartmentLimitReached, none given up, in %i attempts',
    async (lockWorkspaces, attempts) => {
      const { store, counts } = aCountingStore(lockWorkspaces);
      const roster = createRoster({ store, clock: new ManualClock('2026-11-23T09:00:00Z') });
      const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
      const ana: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
      counts.attempts = 0;
      const results = await Promise.all(['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((name) => roster.createDepartment(ana, { name })));
      expect(results.map(typeOf).sort()).toEqual(['DepartmentLimitReached', 'DepartmentLimitReached', 'ok', 'ok', 'ok', 'ok', 'ok']);
      expect(counts.attempts).toBe(attempts);
      await expectConsistent(store as never as MemoryRosterStore, ana.workspaceId as WorkspaceId);
    },
  );

  it('twelve invitations at once into eight free seats: eight sent, four refused with SeatLimitReached, none given up', async () => {
    const roster = createRoster({ clock: new ManualClock('2026-11-23T09:00:00Z'), deliverImmediately: false, allowInlinePlans: true });
    const plan = { id: 'team', seats: 9, departments: 1 };
    const opened = (await roster.createWorkspace({ name: 'Acme', plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
    const ana: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => roster.inviteAgent(ana, { email: `agent${i}@acme.com` })));
    const types = results.map(typeOf);
    expect(types.filter((t) => t === 'ok')).toHaveLength(8);
    expect(types.filter((t) => t === 'SeatLimitReached')).toHaveLength(4);
  });
});

describe('a command that changes nothing', () => {
  it('answers on reads that still stand: a no-op decided on an actor demoted meanwhile is decided again, and refused', async () => {
    // Found by an ownership review: changeRole(Bob → agent) for Bob, already an agent, answered ok
    // with no events although the owner had just handed ownership to Bob and stepped down to
    // agent; a refusal re-checked its reads (readsMoved), a no-op success did not.
    const inner = new MemoryRosterStore();
    let meanwhile: (() => PromiseLike<unknown>) | null = null;
    let bobId = '';
    const store = new Proxy(inner, {
      get(target, name) {
        const original = Reflect.get(target, name, target) as unknown;
        if (name === 'loadAgent') {
          return async (workspaceId: WorkspaceId, agentId: AgentId) => {
            const loaded = await target.loadAgent(workspaceId, agentId);
            const run = agentId === bobId ? meanwhile : null;
            if (run) {
              meanwhile = null;
              await run();
            }
            return loaded;
          };
        }
        return typeof original === 'function' ? original.bind(target) : original;
      },
    }) as RosterStore;
    const { roster, ana, join } = await aShop({ store });
    const bob = await join('Bob');
    bobId = bob.agentId;
    meanwhile = () => roster.transferOwnership(ana, { toAgentId: bob.agentId, formerOwnerRole: 'agent' }).then((r) => r._unsafeUnwrap());
    const answer = await roster.changeRole(ana, { agentId: bob.agentId, role: 'agent' });
    expect(meanwhile).toBeNull(); // the transfer ran between the reads and the answer
    expect(answer.isErr() ? answer.error.type : 'ok').toBe('PermissionDenied');
  });
});
