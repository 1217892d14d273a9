/**
 * The in-memory store's sessions (`MemoryRosterStore.begin`): commands that change a workspace's
 * counters take turns on it, so a burst of them on one workspace all go through rather than
 * collide and give up with ConcurrencyConflict; a session lets go of its workspace whatever way
 * its attempt ends; workspaces do not wait for each other; `lockWorkspaces: false` keeps the
 * purely optimistic store. The store contract (memory-store.contract.test.ts) checks the
 * sessions' reads and commits.
 */
import { describe, expect, it } from 'vitest';
import { checkRoster, createRoster, replay, ManualClock, MemoryIdentity, MemoryRosterStore, type ActorRef, type Agent, type RosterSession, type WorkspaceId } from 'agent-roster';
import type { Commit, CommitOutcome, LockOutcome } from '../../src/ports/store';
import { aShop, failure, PASSWORD } from '../support/shop';

const NO_BACKOFF = { baseDelayMs: 0, maxDelayMs: 0 };
const typeOf = (r: { isOk(): boolean; isErr(): boolean; error?: unknown }) => (r.isOk() ? 'ok' : (r as unknown as { error: { type: string } }).error.type);
const count = (types: readonly string[]) => types.reduce<Record<string, number>>((c, t) => ({ ...c, [t]: (c[t] ?? 0) + 1 }), {});

