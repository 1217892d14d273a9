/**
 * The board of one department against the whole board, on rosters grown through the use cases:
 * on any team, `availabilityBoard(actor, { departmentId })` is the department's row of the whole
 * board, nobody in `withoutDepartment`, and `everyone` the whole board's filtered to its members.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { DepartmentId } from 'agent-roster';
import { aShop, PASSWORD } from '../support/shop';

const agentArb = fc.record({
  // Names that tie once lower-cased, so that the order falls to the id.
  name: fc.constantFrom('Ann', 'ann', 'Bo', 'Émile', 'émile', 'Zoë'),
  departments: fc.subarray([0, 1, 2]),
  online: fc.boolean(),
  inactive: fc.boolean(),
});
const teamArb = fc.record({
  agents: fc.array(agentArb, { maxLength: 7 }),
  // Conversations routed to the workspace-wide queue and to each department's.
  routed: fc.tuple(fc.nat(4), fc.nat(4), fc.nat(4), fc.nat(4)),
});

describe('the availability board of one department', () => {
  fcTest.prop([teamArb], { numRuns: 30 })('is its row of the whole board, and everyone its members', async ({ agents, routed }) => {
    const { roster, ana, workspaceId, invite, tokenFor } = await aShop({ plan: 'enterprise' });
    const departments: DepartmentId[] = [];
    for (const name of ['Support', 'sales', 'Billing']) departments.push((await roster.createDepartment(ana, { name }))._unsafeUnwrap().state.department.id);
    for (const [i, a] of agents.entries()) {
      const email = `agent${i}@acme.com`;
      await invite(email, { departmentIds: a.departments.map((d) => departments[d]!) });
      const agentId = (await roster.acceptInvitation({ token: tokenFor(email), name: a.name, password: PASSWORD }))._unsafeUnwrap().state.agent.id;
      if (a.online) (await roster.setAvailability({ workspaceId, agentId }, { agentId, availability: 'online' }))._unsafeUnwrap();
      if (a.inactive) (await roster.deactivateAgent(ana, { agentId }))._unsafeUnwrap();
    }
    for (const [q, count] of routed.entries()) {
      for (let c = 0; c < count; c++) (await roster.routeConversation(workspaceId, { departmentId: q === 0 ? null : departments[q - 1]!, conversationId: `conv_${q}_${c}` }))._unsafeUnwrap();
    }

    const whole = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    for (const d of departments) {
      const of = <T extends { departmentIds: readonly string[] }>(xs: readonly T[]) => xs.filter((a) => a.departmentIds.includes(d));
      expect((await roster.availabilityBoard(ana, { departmentId: d }))._unsafeUnwrap()).toEqual({
        departments: whole.departments.filter((r) => r.departmentId === d),
        withoutDepartment: [],
        everyone: { online: of(whole.everyone.online), away: of(whole.everyone.away), inactive: of(whole.everyone.inactive) },
      });
    }
  });
});
