/**
 * Arbitraries of whole workspaces and of aggregates in valid states, built the honest way: by
 * running random commands of the pure domain from an empty roster and keeping what the rules
 * accepted. Every generated state is therefore one the library can really reach — it obeys every
 * invariant of the rules (docs/domain.md) — and it comes with the events that produced it, ready for
 * `given(workspace.events)`.
 *
 * `fast-check` is an optional peer dependency of `agent-roster/testing`.
 *
 * @module
 */
import fc from 'fast-check';
import type { Result } from 'neverthrow';
import { activateAgent, changeRole, deactivateAgent, deleteAgent, editAgent, setAvailability, type Agent, type Availability, type Role } from '../domain/agent';
import { assignAgentToDepartments, createDepartment, deleteDepartment, removeAgentFromDepartment, renameDepartment, type Department } from '../domain/department';
import type { DomainError } from '../domain/errors';
import type { RosterEvent } from '../domain/events';
import { agentIdSchema, departmentIdSchema, invitationIdSchema, workspaceIdSchema } from '../domain/ids';
import { acceptInvitation, expireInvitations, inviteAgent, resendInvitation, revokeInvitation, type Invitation } from '../domain/invitation';
import { transferOwnership } from '../domain/ownership';
import { PLANS, resolvePlan, type PlanCatalog, type SeatPolicy } from '../domain/plans';
import { initialRosterState, replay, type RosterState } from '../domain/roster';
import { changePlan, changeSettings, createWorkspace } from '../domain/workspace';
import { departmentNameArb, emailArb, personNameArb, planArb, type PlanInput } from './arbitraries';
import { aTokenHash, hoursAfter, rosterView, STRONG_PASSWORD, T0, type RosterFixture } from './mothers';

/**
 * Options of {@link workspaceArb}.
 *
 * @example workspaceArb({ plan: 'pro', seatPolicy: { reserveSeatsForInvitations: false }, maxCommands: 60 })
 */
export type WorkspaceArbOptions = Readonly<{
  /**
   * A plan, or an arbitrary of plans (default: the library's catalog ids and small custom plans
   * with room for a team, or the ids of `catalog`; with the plan changed now and then). When
   * given, the workspace stays on it: an arbitrary picks one plan per workspace, and no command
   * changes it. An arbitrary of any copy of fast-check will do: it is told by its shape.
   */
  plan?: PlanInput | fc.Arbitrary<PlanInput> | undefined;
  /** Fixes some of the seat policy; the rest is random. */
  seatPolicy?: Readonly<{ [K in keyof SeatPolicy]?: SeatPolicy[K] | undefined }> | undefined;
  /**
   * Your app's plan catalog (as `createRoster({ plans })` takes it; default the library's
   * `PLANS`): plan ids resolve against it, and without `plan` the workspace opens on, and changes
   * to, its ids only — no inline plans.
   */
  catalog?: PlanCatalog | undefined;
  /** Most random commands after opening the workspace (default 40). */
  maxCommands?: number | undefined;
  /** The workspace's id (default `ws_generated`). */
  workspaceId?: string | undefined;
}>;

/**
 * A generated workspace: its state, the events that built it, a readable view of it (owner,
 * agents, `agent('bob@…')`, `emailStatus(…)`, …) and the time its last command ran.
 *
 * @example const { state, events, owner, now } = fc.sample(workspaceArb(), 1)[0]!;
 */
export type GeneratedWorkspace = RosterFixture;

/** A random intent; `n` picks among the candidates when it runs (modulo their number). */
type Intent =
  | Readonly<{ kind: 'invite'; email: string; role: Role; departments: readonly number[] }>
  | Readonly<{ kind: 'accept'; n: number; name: string; password: string }>
  | Readonly<{ kind: 'revoke' | 'resend'; n: number }>
  | Readonly<{ kind: 'activate' | 'deactivate' | 'delete'; n: number }>
  | Readonly<{ kind: 'availability'; n: number; availability: Availability }>
  | Readonly<{ kind: 'role'; n: number; role: Role }>
  | Readonly<{ kind: 'createDepartment'; name: string }>
  | Readonly<{ kind: 'renameDepartment'; n: number; name: string }>
  | Readonly<{ kind: 'deleteDepartment'; n: number }>
  | Readonly<{ kind: 'assign'; n: number; departments: readonly number[] }>
  | Readonly<{ kind: 'transfer'; n: number; formerOwnerRole: Role }>
  | Readonly<{ kind: 'changePlan'; plan: PlanInput }>
  | Readonly<{ kind: 'edit'; n: number; name?: string; email?: string; description?: string }>
  | Readonly<{ kind: 'removeFromDepartment'; n: number; department: number }>
  | Readonly<{ kind: 'settings'; name?: string; seatPolicy?: Partial<SeatPolicy>; invitationTtlHours?: number }>
  | Readonly<{ kind: 'linksLapse' }>
  | Readonly<{ kind: 'timePasses' }>;

