import { describe, expect, it } from 'vitest';
import { checkRoster, deleteAgent, event, isoTime, transferOwnership, type Agent, type RosterState } from 'agent-roster';
import { anAgent, anEmail, ids, rosterOf, rosterView, T0, type RosterSpec } from '../../src/testing/mothers';
import { deepFreeze, given } from '../../src/testing/scenario';

const shopId = ids.workspace('shop');
const at = isoTime(T0);
const ana = ids.agent('ana');
const bob = ids.agent('bob');

/** Ana owns the workspace; Bob is an agent, Cy an admin; Dee is invited. */
const shop = (spec: RosterSpec = {}) =>
  rosterOf({ agents: [{ name: 'Bob' }, { name: 'Cy', role: 'admin' }], invitations: [{ email: 'dee@shop.com' }], ...spec });

/** `actor` hands the workspace to `newOwner` (a name, or an agent object from elsewhere). */
const transfer = (state: RosterState, actor: string, newOwner: string | Agent | null, formerOwnerRole?: 'admin' | 'agent') => {
  const roster = rosterView(state);
  const target = typeof newOwner === 'string' ? roster.agent(newOwner) : newOwner;
  return transferOwnership(
    { workspace: roster.workspace, actor: roster.agent(actor), newOwner: target },
    { toAgentId: target?.id ?? 'agt_dee', ...(formerOwnerRole ? { formerOwnerRole } : {}) },
    { now: T0 },
  );
};

describe('transferring ownership', () => {
  it('hands the workspace to another agent, promoted to admin; the former owner stays an admin', () => {
    given(shop().events)
      .when((s) => transfer(s, 'Ana', 'Bob'))
      .then([event('OwnershipTransferred', shopId, at, { from: ana, to: bob, formerOwnerRole: 'admin' })])
      .thenState((state) => {
        const roster = rosterView(state);
        expect(roster.workspace.ownerId).toBe('agt_bob');
        expect(roster.agent('Bob').role).toBe('admin');
        expect(roster.agent('Ana').role).toBe('admin');
        expect(roster.agents.filter((a) => a.id === roster.workspace.ownerId)).toHaveLength(1);
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('can leave the former owner an agent, if the transfer asks for that', () => {
    given(shop().events)
      .when((s) => transfer(s, 'Ana', 'Cy', 'agent'))
      .then([event('OwnershipTransferred', shopId, at, { from: ana, to: ids.agent('cy'), formerOwnerRole: 'agent' })])
      .thenState((state) => {
        expect(rosterView(state).agent('Ana').role).toBe('agent');
        expect(rosterView(state).agent('Cy').role).toBe('admin');
        expect(checkRoster(state)).toEqual([]);
      });
  });

  it('keeps seats and counts as they were', () => {
    const before = shop();
    given(before.events)
      .when((s) => transfer(s, 'Ana', 'Bob'))
      .thenState((state) => expect(rosterView(state).workspace.counts).toEqual(before.workspace.counts));
  });

  it('lets the former owner be deleted like anyone else afterwards', () => {
    const start = shop();
    const deleteAna = (s: RosterState, actor: string) => {
      const roster = rosterView(s);
      return deleteAgent({ workspace: roster.workspace, actor: roster.agent(actor), agent: roster.agent('Ana') }, { agentId: 'agt_ana' }, { now: T0 });
    };
    given(start.events).when((s) => deleteAna(s, 'Cy')).thenFails('OwnerCannotBeDeleted', { agentId: ana });

    const transferred = given(start.events).when((s) => transfer(s, 'Ana', 'Bob')).thenState(() => true);
    given([...start.events, ...transferred.events])
      .when((s) => deleteAna(s, 'Bob'))
      .then([event('AgentDeleted', shopId, at, { agentId: ana, email: anEmail('ana@shop.com'), status: 'active', deletedBy: bob })])
      .thenState((state) => expect(checkRoster(state)).toEqual([]));
  });

  it('is for the owner only: the former owner, and any other admin, are refused', () => {
    const start = shop();
    given(start.events)
      .when((s) => transfer(s, 'Cy', 'Bob'))
      .thenFails('PermissionDenied', { capability: 'transferOwnership', reason: 'not-owner', actorId: ids.agent('cy') });
    given(start.events).when((s) => transfer(s, 'Bob', 'Cy')).thenFails('PermissionDenied', { reason: 'not-owner', actorId: bob });

    const transferred = given(start.events).when((s) => transfer(s, 'Ana', 'Bob')).thenState(() => true);
    given([...start.events, ...transferred.events]).when((s) => transfer(s, 'Ana', 'Cy')).thenFails('PermissionDenied', { reason: 'not-owner', actorId: ana });
    given([...start.events, ...transferred.events])
      .when((s) => transfer(s, 'Bob', 'Ana'))
      .then([event('OwnershipTransferred', shopId, at, { from: bob, to: ana, formerOwnerRole: 'admin' })]);
  });

  it('is open to an inactive owner, and may go to an inactive agent', () => {
    given(shop({ owner: { status: 'inactive' }, agents: [{ name: 'Bob', status: 'inactive' }] }).events)
      .when((s) => transfer(s, 'Ana', 'Bob'))
      .then([event('OwnershipTransferred', shopId, at, { from: ana, to: bob, formerOwnerRole: 'admin' })])
      .thenState((state) => expect(rosterView(state).owner).toMatchObject({ id: 'agt_bob', role: 'admin', status: 'inactive' }));
  });

  it('refuses a transfer to the owner itself', () => {
    given(shop().events).when((s) => transfer(s, 'Ana', 'Ana')).thenFails('AlreadyOwner', { agentId: ana });
  });

  it('goes only to an agent of this workspace: not a pending invitation, not an agent elsewhere', () => {
    // Dee is invited but has not accepted: there is no agent to hand the workspace to.
    given(shop().events).when((s) => transfer(s, 'Ana', null)).thenFails('AgentNotFound', { agentId: ids.agent('dee') });
    const foreignBob = deepFreeze(anAgent({ name: 'Bob', role: 'admin', workspaceId: 'ws_other' }));
    given(shop().events).when((s) => transfer(s, 'Ana', foreignBob)).thenFails('AgentNotFound', { agentId: bob });
  });

  it('refuses an owner of another workspace', () => {
    const stranger = deepFreeze(rosterView(rosterOf({ workspaceId: 'ws_other', owner: { name: 'Olga' } }).state).owner);
    given(shop().events)
      .when((s) => {
        const roster = rosterView(s);
        return transferOwnership({ workspace: roster.workspace, actor: stranger, newOwner: roster.agent('Bob') }, { toAgentId: 'agt_bob' }, { now: T0 });
      })
      .thenFails('PermissionDenied', { reason: 'not-a-member' });
  });

  it('refuses a malformed input', () => {
    const error = given(shop().events)
      .when((s) => {
        const roster = rosterView(s);
        return transferOwnership(
          { workspace: roster.workspace, actor: roster.owner, newOwner: roster.agent('Bob') },
          { toAgentId: 'inv_dee', formerOwnerRole: 'owner' } as never,
          { now: T0 },
        );
      })
      .thenFails('ValidationFailed');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['formerOwnerRole', 'toAgentId']);
  });
});
