/**
 * What the store contract leaves implicit and indexed stores can get wrong: the answers of the
 * "first few, oldest first" reads and of the department reads follow every later change of the
 * rows behind them — an expiry moved, a status changed, an agent moved or deleted, a message
 * failed and rescheduled — among many rows, with ties. Run against both stores
 * (test/application/memory-store-indexes.test.ts, test/postgres/store-indexes.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Agent, Invitation, WorkspaceId } from '../../src/domain/index';
import { outboxMessage } from '../../src/application/outbox';
import type { OutboxMessage } from '../../src/ports/outbox';
import type { Aggregate, Commit, RosterStore } from '../../src/ports/store';
import { isoTime } from '../../src/domain/time';
import { aDepartment, anAgent, anInvitation, aWorkspace, hoursAfter, ids, T0 } from '../../src/testing/mothers';

const WS = ids.workspace('ws_follow');
const at = (hours: number) => hoursAfter(T0, hours);

type Versioned = readonly [Aggregate, number];

function commitOf(change: Readonly<{ create?: readonly Aggregate[]; update?: readonly Versioned[]; remove?: readonly Versioned[]; outbox?: readonly OutboxMessage[] }>): Commit {
  return {
    workspaceId: WS,
    expected: [
      ...(change.create ?? []).map((a) => ({ kind: a.kind, id: a.id, version: 0 })),
      ...[...(change.update ?? []), ...(change.remove ?? [])].map(([a, version]) => ({ kind: a.kind, id: a.id, version })),
    ],
    writes: [...(change.create ?? []), ...(change.update ?? []).map(([a]) => a)],
    removals: (change.remove ?? []).map(([a]) => ({ kind: a.kind as 'agent', id: a.id, removed: true as const })),
    events: [],
    outbox: change.outbox ?? [],
  };
}

/** A message of the workspace due at `due`. */
const aMessage = (n: number, due: Date): OutboxMessage =>
  ({ ...outboxMessage({ id: `msg_follow_${n}`, workspaceId: WS as WorkspaceId, idempotencyKey: `follow:${n}`, to: `p${n}@shop.com`, subject: `${n}`, text: 'hi', html: null, now: due }) });

/** Deterministic shuffle, so a failure reproduces. */
function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The tests; `makeStore` gives an empty store each time, `close` disposes of it.
 *
 * @example describeStoreFollowsChanges('MemoryRosterStore', async () => ({ store: new MemoryRosterStore() }))
 */