const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Random intents; `plans` undefined: the plan never changes; `policy`: the seat-policy flags that may change. */
function intentArb(plans: fc.Arbitrary<PlanInput> | undefined, policy: fc.Arbitrary<Partial<SeatPolicy>>): fc.Arbitrary<Intent> {
  const n = fc.nat({ max: 20 });
  const role = fc.oneof(weighted(3, fc.constant<Role>('agent')), weighted(1, fc.constant<Role>('admin')));
  const picks = fc.array(n, { maxLength: 2 });
  return fc.oneof(
    weighted(10, fc.record({ kind: fc.constant('invite' as const), email: emailArb(), role, departments: picks })),
    // The password never reaches the state, so one strong password serves every accept.
    weighted(9, fc.record({ kind: fc.constant('accept' as const), n, name: personNameArb(), password: fc.constant(STRONG_PASSWORD) })),
    weighted(1, fc.record({ kind: fc.constantFrom('revoke' as const, 'resend' as const), n })),
    weighted(2, fc.record({ kind: fc.constantFrom('activate' as const, 'deactivate' as const), n })),
    weighted(1, fc.record({ kind: fc.constant('delete' as const), n })),
    weighted(3, fc.record({ kind: fc.constant('availability' as const), n, availability: fc.constantFrom<Availability>('online', 'away') })),
    weighted(2, fc.record({ kind: fc.constant('role' as const), n, role })),
    weighted(3, fc.record({ kind: fc.constant('createDepartment' as const), name: departmentNameArb() })),
    weighted(1, fc.record({ kind: fc.constant('renameDepartment' as const), n, name: departmentNameArb() })),
    weighted(1, fc.record({ kind: fc.constant('deleteDepartment' as const), n })),
    weighted(3, fc.record({ kind: fc.constant('assign' as const), n, departments: fc.array(n, { minLength: 1, maxLength: 2 }) })),
    weighted(1, fc.record({ kind: fc.constant('transfer' as const), n, formerOwnerRole: role })),
    ...(plans === undefined ? [] : [weighted(1, fc.record({ kind: fc.constant('changePlan' as const), plan: plans }))]),
    weighted(1, fc.constant({ kind: 'linksLapse' as const })),
    // Time passes and no sweep runs: the links lapse, and the invitations stay pending past their
    // expiry (RosterView's pendingInvitations documents them) until something records it.
    weighted(1, fc.constant({ kind: 'timePasses' as const })),
    weighted(
      2,
      fc
        .record(
          { kind: fc.constant('edit' as const), n, name: personNameArb(), email: emailArb(), description: fc.constantFrom('', 'Handles refunds.') },
          { requiredKeys: ['kind', 'n'], noNullPrototype: true },
        )
        .filter((e) => e.name !== undefined || e.email !== undefined || e.description !== undefined),
    ),
    weighted(2, fc.record({ kind: fc.constant('removeFromDepartment' as const), n, department: n })),
    weighted(
      1,
      fc
        .record(
          { kind: fc.constant('settings' as const), name: personNameArb(), seatPolicy: policy, invitationTtlHours: fc.constantFrom(1, 24, 168) },
          { requiredKeys: ['kind'], noNullPrototype: true },
        )
        .filter((e) => e.name !== undefined || e.seatPolicy !== undefined || e.invitationTtlHours !== undefined),
    ),
  );
}

const pick = <T>(items: readonly T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);

