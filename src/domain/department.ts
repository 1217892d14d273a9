import { err, ok, type Result } from 'neverthrow';
import { created, requireAgent, withoutDepartment, type Agent, type Now, type Removed } from './agent';
import { decided, parseInput, validationFailed, type Decision } from './command';
import type {
  AgentNotFound,
  DepartmentLimitReached,
  DepartmentNameTaken,
  DepartmentNotFound,
  PermissionDenied,
  ValidationFailed,
} from './errors';
import * as fail from './failures';
import { event, type DepartmentCreated, type RosterEvent } from './events';
import type { DepartmentId, WorkspaceId } from './ids';
import type { Invitation } from './invitation';
import { authorizeMember } from './access';
import { withinLimit } from './plans';
import {
  assignAgentSchema,
  createDepartmentSchema,
  MAX_DEPARTMENTS_PER_AGENT,
  departmentTargetSchema,
  removeAgentFromDepartmentSchema,
  renameDepartmentSchema,
  type AssignAgentInput,
  type CreateDepartmentInput,
  type DepartmentTargetInput,
  type RemoveAgentFromDepartmentInput,
  type RenameDepartmentInput,
} from './schemas';
import { isoTime, type IsoTime } from './time';
import { nameKey } from './values';
import { departmentsCounted, withDepartments } from './transitions';
import type { Workspace } from './workspace';

/**
 * A named group of agents that conversations are routed to. Membership lives on agents and
 * invitations (`departmentIds`); commands that rely on a department existing return it in their
 * decision, so the store's version check catches a concurrent delete.
 */
export interface Department extends Readonly<{
  kind: 'department';
  id: DepartmentId;
  workspaceId: WorkspaceId;
  name: string;
  /** Case-insensitive key that names are unique by. */
  nameKey: string;
  createdAt: IsoTime;
}> {}

/** Applies one event to a department; `null` before it was created and after it was deleted. */
export function evolveDepartment(department: Department | null, e: RosterEvent): Department | null {
  switch (e.type) {
    case 'DepartmentCreated':
      return created<Department>(department, createdBy(e));
    case 'DepartmentRenamed':
      return department && department.id === e.data.departmentId ? named(department, e.data.to) : department;
    case 'DepartmentDeleted':
      return department && department.id === e.data.departmentId ? null : department;
    default:
      return department;
  }
}

/**
 * The department a `DepartmentCreated` creates. Its own function, like {@link named}, so that a
 * command makes its one transition without carrying the whole of `evolveDepartment` (and of
 * `evolveWorkspace`) into a bundle: transitions.ts says why. The fold calls the same functions.
 */
function createdBy(e: DepartmentCreated): Department {
  return {
    kind: 'department',
    id: e.data.departmentId,
    workspaceId: e.workspaceId,
    name: e.data.name,
    nameKey: nameKey(e.data.name),
    createdAt: e.occurredAt,
  };
}

/** The department under a new name. */
function named(department: Department, name: string): Department {
  return { ...department, name, nameKey: nameKey(name) };
}

/** The named departments, each required to exist in this workspace. */
export function requireDepartments(
  workspace: Workspace,
  available: readonly Department[],
  ids: readonly DepartmentId[],
): Result<readonly Department[], DepartmentNotFound> {
  const found: Department[] = [];
  for (const id of ids) {
    const department = available.find((d) => d.id === id && d.workspaceId === workspace.id);
    if (!department) return err(fail.departmentNotFound(id));
    found.push(department);
  }
  return ok(found);
}

/** The named departments that still exist; the ones deleted meanwhile are dropped. */
export function existingDepartments(
  workspace: Workspace,
  available: readonly Department[],
  ids: readonly DepartmentId[],
): readonly Department[] {
  // A loop, not flatMap/filter/slice: accepting an invitation runs this on every call.
  const found: Department[] = [];
  for (const id of ids) {
    for (const d of available) {
      if (d.id === id && d.workspaceId === workspace.id) {
        found.push(d);
        break;
      }
    }
  }
  return found;
}

function requireDepartment(
  workspace: Workspace,
  department: Department | null | undefined,
  departmentId: DepartmentId,
): Result<Department, DepartmentNotFound> {
  return department && department.id === departmentId && department.workspaceId === workspace.id
    ? ok(department)
    : err(fail.departmentNotFound(departmentId));
}

