/**
 * What a use case answers is what it committed: its returned `events` are exactly the events its
 * commit appended to the log, in order: the sweep's `InvitationExpired` and a deleted
 * department's closed conversations before the command's own, the routing events it caused
 * (conversations requeued, queues told of an agent's change) after them (ADR 0004). So folding
 * the answer's events explains the answer's state.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import type { ActorRef, WorkspaceEvent } from 'agent-roster';

import { aShop } from '../support/shop';

describe('the events a use case returns', () => {
  it('are the events its commit appended to the log, for every use case that writes', async () => {
    const { roster, ana, workspaceId, invite, tokenFor, join, clock } = await aShop({ plan: 'enterprise' });
    const mismatches: unknown[] = [];
    const swept = new Set<string>();
    let seen = (await roster.events(ana))._unsafeUnwrap().length;
    /** Runs a use case and compares what it returned with what reached the log. */
    const check = async <V extends { events: readonly WorkspaceEvent[] }, E extends { type: string }>(name: string, run: () => PromiseLike<Result<V, E>>) => {
      const outcome = await run();
      if (outcome.isErr()) throw new Error(`${name}: ${outcome.error.type}`);
      const log: readonly WorkspaceEvent[] = (await roster.events(ana))._unsafeUnwrap();
      const appended = log.slice(seen);
      seen = log.length;
      if (name !== 'expireLapsedInvitations' && outcome.value.events.some((e) => e.type === 'InvitationExpired')) swept.add(name);
      if (JSON.stringify(outcome.value.events) !== JSON.stringify(appended)) {
        mismatches.push({ name, returned: outcome.value.events.map((e) => e.type), committed: appended.map((e) => e.type) });
      }
    };
    const online = (actor: ActorRef) => check('setAvailability', () => roster.setAvailability(ana, { agentId: actor.agentId, availability: 'online' }));
    const route = (departmentId: string | null, conversationId: string) =>
      check('routeConversation', () => roster.routeConversation(workspaceId, { departmentId, conversationId }));

    await check('createDepartment', () => roster.createDepartment(ana, { name: 'Sales' }));
    await check('createDepartment', () => roster.createDepartment(ana, { name: 'Support' }));
    const departments = (await roster.listDepartments(ana))._unsafeUnwrap().map((d) => d.department);
    const salesId = departments.find((d) => d.name === 'Sales')!.id;
    const support = departments.find((d) => d.name === 'Support')!.id;
    await check('inviteAgent', () => roster.inviteAgent(ana, { email: 'bob@acme.com', departmentIds: [salesId] }));
    await check('acceptInvitation', () => roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: 'correct horse battery staple' }));
    const bob = { workspaceId, agentId: (await roster.listAgents(ana, { departmentId: salesId }))._unsafeUnwrap()[0]!.id } as ActorRef;
    const cy = await join('Cy', { departmentIds: [salesId, support] });
    const dee = await join('Dee');
    seen = (await roster.events(ana))._unsafeUnwrap().length;
    await online(bob);
    await online(cy);
    await online(dee);
    await check('configureRouting', () => roster.configureRouting(ana, { departmentId: salesId, capacity: 2 }));
    await route(salesId, 'conv_1');
    await route(salesId, 'conv_2');
    await route(support, 'conv_3');
    await route(null, 'conv_4');
    await check('transferConversation', () => roster.transferConversation(workspaceId, { departmentId: salesId, conversationId: 'conv_1', to: 'queue' }));
    await check('closeConversation', () => roster.closeConversation(workspaceId, { departmentId: support, conversationId: 'conv_3' }));
    await check('editAgent', () => roster.editAgent(ana, { agentId: bob.agentId, name: 'Robert' }));
    await check('changeRole', () => roster.changeRole(ana, { agentId: bob.agentId, role: 'admin' }));
    await check('assignAgentToDepartments', () => roster.assignAgentToDepartments(ana, { agentId: dee.agentId, departmentIds: [support] }));
    await check('removeAgentFromDepartment', () => roster.removeAgentFromDepartment(ana, { agentId: cy.agentId, departmentId: support }));
    await check('renameDepartment', () => roster.renameDepartment(ana, { departmentId: support, name: 'Help' }));
    await route(salesId, 'conv_5');
    await route(salesId, 'conv_6');
    await check('deactivateAgent', () => roster.deactivateAgent(ana, { agentId: cy.agentId }));
    await check('activateAgent', () => roster.activateAgent(ana, { agentId: cy.agentId }));
    await online(cy);
    await route(salesId, 'conv_7');
    await check('deleteAgent', () => roster.deleteAgent(ana, { agentId: bob.agentId }));
    await route(salesId, 'conv_8');
    await check('deleteDepartment', () => roster.deleteDepartment(ana, { departmentId: salesId }));
    await check('transferOwnership', () => roster.transferOwnership(ana, { toAgentId: dee.agentId }));
    await check('changeSettings', () => roster.changeSettings(dee, { name: 'Acme Global' }));
    const eve = await invite('eve@acme.com');
    await invite('fay@acme.com');
    seen = (await roster.events(ana))._unsafeUnwrap().length;
    await check('revokeInvitation', () => roster.revokeInvitation(dee, { invitationId: eve.id }));
    clock.advance({ days: 8 });
    // Fay's link lapsed: the sweep expires it in this commit, and the answer says so.
    await check('changePlan', () => roster.changePlan(dee, { plan: 'pro' }));
    // Each of these sweeps a link that lapsed since the last: the answers carry its expiries first.
    const lapsing = async (email: string) => {
      const invitation = await invite(email);
      seen = (await roster.events(ana))._unsafeUnwrap().length;
      clock.advance({ days: 8 });
      return invitation;
    };
    const hal = await lapsing('hal@acme.com');
    await check('resendInvitation', () => roster.resendInvitation(dee, { invitationId: hal.id }));
    clock.advance({ days: 8 });
    await check('inviteAgent', () => roster.inviteAgent(dee, { email: 'jo@acme.com' }));
    await check('deactivateAgent', () => roster.deactivateAgent(dee, { agentId: cy.agentId }));
    await lapsing('kim@acme.com');
    await check('activateAgent', () => roster.activateAgent(dee, { agentId: cy.agentId }));
    await lapsing('lee@acme.com');
    await check('editAgent', () => roster.editAgent(dee, { agentId: cy.agentId, email: 'cy@acme.org' }));
    // Mo's link lapses while Ned's is still good: Ned's accept expires Mo's in its commit.
    await invite('mo@acme.com');
    clock.advance({ days: 4 });
    await invite('ned@acme.com');
    seen = (await roster.events(ana))._unsafeUnwrap().length;
    clock.advance({ days: 4 });
    await check('acceptInvitation', () => roster.acceptInvitation({ token: tokenFor('ned@acme.com'), name: 'Ned', password: 'correct horse battery staple' }));
    const gus = await invite('gus@acme.com');
    seen = (await roster.events(ana))._unsafeUnwrap().length;
    clock.advance({ days: 8 });
    await check('expireLapsedInvitations', () => roster.expireLapsedInvitations(workspaceId));
    await check('resendInvitation', () => roster.resendInvitation(dee, { invitationId: gus.id }));
    expect(mismatches).toEqual([]);
    expect([...swept].sort()).toEqual(['acceptInvitation', 'activateAgent', 'changePlan', 'editAgent', 'inviteAgent', 'resendInvitation']);
  });
});