/** Plays intents with the pure commands; a refused one is simply not kept, as in a real roster. */
function build(
  opening: Readonly<{ name: string; plan: PlanInput; seatPolicy: SeatPolicy; owner: Readonly<{ email: string; name: string }>; workspaceId: string; catalog: PlanCatalog | undefined }>,
  intents: readonly Intent[],
): RosterFixture {
  const plans = opening.catalog === undefined ? {} : { plans: opening.catalog };
  let now = T0;
  let state: RosterState = initialRosterState;
  const events: RosterEvent[] = [];
  let counter = 0;
  const keep = (result: Result<{ readonly events: readonly RosterEvent[] }, DomainError>) => {
    if (result.isErr()) return;
    events.push(...result.value.events);
    state = replay(result.value.events, state);
  };
  const opened = createWorkspace(
    { name: opening.name, plan: opening.plan, seatPolicy: opening.seatPolicy, owner: opening.owner },
    { now, workspaceId: workspaceIdSchema.parse(opening.workspaceId), ownerId: agentIdSchema.parse('agt_owner'), ...plans },
  );
  if (opened.isErr()) throw new Error(`workspaceArb could not open its workspace: ${opened.error.message}`);
  keep(opened);

  for (const intent of intents) {
    now = new Date(now.getTime() + 60_000);
    const view = rosterView(state);
    const { workspace, owner } = view;
    const agents = view.agents;
    const pending = view.pendingInvitations;
    const departments = view.departments;
    const id = () => String(++counter);
    // Admins act; the owner when nobody else is there. Picked by the intent, so shrinking keeps it.
    const admins = agents.filter((a) => a.role === 'admin');
    const actorFor = (n: number): Agent => pick(admins, n) ?? owner;
    const departmentIds = (picks: readonly number[]) => [...new Set(picks.flatMap((p) => pick(departments, p)?.id ?? []))];
    switch (intent.kind) {
      case 'invite': {
        const email = intent.email;
        const status = view.emailStatus(email);
        const ids = departmentIds(intent.departments);
        keep(
          inviteAgent(
            { workspace, actor: owner, departments: departments.filter((d) => ids.includes(d.id)) },
            { email, role: intent.role, departmentIds: ids },
            { now, invitationId: invitationIdSchema.parse(`inv_${id()}`), tokenHash: aTokenHash(`link-${counter}`), emailStatus: status },
          ),
        );
        break;
      }
      case 'accept': {
        const invitation = pick(pending, intent.n);
        if (!invitation) break;
        keep(
          acceptInvitation(
            { workspace, invitation, departments },
            { name: intent.name, password: intent.password },
            { now, presentedTokenHash: invitation.tokenHash, agentId: agentIdSchema.parse(`agt_${id()}`), emailStatus: view.emailStatus(invitation.email, invitation.id) },
          ),
        );
        break;
      }
      case 'revoke':
      case 'resend': {
        const invitation = pick(view.invitations, intent.n);
        if (!invitation) break;
        const actor = actorFor(intent.n);
        keep(
          intent.kind === 'revoke'
            ? revokeInvitation({ workspace, actor, invitation }, { invitationId: invitation.id }, { now })
            : resendInvitation(
                { workspace, actor, invitation, departments },
                { invitationId: invitation.id },
                { now, tokenHash: aTokenHash(`link-${id()}`), emailStatus: view.emailStatus(invitation.email, invitation.id) },
              ),
        );
        break;
      }
      case 'activate':
      case 'deactivate':
      case 'delete': {
        const agent = pick(agents, intent.n);
        if (!agent) break;
        const command = intent.kind === 'activate' ? activateAgent : intent.kind === 'deactivate' ? deactivateAgent : deleteAgent;
        keep(command({ workspace, actor: actorFor(intent.n), agent }, { agentId: agent.id }, { now }));
        break;
      }
      case 'availability': {
        const agent = pick(agents, intent.n);
        // Agents set their own availability.
        if (agent) keep(setAvailability({ workspace, actor: agent, agent }, { agentId: agent.id, availability: intent.availability }, { now }));
        break;
      }
      case 'role': {
        const agent = pick(agents, intent.n);
        if (agent) keep(changeRole({ workspace, actor: owner, agent }, { agentId: agent.id, role: intent.role }, { now }));
        break;
      }
      case 'createDepartment':
        keep(
          createDepartment(
            { workspace, actor: owner },
            { name: intent.name },
            { now, departmentId: departmentIdSchema.parse(`dep_${id()}`), nameTaken: view.nameTaken(intent.name) },
          ),
        );
        break;
      case 'renameDepartment': {
        const department = pick(departments, intent.n);
        if (department) {
          keep(renameDepartment({ workspace, actor: owner, department }, { departmentId: department.id, name: intent.name }, { now, nameTaken: view.nameTaken(intent.name, department.id) }));
        }
        break;
      }
      case 'deleteDepartment': {
        const department = pick(departments, intent.n);
        if (department) {
          keep(
            deleteDepartment(
              { workspace, actor: owner, department, members: view.membersOf(department.id), invitations: view.invitationsTo(department.id) },
              { departmentId: department.id },
              { now },
            ),
          );
        }
        break;
      }
      case 'assign': {
        const agent = pick(agents, intent.n);
        const ids = departmentIds(intent.departments);
        if (agent) {
          keep(
            assignAgentToDepartments(
              { workspace, actor: owner, agent, departments: departments.filter((d) => ids.includes(d.id)) },
              { agentId: agent.id, departmentIds: ids },
              { now },
            ),
          );
        }
        break;
      }
      case 'transfer': {
        const to = pick(agents, intent.n);
        if (to) keep(transferOwnership({ workspace, actor: owner, newOwner: to }, { toAgentId: to.id, formerOwnerRole: intent.formerOwnerRole }, { now }));
        break;
      }
      case 'changePlan':
        keep(changePlan({ workspace, actor: owner }, { plan: intent.plan }, { now, ...plans }));
        break;
      case 'linksLapse':
        // Every link sent so far lapses, and the roster records it.
        now = hoursAfter(now, workspace.invitationTtlHours);
        keep(expireInvitations({ workspace, invitations: pending }, { now }));
        break;
      case 'timePasses':
        // Every link sent so far lapses, unrecorded: the invitations stay pending.
        now = hoursAfter(now, workspace.invitationTtlHours);
        break;
      case 'edit': {
        const agent = pick(agents, intent.n);
        if (!agent) break;
        const { name, email, description } = intent;
        const changes = { ...(name === undefined ? {} : { name }), ...(email === undefined ? {} : { email }), ...(description === undefined ? {} : { description }) };
        keep(editAgent({ workspace, actor: owner, agent }, { agentId: agent.id, ...changes }, { now, emailStatus: email === undefined ? 'available' : view.emailStatus(email) }));
        break;
      }
      case 'removeFromDepartment': {
        // Someone in a department, out of one of theirs.
        const agent = pick(agents.filter((a) => a.departmentIds.length > 0), intent.n);
        const departmentId = agent && pick(agent.departmentIds, intent.department);
        const department = departments.find((d) => d.id === departmentId);
        if (agent && department) keep(removeAgentFromDepartment({ workspace, actor: owner, agent, department }, { agentId: agent.id, departmentId: department.id }, { now }));
        break;
      }
      case 'settings': {
        const { name, seatPolicy, invitationTtlHours } = intent;
        const changes = { ...(name === undefined ? {} : { name }), ...(seatPolicy === undefined ? {} : { seatPolicy }), ...(invitationTtlHours === undefined ? {} : { invitationTtlHours }) };
        keep(changeSettings({ workspace, actor: owner }, changes, { now }));
        break;
      }
    }
  }
  const fixture: RosterFixture = Object.assign(rosterView(state), { events, now });
  // A failing property prints the workspace as its story, not as ~5 kB of state, view and events.
  Object.defineProperty(fixture, fc.toStringMethod, { value: () => workspaceStory(fixture), enumerable: false });
  return fixture;
}

