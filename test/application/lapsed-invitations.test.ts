/**
 * Lazy expiry at scale (ADR 0004): however many invitations lapsed without being recorded, the
 * next seat-relevant use case frees every seat and email they held, and every read already says
 * what that use case will see, agreeing with `listInvitations`.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore, replay, type ActorRef, type RosterStore } from 'agent-roster';
import { aShop, failure, type ShopOptions } from '../support/shop';

const LAPSED = 150;
const email = (n: number) => `p${n}@acme.com`;

/**
 * A workspace whose plan is full with 150 invitations (and the agents and fresh invitations asked for), all sent a minute apart (to Sales unless
 * told) and all lapsed now, none recorded as expired. `p149@acme.com` lapsed last, so a sweep of
 * the first 100 to lapse would leave it holding its seat and email. `joined` agents join before
 * the invitations go out; `fresh` invitations are sent 3 days after them, and are still pending.
 */
async function aShopWith150Lapsed(
  options: ShopOptions & Readonly<{ reserveSeats?: boolean; joined?: readonly string[]; fresh?: readonly string[] }> = {},
) {
  const { reserveSeats = true, joined = [], fresh = [], ...shopOptions } = options;
  const seats = 1 + joined.length + LAPSED + fresh.length;
  const shop = await aShop({ plan: { id: 'bulk', seats, departments: 5 }, allowInlinePlans: true, ...shopOptions });
  const { roster, ana, clock } = shop;
  if (!reserveSeats) (await roster.changeSettings(ana, { seatPolicy: { reserveSeatsForInvitations: false } }))._unsafeUnwrap();
  const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
  const support = (await roster.createDepartment(ana, { name: 'Support' }))._unsafeUnwrap().state.department;
  const agents: ActorRef[] = [];
  for (const name of joined) agents.push(await shop.join(name));
  const invitations = [];
  for (let n = 0; n < LAPSED; n++) {
    invitations.push(await shop.invite(email(n), { departmentIds: [sales.id] }));
    clock.advance({ minutes: 1 });
  }
  clock.advance({ days: 3 });
  for (const address of fresh) await shop.invite(address, { departmentIds: [sales.id, support.id] });
  clock.advance({ days: 4 });
  return { ...shop, sales, support, invitations, agents };
}

type Shop = Awaited<ReturnType<typeof aShop>>;

/** What the store holds as pending, and the InvitationExpired events in the log. */
async function recorded({ store, workspaceId }: Shop) {
  const stored = (await store.loadWorkspace(workspaceId))!.value.counts.pendingInvitations;
  const expired = (await store.events(workspaceId)).filter((e) => e.type === 'InvitationExpired').length;
  return { stored, expired };
}

/** Every read's count of pending invitations, and what listInvitations says is pending. */
async function readCounts({ roster }: Shop, actor: ActorRef) {
  const pending = (await roster.listInvitations(actor, { status: 'pending' }))._unsafeUnwrap();
  const departments = (await roster.listDepartments(actor))._unsafeUnwrap();
  return {
    listInvitations: pending.length,
    getWorkspace: (await roster.getWorkspace(actor))._unsafeUnwrap().counts.pendingInvitations,
    seatUsage: (await roster.seatUsage(actor))._unsafeUnwrap().counts.pendingInvitations,
    byDepartment: Object.fromEntries(departments.map((d) => [d.department.name, d.pendingInvitations])),
    byDepartmentFromList: Object.fromEntries(
      departments.map((d) => [d.department.name, pending.filter((i) => i.departmentIds.includes(d.department.id)).length]),
    ),
  };
}