/**
 * What every department command starts from: the workspace as stored and the agent acting on
 * it, whose role the command checks (departments are an admin's business).
 *
 * @example createDepartment({ workspace, actor }, { name: 'Sales' }, { now, departmentId: departmentIdSchema.parse('dep_1'), nameTaken: false })
 */
export type AdminState = Readonly<{ workspace: Workspace; actor: Agent }>;
/**
 * Whether another department of the workspace already has the name's key: look it up with
 * `nameKey` of the name as the schema parses it (trimmed, NFC), e.g. `nameKey(departmentNameSchema.parse(raw))`.
 */
type NameFacts = Readonly<{ nameTaken: boolean }>;

/** Errors of {@link createDepartment}. */
export type CreateDepartmentError = ValidationFailed | PermissionDenied | DepartmentNameTaken | DepartmentLimitReached;

/**
 * Creates a department; refused beyond the plan's department limit.
 *
 * @example createDepartment({ workspace, actor }, { name: 'Sales' }, { now, departmentId: departmentIdSchema.parse('dep_1'), nameTaken: false })
 */
export function createDepartment(
  state: AdminState,
  input: CreateDepartmentInput,
  context: Now & NameFacts & Readonly<{ departmentId: DepartmentId }>,
): Result<Decision<{ workspace: Workspace; department: Department }>, CreateDepartmentError> {
  const { workspace, actor } = state;
  return parseInput(createDepartmentSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageDepartments', workspace))
    .andThen((i) => {
      if (context.nameTaken) return err(fail.departmentNameTaken(i.name));
      const used = workspace.counts.departments;
      const limit = workspace.plan.departments;
      if (!withinLimit(used + 1, limit)) return err(fail.departmentLimitReached({ limit: limit ?? used, used }));
      const made = event('DepartmentCreated', workspace.id, isoTime(context.now), { departmentId: context.departmentId, name: i.name });
      return ok(decided({ workspace: departmentsCounted(workspace, 1), department: createdBy(made) }, [made]));
    });
}

/** Errors of {@link renameDepartment}. */
export type RenameDepartmentError = ValidationFailed | PermissionDenied | DepartmentNotFound | DepartmentNameTaken;

/**
 * Renames a department. A change of case alone is always allowed.
 *
 * @example renameDepartment({ workspace, actor, department }, { departmentId: department.id, name: 'Sales EU' }, { now, nameTaken: false })
 */
export function renameDepartment(
  state: AdminState & Readonly<{ department: Department | null | undefined }>,
  input: RenameDepartmentInput,
  context: Now & NameFacts,
): Result<Decision<{ department: Department }>, RenameDepartmentError> {
  const { workspace, actor } = state;
  return parseInput(renameDepartmentSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageDepartments', workspace))
    .andThen((i) => requireDepartment(workspace, state.department, i.departmentId).map((department) => ({ i, department })))
    .andThen(({ i, department }) => {
      if (i.name === department.name) return ok(decided({ department }, []));
      if (nameKey(i.name) !== department.nameKey && context.nameTaken) return err(fail.departmentNameTaken(i.name));
      const events = [
        event('DepartmentRenamed', workspace.id, isoTime(context.now), { departmentId: department.id, from: department.name, to: i.name }),
      ];
      return ok(decided({ department: named(department, i.name) }, events));
    });
}

/** Errors of {@link deleteDepartment}. */
export type DeleteDepartmentError = ValidationFailed | PermissionDenied | DepartmentNotFound;

/**
 * Deletes a department and removes it from every agent and pending invitation in it. The caller
 * passes those members (its store's index answers "who is in this department").
 *
 * @example deleteDepartment({ workspace, actor, department, members, invitations }, { departmentId: department.id }, { now })
 */
export function deleteDepartment(
  state: AdminState &
    Readonly<{
      department: Department | null | undefined;
      members: readonly Agent[];
      invitations: readonly Invitation[];
    }>,
  input: DepartmentTargetInput,
  context: Now,
): Result<
  Decision<{
    workspace: Workspace;
    department: Removed<'department', DepartmentId>;
    members: readonly Agent[];
    invitations: readonly Invitation[];
  }>,
  DeleteDepartmentError
> {
  const { workspace, actor } = state;
  return parseInput(departmentTargetSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageDepartments', workspace))
    .andThen((i) => requireDepartment(workspace, state.department, i.departmentId))
    .map((department) => {
      const members = state.members.filter((a) => a.workspaceId === workspace.id && a.departmentIds.includes(department.id));
      const invitations = state.invitations.filter(
        (inv) => inv.workspaceId === workspace.id && inv.status === 'pending' && inv.departmentIds.includes(department.id),
      );
      const events = [
        event('DepartmentDeleted', workspace.id, isoTime(context.now), {
          departmentId: department.id,
          agentIds: members.map((a) => a.id),
          invitationIds: invitations.map((inv) => inv.id),
        }),
      ];
      return decided(
        {
          workspace: departmentsCounted(workspace, -1),
          department: { kind: 'department', id: department.id, removed: true } as const,
          members: members.map((a) => withoutDepartment(a, department.id)),
          invitations: invitations.map((inv) => withoutDepartment(inv, department.id)),
        },
        events,
      );
    });
}

/** Errors of {@link assignAgentToDepartments}. */
export type AssignAgentError = ValidationFailed | PermissionDenied | AgentNotFound | DepartmentNotFound;

/**
 * Adds an agent to departments; departments it is already in are left as they are. An agent is in
 * at most {@link MAX_DEPARTMENTS_PER_AGENT} departments, as many as one invitation or one call can
 * name: more is `ValidationFailed` at `departmentIds`.
 *
 * @example assignAgentToDepartments({ workspace, actor, agent, departments: [sales] }, { agentId: agent.id, departmentIds: [sales.id] }, { now })
 */
export function assignAgentToDepartments(
  state: AdminState & Readonly<{ agent: Agent | null | undefined; departments: readonly Department[] }>,
  input: AssignAgentInput,
  context: Now,
): Result<Decision<{ agent: Agent; departments: readonly Department[] }>, AssignAgentError> {
  const { workspace, actor } = state;
  return parseInput(assignAgentSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageDepartments', workspace))
    .andThen((i) => requireAgent(workspace, state.agent, i.agentId).map((agent) => ({ i, agent })))
    .andThen(({ i, agent }) => requireDepartments(workspace, state.departments, i.departmentIds).map((departments) => ({ agent, departments })))
    .andThen(({ agent, departments }) => {
      const added = departments.map((d) => d.id).filter((id) => !agent.departmentIds.includes(id));
      if (added.length === 0) return ok(decided({ agent, departments }, []));
      const total = agent.departmentIds.length + added.length;
      if (total > MAX_DEPARTMENTS_PER_AGENT) {
        return err(validationFailed([{ path: 'departmentIds', message: `would put the agent in ${total} departments; an agent can be in at most ${MAX_DEPARTMENTS_PER_AGENT}` }]));
      }
      const events = [event('AgentAssignedToDepartments', workspace.id, isoTime(context.now), { agentId: agent.id, departmentIds: added })];
      return ok(decided({ agent: withDepartments(agent, added), departments }, events));
    });
}

/** Errors of {@link removeAgentFromDepartment}. */
export type RemoveAgentFromDepartmentError = ValidationFailed | PermissionDenied | AgentNotFound | DepartmentNotFound;

/**
 * Takes an agent out of one department. Removing an agent that is not in it changes nothing.
 *
 * @example removeAgentFromDepartment({ workspace, actor, agent, department }, { agentId: agent.id, departmentId: department.id }, { now })
 */
export function removeAgentFromDepartment(
  state: AdminState & Readonly<{ agent: Agent | null | undefined; department: Department | null | undefined }>,
  input: RemoveAgentFromDepartmentInput,
  context: Now,
): Result<Decision<{ agent: Agent; department: Department }>, RemoveAgentFromDepartmentError> {
  const { workspace, actor } = state;
  return parseInput(removeAgentFromDepartmentSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageDepartments', workspace))
    .andThen((i) => requireAgent(workspace, state.agent, i.agentId).map((agent) => ({ i, agent })))
    .andThen(({ i, agent }) => requireDepartment(workspace, state.department, i.departmentId).map((department) => ({ agent, department })))
    .map(({ agent, department }) => {
      if (!agent.departmentIds.includes(department.id)) return decided({ agent, department }, []);
      const events = [
        event('AgentRemovedFromDepartment', workspace.id, isoTime(context.now), { agentId: agent.id, departmentId: department.id }),
      ];
      return decided({ agent: withoutDepartment(agent, department.id), department }, events);
    });
}
