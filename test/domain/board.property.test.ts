/**
 * The availability board against a straightforward reference: each row its agents filtered out of
 * the whole team, sorted on its own, each open count looked up member by member. The board sorts
 * the agents once and walks each queue's members once; on any roster the two agree to the byte.
 */
import { describe, expect, it, vi } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import type { Result } from 'neverthrow';
import { agentIdSchema, departmentIdSchema, workspaceIdSchema, type Agent, type Department, type DepartmentId, type RosterState, type Workspace } from '../../src/domain/index';
import { compareCodePoints } from '../../src/domain/text-order';
import {
  availabilityBoard,
  emptyRoutingState,
  membersOf,
  routeConversation,
  routingFactsOf,
  syncAgent,
  type AvailabilityBoard,
  type BoardAgent,
  type RoutingDecision,
  type RoutingState,
} from '../../src/domain/routing/index';

const ws = workspaceIdSchema.parse('ws_shop');
const other = workspaceIdSchema.parse('ws_other');
const ctx = { now: new Date('2026-11-23T09:00:00.000Z') };
const DEPARTMENTS = ['dep_a', 'dep_b', 'dep_c'].map((d) => departmentIdSchema.parse(d));
// In agents' departmentIds and with a queue of its own, but not in the roster (deleted meanwhile).
const GONE = departmentIdSchema.parse('dep_gone');

const unwrap = (r: Result<RoutingDecision, unknown>) => r._unsafeUnwrap().state;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function referenceBoard(roster: RosterState, queues: readonly RoutingState[]): AvailabilityBoard {
  const wsId = roster.workspace?.id;
  const queueOf = new Map<DepartmentId | null, RoutingState>();
  for (const q of queues) if (wsId === undefined || q.workspaceId === wsId) queueOf.set(q.departmentId, q);
  const open = (q: RoutingState | undefined, id: string) => (q ? (membersOf(q).find((m) => m.agentId === id)?.conversationIds.length ?? 0) : 0);
  const byName = (a: BoardAgent, b: BoardAgent) => compareCodePoints(a.name.toLowerCase(), b.name.toLowerCase()) || compare(a.agentId, b.agentId);
  const agents = Object.values(roster.agents);
  const inSome = (a: Agent) => a.departmentIds.some((d) => Object.hasOwn(roster.departments, d));
  const row = (departmentId: DepartmentId | null, name: string | null, members: Agent[]) => {
    const q = queueOf.get(departmentId);
    const list = (keep: (a: Agent) => boolean) =>
      members.filter(keep).map((a) => ({ agentId: a.id, name: a.name, openConversations: open(q, a.id) })).sort(byName);
    return {
      departmentId,
      name,
      online: list((a) => a.status === 'active' && a.availability === 'online'),
      away: list((a) => a.status === 'active' && a.availability === 'away'),
      inactive: list((a) => a.status === 'inactive'),
      waiting: q?.queue.length ?? 0,
    };
  };
  const departments = Object.values(roster.departments)
    .sort((a, b) => compareCodePoints(a.nameKey, b.nameKey) || compare(a.id, b.id))
    .map((d) => row(d.id, d.name, agents.filter((a) => a.departmentIds.includes(d.id))));
  if (queueOf.has(null)) departments.push(row(null, null, agents.filter(inSome)));
  const withoutDepartment = agents
    .filter((a) => !inSome(a))
    .map((a) => ({ agentId: a.id, name: a.name, openConversations: [...queueOf.values()].reduce((sum, q) => sum + open(q, a.id), 0) }))
    .sort(byName);
  return { departments, withoutDepartment };
}

// Names that tie once lower-cased, differ only in case, or part UTF-16 and code point order.
const name = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', 'é', 'É', 'İ', 'ß', ' ', '\uE000', '\uFF5A', '\u{1F600}'), maxLength: 4 });
const agentArb = fc.record({
  name,
  status: fc.constantFrom('active' as const, 'inactive' as const),
  online: fc.boolean(),
  departmentIds: fc.uniqueArray(fc.constantFrom(...DEPARTMENTS, GONE), { maxLength: 3 }),
});
const rosterArb = fc.record({
  agents: fc.array(agentArb, { maxLength: 25 }),
  departments: fc.subarray(DEPARTMENTS).chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.constantFrom<string>('Sales', 'sales', 'Support', '\u{1F600}', '\uE000'), { minLength: ids.length, maxLength: ids.length }))),
  // Which queues exist (null: workspace-wide), how many conversations each routes, and whether a
  // queue of another workspace comes along.
  queues: fc.subarray([null, ...DEPARTMENTS, GONE] as (DepartmentId | null)[]).chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.nat(8), { minLength: ids.length, maxLength: ids.length }))),
  foreign: fc.boolean(),
  knownWorkspace: fc.boolean(),
});