const planText = (plan: Readonly<{ id: string; seats: number | null; departments: number | null }>) =>
  `${plan.id} (${plan.seats ?? 'unlimited'} seat${plan.seats === 1 ? '' : 's'}, ${plan.departments ?? 'unlimited'} department${plan.departments === 1 ? '' : 's'})`;
const policyText = (policy: SeatPolicy) =>
  `${policy.countInactiveAgents ? 'inactive agents hold seats' : 'inactive agents hold no seat'}, ${policy.reserveSeatsForInvitations ? 'invitations reserve seats' : 'invitations reserve no seat'}`;

/**
 * A generated workspace as a person reads it: one line per event, in order, with people named by
 * email and departments by name, then where it ended (pending invitations past their expiry marked
 * as lapsed). What fast-check prints for a counterexample of {@link workspaceArb}.
 *
 * @example workspaceStory(fc.sample(workspaceArb(), 1)[0]!)
 */
export function workspaceStory(workspace: RosterFixture): string {
  const who = new Map<string, string>();
  const departmentName = new Map<string, string>();
  const invitee = new Map<string, string>();
  const person = (id: string) => who.get(id) ?? id;
  const department = (id: string) => JSON.stringify(departmentName.get(id) ?? id);
  const into = (ids: readonly string[]) => (ids.length === 0 ? '' : ` into ${ids.map(department).join(', ')}`);
  const start = workspace.events[0] === undefined ? 0 : Date.parse(workspace.events[0].occurredAt);
  const at = (iso: string) => {
    const minutes = Math.round((Date.parse(iso) - start) / 60_000);
    return `+${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}`;
  };
  const line = (e: RosterEvent): string => {
    switch (e.type) {
      case 'WorkspaceCreated':
        who.set(e.data.owner.agentId, e.data.owner.email);
        return `${e.data.owner.email} opens "${e.data.name}" on ${planText(e.data.plan)}; ${policyText(e.data.seatPolicy)}; links last ${e.data.invitationTtlHours} h`;
      case 'PlanChanged':
        return `plan changed to ${planText(e.data.to)}`;
      case 'WorkspaceSettingsChanged':
        return `settings changed: ${[
          e.data.name === undefined ? [] : [`name "${e.data.name}"`],
          e.data.seatPolicy === undefined ? [] : [policyText(e.data.seatPolicy)],
          e.data.invitationTtlHours === undefined ? [] : [`links last ${e.data.invitationTtlHours} h`],
        ].flat().join('; ')}`;
      case 'InvitationSent':
        invitee.set(e.data.invitationId, e.data.email);
        return `${person(e.data.invitedBy)} invites ${e.data.email} as ${e.data.role}${into(e.data.departmentIds)}`;
      case 'InvitationResent':
        return `${person(e.data.resentBy)} resends the invitation to ${invitee.get(e.data.invitationId) ?? e.data.invitationId}${e.data.revived ? ' (it had expired)' : ''}`;
      case 'InvitationRevoked':
        return `${person(e.data.revokedBy)} revokes the invitation to ${invitee.get(e.data.invitationId) ?? e.data.invitationId}`;
      case 'InvitationExpired':
        return `the invitation to ${invitee.get(e.data.invitationId) ?? e.data.invitationId} is recorded as expired`;
      case 'InvitationAccepted':
        who.set(e.data.agentId, e.data.email);
        return `${e.data.email} accepts, joins as "${e.data.name}", ${e.data.role}${into(e.data.departmentIds)}`;
      case 'AgentProfileEdited': {
        const before = person(e.data.agentId);
        if (e.data.email !== undefined) who.set(e.data.agentId, e.data.email);
        const changes = [
          e.data.name === undefined ? [] : [`name "${e.data.name}"`],
          e.data.email === undefined ? [] : [`email ${e.data.email}`],
          e.data.description === undefined ? [] : [`description ${JSON.stringify(e.data.description)}`],
        ].flat();
        return `${person(e.data.editedBy)} edits ${before}: ${changes.join(', ')}`;
      }
      case 'AgentRoleChanged':
        return `${person(e.data.changedBy)} makes ${person(e.data.agentId)} ${e.data.to}`;
      case 'AgentActivated':
        return `${person(e.data.activatedBy)} activates ${person(e.data.agentId)}`;
      case 'AgentDeactivated':
        return `${person(e.data.deactivatedBy)} deactivates ${person(e.data.agentId)}`;
      case 'AvailabilityChanged':
        return `${person(e.data.changedBy)} sets ${person(e.data.agentId)} ${e.data.availability}`;
      case 'OwnershipTransferred':
        return `${person(e.data.from)} hands the workspace to ${person(e.data.to)}, staying ${e.data.formerOwnerRole}`;
      case 'AgentDeleted':
        return `${person(e.data.deletedBy)} deletes ${e.data.email} (${e.data.status})`;
      case 'DepartmentCreated':
        departmentName.set(e.data.departmentId, e.data.name);
        return `department "${e.data.name}" created`;
      case 'DepartmentRenamed':
        departmentName.set(e.data.departmentId, e.data.to);
        return `department "${e.data.from}" renamed "${e.data.to}"`;
      case 'DepartmentDeleted':
        return `department ${department(e.data.departmentId)} deleted`;
      case 'AgentAssignedToDepartments':
        return `${person(e.data.agentId)} put in ${e.data.departmentIds.map(department).join(', ')}`;
      case 'AgentRemovedFromDepartment':
        return `${person(e.data.agentId)} taken out of ${department(e.data.departmentId)}`;
      default:
        return (e as RosterEvent).type;
    }
  };
  const lines = workspace.events.map((e) => `  ${at(e.occurredAt)} ${line(e)}`);
  const ws = workspace.state.workspace;
  const ending: string[] = [];
  if (ws !== null) {
    const names = (ids: readonly string[]) => ids.map((id) => departmentName.get(id) ?? id).join(', ');
    ending.push(`  plan ${planText(ws.plan)}; ${policyText(ws.seatPolicy)}`);
    ending.push(
      `  agents: ${workspace.agents
        .map((a) => `${a.email}${a.id === ws.ownerId ? ' (owner)' : ''} ${a.role} ${a.status} ${a.availability}${a.departmentIds.length === 0 ? '' : ` [${names(a.departmentIds)}]`}`)
        .join('; ')}`,
    );
    const pending = workspace.pendingInvitations.map((i) => `${i.email}${Date.parse(i.expiresAt) <= workspace.now.getTime() ? ' (lapsed, not yet recorded)' : ''}`);
    ending.push(`  pending invitations: ${pending.length === 0 ? 'none' : pending.join('; ')}`);
    if (workspace.departments.length > 0) ending.push(`  departments: ${workspace.departments.map((d) => d.name).join(', ')}`);
  }
  return [`a workspace of ${workspace.events.length} event${workspace.events.length === 1 ? '' : 's'}:`, ...lines, `at ${at(workspace.now.toISOString())}:`, ...ending].join('\n');
}

