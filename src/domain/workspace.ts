import { err, ok, type Result } from 'neverthrow';
import { decided, parseInput, type Decision } from './command';
import type {
  PermissionDenied,
  PlanLimitsExceeded,
  PlanNotFound,
  SeatLimitReached,
  ValidationFailed,
} from './errors';
import * as fail from './failures';
import { event, type RosterEvent, type WorkspaceCreated, type WorkspaceSettingsChanged } from './events';
import type { AgentId, WorkspaceId } from './ids';
import { authorizeMember } from './access';
import {
  DEFAULT_SEAT_POLICY,
  PLANS,
  resolvePlan,
  withinLimit,
  type Plan,
  type PlanCatalog,
  type SeatPolicy,
} from './plans';
import {
  changePlanSchema,
  changeSettingsSchema,
  createWorkspaceSchema,
  type ChangePlanInput,
  type ChangeSettingsInput,
  type CreateWorkspaceInput,
} from './schemas';
import { isoTime, type IsoTime } from './time';
import { created, type Agent, type Now } from './agent';
import { agentRemoved, departmentsCounted, invitationAccepted, invitationOpened, invitationsClosed, joined, ownedBy, statusChanged, withPlan } from './transitions';
import { seatsFor, seatsUsed } from './seats';

/**
 * Counters that plan limits need, kept on the workspace so that no command counts agents.
 * `pendingInvitations` counts invitations in status `pending`, including ones past their expiry
 * that nobody has expired yet; see `expireInvitations`.
 */
export type WorkspaceCounts = Readonly<{
  activeAgents: number;
  inactiveAgents: number;
  pendingInvitations: number;
  departments: number;
}>;

/** One company's account. */
export interface Workspace extends Readonly<{
  kind: 'workspace';
  id: WorkspaceId;
  name: string;
  ownerId: AgentId;
  plan: Plan;
  seatPolicy: SeatPolicy;
  invitationTtlHours: number;
  counts: WorkspaceCounts;
  createdAt: IsoTime;
}> {}

/** Default life of an invitation link: 7 days. */
export const DEFAULT_INVITATION_TTL_HOURS = 7 * 24;

/** Applies one event to a workspace; `null` before `WorkspaceCreated`. */
export function evolveWorkspace(workspace: Workspace, e: RosterEvent): Workspace;
export function evolveWorkspace(workspace: Workspace | null, e: RosterEvent): Workspace | null;
export function evolveWorkspace(workspace: Workspace | null, e: RosterEvent): Workspace | null {
  if (e.type === 'WorkspaceCreated') return created<Workspace>(workspace, openedBy(e));
  if (workspace === null) return null;
  switch (e.type) {
    case 'PlanChanged':
      return withPlan(workspace, e.data.to);
    case 'WorkspaceSettingsChanged':
      return withSettings(workspace, e.data);
    case 'InvitationSent':
      return invitationOpened(workspace);
    case 'InvitationResent':
      return e.data.revived ? invitationOpened(workspace) : workspace;
    case 'InvitationRevoked':
    case 'InvitationExpired':
      return invitationsClosed(workspace, 1);
    case 'InvitationAccepted':
      return invitationAccepted(workspace);
    case 'AgentActivated':
      return statusChanged(workspace, 'active');
    case 'AgentDeactivated':
      return statusChanged(workspace, 'inactive');
    case 'AgentDeleted':
      return agentRemoved(workspace, e.data.status);
    case 'OwnershipTransferred':
      return ownedBy(workspace, e.data.to);
    case 'DepartmentCreated':
      return departmentsCounted(workspace, 1);
    case 'DepartmentDeleted':
      return departmentsCounted(workspace, -1);
    default:
      return workspace;
  }
}

