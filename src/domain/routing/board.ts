import type { Agent } from '../agent';
import type { Department } from '../department';
import type { AgentId, DepartmentId } from '../ids';
import type { RosterState } from '../roster';
import { compareCodePoints } from '../text-order';
import { membersOf, type RoutingState } from './state';

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
 * What the board reads of the roster: a whole {@link RosterState}, or the workspace with its agents
 * and departments as lists (as a store lists them), which spares building records of a large team
 * only for the board to list them again.
 */
export type BoardRoster = Readonly<{
  workspace: RosterState['workspace'];
  agents: RosterState['agents'] | readonly Agent[];
  departments: RosterState['departments'] | readonly Department[];
}>;

/**
 * Builds the availability board from the roster and the queues' routing states. Departments are
 * listed by name key and agents by lower-cased name, each compared code point by code point (as
 * every store's `listDepartments` lists departments), then by id; a workspace-wide queue
 * (`departmentId: null`), when given, gets a last row of its own. Queues of other workspaces are
 * ignored.
 *
 * Cost: O(agents × (log agents + their departments) + the queues' members). The agents are sorted
 * once, each name lower-cased once, and every row filled in that order, so no row is sorted on its
 * own; each queue's members are walked once for their open conversations.
 *
 * @example
 * const board = availabilityBoard(replay(history), [salesQueue, supportQueue])
 * board.departments[0] // { departmentId: 'dep_sales', name: 'Sales', online: [{ agentId: 'agt_ana', name: 'Ana', openConversations: 2 }], away: [], inactive: [], waiting: 0 }
 */
export function availabilityBoard(roster: BoardRoster, queues: readonly RoutingState[] = []): AvailabilityBoard {
  const workspaceId = roster.workspace?.id;
  // Per queue, its waiting count and the open conversations of the members that have some: one
  // walk of its members, where a lookup per agent and row hashed each id and missed the cache.
  type Queue = { waiting: number; open: Map<string, number> };
  const queueOf = new Map<string | null, Queue>();
  for (const q of queues) {
    if (workspaceId !== undefined && q.workspaceId !== workspaceId) continue;
    const open = new Map<string, number>();
    for (const m of membersOf(q)) if (m.conversationIds.length > 0) open.set(m.agentId, m.conversationIds.length);
    queueOf.set(q.departmentId, { waiting: q.queue.length, open });
  }

  type Row = { departmentId: DepartmentId | null; name: string | null; sortKey: string; queue: Queue | undefined; online: BoardAgent[]; away: BoardAgent[]; inactive: BoardAgent[] };
  const row = (departmentId: DepartmentId | null, name: string | null, sortKey: string): Row => ({ departmentId, name, sortKey, queue: queueOf.get(departmentId), online: [], away: [], inactive: [] });
  const rows = new Map<string, Row>();
  for (const d of Object.values(roster.departments)) rows.set(d.id, row(d.id, d.name, d.nameKey));
  const workspaceWide = queueOf.has(null) ? row(null, null, '') : undefined;

  const place = (row: Row, agent: Agent) =>
    (agent.status === 'inactive' ? row.inactive : agent.availability === 'online' ? row.online : row.away).push({
      agentId: agent.id,
      name: agent.name,
      openConversations: row.queue?.open.get(agent.id) ?? 0,
    });

  // Sorted once, each name lower-cased once: every row then fills in this order, sorted already.
  const agents = Object.values(roster.agents).map((agent) => ({ agent, key: agent.name.toLowerCase() }));
  agents.sort((a, b) => compareCodePoints(a.key, b.key) || compare(a.agent.id, b.agent.id));
  const withoutDepartment: BoardAgent[] = [];
  for (const { agent } of agents) {
    let placed = false;
    for (const d of agent.departmentIds) {
      const own = rows.get(d);
      if (own) {
        place(own, agent);
        placed = true;
      }
    }
    if (placed) {
      if (workspaceWide) place(workspaceWide, agent);
    } else {
      let open = 0;
      for (const q of queueOf.values()) open += q.open.get(agent.id) ?? 0;
      withoutDepartment.push({ agentId: agent.id, name: agent.name, openConversations: open });
    }
  }

  const departments = [...rows.values()].sort((a, b) => compareCodePoints(a.sortKey, b.sortKey) || compare(a.departmentId ?? '', b.departmentId ?? ''));
  if (workspaceWide) departments.push(workspaceWide);
  return {
    departments: departments.map((r) => ({
      departmentId: r.departmentId,
      name: r.name,
      online: r.online,
      away: r.away,
      inactive: r.inactive,
      waiting: r.queue?.waiting ?? 0,
    })),
    withoutDepartment,
  };
}

/** Ids, ASCII: code units are code points. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
