/**
 * Paged listings on the in-memory store (the suite in test/support/pages-suite.ts), plus what
 * only this store shows: the selection behind a page, checked against sort, filter and slice, and
 * a store that ignores the page bounds (listing the outbox in no order) and has no `eventsAfter`,
 * read right all the same, `roster.outbox` included.
 */
import { fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore, type ActorRef, type Roster, type RosterStore, type WorkspaceId } from 'agent-roster';

import { firstInOrder, type ListingOrder, type PlaceKey } from '../../src/ports/order';
import { anOutbox, aTeam, describePages, inPageOrder, readAll, unwrap } from '../support/pages-suite';

describePages('paged listings on MemoryRosterStore', () => new MemoryRosterStore());

describe('firstInOrder, the selection behind a page', () => {
  type Row = Readonly<{ at: string; id: string }>;
  const order: ListingOrder<Row> = { time: (r) => r.at, id: (r) => r.id };
  const byCodeUnit = (x: PlaceKey, y: PlaceKey) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
  const place = fc.tuple(fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'), fc.string({ unit: fc.constantFrom('a', 'B', 'b', '-', '_', '0', 'Z'), maxLength: 3 }));

  it('gives the rows after `after`, in (time, id) order compared code unit by code unit, at most `limit`', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(place, { selector: ([t, id]) => `${t}~${id}`, maxLength: 40 }),
        fc.option(place, { nil: undefined }),
        fc.option(fc.nat(12), { nil: undefined }),
        (places, after, limit) => {
          const rows: Row[] = places.map(([at, id]) => ({ at, id }));
          const expected = [...places]
            .sort(byCodeUnit)
            .filter((p) => after === undefined || byCodeUnit(p, after) > 0)
            .slice(0, limit ?? Infinity);
          expect(firstInOrder(rows, order, after, limit).map((r) => [r.at, r.id])).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('a store that ignores page bounds, and has no eventsAfter', () => {
  /** The in-memory store, minus its paging: lists everything, and `eventsAfter` is missing. */
  function unpaged(): RosterStore {
    const inner = new MemoryRosterStore();
    return new Proxy(inner, {
      get(target, key) {
        if (key === 'eventsAfter') return undefined;
        if (key === 'listAgents') return (w: Parameters<RosterStore['listAgents']>[0], f: Parameters<RosterStore['listAgents']>[1]) => target.listAgents(w, f);
        if (key === 'listInvitations') return (w: Parameters<RosterStore['listInvitations']>[0], f: Parameters<RosterStore['listInvitations']>[1]) => target.listInvitations(w, f);
        // Everything, and in no page order (the enqueue order reversed): a store may list in any order without bounds.
        if (key === 'listOutbox') return async (w: Parameters<RosterStore['listOutbox']>[0], s: Parameters<RosterStore['listOutbox']>[1]) => [...(await target.listOutbox(w, s))].reverse();
        const value: unknown = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  it('gives the same pages as one that honours them', async () => {
    const paged = await aTeam();
    const plain = await aTeam({ store: unpaged() });
    const pages = async (roster: Roster, ana: ActorRef) => ({
      agents: await readAll((after) => unwrap(roster.agentPage(ana, { limit: 4, ...(after === undefined ? {} : { after }) }))),
      invitations: await readAll((after) => unwrap(roster.invitationPage(ana, { limit: 4, ...(after === undefined ? {} : { after }) }))),
      events: await readAll((after) => unwrap(roster.eventPage(ana, { limit: 4, ...(after === undefined ? {} : { after }) }))),
    });
    const fromPlain = await pages(plain.roster, plain.ana);
    expect(fromPlain.agents).toEqual(await unwrap(plain.roster.listAgents(plain.ana)));
    expect(fromPlain.invitations).toEqual(await unwrap(plain.roster.listInvitations(plain.ana)));
    expect(fromPlain.events).toEqual(await unwrap(plain.roster.events(plain.ana)));
    // Ids are random, so the two teams tie-break in different orders; their logs are alike.
    expect((await pages(paged.roster, paged.ana)).events.map((e) => e.type)).toEqual(fromPlain.events.map((e) => e.type));
  });

  it('gives the outbox in pages all the same, sorted and trimmed by the roster, for every status', async () => {
    const store = unpaged();
    const { roster, ana } = await anOutbox({ store });
    const whole = await unwrap(roster.outbox(ana));
    // The store lists last first; the roster sorts what it gets, for `outbox` as for its pages.
    expect((await store.listOutbox(ana.workspaceId as WorkspaceId)).map((m) => m.id)).not.toEqual(inPageOrder(whole).map((m) => m.id));
    expect(whole.map((m) => m.id)).toEqual(inPageOrder(whole).map((m) => m.id));
    for (const status of [undefined, 'pending', 'delivered', 'withdrawn'] as const) {
      for (const limit of [1, 3, 5, 100]) {
        const paged = await readAll((after) => unwrap(roster.outboxPage(ana, { limit, ...(status === undefined ? {} : { status }), ...(after === undefined ? {} : { after }) })));
        expect(paged).toEqual(await unwrap(roster.outbox(ana, status)));
      }
    }
  });
});

