/**
 * State changes that more than one aggregate module makes, one small function each, shared by the
 * `evolve` folds and by the commands that make that change.
 *
 * Why commands do not simply fold their events through `evolveWorkspace` / `evolveAgent`: a
 * bundle that imports one command would then carry every transition of every event (each evolve
 * is one `switch`, and a bundler keeps a function whole). A command that calls the one transition
 * it makes ships only that. Events and state still cannot disagree: the evolve folds call these
 * same functions, and test/domain/replay.test.ts checks for every command that its decision's
 * state equals the fold of its events.
 *
 * Internal: not re-exported from the package (src/domain/index.ts does not list this module).
 *
 * @module
 */
import type { Agent, Role } from './agent';
import type { AgentId, DepartmentId, WorkspaceId } from './ids';
import type { IsoTime } from './time';
import type { Email } from './values';
import type { Workspace, WorkspaceCounts } from './workspace';

/**
 * The workspace with its counters moved by the given deltas. A module-level function rather than
 * a closure inside `evolveWorkspace`: a closure would be allocated (and, under tsx/esbuild's
 * `keepNames`, named with `Object.defineProperty`) on every event folded. A loop over the deltas
 * given rather than the four counters written out: ~35 B less in every bundle that moves a counter,
 * for ~25 ns a call.
 */
export function counted(workspace: Workspace, delta: Partial<WorkspaceCounts>): Workspace {
  const counts = { ...workspace.counts };
  for (const key in delta) counts[key as keyof WorkspaceCounts] += delta[key as keyof WorkspaceCounts]!;
  return { ...workspace, counts };
}

/** The fields of an agent's profile, in the order events and messages list them: what `editAgent` changes. */
export const PROFILE = ['name', 'email', 'description'] as const;

/** A new agent: the owner of a new workspace, or an invitation accepted. Active, away, no description. */
export function joined(
  workspaceId: WorkspaceId,
  joinedAt: IsoTime,
  d: Readonly<{ agentId: AgentId; email: Email; name: string; role: Role; departmentIds: readonly DepartmentId[] }>,
): Agent {
  return {
    kind: 'agent',
    id: d.agentId,
    workspaceId,
    email: d.email,
    name: d.name,
    description: '',
    role: d.role,
    status: 'active',
    availability: 'away',
    departmentIds: d.departmentIds,
    joinedAt,
  };
}

/** The agent with another role (a role change, or either side of an ownership transfer). */
export function withRole(agent: Agent, role: Role): Agent {
  return { ...agent, role };
}

/** The agent in these departments too; the ones it is in already are not repeated. */
export function withDepartments(agent: Agent, departmentIds: readonly DepartmentId[]): Agent {
  return { ...agent, departmentIds: [...agent.departmentIds, ...departmentIds.filter((d) => !agent.departmentIds.includes(d))] };
}
