/**
 * What the library hands out goes back in as it is. `Agent.departmentIds` and
 * `Invitation.departmentIds` are read-only lists; the inputs that take department ids took
 * mutable ones (`string[]`), so passing an agent's own list back failed to compile (TS4104) though
 * it ran. `npm run typecheck` compiles this file: each call below failed to compile before.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  assignAgentToDepartments,
  inviteAgent,
  syncAgent,
  type Decision,
  type Invitation,
  type InviteAgentError,
  type SyncAgentInput,
  type UseCase,
  type WorkspaceEvent,
} from 'agent-roster';
import { aShop } from '../support/shop';

describe('inputs take the read-only lists the library hands out', () => {
  it('through the roster: an invitation to the departments an agent is in, and an agent put back in them', async () => {
    const { roster, ana, join } = await aShop();
    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const bob = await join('Bob');
    const inSales = (await roster.assignAgentToDepartments(ana, { agentId: bob.agentId, departmentIds: Object.freeze([sales.id]) }))._unsafeUnwrap();
    const { departmentIds } = inSales.state.agent;
    const invited = (await roster.inviteAgent(ana, { email: 'dee@acme.com', departmentIds }))._unsafeUnwrap();
    expect(invited.state.invitation.departmentIds).toEqual([sales.id]);
    const again = await roster.assignAgentToDepartments(ana, { agentId: bob.agentId, departmentIds: invited.state.invitation.departmentIds });
    expect(again.isOk()).toBe(true);
  });

  it('in the types of the pure commands and routing facts', () => {
    const ids = ['dep_sales'] as const;
    expectTypeOf<{ email: string; departmentIds: typeof ids }>().toMatchTypeOf<Parameters<typeof inviteAgent>[1]>();
    expectTypeOf<{ agentId: string; departmentIds: readonly string[] }>().toMatchTypeOf<Parameters<typeof assignAgentToDepartments>[1]>();
    expectTypeOf<{ agentId: string; departmentIds: readonly string[] }>().toMatchTypeOf<SyncAgentInput>();
    expectTypeOf(syncAgent).parameter(1).toEqualTypeOf<SyncAgentInput>();
  });
});

describe('UseCase', () => {
  it('holds what a use case answers: its decision with routing events, and every error it may meet', async () => {
    const { roster, ana } = await aShop();
    const invited: UseCase<{ invitation: Invitation }, InviteAgentError> = roster.inviteAgent(ana, { email: 'eve@acme.com' });
    expect((await invited).isOk()).toBe(true);
    expectTypeOf<Decision<{ agent: unknown }, WorkspaceEvent>['events']>().toEqualTypeOf<readonly WorkspaceEvent[]>();
  });
});