type Generated = typeof rosterArb extends fc.Arbitrary<infer T> ? T : never;

function build({ agents, departments: [depIds, depNames], queues: [queueIds, routed], foreign, knownWorkspace }: Generated) {
  const team: Agent[] = agents.map((a, i) => ({
    kind: 'agent',
    // Ids in no particular order against the names, so that ties on the name fall to the id.
    id: agentIdSchema.parse(`agt_${(i * 7919) % 997}_${i}`),
    workspaceId: ws,
    email: `a${i}@shop.com` as Agent['email'],
    name: a.name,
    description: '',
    role: 'agent',
    status: a.status,
    availability: a.status === 'active' && a.online ? 'online' : 'away',
    departmentIds: a.departmentIds,
    joinedAt: ctx.now.toISOString() as Agent['joinedAt'],
  }));
  const departments: Department[] = depIds.map((id, i) => ({ kind: 'department', id, workspaceId: ws, name: depNames[i]!, nameKey: depNames[i]!.toLowerCase() }) as Department);
  const roster: RosterState = {
    workspace: knownWorkspace ? ({ id: ws } as Workspace) : null,
    agents: Object.fromEntries(team.map((a) => [a.id, a])),
    invitations: {},
    departments: Object.fromEntries(departments.map((d) => [d.id, d])),
  };
  const queues = queueIds.map((d, i) => {
    let q = emptyRoutingState(ws, d);
    for (const a of team) q = unwrap(syncAgent(q, routingFactsOf(a), ctx));
    for (let c = 0; c < routed[i]!; c++) q = unwrap(routeConversation(q, { conversationId: `conv_${c}` }, ctx));
    return q;
  });
  if (foreign && queues.length > 0) queues.push({ ...queues[0]!, workspaceId: other });
  return { roster, team, departments, queues };
}

describe('the availability board', () => {
  fcTest.prop([rosterArb])('is the straightforward board, to the byte', (generated) => {
    const { roster, queues } = build(generated);
    expect(JSON.stringify(availabilityBoard(roster, queues))).toBe(JSON.stringify(referenceBoard(roster, queues)));
  });

  fcTest.prop([rosterArb])('reads the agents and departments as lists as it reads them as records', (generated) => {
    const { roster, team, departments, queues } = build(generated);
    expect(availabilityBoard({ workspace: roster.workspace, agents: team, departments }, queues)).toEqual(availabilityBoard(roster, queues));
  });

  fcTest.prop([rosterArb])("of one department's members, itself and its queue, is that department's row of the whole board", (generated) => {
    const { roster, team, departments, queues } = build(generated);
    const whole = availabilityBoard(roster, queues);
    for (const d of departments) {
      // As the roster's use case reads it: the department's listing, the department, its queue.
      const members = team.filter((a) => a.departmentIds.includes(d.id));
      const one = availabilityBoard({ workspace: roster.workspace, agents: members, departments: [d] }, queues.filter((q) => q.departmentId === d.id));
      expect(one).toEqual({ departments: whole.departments.filter((r) => r.departmentId === d.id), withoutDepartment: [] });
    }
  });

  it('lower-cases each name once, not at every comparison of a sort', () => {
    const { roster, queues } = build({
      agents: Array.from({ length: 200 }, (_, i) => ({ name: `Agent ${(i * 37) % 200}`, status: 'active' as const, online: i % 2 === 0, departmentIds: [DEPARTMENTS[i % 3]!] })),
      departments: [DEPARTMENTS, ['Sales', 'Support', 'Billing']],
      queues: [[null, ...DEPARTMENTS], [3, 3, 3, 3]],
      foreign: false,
      knownWorkspace: true,
    });
    const lower = vi.spyOn(String.prototype, 'toLowerCase');
    try {
      availabilityBoard(roster, queues);
      expect(lower.mock.calls.length).toBeLessThanOrEqual(200);
    } finally {
      lower.mockRestore();
    }
  });
});
