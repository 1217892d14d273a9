/**
 * The quickstart's story (examples/quickstart.ts) through `createRoster`, step by step, with what
 * every step must have done: a Pro workspace, departments, invitations, a standalone email refused,
 * previews and accepts, the seat limit, availability, the owner protected, ownership handed over.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  ROSTER_EVENT_TYPES,
  CapturingMailer,
  checkHistory,
  checkRoster,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  replay,
  type ActorRef,
  type InviteAgentInput,
  type RosterOptions,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

describe('the quickstart story', () => {
  it('runs from sign-up to a handed-over workspace, each step doing what it says', async () => {
    const shop = await aShop({ plan: 'pro', standalone: ['zoe@gmail.com'], acceptUrl: 'https://chat.example.com/join' });
    const { roster, ana, mailer, identity, workspaceId } = shop;

    // Ana signs up: she is the owner, an active admin, with a login in the host's identity system.
    const opened = (await roster.getWorkspace(ana))._unsafeUnwrap();
    expect(opened).toMatchObject({ name: 'Acme Support', ownerId: ana.agentId, plan: { id: 'pro', seats: 5, departments: 5 } });
    expect(identity.logins.get(ana.agentId as never)).toMatchObject({ workspaceId, email: 'ana@acme.com' });

    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const support = (await roster.createDepartment(ana, { name: 'Support' }))._unsafeUnwrap().state.department;

    const bobInvited = (await roster.inviteAgent(ana, { email: 'bob@acme.com', role: 'admin', departmentIds: [sales.id] }))._unsafeUnwrap();
    expect(bobInvited.events.map((e) => e.type)).toEqual(['InvitationSent']);
    await shop.invite('cy@acme.com', { departmentIds: [sales.id, support.id] });
    expect(mailer.sent.map((m) => m.to)).toEqual(['bob@acme.com', 'cy@acme.com']);
    expect(mailer.sent[0]?.text).toContain('https://chat.example.com/join?token=');

    const zoe = await failure(roster.inviteAgent(ana, { email: 'zoe@gmail.com' }), 'EmailAlreadyExists');
    expect(zoe).toMatchObject({ email: 'zoe@gmail.com', holder: 'standalone-account' });

    const preview = (await roster.previewInvitation({ token: shop.tokenFor('bob@acme.com') }))._unsafeUnwrap();
    expect(preview).toMatchObject({ workspaceName: 'Acme Support', inviterName: 'Ana', email: 'bob@acme.com', role: 'admin' });
    const bobJoined = (await roster.acceptInvitation({ token: shop.tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect(bobJoined.state.agent).toMatchObject({ name: 'Bob', role: 'admin', status: 'active', departmentIds: [sales.id] });
    const bob: ActorRef = { workspaceId, agentId: bobJoined.state.agent.id };
    const cyJoined = (await roster.acceptInvitation({ token: shop.tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }))._unsafeUnwrap();
    expect(cyJoined.state.agent).toMatchObject({ role: 'agent', departmentIds: [sales.id, support.id] });
    const cy: ActorRef = { workspaceId, agentId: cyJoined.state.agent.id };
    expect(identity.logins.size).toBe(3);

    // Ana, Bob, Cy and two pending invitations fill the five seats.
    await shop.invite('dee@acme.com');
    await shop.invite('eve@acme.com');
    const full = await failure(roster.inviteAgent(ana, { email: 'fay@acme.com' }), 'SeatLimitReached');
    expect(full).toMatchObject({ limit: 5, used: 5 });
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({
      used: 5,
      limit: 5,
      counts: { activeAgents: 3, inactiveAgents: 0, pendingInvitations: 2, departments: 2 },
    });

    const online = (await roster.setAvailability(cy, { agentId: cy.agentId, availability: 'online' }))._unsafeUnwrap();
    // The roster's event first, then what the routing queues Cy is in learned in the same commit.
    expect(online.events[0]).toMatchObject({ type: 'AvailabilityChanged', data: { availability: 'online', changedBy: cy.agentId } });
    expect(online.events.slice(1).map((e) => e.type)).toEqual(online.events.slice(1).map(() => 'RoutingAgentSynced'));
    expect((await roster.availabilityBoard(ana))._unsafeUnwrap().everyone.online.map((a) => a.name)).toEqual(['Cy']);
    (await roster.setAvailability(cy, { agentId: cy.agentId, availability: 'away' }))._unsafeUnwrap();

    await failure(roster.deleteAgent(bob, { agentId: ana.agentId }), 'OwnerCannotBeDeleted');

    const handedOver = (await roster.transferOwnership(ana, { toAgentId: bob.agentId }))._unsafeUnwrap();
    expect(handedOver.events).toMatchObject([{ type: 'OwnershipTransferred', data: { from: ana.agentId, to: bob.agentId } }]);
    const anaDeleted = (await roster.deleteAgent(bob, { agentId: ana.agentId }))._unsafeUnwrap();
    expect(anaDeleted.events.map((e) => e.type)).toEqual(['AgentDeleted']);
    await failure(roster.listAgents(ana), 'UnknownActor');

    const board = (await roster.availabilityBoard(bob))._unsafeUnwrap();
    expect({ online: board.everyone.online, away: board.everyone.away.map((a) => a.name).sort(), inactive: board.everyone.inactive }).toEqual({
      online: [],
      away: ['Bob', 'Cy'],
      inactive: [],
    });
    expect(mailer.sent).toHaveLength(4);
    expect((await roster.outbox(bob, 'pending'))._unsafeUnwrap()).toEqual([]);

    const events = (await roster.events(bob))._unsafeUnwrap();
    // Cy going online and away is told to the routing queues she is in, in the same commits.
    expect(events.filter((e) => !ROSTER_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual(
      expect.arrayContaining(['RoutingAgentSynced']),
    );
    expect(events.filter((e) => ROSTER_EVENT_TYPES.has(e.type)).map((e) => e.type)).toEqual([
      'WorkspaceCreated',
      'DepartmentCreated',
      'DepartmentCreated',
      'InvitationSent',
      'InvitationSent',
      'InvitationAccepted',
      'InvitationAccepted',
      'InvitationSent',
      'InvitationSent',
      'AvailabilityChanged',
      'AvailabilityChanged',
      'OwnershipTransferred',
      'AgentDeleted',
    ]);
    const state = replay(events);
    expect(checkRoster(state)).toEqual([]);
    expect(checkHistory(events)).toEqual([]);
    expect(state.workspace).toEqual((await shop.store.loadWorkspace(workspaceId))?.value);
  });
});
