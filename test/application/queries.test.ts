/**
 * The read side of `createRoster`: workspace, agents, invitations, departments, seats, the
 * availability board, the event log and the outbox, each with who may read it.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type InviteAgentInput,
  type RosterOptions,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

/** Ana (owner), Bob (admin, Sales, online), Cy (agent, Sales+Support), Dee (inactive agent); invitations in every status. */
async function aBusyShop() {
  const shop = await aShop({ plan: 'enterprise' });
  const { roster, ana, clock } = shop;
  const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
  const support = (await roster.createDepartment(ana, { name: 'Support' }))._unsafeUnwrap().state.department;
  const billing = (await roster.createDepartment(ana, { name: 'Billing' }))._unsafeUnwrap().state.department;
  const bob = await shop.join('Bob', { role: 'admin', departmentIds: [sales.id] });
  const cy = await shop.join('Cy', { departmentIds: [sales.id, support.id] });
  const dee = await shop.join('Dee');
  (await roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }))._unsafeUnwrap();
  (await roster.deactivateAgent(ana, { agentId: dee.agentId }))._unsafeUnwrap();
  const lapsing = await shop.invite('lapsing@acme.com', { departmentIds: [support.id] });
  clock.advance({ days: 1 });
  const pending = await shop.invite('pending@acme.com', { departmentIds: [sales.id] });
  const revoked = await shop.invite('revoked@acme.com');
  (await roster.revokeInvitation(ana, { invitationId: revoked.id }))._unsafeUnwrap();
  clock.advance({ days: 6, hours: 1 });
  return { ...shop, sales, support, billing, bob, cy, dee, lapsing, pending, revoked };
}

const idsOf = (items: readonly { id: string }[]) => items.map((i) => i.id).sort();