/**
 * A realistic workspace in a valid state: opened on a random plan and seat policy, then shaped by
 * up to `maxCommands` random commands (invitations sent, accepted, revoked, resent, lapsed and
 * recorded as expired, or lapsed and left pending past their expiry; agents promoted, edited
 * (name, email, description), deactivated, set online, deleted; departments created, renamed,
 * deleted, staffed and left; ownership handed over; the plan and the settings changed). Refused
 * commands leave no trace, so what comes out is reachable and obeys every invariant. Shrinks
 * towards fewer commands, and prints (in a counterexample) as its story: see {@link workspaceStory}.
 *
 * @example
 * fc.assert(
 *   fc.property(workspaceArb({ plan: 'pro' }), (workspace) => {
 *     const page = renderTeamPage(workspace.state); // your code
 *     expect(page.rows).toHaveLength(workspace.agents.length);
 *   }),
 * );
 */
export function workspaceArb(options: WorkspaceArbOptions = {}): fc.Arbitrary<GeneratedWorkspace> {
  const catalog = options.catalog;
  // A catalog's plans with a seat for the owner: a workspace opens only on one of them.
  const roomy = catalog === undefined ? [] : Object.keys(catalog).filter((id) => catalog[id]!.seats === null || catalog[id]!.seats! >= 1);
  if (catalog !== undefined && options.plan === undefined && roomy.length === 0) throw new Error('workspaceArb: the catalog has no plan with a seat for the owner.');
  const plans =
    options.plan !== undefined ? (isArbitrary(options.plan) ? options.plan : fc.constant(options.plan))
    : catalog !== undefined ? fc.constantFrom(...roomy)
    : planArb({ minSeats: 3, maxLimit: 12 });
  const changes = catalog !== undefined ? planArb({ catalog, inline: false }) : planArb({ minSeats: 1, maxLimit: 12 });
  const seatPolicy = fc.record(
    {
      countInactiveAgents: options.seatPolicy?.countInactiveAgents === undefined ? fc.boolean() : fc.constant(options.seatPolicy.countInactiveAgents),
      reserveSeatsForInvitations:
        options.seatPolicy?.reserveSeatsForInvitations === undefined ? fc.boolean() : fc.constant(options.seatPolicy.reserveSeatsForInvitations),
    },
    { noNullPrototype: true },
  );
  // The flags `seatPolicy` leaves free may change along the way (WorkspaceSettingsChanged).
  const policyChanges = fc.record(
    {
      ...(options.seatPolicy?.countInactiveAgents === undefined ? { countInactiveAgents: fc.boolean() } : {}),
      ...(options.seatPolicy?.reserveSeatsForInvitations === undefined ? { reserveSeatsForInvitations: fc.boolean() } : {}),
    },
    { requiredKeys: [], noNullPrototype: true },
  ) as fc.Arbitrary<Partial<SeatPolicy>>;
  return fc
    .record(
      {
        name: personNameArb(),
        plan: plans,
        seatPolicy,
        owner: fc.record({ email: emailArb(), name: personNameArb() }, { noNullPrototype: true }),
        // A plan given is kept: no command changes it.
        intents: fc.array(intentArb(options.plan === undefined ? changes : undefined, policyChanges), {
          maxLength: options.maxCommands ?? 40,
          size: 'max',
        }),
      },
      { noNullPrototype: true },
    )
    .map(({ intents, ...opening }) => build({ ...opening, workspaceId: options.workspaceId ?? 'ws_generated', catalog }, intents));
}

