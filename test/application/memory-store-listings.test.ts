/**
 * The in-memory store's listings (src/adapters/memory/listing.ts): pages answered from rows kept
 * sorted must be the pages `firstInOrder` selects from every row, whatever happened to the rows
 * before — joins, deletes, department moves, status and availability changes, invitations sent,
 * resent (a new `sentAt`: the row changes place) and closed — for any cursor, limit and filter;
 * and so must pages of the outbox, through enqueues (one under an id already stored included),
 * deliveries, failures and withdrawals.
 * The model is the rows themselves in a map, read through `firstInOrder` (the selection the
 * store used before it kept listings), never the listing compared with itself.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Listing } from '../../src/adapters/memory/listing';
import { MemoryRosterStore } from '../../src/adapters/memory/store';
import type { Agent, Invitation } from '../../src/domain/index';
import { hasPassed } from '../../src/domain/time';
import { BY_CREATION, BY_JOINING, BY_SENDING, firstInOrder, type ListingOrder, type PlaceKey } from '../../src/ports/order';
import type { OutboxMessage, OutboxStatus } from '../../src/ports/outbox';
import type { Aggregate, AgentFilter, InvitationFilter, InvitationKey } from '../../src/ports/store';
import { anAgent, anInvitation, aTokenHash, aWorkspace, ids, T0 } from '../../src/testing/mothers';

// Few instants and short ids over code units on both sides of the case split, so rows tie on
// time often and ids order as code units, not as a locale would.
const TIMES = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', '2026-01-02T00:00:00.000Z', '2026-02-01T00:00:00.000Z'];
const time = fc.constantFrom(...TIMES);
const idPart = fc.string({ unit: fc.constantFrom('a', 'B', 'b', '_', '-', '0', 'Z'), minLength: 1, maxLength: 2 });
// Rows take their ids from a short list, so that steps often find the row they change, and
// cursors often stand at a row.
const rowId = fc.constantFrom('a', 'B', 'b', '_', '-', '0', 'Z', 'aB', 'ab', 'a-');
const place: fc.Arbitrary<PlaceKey> = fc.tuple(time, fc.oneof(rowId, idPart));
const limit = fc.option(fc.nat(7), { nil: undefined });

describe('Listing', () => {
  type Row = Readonly<{ at: string; id: string }>;
  const order: ListingOrder<Row> = { time: (r) => r.at, id: (r) => r.id };
  const op = fc.oneof(
    fc.record({ type: fc.constant('add' as const), at: time, id: idPart }),
    fc.record({ type: fc.constant('delete' as const), at: time, id: idPart }),
  );

  it('pages as firstInOrder over its rows through any adds and deletes, with chunks of any size', () => {
    fc.assert(
      fc.property(
        // Chunks of 8 and more merge when one shrinks to a quarter: sizes on both sides of that.
        fc.integer({ min: 2, max: 12 }),
        fc.array(op, { maxLength: 200, size: 'max' }),
        fc.option(place, { nil: undefined }),
        limit,
        (chunk, ops, after, limit) => {
          const listing = new Listing(order, chunk);
          const model = new Map<string, Row>();
          for (const o of ops) {
            const key = `${o.at}~${o.id}`;
            if (o.type === 'add') {
              if (model.has(key)) continue; // one row per place
              listing.add({ at: o.at, id: o.id });
              model.set(key, { at: o.at, id: o.id });
            } else {
              expect(listing.delete({ at: o.at, id: o.id })).toBe(model.delete(key));
            }
            expect(listing.size).toBe(model.size);
          }
          const even = (r: Row) => r.id.length % 2 === 0;
          expect(listing.after(undefined, Infinity, () => true)).toEqual(firstInOrder(model.values(), order, undefined));
          expect(listing.after(after, limit ?? Infinity, even)).toEqual(firstInOrder([...model.values()].filter(even), order, after, limit));
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('Listing chunk size', () => {
  it('refuses chunks of fewer than 2 rows, which would split into an empty chunk', () => {
    const order: ListingOrder<{ at: string; id: string }> = { time: (r) => r.at, id: (r) => r.id };
    for (const chunk of [1, 0, -1, Number.NaN]) expect(() => new Listing(order, chunk)).toThrow(RangeError);
    const two = new Listing(order, 2);
    for (const id of ['c', 'a', 'b', 'd']) two.add({ at: TIMES[0]!, id });
    expect(two.after(undefined, Infinity, () => true).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('MemoryRosterStore, a commit that throws', () => {
  it('leaves the store as it was, listings included, when a value cannot be copied', async () => {
    const store = new MemoryRosterStore();
    const ws = ids.workspace('ws_throw');
    const ana = anAgent({ workspaceId: ws, id: 'agt_ana', email: 'ana@throw.example' });
    expect(await store.commit({ workspaceId: ws, expected: [], writes: [aWorkspace({ id: ws }), ana], removals: [], events: [], outbox: [] })).toEqual({ committed: true });
    // Ana rewritten beside a value structuredClone refuses: the commit throws...
    const unclonable = { ...anAgent({ workspaceId: ws, id: 'agt_bad', email: 'bad@throw.example' }), hook: () => 1 } as unknown as Agent;
    await expect(store.commit({ workspaceId: ws, expected: [], writes: [{ ...ana, name: 'Ana B' }, unclonable], removals: [], events: [], outbox: [] })).rejects.toThrow();
    expect((await store.loadAgent(ws, ana.id))?.value.name).toBe(ana.name);
    // ...and the next commit, about something else, does not take Ana out of her listings.
    const bob = anAgent({ workspaceId: ws, id: 'agt_bob', email: 'bob@throw.example' });
    expect(await store.commit({ workspaceId: ws, expected: [], writes: [bob], removals: [], events: [], outbox: [] })).toEqual({ committed: true });
    expect((await store.listAgents(ws)).map((a) => a.id).sort()).toEqual([ana.id, bob.id]);
  });
});

describe('MemoryRosterStore listings', () => {
  const WS = ids.workspace('ws_listed');
  const OTHER = ids.workspace('ws_beside');
  const DEPARTMENTS = ['dep_a', 'dep_b', 'dep_c'].map(ids.department);
  const agentTemplate = anAgent({ workspaceId: WS, id: 'agt_template', email: 'template@listed.example' });
  const invitationTemplate = anInvitation({ workspaceId: WS, id: 'inv_template', email: 'template@listed.example' });

  const departments = fc.subarray(DEPARTMENTS);
  const workspace = fc.constantFrom(WS, WS, OTHER);
  const step = fc.oneof(
    fc.record({ type: fc.constant('join' as const), id: rowId, workspace, at: time, departments, inactive: fc.boolean() }),
    fc.record({ type: fc.constant('delete' as const), id: rowId }),
    fc.record({ type: fc.constant('move' as const), id: rowId, departments }),
    fc.record({ type: fc.constant('status' as const), id: rowId, inactive: fc.boolean(), online: fc.boolean() }),
    fc.record({ type: fc.constant('invite' as const), id: rowId, workspace, at: time, expiresAt: time }),
    fc.record({ type: fc.constant('resend' as const), id: rowId, at: time, expiresAt: time }),
    fc.record({ type: fc.constant('close' as const), id: rowId, status: fc.constantFrom('accepted' as const, 'revoked' as const, 'expired' as const) }),
    fc.record({
      type: fc.constant('listAgents' as const),
      workspace,
      status: fc.option(fc.constantFrom('active' as const, 'inactive' as const), { nil: undefined }),
      availability: fc.option(fc.constantFrom('online' as const, 'away' as const), { nil: undefined }),
      departmentId: fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }),
      after: fc.option(place, { nil: undefined }),
      limit,
    }),
    fc.record({
      type: fc.constant('listInvitations' as const),
      workspace,
      status: fc.option(fc.constantFrom('pending' as const, 'accepted' as const, 'revoked' as const, 'expired' as const), { nil: undefined }),
      now: fc.option(time, { nil: undefined }),
      after: fc.option(place, { nil: undefined }),
      limit,
    }),
  );

  it('pages as firstInOrder over every row through any joins, deletes, moves, resends and closes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 80, size: 'max' }), async (steps) => {
        const store = new MemoryRosterStore();
        const rows = new Map<string, { value: Aggregate; version: number }>();
        const commit = async (writes: readonly Aggregate[], removals: readonly Agent[] = []) => {
          const touched = [...writes, ...removals];
          const outcome = await store.commit({
            workspaceId: WS,
            expected: touched.map((a) => ({ kind: a.kind, id: a.id, version: rows.get(`${a.kind}:${a.id}`)?.version ?? 0 })),
            writes,
            removals: removals.map((a) => ({ kind: 'agent' as const, id: a.id, removed: true as const })),
            events: [],
            outbox: [],
          });
          expect(outcome).toEqual({ committed: true });
          for (const a of writes) rows.set(`${a.kind}:${a.id}`, { value: a, version: (rows.get(`${a.kind}:${a.id}`)?.version ?? 0) + 1 });
          for (const a of removals) rows.delete(`agent:${a.id}`);
        };
        const agent = (id: string) => rows.get(`agent:agt_${id}`)?.value as Agent | undefined;
        const invitation = (id: string) => rows.get(`invitation:inv_${id}`)?.value as Invitation | undefined;
        const all = <T extends Aggregate>(kind: T['kind'], workspaceId: string) =>
          [...rows.values()].map((r) => r.value).filter((a): a is T => a.kind === kind && a.kind !== 'workspace' && a.workspaceId === workspaceId);
        await commit([aWorkspace({ id: WS }), aWorkspace({ id: OTHER })]);

        for (const s of steps) {
          switch (s.type) {
            case 'join':
              if (!agent(s.id)) {
                await commit([
                  { ...agentTemplate, id: `agt_${s.id}` as Agent['id'], workspaceId: s.workspace, email: `a${[...s.id].map((c) => c.charCodeAt(0)).join('.')}@listed.example` as Agent['email'], joinedAt: s.at as Agent['joinedAt'], departmentIds: s.departments, status: s.inactive ? 'inactive' : 'active' },
                ]);
              }
              break;
            case 'delete': {
              const a = agent(s.id);
              if (a) await commit([], [a]);
              break;
            }
            case 'move': {
              const a = agent(s.id);
              if (a) await commit([{ ...a, departmentIds: s.departments }]);
              break;
            }
            case 'status': {
              const a = agent(s.id);
              if (a) await commit([{ ...a, status: s.inactive ? 'inactive' : 'active', availability: s.online ? 'online' : 'away' }]);
              break;
            }
            case 'invite':
              if (!invitation(s.id)) {
                const email = `i${[...s.id].map((c) => c.charCodeAt(0)).join('.')}@listed.example` as Invitation['email'];
                await commit([
                  { ...invitationTemplate, id: `inv_${s.id}` as Invitation['id'], workspaceId: s.workspace, email, tokenHash: aTokenHash(`listed:${s.id}`), sentAt: s.at as Invitation['sentAt'], expiresAt: s.expiresAt as Invitation['expiresAt'] },
                ]);
              }
              break;
            case 'resend': {
              const i = invitation(s.id);
              if (i?.status === 'pending') await commit([{ ...i, sentAt: s.at as Invitation['sentAt'], expiresAt: s.expiresAt as Invitation['expiresAt'], resendCount: i.resendCount + 1 }]);
              break;
            }
            case 'close': {
              const i = invitation(s.id);
              if (i?.status === 'pending') await commit([{ ...i, status: s.status, closedAt: i.sentAt }]);
              break;
            }
            case 'listAgents': {
              // Filters left out are passed as `undefined`, as a caller spreading its options may.
              const filter = { status: s.status, availability: s.availability, departmentId: s.departmentId } as AgentFilter;
              const cursor: PlaceKey | undefined = s.after && [s.after[0], `agt_${s.after[1]}`];
              const expected = firstInOrder(
                all<Agent>('agent', s.workspace).filter(
                  (a) =>
                    (s.status === undefined || a.status === s.status) &&
                    (s.availability === undefined || a.availability === s.availability) &&
                    (s.departmentId === undefined || a.departmentIds.includes(s.departmentId)),
                ),
                BY_JOINING,
                cursor,
                s.limit,
              );
              const after = cursor && { joinedAt: cursor[0] as Agent['joinedAt'], id: cursor[1] as Agent['id'] };
              expect(await store.listAgents(s.workspace, filter, { after, limit: s.limit })).toEqual(expected);
              break;
            }
            case 'listInvitations': {
              const now = s.now === undefined ? undefined : new Date(s.now);
              const filter = { status: s.status, now } as InvitationFilter;
              const statusOf = (i: Invitation) => (now && i.status === 'pending' && hasPassed(i.expiresAt, now) ? 'expired' : i.status);
              const cursor: PlaceKey | undefined = s.after && [s.after[0], `inv_${s.after[1]}`];
              const expected = firstInOrder(
                all<Invitation>('invitation', s.workspace).filter((i) => s.status === undefined || statusOf(i) === s.status),
                BY_SENDING,
                cursor,
                s.limit,
              );
              const after = cursor && { sentAt: cursor[0] as Invitation['sentAt'], id: cursor[1] as Invitation['id'] };
              expect(await store.listInvitations(s.workspace, filter, { after, limit: s.limit })).toEqual(expected);
              break;
            }
          }
        }
        // Every listing whole at the end, and each department's members and counts.
        for (const w of [WS, OTHER]) {
          expect(await store.listAgents(w)).toEqual(firstInOrder(all<Agent>('agent', w), BY_JOINING, undefined));
          expect(await store.listInvitations(w)).toEqual(firstInOrder(all<Invitation>('invitation', w), BY_SENDING, undefined));
        }
        for (const d of DEPARTMENTS) {
          const members = all<Agent>('agent', WS).filter((a) => a.departmentIds.includes(d));
          expect((await store.departmentMembers(WS, d)).agents.map((m) => m.value.id).sort()).toEqual(members.map((a) => a.id).sort());
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('MemoryRosterStore outbox pages', () => {
  const WS = ids.workspace('ws_mailing');
  const OTHER = ids.workspace('ws_beside');
  const workspace = fc.constantFrom(WS, WS, OTHER);
  const status = fc.option(fc.constantFrom<OutboxStatus>('pending', 'delivered', 'withdrawn'), { nil: undefined });
  const step = fc.oneof(
    fc.record({ type: fc.constant('enqueue' as const), id: rowId, workspace, at: time, topic: fc.constantFrom('t1', 't2') }),
    fc.record({ type: fc.constant('deliver' as const), id: rowId }),
    fc.record({ type: fc.constant('fail' as const), id: rowId }),
    fc.record({ type: fc.constant('withdraw' as const), id: rowId }),
    fc.record({ type: fc.constant('withdrawTopic' as const), workspace, topic: fc.constantFrom('t1', 't2') }),
    fc.record({ type: fc.constant('page' as const), workspace, status, after: fc.option(place, { nil: undefined }), limit }),
  );

  it('pages as firstInOrder over every message of the workspace through any enqueues, deliveries, failures and withdrawals', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 60, size: 'max' }), async (steps) => {
        const store = new MemoryRosterStore();
        const commit = async (workspaceId: typeof WS, outbox: readonly OutboxMessage[], withdraw: readonly string[] = []) =>
          expect(await store.commit({ workspaceId, expected: [], writes: [], removals: [], events: [], outbox, withdraw })).toEqual({ committed: true });
        /** The model: what each message is, by id, changed as the store's methods say they change it. */
        const model = new Map<string, OutboxMessage>();
        const pending = (id: string) => (model.get(id)?.status === 'pending' ? model.get(id) : undefined);
        const check = async (workspaceId: string, status: OutboxStatus | undefined, cursor: PlaceKey | undefined, limit: number | undefined) => {
          const rows = [...model.values()].filter((m) => m.workspaceId === workspaceId && (status === undefined || m.status === status));
          const expected = firstInOrder(rows, BY_CREATION, cursor, limit).map((m) => [m.id, m.status]);
          const page = await store.listOutbox(workspaceId as typeof WS, status, { after: cursor && { createdAt: cursor[0], id: cursor[1] }, limit });
          expect(page.map((m) => [m.id, m.status])).toEqual(expected);
        };
        for (const s of steps) {
          const id = `msg_${s.type === 'withdrawTopic' || s.type === 'page' ? '' : s.id}`;
          switch (s.type) {
            case 'enqueue': {
              const message: OutboxMessage = {
                id, workspaceId: s.workspace, idempotencyKey: id, to: 'x@mail.example', subject: 'Hi', text: 'body', html: null,
                status: 'pending', attempts: 0, createdAt: s.at, nextAttemptAt: s.at, deliveredAt: null, lastError: null, topic: s.topic,
              };
              // Under an id already stored, too: a message enqueued again takes its new place (and workspace).
              await commit(s.workspace, [message]);
              model.set(id, message);
              break;
            }
            case 'deliver':
              await store.markDelivered(id, new Date(TIMES[0]!));
              if (pending(id)) model.set(id, { ...pending(id)!, status: 'delivered' });
              break;
            case 'fail':
              await store.markFailed(id, 'down', new Date(TIMES[3]!));
              break;
            case 'withdraw':
              await store.markWithdrawn(id);
              if (pending(id)) model.set(id, { ...pending(id)!, status: 'withdrawn' });
              break;
            case 'withdrawTopic':
              await commit(s.workspace, [], [s.topic]);
              for (const m of model.values()) if (m.workspaceId === s.workspace && m.topic === s.topic && m.status === 'pending') model.set(m.id, { ...m, status: 'withdrawn' });
              break;
            case 'page':
              await check(s.workspace, s.status, s.after && [s.after[0], `msg_${s.after[1]}`], s.limit);
              break;
          }
        }
        for (const w of [WS, OTHER]) for (const st of [undefined, 'pending', 'delivered', 'withdrawn'] as const) await check(w, st, undefined, undefined);
      }),
      { numRuns: 300 },
    );
  });
});