describe('reading the roster', () => {
  it('shows the workspace and the seats to every member', async () => {
    const { roster, cy, dee } = await aBusyShop();
    expect((await roster.getWorkspace(cy))._unsafeUnwrap()).toMatchObject({ name: 'Acme Support', plan: { id: 'enterprise' } });
    // Bob, Cy, Dee, Ana, and one pending invitation: the other lapsed, and though not yet recorded
    // as expired it holds no seat, as the next invite's sweep would see (and listInvitations says).
    expect((await roster.seatUsage(dee))._unsafeUnwrap()).toEqual({
      used: 5,
      limit: 20,
      counts: { activeAgents: 3, inactiveAgents: 1, pendingInvitations: 1, departments: 3 },
      policy: { countInactiveAgents: true, reserveSeatsForInvitations: true },
    });
  });

  it('counts seats as the next invitation sees them: a lapsed invitation not yet recorded as expired holds none', async () => {
    const { roster, ana, invite, clock, store, workspaceId } = await aShop({ plan: 'starter' });
    await invite('bob@acme.com');
    await invite('cy@acme.com');
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 3, limit: 3 });
    clock.advance({ days: 7 });
    const usage = (await roster.seatUsage(ana))._unsafeUnwrap();
    expect(usage).toMatchObject({ used: 1, limit: 3, counts: { pendingInvitations: 0 } });
    expect((await roster.listInvitations(ana, { status: 'pending' }))._unsafeUnwrap()).toEqual([]);
    // getWorkspace agrees, yet reading changed nothing: the invitations are still stored as
    // pending until a use case sweeps.
    expect((await roster.getWorkspace(ana))._unsafeUnwrap().counts.pendingInvitations).toBe(0);
    expect((await store.loadWorkspace(workspaceId))?.value.counts.pendingInvitations).toBe(2);
    (await roster.inviteAgent(ana, { email: 'dee@acme.com' }))._unsafeUnwrap();
    (await roster.inviteAgent(ana, { email: 'eve@acme.com' }))._unsafeUnwrap();
    await failure(roster.inviteAgent(ana, { email: 'fay@acme.com' }), 'SeatLimitReached');
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 3, limit: 3 });
  });

  it('reads one agent by id for every member, itself included; null for none there, deleted or of another workspace', async () => {
    const { roster, ana, bob, cy, dee } = await aBusyShop();
    const other = (await roster.createWorkspace({ name: 'Other', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    // An inactive plain agent reads an admin, and itself: its role, status and availability.
    expect((await roster.getAgent(dee, bob.agentId))._unsafeUnwrap()).toMatchObject({ id: bob.agentId, name: 'Bob', role: 'admin', status: 'active', availability: 'online' });
    expect((await roster.getAgent(dee, dee.agentId))._unsafeUnwrap()).toMatchObject({ id: dee.agentId, status: 'inactive', availability: 'away', role: 'agent' });
    const listed = (await roster.listAgents(cy))._unsafeUnwrap().find((a) => a.id === cy.agentId);
    expect((await roster.getAgent(ana, cy.agentId))._unsafeUnwrap()).toEqual(listed);
    (await roster.deleteAgent(ana, { agentId: cy.agentId }))._unsafeUnwrap();
    for (const id of [cy.agentId, other.state.owner.id, 'agt_nobody']) expect((await roster.getAgent(bob, id))._unsafeUnwrap()).toBeNull();
    expect(await failure(roster.getAgent(bob, 'bob'), 'ValidationFailed')).toMatchObject({ issues: [{ path: 'agentId' }] });
    // Reading yourself with a malformed session id blames the actor, as every other query does.
    const malformed = { workspaceId: ana.workspaceId, agentId: 'bob' };
    expect(await failure(roster.getAgent(malformed, malformed.agentId), 'ValidationFailed')).toMatchObject({ issues: [{ path: 'actor.agentId' }] });
    expect(await failure(roster.getAgent({ workspaceId: ana.workspaceId, agentId: cy.agentId }, bob.agentId), 'UnknownActor')).toMatchObject({ agentId: cy.agentId });
  });

  it('lists agents by status, availability and department, for every member', async () => {
    const { roster, ana, bob, cy, dee, sales, support, billing } = await aBusyShop();
    const list = async (filter = {}) => idsOf((await roster.listAgents(cy, filter))._unsafeUnwrap().map((a) => ({ id: a.id })));
    expect(await list()).toEqual(idsOf([{ id: ana.agentId }, { id: bob.agentId }, { id: cy.agentId }, { id: dee.agentId }]));
    expect(await list({ status: 'inactive' })).toEqual([dee.agentId]);
    expect(await list({ availability: 'online' })).toEqual([bob.agentId]);
    expect(await list({ departmentId: sales.id })).toEqual(idsOf([{ id: bob.agentId }, { id: cy.agentId }]));
    expect(await list({ departmentId: support.id, status: 'active' })).toEqual([cy.agentId]);
    expect(await list({ departmentId: billing.id })).toEqual([]);
  });

  it('lists invitations by status, a lapsed pending one as expired; admins only', async () => {
    const { roster, ana, bob, cy, lapsing, pending, revoked } = await aBusyShop();
    const list = async (status?: 'pending' | 'accepted' | 'revoked' | 'expired') =>
      (await roster.listInvitations(bob, status === undefined ? {} : { status }))._unsafeUnwrap().map((i) => i.email);
    expect(await list('pending')).toEqual([pending.email]);
    expect(await list('expired')).toEqual([lapsing.email]);
    expect(await list('revoked')).toEqual([revoked.email]);
    expect((await list('accepted')).sort()).toEqual(['bob@acme.com', 'cy@acme.com', 'dee@acme.com']);
    expect(await list()).toHaveLength(6);
    expect(await failure(roster.listInvitations(cy), 'PermissionDenied')).toMatchObject({ capability: 'manageAgents' });
    (await roster.listInvitations(ana))._unsafeUnwrap();
  });

  it('lists departments with their members and pending invitations, for every member', async () => {
    const { roster, cy, sales, support, billing } = await aBusyShop();
    const summaries = (await roster.listDepartments(cy))._unsafeUnwrap();
    const counts = Object.fromEntries(summaries.map((s) => [s.department.name, [s.members, s.pendingInvitations]]));
    // Support's one invitation lapsed: not pending any more, as listInvitations says, though not yet recorded.
    expect(counts).toEqual({ Sales: [2, 1], Support: [1, 0], Billing: [0, 0] });
    expect(idsOf(summaries.map((s) => s.department))).toEqual(idsOf([sales, support, billing]));
  });

  it('groups agents on the availability board; admins only', async () => {
    const { roster, ana, bob, cy, dee } = await aBusyShop();
    const board = (await roster.availabilityBoard(bob))._unsafeUnwrap();
    expect({ online: idsOf(board.everyone.online), away: idsOf(board.everyone.away), inactive: idsOf(board.everyone.inactive) }).toEqual({
      online: [bob.agentId],
      away: idsOf([{ id: ana.agentId }, { id: cy.agentId }]),
      inactive: [dee.agentId],
    });
    expect(board.everyone.online[0]).toEqual({ id: bob.agentId, name: 'Bob', departmentIds: expect.any(Array) });
    expect(await failure(roster.availabilityBoard(cy), 'PermissionDenied')).toMatchObject({ capability: 'viewStatistics' });
  });

  it('gives admins the event log in order, and nobody else', async () => {
    const { roster, bob, cy, store, workspaceId } = await aBusyShop();
    const events = (await roster.events(bob))._unsafeUnwrap();
    expect(events).toEqual(await store.events(workspaceId));
    expect(events[0]?.type).toBe('WorkspaceCreated');
    expect(events.at(-1)?.type).toBe('InvitationRevoked');
    expect(events.map((e) => e.occurredAt)).toEqual(events.map((e) => e.occurredAt).sort());
    await failure(roster.events(cy), 'PermissionDenied');
  });

  it('shows admins the outbox by delivery state', async () => {
    const { roster, bob, cy } = await aBusyShop();
    const delivered = (await roster.outbox(bob, 'delivered'))._unsafeUnwrap();
    expect(delivered).toHaveLength(6);
    expect(delivered.every((m) => m.status === 'delivered' && m.text === '')).toBe(true);
    expect((await roster.outbox(bob, 'pending'))._unsafeUnwrap()).toEqual([]);
    expect((await roster.outbox(bob))._unsafeUnwrap()).toHaveLength(6);
    await failure(roster.outbox(cy), 'PermissionDenied');
    // A page at a time, bodies left out as well; the same capability.
    const paged = (await roster.outboxPage(bob, { status: 'delivered', limit: 4 }))._unsafeUnwrap();
    expect(paged.items).toHaveLength(4);
    expect(paged.more).toBe(true);
    expect(paged.items.every((m) => m.status === 'delivered' && m.text === '' && m.html === null)).toBe(true);
    expect(await failure(roster.outboxPage(cy), 'PermissionDenied')).toMatchObject({ capability: 'manageAgents' });
  });

  it('refuses a malformed, unknown or foreign actor on every query', async () => {
    const { roster, ana } = await aShop();
    const other = (await roster.createWorkspace({ name: 'Other', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const outcome = async <T, E extends { type: string }>(r: PromiseLike<Result<T, E>>) => {
      const result = await r;
      return result.isOk() ? 'ok' : result.error.type;
    };
    const queries = [
      (a: ActorRef) => outcome(roster.getWorkspace(a)),
      (a: ActorRef) => outcome(roster.listAgents(a)),
      (a: ActorRef) => outcome(roster.getAgent(a, ana.agentId)),
      (a: ActorRef) => outcome(roster.listInvitations(a)),
      (a: ActorRef) => outcome(roster.listDepartments(a)),
      (a: ActorRef) => outcome(roster.seatUsage(a)),
      (a: ActorRef) => outcome(roster.availabilityBoard(a)),
      (a: ActorRef) => outcome(roster.events(a)),
      (a: ActorRef) => outcome(roster.outbox(a)),
      (a: ActorRef) => outcome(roster.outboxPage(a)),
    ];
    for (const query of queries) {
      expect(await query({ workspaceId: ana.workspaceId, agentId: 'ws_not_an_agent' })).toBe('ValidationFailed');
      expect(await query({ workspaceId: 'ws_unknown', agentId: ana.agentId })).toBe('WorkspaceNotFound');
      expect(await query({ workspaceId: ana.workspaceId, agentId: other.state.owner.id })).toBe('UnknownActor');
      expect(await query(ana)).toBe('ok');
    }
  });

  it('refuses malformed query filters with ValidationFailed, as commands refuse malformed input', async () => {
    const { roster, ana } = await aShop();
    const refusals = await Promise.all([
      roster.listAgents(ana, null as never),
      roster.listAgents(ana, { status: 'asleep' } as never),
      roster.listAgents(ana, { departmentId: 'sales' } as never),
      roster.listInvitations(ana, { status: 'bogus' } as never),
      roster.listInvitations(ana, { statuss: 'pending' } as never),
      roster.outbox(ana, 'sent' as never),
      roster.availabilityBoard(ana, null as never),
      roster.availabilityBoard(ana, { departmentId: 'sales' } as never),
      roster.availabilityBoard(ana, { status: 'online' } as never),
    ]);
    expect(refusals.map((r) => (r.isErr() ? r.error.type : 'accepted'))).toEqual(Array(9).fill('ValidationFailed'));
  });
});