/**
 * Whether `plan` is an arbitrary rather than a plan, told by its shape as fast-check's own
 * `isArbitrary` tells it (`generate`, `shrink`, `canShrinkWithoutContext`; here they must be
 * functions too): `instanceof fc.Arbitrary` is false for an arbitrary of another copy of
 * fast-check (an ES module test beside a kit loaded through `require`), which was then taken for
 * an inline plan.
 */
function isArbitrary(value: unknown): value is fc.Arbitrary<PlanInput> {
  if (typeof value !== 'object' || value === null) return false;
  const { generate, shrink, canShrinkWithoutContext } = value as Partial<Record<'generate' | 'shrink' | 'canShrinkWithoutContext', unknown>>;
  return typeof generate === 'function' && typeof shrink === 'function' && typeof canShrinkWithoutContext === 'function';
}

/**
 * An agent in a valid state, with the workspace it belongs to.
 *
 * @example fc.assert(fc.property(agentArb(), ({ agent, workspace }) => can(agent, 'chat', workspace.workspace) === (agent.status === 'active')));
 */
export function agentArb(options: WorkspaceArbOptions = {}): fc.Arbitrary<Readonly<{ agent: Agent; workspace: GeneratedWorkspace }>> {
  return workspaceArb(options).chain((workspace) => fc.constantFrom(...workspace.agents).map((agent) => ({ agent, workspace })));
}