/** Rejects when `promise` has not settled within `ms`: a lock left held shows up as a wait that never ends. */
function within<T>(promise: PromiseLike<T>, ms = 1_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms: a lock was left held`)), ms)));
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

/** A memory store whose named methods fail once each time they are armed (rejecting, as a lost connection does). */
class FaultyStore extends MemoryRosterStore {
  readonly failing = new Set<string>();
  #fail(name: string): void {
    if (this.failing.delete(name)) throw new Error(`${name}: connection reset`);
  }
  override async loadWorkspace(id: WorkspaceId) {
    this.#fail('loadWorkspace');
    return super.loadWorkspace(id);
  }
  override async emailHolder(...args: Parameters<MemoryRosterStore['emailHolder']>) {
    this.#fail('emailHolder');
    return super.emailHolder(...args);
  }
  override async commit(commit: Commit): Promise<CommitOutcome> {
    this.#fail('commit');
    return super.commit(commit);
  }
}

/** A shop of its own in `store`, with its workspace as stored. */
async function seeded(store: MemoryRosterStore) {
  const shop = await aShop({ store, plan: 'custom', deliverImmediately: false });
  return { ...shop, workspace: (await store.loadWorkspace(shop.workspaceId))! };
}

describe('racing commands on one workspace of the in-memory store', () => {
  it('lets 100 invitations sent at once on a plan without a seat limit all through, on the default store', async () => {
    const roster = createRoster({ clock: new ManualClock('2026-11-23T09:00:00Z'), deliverImmediately: false });
    const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'custom', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
    const ana: ActorRef = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => roster.inviteAgent(ana, { email: `agent${i}@acme.com` })));
    expect(count(results.map(typeOf))).toEqual({ ok: 100 });
    const workspace = (await roster.getWorkspace(ana))._unsafeUnwrap();
    expect(workspace.counts.pendingInvitations).toBe(100);
  });

  it('gives N invitations sent at once into k free seats exactly k ok and the rest SeatLimitReached, never ConcurrencyConflict', async () => {
    const shop = await aShop({ plan: { id: 'team', seats: 81, departments: 1 }, allowInlinePlans: true, deliverImmediately: false });
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => shop.roster.inviteAgent(shop.ana, { email: `agent${i}@acme.com` })));
    expect(count(results.map(typeOf))).toEqual({ ok: 80, SeatLimitReached: 40 });
  });

  it('lets 100 accepts at once all through, and of two accepts of one invitation exactly one', async () => {
    const shop = await aShop({ plan: 'custom' });
    const emails = Array.from({ length: 100 }, (_, i) => `agent${i}@acme.com`);
    for (const email of emails) await shop.invite(email);
    const accepts = await Promise.all(emails.map((email, i) => shop.roster.acceptInvitation({ token: shop.tokenFor(email), name: `Agent ${i}`, password: PASSWORD })));
    expect(count(accepts.map(typeOf))).toEqual({ ok: 100 });

    await shop.invite('twin@acme.com');
    const token = shop.tokenFor('twin@acme.com');
    const twins = await Promise.all([1, 2].map((n) => shop.roster.acceptInvitation({ token, name: `Twin ${n}`, password: PASSWORD })));
    expect(twins.map(typeOf).filter((t) => t === 'ok')).toHaveLength(1);
    expect(twins.map(typeOf)).not.toContain('ConcurrencyConflict');
    const agents = (await shop.store.listAgents(shop.workspaceId)).filter((a: Agent) => a.email === 'twin@acme.com');
    expect(agents).toHaveLength(1);
  });
});

describe('a session of the in-memory store lets go of its workspace', () => {
  it.each([
    ['a read in the attempt', 'emailHolder'],
    ['its commit', 'commit'],
  ] as const)('when %s fails: the command answers StoreUnavailable and the next one proceeds', async (_, method) => {
    const store = new FaultyStore();
    const shop = await aShop({ store, plan: 'custom', deliverImmediately: false });
    store.failing.add(method);
    await failure(within(shop.roster.inviteAgent(shop.ana, { email: 'bob@acme.com' })), 'StoreUnavailable');
    (await within(shop.roster.inviteAgent(shop.ana, { email: 'bob@acme.com' })))._unsafeUnwrap();
  });

  it('when loading the workspace under the lock fails, even if end() is never called', async () => {
    const store = new FaultyStore();
    const { workspaceId } = await aShop({ store, plan: 'custom' });
    const broken = await store.begin!();
    store.failing.add('loadWorkspace');
    await expect(broken.lockWorkspace(workspaceId)).rejects.toThrow('loadWorkspace: connection reset');
    const next = await store.begin!();
    expect(await within(next.lockWorkspace(workspaceId))).toMatchObject({ locked: true, workspace: { version: 1 } });
    await next.end();
    // Through the roster too: the failed attempt answers StoreUnavailable, the next goes through.
    const shop = await aShop({ store, plan: 'custom', deliverImmediately: false });
    store.failing.add('loadWorkspace');
    await failure(within(shop.roster.createDepartment(shop.ana, { name: 'Sales' })), 'StoreUnavailable');
    (await within(shop.roster.createDepartment(shop.ana, { name: 'Sales' })))._unsafeUnwrap();
  });

  it('when the attempt throws on the way (the random source failing while drawing an id)', async () => {
    let failNext = false;
    const random = {
      bytes(n: number) {
        if (failNext) {
          failNext = false;
          throw new Error('entropy pool unavailable');
        }
        return crypto.getRandomValues(new Uint8Array(n));
      },
    };
    const shop = await aShop({ plan: 'custom', random, deliverImmediately: false });
    failNext = true;
    await failure(within(shop.roster.inviteAgent(shop.ana, { email: 'bob@acme.com' })), 'ServiceUnavailable');
    (await within(shop.roster.inviteAgent(shop.ana, { email: 'bob@acme.com' })))._unsafeUnwrap();
  });

  it('when the command is refused, or changes nothing', async () => {
    const shop = await aShop({ plan: { id: 'tiny', seats: 1, departments: 1 }, allowInlinePlans: true, deliverImmediately: false });
    await failure(within(shop.roster.inviteAgent(shop.ana, { email: 'bob@acme.com' })), 'SeatLimitReached');
    (await within(shop.roster.expireLapsedInvitations(shop.workspaceId)))._unsafeUnwrap();
    (await within(shop.roster.changePlan(shop.ana, { plan: 'pro' })))._unsafeUnwrap();
  });
});

describe('the locks of the in-memory store', () => {
  const locked = (s: RosterSession, id: string) => s.lockWorkspace(id as WorkspaceId);

  it('hold a workspace until commit or end, and hand it on first come, first served', async () => {
    const store = new MemoryRosterStore();
    const { workspaceId } = await seeded(store);
    const holder = await store.begin!();
    await locked(holder, workspaceId);
    const order: number[] = [];
    const waiting = await Promise.all([1, 2, 3].map(() => store.begin!()));
    const turns = waiting.map((s, n) => locked(s, workspaceId).then((outcome: LockOutcome) => (order.push(n + 1), outcome)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    await holder.end();
    await holder.end();
    await turns[0];
    expect(order).toEqual([1]);
    await waiting[0]!.end();
    await turns[1];
    // A commit lets go too, whatever its outcome.
    expect(await waiting[1]!.commit({ workspaceId: workspaceId as WorkspaceId, expected: [{ kind: 'workspace', id: workspaceId, version: 9 }], writes: [], removals: [], events: [], outbox: [] })).toMatchObject({ committed: false });
    await turns[2];
    expect(order).toEqual([1, 2, 3]);
    await waiting[2]!.end();
    await expect(waiting[2]!.commit({ workspaceId: workspaceId as WorkspaceId, expected: [], writes: [], removals: [], events: [], outbox: [] })).rejects.toThrow('session ended');
  });

  it('take nothing for a session ended while it waited, and let the next one in', async () => {
    const store = new MemoryRosterStore();
    const { workspaceId } = await seeded(store);
    const holder = await store.begin!();
    await locked(holder, workspaceId);
    const [gaveUp, next] = [await store.begin!(), await store.begin!()];
    const abandoned = locked(gaveUp, workspaceId);
    const nextLocked = locked(next, workspaceId);
    await gaveUp.end();
    await holder.end();
    await expect(abandoned).rejects.toThrow('session ended');
    expect(await within(nextLocked)).toMatchObject({ locked: true });
    await next.end();
  });

  it('of different workspaces do not wait for each other', async () => {
    const store = new MemoryRosterStore();
    const a = await seeded(store);
    const b = await seeded(store);
    const holdingA = await store.begin!();
    await locked(holdingA, a.workspaceId);
    const onB = await store.begin!();
    expect(await within(locked(onB, b.workspaceId), 100)).toEqual({ locked: true, workspace: b.workspace });
    await onB.end();
    // A command on b goes through while a stays held; one on a waits for it.
    (await within(b.roster.createDepartment(b.ana, { name: 'Sales' }), 100))._unsafeUnwrap();
    const onA = a.roster.createDepartment(a.ana, { name: 'Sales' });
    await expect(within(onA, 50)).rejects.toThrow('still waiting');
    await holdingA.end();
    (await within(onA))._unsafeUnwrap();
  });
});

describe("a turn's lease (lockLeaseMs)", () => {
  it('lets the next command through when a holder keeps the turn past its lease, and only then', async () => {
    const store = new MemoryRosterStore({ lockLeaseMs: 60 });
    const shop = await seeded(store);
    const hung = await store.begin!();
    await hung.lockWorkspace(shop.workspaceId);
    const next = shop.roster.createDepartment(shop.ana, { name: 'Sales' });
    await expect(within(next, 20)).rejects.toThrow('still waiting');
    (await within(next))._unsafeUnwrap();
    // The holder goes on as an optimistic session: its commit is still checked against the
    // version it read, which the department's commit moved on.
    const stale = { workspaceId: shop.workspaceId, expected: [{ kind: 'workspace' as const, id: shop.workspaceId, version: 1 }], writes: [], removals: [], events: [], outbox: [] };
    expect(await hung.commit(stale)).toMatchObject({ committed: false });
  });

  it('keeps a hung identity provider from holding up the rest of its workspace', async () => {
    let answer!: () => void;
    const hanging = new Promise<void>((resolve) => (answer = resolve));
    class HungIdentity extends MemoryIdentity {
      hang = false;
      override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
        if (this.hang) await hanging;
        return super.createLogin(login);
      }
    }
    const identity = new HungIdentity();
    const store = new MemoryRosterStore({ lockLeaseMs: 80 });
    const shop = await aShop({ store, identity, plan: 'custom', conflictBackoff: NO_BACKOFF });
    await shop.invite('bob@acme.com');
    identity.hang = true;
    const accepting = shop.roster.acceptInvitation({ token: shop.tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Counting commands of the same workspace: each used to wait for the hung accept for good.
    (await within(shop.roster.inviteAgent(shop.ana, { email: 'cy@acme.com' })))._unsafeUnwrap();
    (await within(shop.roster.createDepartment(shop.ana, { name: 'Sales' })))._unsafeUnwrap();
    identity.hang = false;
    answer();
    // The accept lost its race to them (the workspace moved on), decided again, and went through.
    const accepted = (await within(accepting))._unsafeUnwrap();
    expect(accepted.state.workspace.counts).toMatchObject({ activeAgents: 2, pendingInvitations: 1 });
    const replayed = replay(await store.events(shop.workspaceId));
    expect(checkRoster(replayed)).toEqual([]);
    expect(replayed.workspace).toEqual((await store.loadWorkspace(shop.workspaceId))?.value);
    expect(Object.values(replayed.agents).map((a) => a.name).sort()).toEqual(['Ana', 'Bob']);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '50' as unknown as number])('refuses lockLeaseMs %s with a TypeError', (lockLeaseMs) => {
    expect(() => new MemoryRosterStore({ lockLeaseMs })).toThrow(/lockLeaseMs must be a number of milliseconds from 0 to 2147483647/);
  });

  it('takes 0 and the largest timer delay', () => {
    expect(new MemoryRosterStore({ lockLeaseMs: 0 }).begin).toBeTypeOf('function');
    expect(new MemoryRosterStore({ lockLeaseMs: 2 ** 31 - 1 }).begin).toBeTypeOf('function');
  });
});

describe('lockWorkspaces: false', () => {
  it('keeps the store purely optimistic: no sessions, and racing commands collide', async () => {
    const store = new MemoryRosterStore({ lockWorkspaces: false });
    expect(store.begin).toBeUndefined();
    expect(new MemoryRosterStore().begin).toBeTypeOf('function');
    const shop = await aShop({ store, plan: 'custom', deliverImmediately: false, conflictBackoff: NO_BACKOFF, maxAttempts: 2 });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => shop.roster.inviteAgent(shop.ana, { email: `agent${i}@acme.com` })));
    const types = count(results.map(typeOf));
    expect(types.ConcurrencyConflict).toBeGreaterThan(0);
    expect(types.ok! + types.ConcurrencyConflict!).toBe(100);
  });
});