export function describeStoreFollowsChanges(name: string, makeStore: () => Promise<{ store: RosterStore; close?: () => Promise<void> }>): void {
  const withStore = (body: (store: RosterStore) => Promise<void>) => async () => {
    const { store, close } = await makeStore();
    try {
      expect(await store.commit(commitOf({ create: [aWorkspace({ id: WS })] }))).toEqual({ committed: true });
      await body(store);
    } finally {
      await close?.();
    }
  };
  const given = async (store: RosterStore, change: Parameters<typeof commitOf>[0]) =>
    expect(await store.commit(commitOf(change))).toEqual({ committed: true });

  describe(`${name}: reads follow later changes`, () => {
    it(
      'lists lapsed invitations by expiry then id among many, and follows expiries moved and statuses changed',
      withStore(async (store) => {
        // 60 invitations, expiries 1..20 hours with three sharing each hour, created in shuffled order.
        const invitations = Array.from({ length: 60 }, (_, n) =>
          anInvitation({ workspaceId: WS, id: `inv_${String.fromCharCode(97 + (n % 3))}${String(n).padStart(2, '0')}`, email: `i${n}@shop.com`, expiresAt: at(1 + Math.floor(n / 3)) }),
        );
        await given(store, { create: shuffled(invitations) });
        const order = (list: readonly Invitation[]) =>
          [...list].sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((i) => i.id);
        const lapsed = async (hours: number, limit: number) => (await store.lapsedInvitations(WS, at(hours), limit)).map((r) => r.value.id);

        expect(await lapsed(100, 25)).toEqual(order(invitations).slice(0, 25));
        expect(await lapsed(5, 100)).toEqual(order(invitations.filter((i) => Date.parse(i.expiresAt) <= at(5).getTime())));

        // The three first to lapse: one resent (a later expiry), one revoked, one accepted.
        const [first, second, third] = order(invitations).map((id) => invitations.find((i) => i.id === id)!);
        const resent: Invitation = { ...first!, expiresAt: isoTime(at(30)), resendCount: 1 };
        const revoked: Invitation = { ...second!, status: 'revoked', closedAt: isoTime(at(1)) };
        const accepted: Invitation = { ...third!, status: 'accepted', closedAt: isoTime(at(1)), agentId: ids.agent('agt_third') };
        await given(store, { update: [[resent, 1], [revoked, 1], [accepted, 1]] });
        const rest = invitations.filter((i) => ![first, second, third].includes(i));
        expect(await lapsed(100, 100)).toEqual([...order(rest), resent.id]);
        expect(await lapsed(1, 100)).toEqual([]);
        expect((await store.lapsedInvitations(WS, at(100), 100)).find((r) => r.value.id === resent.id)).toEqual({ value: resent, version: 2 });
        // The count follows the same changes, at every instant.
        for (const hours of [0, 1, 2, 5, 20, 29, 30, 100]) {
          expect(await store.countLapsedInvitations!(WS, at(hours))).toBe((await store.lapsedInvitations(WS, at(hours), 1000)).length);
        }
        expect(await store.countLapsedInvitations!(WS, at(100))).toBe(58);

        // A new one lapsing first comes first; a workspace of its own sees only its own.
        const soonest = anInvitation({ workspaceId: WS, id: 'inv_soonest', email: 'soonest@shop.com', expiresAt: at(0.5) });
        await given(store, { create: [soonest] });
        expect(await lapsed(1, 1)).toEqual([soonest.id]);
        expect(await store.lapsedInvitations(ids.workspace('ws_elsewhere'), at(100), 10)).toEqual([]);
      }),
    );

    it(
      'keeps department members and counts right as agents move, leave and are deleted, and invitations close',
      withStore(async (store) => {
        const sales = aDepartment({ workspaceId: WS, name: 'Sales' });
        const billing = aDepartment({ workspaceId: WS, name: 'Billing' });
        const agent = (name: string, departmentIds: string[]) => anAgent({ workspaceId: WS, id: `agt_${name}`, name, email: `${name}@shop.com`, departmentIds });
        const [ana, bob, cy, dee] = [agent('ana', [sales.id]), agent('bob', [sales.id, billing.id]), agent('cy', [billing.id]), agent('dee', [])];
        const eve = anInvitation({ workspaceId: WS, id: 'inv_eve', email: 'eve@shop.com', departmentIds: [sales.id] });
        const fay = anInvitation({ workspaceId: WS, id: 'inv_fay', email: 'fay@shop.com', departmentIds: [sales.id, billing.id] });
        await given(store, { create: [sales, billing, ana, bob, cy, dee, eve, fay] });
        const members = async (departmentId: string) => {
          const m = await store.departmentMembers(WS, ids.department(departmentId));
          return { agents: m.agents.map((r) => r.value.id).sort(), invitations: m.invitations.map((r) => r.value.id).sort() };
        };
        const counts = async () => Object.fromEntries((await store.listDepartments(WS)).map((d) => [d.department.name, [d.members, d.pendingInvitations]]));
        expect(await members(sales.id)).toEqual({ agents: [ana.id, bob.id], invitations: [eve.id, fay.id] });
        expect(await counts()).toEqual({ Sales: [2, 2], Billing: [2, 1] });

        // Ana moves to Billing, Dee joins Sales, Bob is deleted, Eve is accepted.
        const anaMoved: Agent = { ...ana, departmentIds: [billing.id] };
        const deeJoined: Agent = { ...dee, departmentIds: [sales.id] };
        const eveAccepted: Invitation = { ...eve, status: 'accepted', closedAt: isoTime(at(1)), agentId: ids.agent('agt_eve') };
        await given(store, { update: [[anaMoved, 1], [deeJoined, 1], [eveAccepted, 1]], remove: [[bob, 1]] });
        expect(await members(sales.id)).toEqual({ agents: [dee.id], invitations: [fay.id] });
        expect(await members(billing.id)).toEqual({ agents: [ana.id, cy.id].sort(), invitations: [fay.id] });
        expect(await counts()).toEqual({ Sales: [1, 1], Billing: [2, 1] });
        // Fay lapses (the mothers' invitations expire 7 days after T0): pending no more, given `now`.
        const countsAt = async (now: Date) => Object.fromEntries((await store.listDepartments(WS, now)).map((d) => [d.department.name, [d.members, d.pendingInvitations]]));
        expect(await countsAt(new Date(Date.parse(fay.expiresAt) - 1))).toEqual({ Sales: [1, 1], Billing: [2, 1] });
        expect(await countsAt(new Date(fay.expiresAt))).toEqual({ Sales: [1, 0], Billing: [2, 0] });
        // Resent, it pends again until its new expiry.
        const fayResent: Invitation = { ...fay, expiresAt: isoTime(hoursAfter(new Date(fay.expiresAt), 24)), resendCount: 1 };
        await given(store, { update: [[fayResent, 1]] });
        expect(await countsAt(new Date(fay.expiresAt))).toEqual({ Sales: [1, 1], Billing: [2, 1] });
        expect(await countsAt(new Date(fayResent.expiresAt))).toEqual({ Sales: [1, 0], Billing: [2, 0] });
        expect((await store.listAgents(WS, { departmentId: sales.id })).map((a) => a.id)).toEqual([dee.id]);
        expect((await store.listAgents(WS, { departmentId: billing.id })).map((a) => a.id).sort()).toEqual([ana.id, cy.id].sort());
        expect((await store.departmentMembers(WS, sales.id)).agents).toEqual([{ value: deeJoined, version: 2 }]);
      }),
    );

    it(
      'hands out due messages earliest first among many, a rescheduled one at its new time, an unleased one again',
      withStore(async (store) => {
        // 30 messages due 1..10 hours, three per hour, enqueued in shuffled order over three commits.
        const messages = Array.from({ length: 30 }, (_, n) => aMessage(n, at(1 + Math.floor(n / 3))));
        const queued = shuffled(messages, 11);
        for (const part of [queued.slice(0, 10), queued.slice(10, 20), queued.slice(20)]) await given(store, { outbox: part });
        const dueHour = (m: OutboxMessage) => Math.round((Date.parse(m.nextAttemptAt) - T0.getTime()) / 3_600_000);
        const claim = async (hours: number, limit: number, leaseMs = 60_000) => store.claimOutbox(at(hours), limit, leaseMs);

        const firstSix = await claim(100, 6);
        expect(firstSix.map(dueHour)).toEqual([1, 1, 1, 2, 2, 2]);
        // The first is delivered, the second fails and is retried at hour 5, the rest stay leased.
        await store.markDelivered(firstSix[0]!.id, at(100));
        await store.markFailed(firstSix[1]!.id, 'down', at(5));
        const next = await claim(100, 100);
        expect(next.map(dueHour)).toEqual([3, 3, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10, 10]);
        expect(next.filter((m) => dueHour(m) === 5).map((m) => m.id)).toContain(firstSix[1]!.id);
        expect(await claim(100, 100)).toEqual([]);
        // Once the leases run out, everything not delivered is handed out again, earliest first.
        const again = await claim(101, 100);
        expect(again).toHaveLength(29);
        expect(again.map(dueHour)).toEqual([...again.map(dueHour)].sort((a, b) => a - b));
        expect(again.map((m) => m.id)).not.toContain(firstSix[0]!.id);
      }),
    );
  });
}
