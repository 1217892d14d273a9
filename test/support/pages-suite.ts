/**
 * Long listings a page at a time — `agentPage`, `invitationPage`, `eventPage` and `outboxPage` — on any store:
 * pages read to the end give exactly the whole listing, whatever the page size and the filters;
 * they hold up while the workspace changes; and what a page query refuses. Run on the in-memory
 * store (test/application/pages.test.ts) and on PostgreSQL (test/postgres/pages.test.ts).
 */
import { fc } from '@fast-check/vitest';
import type { Result } from 'neverthrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGE_SIZE, type ActorRef, type OutboxMessage, type Page, type RosterStore } from 'agent-roster';

import { hostile } from './hostile-inputs';
import { aShop, failure } from './shop';

/** Every page of a listing, read from the start with `limit`, checking each page's shape on the way. */
export async function readAll<T>(read: (after: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await read(after);
    items.push(...page.items);
    if (page.items.length > 0) expect(page.cursor).not.toBeNull();
    if (!page.more) return items;
    expect(page.items.length).toBeGreaterThan(0);
    after = page.cursor!;
  }
  throw new Error('the listing never ended');
}

export const unwrap = async <T, E>(outcome: PromiseLike<Result<T, E>>): Promise<T> => {
  const result = await outcome;
  if (result.isErr()) throw new Error(`unexpected ${JSON.stringify(result.error)}`);
  return result.value;
};

/**
 * Ana and eleven agents, some joining in the same millisecond (ties broken by id), two of them
 * inactive, some in Sales; invitations in every status.
 */
export async function aTeam(options: { store?: RosterStore } = {}) {
  const shop = await aShop({ plan: 'enterprise', ...options });
  const { roster, ana, clock } = shop;
  const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
  const team: ActorRef[] = [];
  for (let k = 0; k < 11; k++) {
    if (k % 3 === 0) clock.advance({ minutes: 1 });
    team.push(await shop.join(`Agent${k}`, k % 2 === 0 ? { departmentIds: [sales.id] } : {}));
  }
  for (const k of [2, 7]) (await roster.deactivateAgent(ana, { agentId: team[k]!.agentId }))._unsafeUnwrap();
  await shop.invite('pending@acme.com');
  const revoked = await shop.invite('revoked@acme.com');
  (await roster.revokeInvitation(ana, { invitationId: revoked.id }))._unsafeUnwrap();
  return { ...shop, sales, team };
}