describe('more than 100 lapsed invitations', () => {
  it('frees the email of every one of them at the next invite: re-inviting the last to lapse works', async () => {
    const shop = await aShopWith150Lapsed();
    const again = (await shop.roster.inviteAgent(shop.ana, { email: email(LAPSED - 1) }))._unsafeUnwrap();
    expect(again.state.invitation).toMatchObject({ email: email(LAPSED - 1), status: 'pending' });
    // All 150 recorded in that one commit; the new invitation is the only pending one.
    expect(await recorded(shop)).toEqual({ stored: 1, expired: LAPSED });
    expect((await shop.roster.listInvitations(shop.ana, { status: 'expired' }))._unsafeUnwrap()).toHaveLength(LAPSED);
  });

  it('gives an agent the email of the last to lapse (editAgent)', async () => {
    const shop = await aShopWith150Lapsed({ joined: ['Bob'] });
    const [bob] = shop.agents as [ActorRef];
    const edited = (await shop.roster.editAgent(shop.ana, { agentId: bob.agentId, email: email(LAPSED - 1) }))._unsafeUnwrap();
    expect(edited.state.agent.email).toBe(email(LAPSED - 1));
    expect(await recorded(shop)).toEqual({ stored: 0, expired: LAPSED });
  });

  it('resends the last to lapse, reviving it with all the others recorded as expired', async () => {
    const shop = await aShopWith150Lapsed();
    const last = shop.invitations[LAPSED - 1]!;
    const resent = (await shop.roster.resendInvitation(shop.ana, { invitationId: last.id }))._unsafeUnwrap();
    expect(resent.state.invitation).toMatchObject({ id: last.id, status: 'pending', resendCount: 1 });
    expect(await recorded(shop)).toEqual({ stored: 1, expired: LAPSED });
  });

  it('lets invitations reserve seats again on a plan they would overfill if they still held seats', async () => {
    // Sent while invitations took no seat, on a plan too small for them; lapsed now.
    const shop = await aShopWith150Lapsed({ reserveSeats: false, plan: { id: 'small', seats: 3, departments: 5 } });
    const changed = (await shop.roster.changeSettings(shop.ana, { seatPolicy: { reserveSeatsForInvitations: true } }))._unsafeUnwrap();
    expect(changed.state.workspace.seatPolicy.reserveSeatsForInvitations).toBe(true);
    expect(await recorded(shop)).toEqual({ stored: 0, expired: LAPSED });
    (await shop.roster.inviteAgent(shop.ana, { email: 'new@acme.com' }))._unsafeUnwrap();
  });

  it('downgrades the plan, the lapsed invitations holding no seat', async () => {
    const shop = await aShopWith150Lapsed();
    const changed = (await shop.roster.changePlan(shop.ana, { plan: 'pro' }))._unsafeUnwrap();
    expect(changed.state.workspace.plan).toMatchObject({ id: 'pro', seats: 5 });
    expect(await recorded(shop)).toEqual({ stored: 0, expired: LAPSED });
  });

  it('still refuses what the freed seats do not cover, counting out every lapsed one and committing no sweep', async () => {
    // Three seats, all taken by agents; invitations take none, so 150 were sent. One more is fresh.
    const shop = await aShopWith150Lapsed({ reserveSeats: false, plan: { id: 'small', seats: 3, departments: 5 }, joined: ['Bob', 'Cy'], fresh: ['fresh@acme.com'] });
    const { roster, ana } = shop;
    // Three agents and the fresh invitation would need four seats: refused with exactly those
    // numbers (not 54, as when 50 lapsed ones still counted), and the sweep is not committed.
    expect(await failure(roster.changeSettings(ana, { seatPolicy: { reserveSeatsForInvitations: true } }), 'SeatLimitReached')).toMatchObject({
      limit: 3,
      used: 3,
      requested: 4,
    });
    expect(await recorded(shop)).toEqual({ stored: LAPSED + 1, expired: 0 });
  });

  it('records every one of them in one run of the expiry job', async () => {
    const shop = await aShopWith150Lapsed();
    const swept = (await shop.roster.expireLapsedInvitations(shop.workspaceId))._unsafeUnwrap();
    expect(swept.events).toHaveLength(LAPSED);
    expect(swept.events.map((e) => (e.data as { invitationId: string }).invitationId)).toEqual(shop.invitations.map((i) => i.id));
    expect(await recorded(shop)).toEqual({ stored: 0, expired: LAPSED });
    expect((await shop.roster.expireLapsedInvitations(shop.workspaceId))._unsafeUnwrap().events).toEqual([]);
  });

  it('records them a batch at a time with a limit, first lapsed first, until a run answers no events', async () => {
    const shop = await aShopWith150Lapsed();
    const batches: string[][] = [];
    for (;;) {
      const swept = (await shop.roster.expireLapsedInvitations(shop.workspaceId, 64))._unsafeUnwrap();
      if (swept.events.length === 0) break;
      batches.push(swept.events.map((e) => (e.data as { invitationId: string }).invitationId));
      expect(await recorded(shop)).toEqual({ stored: LAPSED - batches.flat().length, expired: batches.flat().length });
    }
    expect(batches.map((b) => b.length)).toEqual([64, 64, LAPSED - 128]);
    expect(batches.flat()).toEqual(shop.invitations.map((i) => i.id));
  });

  it('refuses a limit that is not a whole number of at least 1, writing nothing', async () => {
    const shop = await aShopWith150Lapsed();
    for (const limit of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null]) {
      const refused = await failure(shop.roster.expireLapsedInvitations(shop.workspaceId, limit as never), 'ValidationFailed');
      expect(refused.issues.map((i) => i.path)).toEqual(['limit']);
    }
    expect(await recorded(shop)).toEqual({ stored: LAPSED, expired: 0 });
  });
});