/**
 * An invitation (pending, accepted, revoked or expired) in a valid state, with its workspace.
 *
 * @example fc.assert(fc.property(invitationArb(), ({ invitation }) => invitation.status !== 'accepted' || invitation.agentId !== null));
 */
export function invitationArb(options: WorkspaceArbOptions = {}): fc.Arbitrary<Readonly<{ invitation: Invitation; workspace: GeneratedWorkspace }>> {
  return workspaceArb(options)
    .filter((workspace) => workspace.invitations.length > 0)
    .chain((workspace) => fc.constantFrom(...workspace.invitations).map((invitation) => ({ invitation, workspace })));
}

/**
 * A department in a valid state, with its workspace.
 *
 * @example fc.assert(fc.property(departmentArb(), ({ department, workspace }) => workspace.membersOf(department.id).every((a) => a.departmentIds.includes(department.id))));
 */
export function departmentArb(options: WorkspaceArbOptions = {}): fc.Arbitrary<Readonly<{ department: Department; workspace: GeneratedWorkspace }>> {
  const plan = options.plan;
  if (plan !== undefined && !isArbitrary(plan)) {
    if (resolvePlan(plan as Parameters<typeof resolvePlan>[0], options.catalog ?? PLANS)?.departments === 0) throw new Error(`departmentArb: the plan ${JSON.stringify(plan)} allows no department, so no workspace on it has one.`);
  }
  return workspaceArb(options)
    .filter((workspace) => workspace.departments.length > 0)
    .chain((workspace) => fc.constantFrom(...workspace.departments).map((department) => ({ department, workspace })));
}