/** The workspace a `WorkspaceCreated` opens: its owner is its one active agent. */
function openedBy(e: WorkspaceCreated): Workspace {
  return {
    kind: 'workspace',
    id: e.workspaceId,
    name: e.data.name,
    ownerId: e.data.owner.agentId,
    plan: e.data.plan,
    seatPolicy: e.data.seatPolicy,
    invitationTtlHours: e.data.invitationTtlHours,
    counts: { activeAgents: 1, inactiveAgents: 0, pendingInvitations: 0, departments: 0 },
    createdAt: e.occurredAt,
  };
}

/** The workspace with the settings a `WorkspaceSettingsChanged` carries; absent ones stay. */
function withSettings(workspace: Workspace, d: WorkspaceSettingsChanged['data']): Workspace {
  return {
    ...workspace,
    ...(d.name === undefined ? {} : { name: d.name }),
    ...(d.seatPolicy === undefined ? {} : { seatPolicy: d.seatPolicy }),
    ...(d.invitationTtlHours === undefined ? {} : { invitationTtlHours: d.invitationTtlHours }),
  };
}

/** Seats in use and the plan's limit. */
export type SeatUsage = Readonly<{ used: number; limit: number | null }>;

/**
 * Seats in use under the workspace's seat policy.
 *
 * @example seatUsage(workspace) // { used: 4, limit: 5 }
 */
export function seatUsage(workspace: Pick<Workspace, 'counts' | 'seatPolicy' | 'plan'>): SeatUsage {
  return { used: seatsUsed(workspace), limit: workspace.plan.seats };
}

/**
 * Refuses a change that takes seats beyond the plan. A change that takes no new seat always
 * passes, so freeing seats works even on a workspace that is over its plan.
 */
export function requireSeats(before: Workspace, after: Workspace): Result<void, SeatLimitReached> {
  return seatsFor(before, after, fail.seatLimitReached);
}

/** Errors of {@link createWorkspace}. */
export type CreateWorkspaceError = ValidationFailed | PlanNotFound;

/**
 * Opens a workspace with its owner, who is its first agent: an active admin.
 *
 * @example
 * createWorkspace(
 *   { name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana' } },
 *   { now, workspaceId: workspaceIdSchema.parse('ws_1'), ownerId: agentIdSchema.parse('agt_1') },
 * )
 */
export function createWorkspace(
  input: CreateWorkspaceInput,
  context: Now & { workspaceId: WorkspaceId; ownerId: AgentId; plans?: PlanCatalog | undefined },
): Result<Decision<{ workspace: Workspace; owner: Agent }>, CreateWorkspaceError> {
  return parseInput(createWorkspaceSchema, input).andThen((i) => {
    const plan = resolvePlan(i.plan, context.plans ?? PLANS);
    if (plan === undefined) return err(fail.planNotFound(i.plan as string));
    const opened = event('WorkspaceCreated', context.workspaceId, isoTime(context.now), {
      name: i.name,
      plan,
      seatPolicy: mergeSeatPolicy(DEFAULT_SEAT_POLICY, i.seatPolicy),
      invitationTtlHours: i.invitationTtlHours ?? DEFAULT_INVITATION_TTL_HOURS,
      owner: { agentId: context.ownerId, ...i.owner },
    });
    // The transitions evolveWorkspace and evolveAgent make for this event, called directly so that
    // a bundle of this command does not carry the whole of both folds (transitions.ts says why).
    const owner = joined(opened.workspaceId, opened.occurredAt, { ...opened.data.owner, role: 'admin', departmentIds: [] });
    return ok({ state: { workspace: openedBy(opened), owner }, events: [opened] });
  });
}

/**
 * What a workspace command decides on: the workspace as stored and the agent acting on it.
 *
 * @example changePlan({ workspace, actor: owner }, { plan: 'enterprise' }, { now })
 */
export type WorkspaceCommandState = Readonly<{ workspace: Workspace; actor: Agent }>;

/** Errors of {@link changePlan}. */
export type ChangePlanError = ValidationFailed | PermissionDenied | PlanNotFound | PlanLimitsExceeded;