describe('reads with lapsed invitations not yet recorded', () => {
  it('count pending invitations as listInvitations lists them: getWorkspace, seatUsage and listDepartments, writing nothing', async () => {
    const shop = await aShopWith150Lapsed({ fresh: ['fresh@acme.com'] });
    const before = await shop.snapshot();
    const counts = await readCounts(shop, shop.ana);
    expect(counts).toEqual({
      listInvitations: 1,
      getWorkspace: 1,
      seatUsage: 1,
      byDepartment: { Sales: 1, Support: 1 },
      byDepartmentFromList: { Sales: 1, Support: 1 },
    });
    expect((await shop.roster.seatUsage(shop.ana))._unsafeUnwrap()).toMatchObject({ used: 2, limit: LAPSED + 2 });
    // Reading wrote nothing: the 150 are still stored as pending until a use case sweeps.
    expect(await shop.snapshot()).toEqual(before);
    expect(await recorded(shop)).toEqual({ stored: LAPSED + 1, expired: 0 });
    // The next seat check sees what the reads said.
    (await shop.roster.expireLapsedInvitations(shop.workspaceId))._unsafeUnwrap();
    expect((await shop.store.loadWorkspace(shop.workspaceId))!.value.counts).toEqual((await shop.roster.getWorkspace(shop.ana))._unsafeUnwrap().counts);
    expect(await readCounts(shop, shop.ana)).toEqual(counts);
  });

  it('count them out on a store without countLapsedInvitations (one written for 0.1.0) by listing them', async () => {
    const inner = new MemoryRosterStore();
    const store = new Proxy(inner, {
      get: (target, name) => {
        if (name === 'countLapsedInvitations') return undefined;
        const value = Reflect.get(target, name, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as RosterStore;
    const shop = await aShopWith150Lapsed({ store, fresh: ['fresh@acme.com'] });
    expect(await readCounts(shop, shop.ana)).toMatchObject({ listInvitations: 1, getWorkspace: 1, seatUsage: 1 });
    expect((await shop.roster.seatUsage(shop.ana))._unsafeUnwrap()).toMatchObject({ used: 2, limit: LAPSED + 2 });
  });

  it('follow the clock as invitations lapse one by one', async () => {
    const shop = await aShopWith150Lapsed();
    const { clock } = shop;
    const agree = async () => {
      const c = await readCounts(shop, shop.ana);
      expect(c.getWorkspace).toBe(c.listInvitations);
      expect(c.seatUsage).toBe(c.listInvitations);
      expect(c.byDepartment).toEqual(c.byDepartmentFromList);
      return c.listInvitations;
    };
    expect(await agree()).toBe(0);
    // Seventy more invitations, 10 minutes apart; they lapse 7 days on, some at each step below.
    for (let n = 0; n < 70; n++) {
      await shop.invite(`later${n}@acme.com`, { departmentIds: n % 2 === 0 ? [shop.sales.id] : [] });
      clock.advance({ minutes: 10 });
    }
    expect(await agree()).toBe(70);
    clock.advance({ days: 6, hours: 14 });
    const seen = [];
    for (let step = 0; step < 5; step++) {
      seen.push(await agree());
      clock.advance({ hours: 2 });
    }
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen[0]).toBeGreaterThan(seen[4]!);
  });
});

describe('an invitation that lapsed and is not yet recorded, as the listings show it', () => {
  /** Cy invited and lapsed (not swept), Dee invited later and still pending, Bob accepted. */
  async function aShopWithCyLapsed() {
    const shop = await aShop();
    await shop.join('Bob');
    const cy = await shop.invite('cy@acme.com');
    shop.clock.advance({ days: 6 });
    const dee = await shop.invite('dee@acme.com');
    shop.clock.advance({ days: 2 });
    return { ...shop, cy, dee };
  }
  const byEmail = (items: readonly { email: string; status: string }[]) => Object.fromEntries(items.map((i) => [i.email, i.status]));

  it('lists it as expired, closed at its expiry, under every filter, page or not', async () => {
    const { roster, ana, cy, store, workspaceId } = await aShopWithCyLapsed();
    const all = (await roster.listInvitations(ana))._unsafeUnwrap();
    expect(byEmail(all)).toEqual({ 'bob@acme.com': 'accepted', 'cy@acme.com': 'expired', 'dee@acme.com': 'pending' });
    expect(all.find((i) => i.id === cy.id)).toMatchObject({ status: 'expired', closedAt: cy.expiresAt });
    for (const status of ['pending', 'expired', 'accepted', 'revoked'] as const) {
      const listed = (await roster.listInvitations(ana, { status }))._unsafeUnwrap();
      const paged = (await roster.invitationPage(ana, { status, limit: 1 }))._unsafeUnwrap();
      expect(listed.map((i) => i.status).filter((s) => s !== status), `listInvitations(${status})`).toEqual([]);
      expect(paged.items.map((i) => i.status).filter((s) => s !== status), `invitationPage(${status})`).toEqual([]);
    }
    expect(byEmail((await roster.invitationPage(ana))._unsafeUnwrap().items)).toEqual(byEmail(all));
    // A view: the store still holds Cy's invitation as pending until a use case sweeps.
    expect((await store.loadInvitation(workspaceId, cy.id))!.value.status).toBe('pending');
  });

  it('does not hold its email against reviving an older invitation to the same address', async () => {
    // Bob's first link expires and is recorded; a second one lapses too, not yet recorded. Every
    // read shows both expired, so reviving the first must not meet the second as a holder.
    const shop = await aShop();
    const first = await shop.invite('bob@acme.com');
    shop.clock.advance({ days: 8 });
    await shop.invite('bob@acme.com');
    shop.clock.advance({ days: 8 });
    expect((await shop.roster.listInvitations(shop.ana))._unsafeUnwrap().filter((i) => i.email === 'bob@acme.com').map((i) => i.status)).toEqual(['expired', 'expired']);
    const revived = (await shop.roster.resendInvitation(shop.ana, { invitationId: first.id }))._unsafeUnwrap();
    expect(revived.state.invitation).toMatchObject({ id: first.id, status: 'pending' });
    const statuses = (await shop.roster.listInvitations(shop.ana))._unsafeUnwrap().filter((i) => i.email === 'bob@acme.com').map((i) => i.status);
    expect(statuses.sort()).toEqual(['expired', 'pending']);
    expect((await shop.roster.getWorkspace(shop.ana))._unsafeUnwrap().counts.pendingInvitations).toBe(1);
  });

  it('keeps its closedAt at the expiry when a sweep records it days later, and a replay agrees', async () => {
    const { roster, ana, cy, store, workspaceId } = await aShopWithCyLapsed();
    const listed = async () => (await roster.listInvitations(ana))._unsafeUnwrap().find((i) => i.id === cy.id);
    const before = await listed();
    expect(before).toMatchObject({ status: 'expired', closedAt: cy.expiresAt });
    (await roster.expireLapsedInvitations(workspaceId))._unsafeUnwrap(); // two days after the expiry
    expect(await listed()).toEqual(before);
    const stored = (await store.loadInvitation(workspaceId, cy.id))!.value;
    expect(stored).toMatchObject({ status: 'expired', closedAt: cy.expiresAt });
    expect(replay(await store.events(workspaceId)).invitations[cy.id]).toEqual(stored);
  });

  it('agrees with the workspace counts, before and after the sweep records it', async () => {
    const { roster, ana, cy } = await aShopWithCyLapsed();
    const pendingListed = async () => (await roster.listInvitations(ana, { status: 'pending' }))._unsafeUnwrap().length;
    expect({ listed: await pendingListed(), counted: (await roster.getWorkspace(ana))._unsafeUnwrap().counts.pendingInvitations }).toEqual({ listed: 1, counted: 1 });
    (await roster.expireLapsedInvitations(ana.workspaceId))._unsafeUnwrap();
    const recorded = (await roster.listInvitations(ana, { status: 'expired' }))._unsafeUnwrap();
    expect(recorded.map((i) => i.id)).toEqual([cy.id]);
    expect(recorded[0]!.closedAt).not.toBeNull();
    expect(await pendingListed()).toBe(1);
  });
});
