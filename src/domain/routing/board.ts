import type { Agent } from '../agent';
import type { AgentId, DepartmentId } from '../ids';
import type { RosterState } from '../roster';
import { compareCodePoints } from '../text-order';
import { memberOf, type RoutingState } from './state';

/** One agent on the availability board. */
export type BoardAgent = Readonly<{
  agentId: AgentId;
  name: string;
  /** Open conversations in this row's queue (for agents without a department: in all queues given). */
  openConversations: number;
}>;

/** One row of the board: a department, or the workspace-wide queue (`departmentId: null`). */
export type DepartmentAvailability = Readonly<{
  departmentId: DepartmentId | null;
  /** The department's name; `null` for the workspace-wide queue. */
  name: string | null;
  online: readonly BoardAgent[];
  away: readonly BoardAgent[];
  inactive: readonly BoardAgent[];
  /** Conversations waiting in this row's queue (0 when no queue state was given for it). */
  waiting: number;
}>;

/**
 * What an admin sees at a glance: for each department, who is online, away or inactive and how
 * many conversations each has open there, plus the agents in no department (they receive no
 * routed conversations, which is usually worth fixing).
 */
export type AvailabilityBoard = Readonly<{
  departments: readonly DepartmentAvailability[];
  withoutDepartment: readonly BoardAgent[];
}>;

/**
 * Builds the availability board from the roster and the queues' routing states. Departments are
 * listed by name key and agents by lower-cased name, each compared code point by code point (as
 * every store's `listDepartments` lists departments), then by id; a workspace-wide queue
 * (`departmentId: null`), when given, gets a last row of its own. Queues of other workspaces are
 * ignored.
 *
 * Cost: O(agents × their departments + queues), plus sorting.
 *
 * @example
 * const board = availabilityBoard(replay(history), [salesQueue, supportQueue])
 * board.departments[0] // { departmentId: 'dep_sales', name: 'Sales', online: [{ agentId: 'agt_ana', name: 'Ana', openConversations: 2 }], away: [], inactive: [], waiting: 0 }
 */
export function availabilityBoard(roster: RosterState, queues: readonly RoutingState[] = []): AvailabilityBoard {
  const workspaceId = roster.workspace?.id;
  const queueOf = new Map<string | null, RoutingState>();
  for (const q of queues) if (workspaceId === undefined || q.workspaceId === workspaceId) queueOf.set(q.departmentId, q);

  type Row = { departmentId: DepartmentId | null; name: string | null; sortKey: string; online: BoardAgent[]; away: BoardAgent[]; inactive: BoardAgent[] };
  const rows = new Map<string | null, Row>();
  for (const d of Object.values(roster.departments)) {
    rows.set(d.id, { departmentId: d.id, name: d.name, sortKey: d.nameKey, online: [], away: [], inactive: [] });
  }
  const workspaceWide: Row | undefined = queueOf.has(null)
    ? { departmentId: null, name: null, sortKey: '', online: [], away: [], inactive: [] }
    : undefined;

  const openIn = (queue: RoutingState | undefined, agentId: AgentId) =>
    (queue && memberOf(queue, agentId)?.conversationIds.length) ?? 0;
  const place = (row: Row, agent: Agent) => {
    const entry = { agentId: agent.id, name: agent.name, openConversations: openIn(queueOf.get(row.departmentId), agent.id) };
    (agent.status === 'inactive' ? row.inactive : agent.availability === 'online' ? row.online : row.away).push(entry);
  };

  const withoutDepartment: BoardAgent[] = [];
  for (const agent of Object.values(roster.agents)) {
    const own = agent.departmentIds.flatMap((d) => rows.get(d) ?? []);
    for (const row of own) place(row, agent);
    if (own.length > 0 && workspaceWide) place(workspaceWide, agent);
    if (own.length === 0) {
      const open = [...queueOf.values()].reduce((sum, q) => sum + openIn(q, agent.id), 0);
      withoutDepartment.push({ agentId: agent.id, name: agent.name, openConversations: open });
    }
  }

  const finish = (row: Row): DepartmentAvailability => ({
    departmentId: row.departmentId,
    name: row.name,
    online: row.online.sort(byName),
    away: row.away.sort(byName),
    inactive: row.inactive.sort(byName),
    waiting: queueOf.get(row.departmentId)?.queue.length ?? 0,
  });
  const departments = [...rows.values()].sort((a, b) => compareCodePoints(a.sortKey, b.sortKey) || compare(a.departmentId ?? '', b.departmentId ?? ''));
  return {
    departments: [...departments, ...(workspaceWide ? [workspaceWide] : [])].map(finish),
    withoutDepartment: withoutDepartment.sort(byName),
  };
}

/** Ids, ASCII: code units are code points. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName(a: BoardAgent, b: BoardAgent): number {
  return compareCodePoints(a.name.toLowerCase(), b.name.toLowerCase()) || compare(a.agentId, b.agentId);
}