/**
 * Moves the workspace to another plan. A downgrade below current usage is refused with the
 * numbers, so the admin knows what to free.
 *
 * @example changePlan({ workspace, actor: owner }, { plan: 'enterprise' }, { now })
 */
export function changePlan(
  state: WorkspaceCommandState,
  input: ChangePlanInput,
  context: Now & { plans?: PlanCatalog | undefined },
): Result<Decision<{ workspace: Workspace }>, ChangePlanError> {
  const { workspace, actor } = state;
  return parseInput(changePlanSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageWorkspace', workspace))
    .andThen((i) => {
      const plan = resolvePlan(i.plan, context.plans ?? PLANS);
      if (plan === undefined) return err(fail.planNotFound(i.plan as string));
      const seats = seatsUsed(workspace);
      const departments = workspace.counts.departments;
      if (!withinLimit(seats, plan.seats) || !withinLimit(departments, plan.departments)) {
        return err(
          fail.planLimitsExceeded({
            planId: plan.id,
            seats: { used: seats, allowed: plan.seats },
            departments: { used: departments, allowed: plan.departments },
          }),
        );
      }
      if (samePlan(plan, workspace.plan)) return ok(decided({ workspace }, []));
      const events = [event('PlanChanged', workspace.id, isoTime(context.now), { from: workspace.plan, to: plan })];
      return ok(decided({ workspace: withPlan(workspace, plan) }, events));
    });
}

function mergeSeatPolicy(
  base: SeatPolicy,
  patch: { countInactiveAgents?: boolean | undefined; reserveSeatsForInvitations?: boolean | undefined } | undefined,
): SeatPolicy {
  return {
    countInactiveAgents: patch?.countInactiveAgents ?? base.countInactiveAgents,
    reserveSeatsForInvitations: patch?.reserveSeatsForInvitations ?? base.reserveSeatsForInvitations,
  };
}

function samePlan(a: Plan, b: Plan): boolean {
  return a.id === b.id && a.seats === b.seats && a.departments === b.departments;
}

/** Errors of {@link changeSettings}. */
export type ChangeSettingsError = ValidationFailed | PermissionDenied | SeatLimitReached;

/**
 * Renames the workspace, changes its seat policy or the life of new invitation links. A seat
 * policy that would put usage over the plan is refused.
 *
 * @example changeSettings({ workspace, actor: owner }, { seatPolicy: { countInactiveAgents: false } }, { now })
 */
export function changeSettings(
  state: WorkspaceCommandState,
  input: ChangeSettingsInput,
  context: Now,
): Result<Decision<{ workspace: Workspace }>, ChangeSettingsError> {
  const { workspace, actor } = state;
  return parseInput(changeSettingsSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageWorkspace', workspace))
    .andThen((i) => {
      const seatPolicy = mergeSeatPolicy(workspace.seatPolicy, i.seatPolicy);
      const data = {
        ...(i.name !== undefined && i.name !== workspace.name ? { name: i.name } : {}),
        ...(seatPolicy.countInactiveAgents !== workspace.seatPolicy.countInactiveAgents ||
        seatPolicy.reserveSeatsForInvitations !== workspace.seatPolicy.reserveSeatsForInvitations
          ? { seatPolicy }
          : {}),
        ...(i.invitationTtlHours !== undefined && i.invitationTtlHours !== workspace.invitationTtlHours
          ? { invitationTtlHours: i.invitationTtlHours }
          : {}),
      };
      if (Object.keys(data).length === 0) return ok(decided({ workspace }, []));
      const events = [event('WorkspaceSettingsChanged', workspace.id, isoTime(context.now), data)];
      const next = withSettings(workspace, data);
      // A policy change says what the policy needs, even when that is one seat more.
      return seatsFor(workspace, next, fail.seatsNeeded).map(() => decided({ workspace: next }, events));
    });
}