/** Outbox messages in `outboxPage`'s order: by `createdAt`, then id compared code unit by code unit. */
export const inPageOrder = (messages: readonly OutboxMessage[]): OutboxMessage[] =>
  [...messages].sort((x, y) => (x.createdAt !== y.createdAt ? (x.createdAt < y.createdAt ? -1 : 1) : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

/**
 * Ana's shop with twelve invitation emails, three to a minute (ties broken by id), not delivered
 * as they are queued: two withdrawn (their invitations revoked), four delivered, the rest pending.
 */
export async function anOutbox(options: { store?: RosterStore } = {}) {
  const shop = await aShop({ plan: 'enterprise', deliverImmediately: false, ...options });
  const { roster, ana, clock } = shop;
  const invitations = [];
  for (let k = 0; k < 12; k++) {
    if (k % 3 === 0) clock.advance({ minutes: 1 });
    invitations.push(await shop.invite(`person${k}@acme.com`));
  }
  for (const k of [1, 7]) (await roster.revokeInvitation(ana, { invitationId: invitations[k]!.id }))._unsafeUnwrap();
  expect((await unwrap(roster.deliverOutbox(4))).delivered).toBe(4);
  return shop;
}

/** The page suite, on the stores `makeStore` gives (a fresh one, or one that holds other workspaces too). */
export function describePages(name: string, makeStore: () => RosterStore | Promise<RosterStore>): void {
  describe(name, () => {
    describe('agentPage', () => {
      let shop: Awaited<ReturnType<typeof aTeam>>;
      beforeAll(async () => {
        shop = await aTeam({ store: await makeStore() });
      });

      it('reads the whole team in pages, in listAgents order, each page marking where the next starts', async () => {
        const { roster, ana } = shop;
        const all = await unwrap(roster.listAgents(ana));
        expect(all).toHaveLength(12);
        const first = await unwrap(roster.agentPage(ana, { limit: 5 }));
        expect(first.items).toEqual(all.slice(0, 5));
        expect(first.more).toBe(true);
        const tag = first.cursor!.split('~')[2];
        expect(first.cursor).toBe(`${all[4]!.joinedAt}~${all[4]!.id}~${tag}`);
        expect(tag).toMatch(/^[0-9a-z]{1,7}$/);
        const second = await unwrap(roster.agentPage(ana, { after: first.cursor!, limit: 5 }));
        expect(second.items).toEqual(all.slice(5, 10));
        const last = await unwrap(roster.agentPage(ana, { after: second.cursor!, limit: 5 }));
        expect(last).toEqual({ items: all.slice(10), cursor: `${all[11]!.joinedAt}~${all[11]!.id}~${tag}`, more: false });
        // Asking on from the end: nothing more, and the cursor stays where it was.
        expect(await unwrap(roster.agentPage(ana, { after: last.cursor!, limit: 5 }))).toEqual({ items: [], cursor: last.cursor, more: false });
        // A page exactly as long as what is left says there is nothing more.
        expect((await unwrap(roster.agentPage(ana, { after: second.cursor!, limit: 2 }))).more).toBe(false);
        // 100 by default.
        expect((await unwrap(roster.agentPage(ana))).items).toEqual(all);
      });

      it('gives, for any page size and filter, pages that add up to listAgents with that filter', async () => {
        const { roster, ana, sales } = shop;
        await fc.assert(
          fc.asyncProperty(
            fc.integer({ min: 1, max: 14 }),
            fc.record(
              {
                status: fc.constantFrom('active' as const, 'inactive' as const),
                availability: fc.constantFrom('online' as const, 'away' as const),
                departmentId: fc.constant(sales.id),
              },
              { requiredKeys: [] },
            ),
            async (limit, filter) => {
              const whole = await unwrap(roster.listAgents(ana, filter));
              const paged = await readAll((after) => unwrap(roster.agentPage(ana, { ...filter, limit, ...(after === undefined ? {} : { after }) })));
              expect(paged).toEqual(whole);
            },
          ),
          { numRuns: 40 },
        );
      });

      it('answers an empty first page with no cursor', async () => {
        const { roster, ana } = shop;
        expect(await unwrap(roster.agentPage(ana, { availability: 'online' }))).toEqual({ items: [], cursor: null, more: false });
      });

      it('lets any member page the team', async () => {
        const { roster, team } = shop;
        expect((await unwrap(roster.agentPage(team[1]!, { limit: 1 }))).items).toHaveLength(1);
      });
    });

    describe('paging while the workspace changes', () => {
      it('lists an agent who joins meanwhile at the end, and goes past one deleted meanwhile', async () => {
        const shop = await aTeam({ store: await makeStore() });
        const { roster, ana, team, clock } = shop;
        const before = await unwrap(roster.listAgents(ana));
        const first = await unwrap(roster.agentPage(ana, { limit: 4 }));
        // The agent at the cursor and one on the next page leave; someone new joins.
        (await roster.deleteAgent(ana, { agentId: first.items[3]!.id }))._unsafeUnwrap();
        (await roster.deleteAgent(ana, { agentId: before[5]!.id }))._unsafeUnwrap();
        clock.advance({ minutes: 1 });
        const zoe = await shop.join('Zoe');
        const rest = await readAll((after) => unwrap(roster.agentPage(ana, { after: after ?? first.cursor!, limit: 4 })));
        expect(rest.map((a) => a.id)).toEqual([...before.slice(4).filter((a) => a.id !== before[5]!.id).map((a) => a.id), zoe.agentId]);
        expect(team).toHaveLength(11);
      });
    });

    describe('invitationPage', () => {
      it('reads invitations in pages, by status, expired ones included as listInvitations lists them', async () => {
        const shop = await aTeam({ store: await makeStore() });
        const { roster, ana, clock } = shop;
        for (const status of [undefined, 'accepted', 'pending', 'revoked', 'expired'] as const) {
          const filter = status === undefined ? {} : { status };
          const whole = await unwrap(roster.listInvitations(ana, filter));
          expect(await readAll((after) => unwrap(roster.invitationPage(ana, { ...filter, limit: 3, ...(after === undefined ? {} : { after }) })))).toEqual(whole);
        }
        clock.advance({ days: 8 }); // the pending invitation lapses: expired to whoever asks, before any sweep
        const expired = await unwrap(roster.invitationPage(ana, { status: 'expired' }));
        expect(expired.items.map((i) => i.email)).toEqual(['pending@acme.com']);
      });

      it('is for admins: an agent is refused', async () => {
        const { roster, team } = await aTeam({ store: await makeStore() });
        expect(await failure(roster.invitationPage(team[1]!), 'PermissionDenied')).toMatchObject({ capability: 'manageAgents' });
      });
    });

    describe('eventPage', () => {
      it('follows the log: pages add up to events(), and the last cursor picks up what is committed later', async () => {
        const shop = await aTeam({ store: await makeStore() });
        const { roster, ana } = shop;
        const log = await unwrap(roster.events(ana));
        let cursor: string | null = null;
        const read: unknown[] = [];
        for (;;) {
          const page: Page<unknown> = await unwrap(roster.eventPage(ana, { limit: 7, ...(cursor === null ? {} : { after: cursor }) }));
          read.push(...page.items);
          cursor = page.cursor;
          if (!page.more) break;
        }
        expect(read).toEqual(log);
        expect(await unwrap(roster.eventPage(ana, { after: cursor! }))).toEqual({ items: [], cursor, more: false });
        (await roster.createDepartment(ana, { name: 'Billing' }))._unsafeUnwrap();
        const later = await unwrap(roster.eventPage(ana, { after: cursor! }));
        expect(later.items.map((e) => e.type)).toEqual(['DepartmentCreated']);
        const position = (c: string | null) => BigInt(c!.split('~')[0]!);
        expect(position(later.cursor)).toBeGreaterThan(position(cursor));
        // A cursor may be handed back as null for the first page.
        expect((await unwrap(roster.eventPage(ana, { after: null, limit: 1 }))).items).toEqual(log.slice(0, 1));
      });

      it('answers past the end of the log with nothing, and keeps the cursor it was given', async () => {
        const { roster, ana } = await aShop({ store: await makeStore() });
        const tag = (await unwrap(roster.eventPage(ana))).cursor!.split('~')[1];
        const end = `9223372036854775807~${tag}`; // the largest position PostgreSQL can give
        expect(await unwrap(roster.eventPage(ana, { after: end }))).toEqual({ items: [], cursor: end, more: false });
      });

      it('needs viewStatistics: an agent is refused', async () => {
        const { roster, team } = await aTeam({ store: await makeStore() });
        expect(await failure(roster.eventPage(team[1]!), 'PermissionDenied')).toMatchObject({ capability: 'viewStatistics' });
      });
    });

    describe('outboxPage', () => {
      let shop: Awaited<ReturnType<typeof anOutbox>>;
      beforeAll(async () => {
        shop = await anOutbox({ store: await makeStore() });
      });

      it('reads the outbox in pages, by createdAt then id, bodies left out as outbox leaves them, each page marking where the next starts', async () => {
        const { roster, ana } = shop;
        const all = inPageOrder(await unwrap(roster.outbox(ana)));
        expect(all).toHaveLength(12);
        expect(new Set(all.map((m) => m.status))).toEqual(new Set(['pending', 'delivered', 'withdrawn']));
        const first = await unwrap(roster.outboxPage(ana, { limit: 5 }));
        expect(first.items).toEqual(all.slice(0, 5));
        expect(first.items.every((m) => m.text === '' && m.html === null)).toBe(true);
        const tag = first.cursor!.split('~')[2];
        expect(first.cursor).toBe(`${all[4]!.createdAt}~${all[4]!.id}~${tag}`);
        expect(first.more).toBe(true);
        const second = await unwrap(roster.outboxPage(ana, { after: first.cursor, limit: 5 }));
        expect(second.items).toEqual(all.slice(5, 10));
        const last = await unwrap(roster.outboxPage(ana, { after: second.cursor, limit: 5 }));
        expect(last).toEqual({ items: all.slice(10), cursor: `${all[11]!.createdAt}~${all[11]!.id}~${tag}`, more: false });
        expect(await unwrap(roster.outboxPage(ana, { after: last.cursor, limit: 5 }))).toEqual({ items: [], cursor: last.cursor, more: false });
        expect((await unwrap(roster.outboxPage(ana, { after: second.cursor, limit: 2 }))).more).toBe(false);
        expect((await unwrap(roster.outboxPage(ana))).items).toEqual(all);
      });

      it('gives, for any page size and status, pages that add up to outbox with that status', async () => {
        const { roster, ana } = shop;
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 14 }), fc.constantFrom(undefined, 'pending' as const, 'delivered' as const, 'withdrawn' as const), async (limit, status) => {
            const whole = inPageOrder(await unwrap(roster.outbox(ana, status)));
            const paged = await readAll((after) => unwrap(roster.outboxPage(ana, { limit, ...(status === undefined ? {} : { status }), ...(after === undefined ? {} : { after }) })));
            expect(paged).toEqual(whole);
          }),
          { numRuns: 30 },
        );
      });

      it('answers an empty first page with no cursor', async () => {
        const { roster, ana } = await aShop({ store: await makeStore(), deliverImmediately: false });
        expect(await unwrap(roster.outboxPage(ana, { status: 'withdrawn' }))).toEqual({ items: [], cursor: null, more: false });
      });

      it('is for admins: an agent is refused', async () => {
        const { roster, join } = await aShop({ store: await makeStore() });
        expect(await failure(roster.outboxPage(await join('Agent')), 'PermissionDenied')).toMatchObject({ capability: 'manageAgents' });
      });

      it('skips and repeats nothing while messages are queued, delivered and withdrawn meanwhile: read on from the last cursor, it ends with the whole outbox', async () => {
        const { roster, ana, clock, invite } = await anOutbox({ store: await makeStore() });
        const before = inPageOrder(await unwrap(roster.outbox(ana)));
        const read: OutboxMessage[] = [];
        let cursor: string | null = null;
        const page = async () => {
          const next: Page<OutboxMessage> = await unwrap(roster.outboxPage(ana, { after: cursor, limit: 2 }));
          read.push(...next.items);
          cursor = next.cursor;
          return next.more;
        };
        // A reader walks the outbox while, at the same time, invitations are sent (a minute apart),
        // revoked and resent (their emails withdrawn) and emails delivered.
        const changes = async () => {
          for (let k = 0; k < 6; k++) {
            clock.advance({ minutes: 1 });
            const invitation = await invite(`late${k}@acme.com`);
            if (k % 3 === 1) (await roster.revokeInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
            if (k % 3 === 2) (await roster.resendInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
            await unwrap(roster.deliverOutbox(1));
          }
        };
        const walk = async () => {
          while (await page());
        };
        await Promise.all([walk(), changes()]);
        while (await page()); // and reads on from where it stopped, as a follower would
        const after = inPageOrder(await unwrap(roster.outbox(ana)));
        expect(after.length).toBeGreaterThan(before.length);
        expect(read.map((m) => m.id)).toEqual(after.map((m) => m.id));
        expect(new Set(read.map((m) => m.id)).size).toBe(read.length);
      });
    });

    describe('a cursor belongs to its workspace', () => {
      it('is refused by another workspace, where it would start at a place that means nothing (and skip events)', async () => {
        const store = await makeStore();
        const first = await aShop({ store });
        const other = await aShop({ store });
        await first.join('Bob');
        await first.invite('pending@acme.com');
        await other.join('Cleo');
        type Paged = (roster: typeof first.roster, actor: ActorRef, query: { after: string }) => Promise<Result<unknown, { type: 'ValidationFailed'; issues?: unknown }>>; // any other error fails `failure` below
        const listings: [Paged, string][] = [
          [async (r, a, q) => (await r.agentPage(a, q)) as never, (await unwrap(first.roster.agentPage(first.ana, { limit: 1 }))).cursor!],
          [async (r, a, q) => (await r.invitationPage(a, q)) as never, (await unwrap(first.roster.invitationPage(first.ana, { limit: 1 }))).cursor!],
          [async (r, a, q) => (await r.eventPage(a, q)) as never, (await unwrap(first.roster.eventPage(first.ana, { limit: 1 }))).cursor!],
          [async (r, a, q) => (await r.outboxPage(a, q)) as never, (await unwrap(first.roster.outboxPage(first.ana, { limit: 1 }))).cursor!],
        ];
        for (const [page, cursor] of listings) {
          const refused = await failure(page(other.roster, other.ana, { after: cursor }), 'ValidationFailed');
          expect(refused.issues).toEqual([{ path: 'after', message: 'is a cursor of another workspace' }]);
          // The same cursor reads on in its own workspace.
          expect((await page(first.roster, first.ana, { after: cursor })).isOk()).toBe(true);
        }
      });
    });

    describe('what a page query refuses', () => {
      let shop: Awaited<ReturnType<typeof aShop>>;
      let agentCursor: string;
      let outboxCursor: string;
      beforeAll(async () => {
        shop = await aShop({ store: await makeStore() });
        await shop.join('Bob');
        agentCursor = (await unwrap(shop.roster.agentPage(shop.ana, { limit: 1 }))).cursor!;
        outboxCursor = (await unwrap(shop.roster.outboxPage(shop.ana, { limit: 1 }))).cursor!;
      });

      const queries = () =>
        [
          ['agentPage', async (q: object): Promise<Answer> => await shop.roster.agentPage(shop.ana, q as never)],
          ['invitationPage', async (q: object): Promise<Answer> => await shop.roster.invitationPage(shop.ana, q as never)],
          ['eventPage', async (q: object): Promise<Answer> => await shop.roster.eventPage(shop.ana, q as never)],
          ['outboxPage', async (q: object): Promise<Answer> => await shop.roster.outboxPage(shop.ana, q as never)],
        ] as const;
      type Answer = Result<unknown, { type: string; issues?: readonly { path: string }[] }>;

      async function refusedAt<V, E>(outcome: PromiseLike<Result<V, E>>, path: string) {
        const result = (await outcome) as Result<V, { type: string; issues?: readonly { path: string }[] }>;
        expect(result.isErr() && result.error.type).toBe('ValidationFailed');
        expect(result.isErr() && result.error.issues?.map((i) => i.path)).toContain(path);
      }

      it('refuses a limit that is not a whole number from 1 to 1,000', async () => {
        for (const [, page] of queries()) {
          for (const limit of [0, -1, 1.5, MAX_PAGE_SIZE + 1, '10', null, Number.NaN, Infinity]) await refusedAt(page({ limit }), 'limit');
          for (const limit of hostile.wrong_types.filter((v) => typeof v !== 'number' && v !== undefined)) await refusedAt(page({ limit }), 'limit');
        }
        expect((await unwrap(shop.roster.agentPage(shop.ana, { limit: MAX_PAGE_SIZE }))).items).toHaveLength(2);
      });

      it('refuses an `after` that is not a cursor the listing gave, hostile strings and wrong types included', async () => {
        // Each wrong cursor carries a well-formed tag, so it is the part before the tag that is refused.
        const strings = [
          '',
          '~',
          'agt_x',
          'agt_x~abc',
          '2026-11-23T09:00:00.000Z~abc',
          '2026-11-23T09:00:00.000Z~~abc',
          '2026-11-23T09:00:00.000Z~agt_x', // no tag
          '2026-11-23T09:00:00.000Z~agt_x~', // an empty tag
          '2026-11-23T09:00:00.000Z~agt_x~ABC',
          '2026-11-23T09:00:00.000Z~agt_x~abcdefgh',
          '2026-11-23T09:00:00Z~agt_x~abc', // not the canonical instant
          '2026-02-30T09:00:00.000Z~agt_x~abc', // no such day
          '2026-11-23T24:01:00.000Z~agt_x~abc', // no such hour: Date.parse answers NaN
          '2026-11-23T09:60:00.000Z~agt_x~abc',
          '2026-11-23T09:00:00.000Z~agt_x~agt_y~abc',
          // Instants Date.parse reads and PostgreSQL does not: years 0, before 0 and after 9999.
          '0000-01-01T00:00:00.000Z~agt_x~abc',
          '-000001-01-01T00:00:00.000Z~agt_x~abc',
          '+010000-01-01T00:00:00.000Z~agt_x~abc',
          '+275760-09-13T00:00:00.000Z~agt_x~abc',
          '-1~abc',
          '01~abc',
          '1e3~abc',
          '1', // a position without its workspace
          '0~abc', // positions start at 1
          '01~abc',
          '1~ABC',
          '1~abcdefgh',
          '1~a~b',
          '1.abc', // the separator is "~"
          '9223372036854775808~abc', // past what a position can be
          ...hostile.emails_invalid,
          ...hostile.names_invalid,
        ];
        for (const [name, page] of queries()) {
          // null is "from the start", like leaving `after` out.
          for (const after of [...strings, ...hostile.wrong_types.filter((v) => v !== undefined && v !== null)]) {
            await refusedAt(page({ after }), 'after');
          }
        }
        // Another listing's cursor.
        await refusedAt(shop.roster.agentPage(shop.ana, { after: `2026-11-23T09:00:00.000Z~inv_x~${agentCursor.split('~')[2]}` }), 'after');
        await refusedAt(shop.roster.invitationPage(shop.ana, { after: agentCursor }), 'after');
        await refusedAt(shop.roster.eventPage(shop.ana, { after: agentCursor }), 'after');
        await refusedAt(shop.roster.outboxPage(shop.ana, { after: agentCursor }), 'after');
        await refusedAt(shop.roster.agentPage(shop.ana, { after: outboxCursor }), 'after');
        await refusedAt(shop.roster.outboxPage(shop.ana, { after: outboxCursor.replace('~msg_', '~msg_~') }), 'after');
        expect((await unwrap(shop.roster.outboxPage(shop.ana, { after: outboxCursor }))).items).toEqual([]);
      });

      it('refuses an outbox status that is not one of its three, hostile values and wrong types included', async () => {
        const statuses = ['bogus', 'sent', '', 'Pending', 'active', ...hostile.emails_invalid, ...hostile.wrong_types.filter((v) => v !== undefined)];
        for (const status of statuses) await refusedAt(shop.roster.outboxPage(shop.ana, { status } as never), 'status');
      });

      it('refuses unknown keys, such as an offset', async () => {
        for (const [, page] of queries()) await refusedAt(page({ offset: 10 }), 'offset');
      });

      it('refuses hostile objects as a query, at each key it does not know (__proto__ included)', async () => {
        for (const [, page] of queries()) {
          for (const json of hostile.object_payloads_json) {
            const payload = JSON.parse(json) as object;
            // Every payload of the fixture has keys no query knows: each is refused where it stands.
            for (const key of Object.keys(payload)) await refusedAt(page(payload), key);
          }
        }
      });
    });
  });
}