describe('MemoryRosterStore filtered pages, after a long history', () => {
  // A workspace as the roster leaves it: 1,000 agents joined, 5 of them deactivated; 1,000
  // invitations sent and accepted, then 5 still pending; 1,000 emails delivered, then 5 pending.
  // A status filter's page must look at the rows it returns, not walk past the workspace's
  // history: counted through the predicate every walk of a listing asks about each row it
  // looks at (a spy: the store itself counts nothing).
  const WS = ids.workspace('ws_history');
  const N = 1_000;
  const departments = ['dep_a', 'dep_b'].map(ids.department);
  const at = (k: number) => new Date(T0.getTime() + k * 1_000);

  async function history() {
    const store = new MemoryRosterStore();
    const commit = async (writes: readonly Aggregate[], outbox: readonly OutboxMessage[] = []) =>
      expect(await store.commit({ workspaceId: WS, expected: writes.map((a) => ({ kind: a.kind, id: a.id, version: 0 })), writes, removals: [], events: [], outbox })).toEqual({ committed: true });
    const agents = Array.from({ length: N }, (_, k) =>
      anAgent({ workspaceId: WS, id: `agt_${k}`, email: `a${k}@history.example`, joinedAt: at(k), departmentIds: [departments[k % 2]!], status: k % 200 === 150 ? 'inactive' : 'active' }),
    );
    const invitations = Array.from({ length: N + 5 }, (_, k) =>
      anInvitation({ workspaceId: WS, id: `inv_${k}`, email: `i${k}@history.example`, sentAt: at(k), ttlHours: k < N ? 24 : 24 * 30, status: k < N ? 'accepted' : 'pending' }),
    );
    const outbox = Array.from({ length: N + 5 }, (_, k): OutboxMessage => ({
      id: `msg_${k}`, workspaceId: WS, idempotencyKey: `msg_${k}`, to: `i${k}@history.example`, subject: 'Hi', text: 'body', html: null,
      status: 'pending', attempts: 0, createdAt: at(k).toISOString(), nextAttemptAt: at(k).toISOString(), deliveredAt: null, lastError: null,
    }));
    await commit([aWorkspace({ id: WS }), ...agents, ...invitations], outbox);
    for (const m of outbox.slice(0, N)) await store.markDelivered(m.id, at(N));
    return store;
  }

  let looked = 0;
  beforeEach(() => {
    looked = 0;
    const walk = Listing.prototype.after;
    vi.spyOn(Listing.prototype, 'after').mockImplementation(function (this: Listing<unknown>, after, limit, keep) {
      return walk.call(this, after, limit, (row) => (looked++, keep(row)));
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('look at the rows they return, whatever the rows of other statuses', async () => {
    const store = await history();
    const lookedAt = async <T>(page: Promise<readonly T[]>) => {
      looked = 0;
      return { rows: (await page).length, looked };
    };
    expect(await lookedAt(store.listInvitations(WS, { status: 'pending' }, { limit: 101 }))).toEqual({ rows: 5, looked: 5 });
    expect(await lookedAt(store.listInvitations(WS, { status: 'pending', now: at(N) }, { limit: 101 }))).toEqual({ rows: 5, looked: 5 });
    expect(await lookedAt(store.listInvitations(WS, { status: 'revoked' }, { limit: 101 }))).toEqual({ rows: 0, looked: 0 });
    // `expired` as of now: the expired ones, and the lapsed among the pending through the expiry
    // index (none at first; all 5 a month later, when `pending` looks at them and keeps none).
    expect(await lookedAt(store.listInvitations(WS, { status: 'expired', now: at(N) }, { limit: 101 }))).toEqual({ rows: 0, looked: 0 });
    const monthLater = new Date(at(N).getTime() + 31 * 86_400_000);
    expect(await lookedAt(store.listInvitations(WS, { status: 'expired', now: monthLater }, { limit: 101 }))).toEqual({ rows: 5, looked: 0 });
    expect(await lookedAt(store.listInvitations(WS, { status: 'pending', now: monthLater }, { limit: 101 }))).toEqual({ rows: 0, looked: 5 });
    expect(await lookedAt(store.listOutbox(WS, 'pending', { limit: 101 }))).toEqual({ rows: 5, looked: 5 });
    expect(await lookedAt(store.listOutbox(WS, 'withdrawn', { limit: 101 }))).toEqual({ rows: 0, looked: 0 });
    expect(await lookedAt(store.listAgents(WS, { status: 'inactive' }, { limit: 101 }))).toEqual({ rows: 5, looked: 5 });
    // Status and department: the narrower listing, the status's, with the department checked on the way.
    expect(await lookedAt(store.listAgents(WS, { status: 'inactive', departmentId: departments[0]! }, { limit: 101 }))).toEqual({ rows: 5, looked: 5 });
    expect(await lookedAt(store.listAgents(WS, { status: 'inactive', departmentId: departments[1]! }, { limit: 101 }))).toEqual({ rows: 0, looked: 5 });
    // And the department's, when it is the narrower: 500 agents, of whom 495 active.
    expect(await lookedAt(store.listAgents(WS, { status: 'active', departmentId: departments[1]! }, { limit: 101 }))).toEqual({ rows: 101, looked: 101 });
  });

  it('take a backlog of lapsed invitations from the pending listing, a page at a time', async () => {
    // Five lapsed a month later and pages of one: more than four pages' worth, so each page walks
    // the pending listing from its cursor, where the lapsed come first, instead of sorting them all.
    const store = await history();
    const monthLater = new Date(at(N).getTime() + 31 * 86_400_000);
    const seen: string[] = [];
    let after: InvitationKey | undefined;
    for (;;) {
      looked = 0;
      const page = await store.listInvitations(WS, { status: 'expired', now: monthLater }, { limit: 1, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      expect(looked).toBe(1);
      seen.push(page[0]!.id);
      after = { sentAt: page[0]!.sentAt, id: page[0]!.id };
    }
    expect(seen).toEqual(['inv_1000', 'inv_1001', 'inv_1002', 'inv_1003', 'inv_1004']);
    // Pages of two take the same way (5 > 8 is false: the expiry index, sorted) and agree.
    const two = await store.listInvitations(WS, { status: 'expired', now: monthLater }, { limit: 2 });
    expect(two.map((i) => i.id)).toEqual(['inv_1000', 'inv_1001']);
  });

  it('follow a row to the listing of its new status', async () => {
    const store = await history();
    const pending = (await store.listInvitations(WS, { status: 'pending' }))[0]!;
    expect((await store.commit({ workspaceId: WS, expected: [{ kind: 'invitation', id: pending.id, version: 1 }], writes: [{ ...pending, status: 'revoked', closedAt: pending.sentAt }], removals: [], events: [], outbox: [] })).committed).toBe(true);
    await store.markWithdrawn('msg_1000');
    looked = 0;
    expect((await store.listInvitations(WS, { status: 'revoked' }, { limit: 101 })).map((i) => i.id)).toEqual([pending.id]);
    expect((await store.listInvitations(WS, { status: 'pending' }, { limit: 101 })).map((i) => i.id)).toEqual(['inv_1001', 'inv_1002', 'inv_1003', 'inv_1004']);
    expect((await store.listOutbox(WS, 'withdrawn', { limit: 101 })).map((m) => m.id)).toEqual(['msg_1000']);
    expect((await store.listOutbox(WS, 'pending', { limit: 101 })).map((m) => m.id)).toEqual(['msg_1001', 'msg_1002', 'msg_1003', 'msg_1004']);
    expect(looked).toBe(1 + 4 + 1 + 4);
  });
});
