/**
 * A command-sequence driver for the pure domain, for property-based tests.
 *
 * {@link domainStepsArb} generates high-level steps ("the owner invites ana@shop.com into Sales",
 * "someone opens last week's link", "an inactive admin deletes an agent of the other workspace").
 * {@link runDomainSequence} plays them against a small world of one or two workspaces: for each
 * step it gathers the facts a real store would (who holds an email, whether a department name is
 * taken, the department's members, the invitation a token hash opens), calls the real command,
 * and on success folds the decision's events into the world with `replay`. It reports every step
 * to your callback, so your own checks can run after each one.
 *
 * Alongside runs a deliberately simple model: seat counts, sets of emails, the owner's id and
 * department keys, written from the rules (docs/domain.md) without the library's code. It predicts the outcome of
 * each command ({@link StepReport.expected}) and keeps the facts the system should agree with
 * ({@link StepReport.facts}).
 *
 * Time passes only through steps (every step a minute, more on `advanceClock` and late link
 * openings), and a lapsed invitation holds its seat and its email until an `expireInvitations`
 * step records it: the pure domain's counters work that way, and the application layer sweeps
 * lapsed invitations before its seat checks. The model follows the same rule.
 *
 * `fast-check` is an optional peer dependency of `agent-roster/testing`.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import {
  activateAgent,
  changeRole,
  deactivateAgent,
  deleteAgent,
  editAgent,
  setAvailability,
  type Agent,
  type EmailStatus,
} from '../domain/agent';
import type { Decision } from '../domain/command';
import type { PlanCatalog } from '../domain/plans';
import {
  assignAgentToDepartments,
  createDepartment,
  deleteDepartment,
  removeAgentFromDepartment,
  renameDepartment,
  type Department,
} from '../domain/department';
import type { DomainError, DomainErrorType } from '../domain/errors';
import type { RosterEvent } from '../domain/events';
import {
  agentIdSchema,
  departmentIdSchema,
  invitationIdSchema,
  tokenHashSchema,
  workspaceIdSchema,
  type AgentId,
  type DepartmentId,
  type InvitationId,
  type TokenHash,
  type WorkspaceId,
} from '../domain/ids';
import {
  acceptInvitation,
  expireInvitations,
  inviteAgent,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
  type Invitation,
} from '../domain/invitation';
import { transferOwnership } from '../domain/ownership';
import { initialRosterState, replay, type RosterState } from '../domain/roster';
import { departmentNameSchema, emailSchema, nameKey, type Email } from '../domain/values';
import { MAX_DEPARTMENTS_PER_AGENT } from '../domain/schemas';
import { changePlan, changeSettings, createWorkspace, type Workspace } from '../domain/workspace';
import { modelPlan } from './model-plans';
import { pure } from './pure';
import type { ActorPick, AgentPick, DomainStep, EntityPick, WorkspaceSlot } from './domain-steps';

// ---------------------------------------------------------------------------
// The simple model
// ---------------------------------------------------------------------------

type ModelAgent = { mailbox: string; admin: boolean; active: boolean; online: boolean; departments: Set<string> };
type ModelInvitation = {
  mailbox: string;
  admin: boolean;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  expiresAt: number;
  /** Its departments that still exist: the model forgets a deleted department everywhere at once. */
  departments: Set<string>;
};
type ModelWorkspace = {
  seats: number | null;
  departmentLimit: number | null;
  countInactive: boolean;
  reserve: boolean;
  ttlHours: number;
  ownerId: string;
  agents: Map<string, ModelAgent>;
  invitations: Map<string, ModelInvitation>;
  /** Department id → the key names are unique by. */
  departments: Map<string, string>;
};
type Model = { workspaces: [ModelWorkspace | undefined, ModelWorkspace | undefined]; standalone: Set<string> };

const HOUR = 3_600_000;
const MODEL_DEFAULT_TTL_HOURS = 7 * 24;


/** Seats in use: agents the policy counts, plus pending invitations when they reserve seats. */
function modelSeats(w: ModelWorkspace, policy: Readonly<{ countInactive: boolean; reserve: boolean }> = w): number {
  let used = 0;
  for (const a of w.agents.values()) if (a.active || policy.countInactive) used++;
  if (policy.reserve) for (const i of w.invitations.values()) if (i.status === 'pending') used++;
  return used;
}

const over = (used: number, limit: number | null) => limit !== null && used > limit;

function mailboxTaken(model: Model, w: ModelWorkspace, mailbox: string, except?: string): boolean {
  if (model.standalone.has(mailbox)) return true;
  for (const [id, a] of w.agents) if (id !== except && a.mailbox === mailbox) return true;
  for (const [id, i] of w.invitations) if (id !== except && i.status === 'pending' && i.mailbox === mailbox) return true;
  return false;
}

/**
 * What the model and the system each say about one workspace after a step. The model's answer
 * comes from its own bookkeeping, the system's from the roster's records (not its counters).
 *
 * @example
 * runDomainSequence(steps, {
 *   onStep: ({ facts }) => facts.forEach((f) => f && expect(f.system).toStrictEqual(f.model)),
 * });
 */
export type RosterFacts = Readonly<{
  ownerId: string;
  seatsUsed: number;
  seatLimit: number | null;
  departmentLimit: number | null;
  /** Sorted canonical emails of the agents. */
  agentEmails: readonly string[];
  /** Sorted ids of the admins. */
  admins: readonly string[];
  /** Sorted ids of the inactive agents. */
  inactive: readonly string[];
  /** Sorted ids of the agents who are online. */
  online: readonly string[];
  /** Sorted canonical emails of the pending invitations. */
  pendingEmails: readonly string[];
  /** Sorted case-insensitive keys of the department names. */
  departmentKeys: readonly string[];
  /** Sorted `agentId:departmentId,departmentId` lines: who is in which departments. */
  agentDepartments: readonly string[];
  /** Sorted `invitationId:departmentId,…` lines for the pending invitations. */
  invitationDepartments: readonly string[];
}>;

const sorted = (values: Iterable<string>) => [...values].sort();
const membership = (id: string, departments: Iterable<string>) => `${id}:${sorted(departments).join(',')}`;

function factsOfModel(w: ModelWorkspace): RosterFacts {
  const agents = [...w.agents.entries()];
  return {
    ownerId: w.ownerId,
    seatsUsed: modelSeats(w),
    seatLimit: w.seats,
    departmentLimit: w.departmentLimit,
    agentEmails: sorted(agents.map(([, a]) => a.mailbox)),
    admins: sorted(agents.filter(([, a]) => a.admin).map(([id]) => id)),
    inactive: sorted(agents.filter(([, a]) => !a.active).map(([id]) => id)),
    online: sorted(agents.filter(([, a]) => a.online).map(([id]) => id)),
    pendingEmails: sorted([...w.invitations.values()].filter((i) => i.status === 'pending').map((i) => i.mailbox)),
    departmentKeys: sorted(w.departments.values()),
    agentDepartments: sorted(agents.map(([id, a]) => membership(id, a.departments))),
    invitationDepartments: sorted([...w.invitations.entries()].filter(([, i]) => i.status === 'pending').map(([id, i]) => membership(id, i.departments))),
  };
}

function factsOfRoster(roster: RosterState): RosterFacts | undefined {
  const ws = roster.workspace;
  if (ws === null) return undefined;
  const agents = Object.values(roster.agents);
  const pending = Object.values(roster.invitations).filter((i) => i.status === 'pending');
  const counted = agents.filter((a) => a.status === 'active' || ws.seatPolicy.countInactiveAgents).length;
  return {
    ownerId: ws.ownerId,
    seatsUsed: counted + (ws.seatPolicy.reserveSeatsForInvitations ? pending.length : 0),
    seatLimit: ws.plan.seats,
    departmentLimit: ws.plan.departments,
    agentEmails: sorted(agents.map((a) => a.email)),
    admins: sorted(agents.filter((a) => a.role === 'admin').map((a) => a.id)),
    inactive: sorted(agents.filter((a) => a.status === 'inactive').map((a) => a.id)),
    online: sorted(agents.filter((a) => a.availability === 'online').map((a) => a.id)),
    pendingEmails: sorted(pending.map((i) => i.email)),
    departmentKeys: sorted(Object.values(roster.departments).map((d) => d.nameKey)),
    agentDepartments: sorted(agents.map((a) => membership(a.id, a.departmentIds))),
    invitationDepartments: sorted(pending.map((i) => membership(i.id, i.departmentIds))),
  };
}

// ---------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------

/**
 * `ok`, or the `type` of the error a command returned.
 *
 * @example
 * const refusedForSeats: OutcomeClass = 'SeatLimitReached';
 */
export type OutcomeClass = 'ok' | DomainErrorType;

/**
 * What a step did: a command decided, a command refused, or no command ran (a world change such
 * as the clock moving on, or a skip such as a step on a workspace not created yet). A query
 * (`previewInvitation`) reports its answer as `decision.state.preview`, with no events.
 *
 * @example
 * if (report.outcome.kind === 'failed') console.log(report.outcome.error.message);
 */
export type StepOutcome =
  | Readonly<{ kind: 'ok'; decision: Decision<Readonly<Record<string, unknown>>> }>
  | Readonly<{ kind: 'failed'; error: DomainError }>
  | Readonly<{ kind: 'no-command'; note: string }>;

/**
 * Everything known about one step, handed to the `onStep` of {@link RunOptions}.
 *
 * @example
 * runDomainSequence(steps, {
 *   onStep: (r) => {
 *     if (r.namesForeign) expect(r.outcome.kind).toBe('failed');
 *   },
 * });
 */
export type StepReport = Readonly<{
  index: number;
  step: DomainStep;
  /** The command that ran (named like the step), or `null` when none did. */
  command: DomainStep['kind'] | null;
  outcome: StepOutcome;
  /** The workspace the command acted on (for a link found by token: the invitation's workspace). */
  slot: WorkspaceSlot | null;
  /** The acting agent, for commands that have one. */
  actor: Agent | null;
  /** The ids the step's picks resolved to (target agent first), whether they exist or not. */
  named: readonly string[];
  /** The step named an agent, invitation or department of the other workspace, or acted as one of its agents. */
  namesForeign: boolean;
  /** Outcomes the model accepts (any one of them; several rules may be broken at once), `undefined` when it has no opinion. */
  expected: readonly OutcomeClass[] | undefined;
  /** The rosters (per slot) given to the command; the runner deep-freezes them unless told not to. */
  before: readonly (RosterState | undefined)[];
  after: readonly (RosterState | undefined)[];
  /** Every event of the world so far, in order. */
  history: readonly RosterEvent[];
  /** Per slot, the model's facts and the system's. */
  facts: readonly (Readonly<{ model: RosterFacts; system: RosterFacts | undefined }> | undefined)[];
  now: Date;
}>;

/**
 * Options of {@link runDomainSequence}.
 *
 * @example
 * let before: unknown;
 * runDomainSequence(steps, {
 *   beforeStep: ({ rosters }) => void (before = structuredClone(rosters)),
 *   onStep: (r) => expect(r.before).toStrictEqual(before), // nothing wrote into the given state
 * });
 */
export type RunOptions = Readonly<{
  /** The world's clock at the start (default 2026-03-02T09:00:00Z); each step happens a minute after the last. */
  start?: Date | undefined;
  /**
   * The plan catalog the commands resolve plan ids against, and the model with them (default: the
   * library's `PLANS`): give it the catalog your app passes to `createRoster({ plans })`, and
   * `domainStepsArb` the same `catalog`, so steps draw its ids.
   */
  catalog?: PlanCatalog | undefined;
  /** Deep-freeze every roster, so a command that mutates its input throws (default true). */
  freeze?: boolean | undefined;
  /** Called before each step with the rosters the command will be given. */
  beforeStep?: ((context: Readonly<{ index: number; step: DomainStep; rosters: readonly (RosterState | undefined)[] }>) => void) | undefined;
  /** Called after each step. Throw to stop the sequence (a property fails). */
  onStep?: ((report: StepReport) => void) | undefined;
}>;

/**
 * The world after a sequence: each workspace's roster (by slot), every event, and the clock.
 *
 * @example
 * const { rosters, history } = runDomainSequence(steps);
 * expect(replay(history.filter((e) => e.workspaceId === rosters[0]?.workspace?.id))).toStrictEqual(rosters[0]);
 */
export type SequenceResult = Readonly<{
  rosters: readonly (RosterState | undefined)[];
  history: readonly RosterEvent[];
  now: Date;
}>;

const WORKSPACE_IDS: readonly [WorkspaceId, WorkspaceId] = /* @__PURE__ */ pure(() => [workspaceIdSchema.parse('ws_a'), workspaceIdSchema.parse('ws_b')]);
const GHOST = /* @__PURE__ */ pure(() => ({
  agents: agentIdSchema.parse('agt_ghost'),
  invitations: invitationIdSchema.parse('inv_ghost'),
  departments: departmentIdSchema.parse('dep_ghost'),
}));
const SOMEONE_ELSE = /* @__PURE__ */ pure(() => emailSchema.parse('someone.else@elsewhere.example'));
const DEFAULT_START = new Date('2026-03-02T09:00:00Z');

type Slot = {
  roster: RosterState;
  /** Ids ever created here, in creation order, deleted ones included. */
  agents: AgentId[];
  invitations: InvitationId[];
  departments: DepartmentId[];
};
type World = {
  now: number;
  slots: [Slot | undefined, Slot | undefined];
  standalone: Set<string>;
  history: RosterEvent[];
  /** Token hashes each invitation was given, oldest first; the last one is current. */
  tokens: Map<string, TokenHash[]>;
  counter: number;
  model: Model;
};

type Created = Partial<Readonly<{ agents: AgentId[]; invitations: InvitationId[]; departments: DepartmentId[] }>>;
type Execution = Readonly<{
  command: DomainStep['kind'];
  slot: WorkspaceSlot;
  actor: Agent | null;
  named: readonly string[];
  outcome: StepOutcome;
  namesForeign: boolean;
  expected: readonly OutcomeClass[] | undefined;
  /** Brings the model along, when the system decided. */
  commit: () => void;
  created?: Created;
  token?: readonly [InvitationId, TokenHash];
}>;
type NoCommand = Readonly<{ note: string }>;

function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child, seen);
  return value;
}

function asOutcome<S extends object, E extends DomainError>(result: Result<Decision<S>, E>): StepOutcome {
  return result.match<StepOutcome>(
    (decision) => ({ kind: 'ok', decision: decision as Decision<Readonly<Record<string, unknown>>> }),
    (error) => ({ kind: 'failed', error }),
  );
}

/** The store's key for an address, `undefined` for one the library refuses. */
function canonical(address: string): Email | undefined {
  const parsed = emailSchema.safeParse(address);
  return parsed.success ? parsed.data : undefined;
}

function departmentKey(name: string): string {
  const parsed = departmentNameSchema.safeParse(name);
  if (!parsed.success) throw new Error(`The pool department name ${JSON.stringify(name)} is not valid: ${parsed.error.issues[0]?.message}`);
  return nameKey(parsed.data);
}

/** Runs a sequence; see the module's documentation. */
class Runner {
  readonly w: World;
  constructor(
    start: Date,
    readonly freeze: boolean,
    readonly catalog: PlanCatalog | undefined,
  ) {
    this.w = { now: start.getTime(), slots: [undefined, undefined], standalone: new Set(), history: [], tokens: new Map(), counter: 0, model: { workspaces: [undefined, undefined], standalone: new Set() } };
  }

  get now(): Date {
    return new Date(this.w.now);
  }

  rosters(): (RosterState | undefined)[] {
    return this.w.slots.map((s) => s?.roster);
  }

  next(): number {
    return ++this.w.counter;
  }

  tokenHash(): TokenHash {
    return tokenHashSchema.parse(this.next().toString(16).padStart(64, '0'));
  }

  neverIssuedTokenHash(): TokenHash {
    // Issued hashes start with zeros; an 'f' prefix can never be one of them.
    return tokenHashSchema.parse(`f${this.next().toString(16).padStart(63, '0')}`);
  }

  other(slot: WorkspaceSlot): WorkspaceSlot {
    return slot === 0 ? 1 : 0;
  }

  slotOf(workspaceId: string): WorkspaceSlot {
    const slot = WORKSPACE_IDS.indexOf(workspaceId as WorkspaceId);
    if (slot === -1) throw new Error(`A command produced an event for an unknown workspace ${workspaceId}.`);
    return slot as WorkspaceSlot;
  }

  /** Resolves a pick to an id (possibly of a deleted entity, possibly of a ghost). */
  pick<K extends 'agents' | 'invitations' | 'departments'>(slot: WorkspaceSlot, p: EntityPick, kind: K): Slot[K][number] {
    const list = this.w.slots[p.in === 'this' ? slot : this.other(slot)]?.[kind] ?? [];
    // Counted from the most recent: steps mostly act on what was just created, which is where the
    // interesting interactions are (accept the invitation just sent, delete the agent who just joined).
    return (list.length === 0 ? GHOST[kind] : list[list.length - 1 - (p.n % list.length)]!) as Slot[K][number];
  }

  /** A store loads by id, whatever the workspace; the commands must refuse what is not theirs. */
  agent(id: string): Agent | undefined {
    for (const s of this.w.slots) if (s && Object.hasOwn(s.roster.agents, id)) return s.roster.agents[id];
    return undefined;
  }

  invitation(id: string): Invitation | undefined {
    for (const s of this.w.slots) if (s && Object.hasOwn(s.roster.invitations, id)) return s.roster.invitations[id];
    return undefined;
  }

  department(id: string): Department | undefined {
    for (const s of this.w.slots) if (s && Object.hasOwn(s.roster.departments, id)) return s.roster.departments[id];
    return undefined;
  }

  departments(ids: readonly string[]): Department[] {
    return ids.flatMap((id) => {
      const d = this.department(id);
      return d ? [d] : [];
    });
  }

  everyAgent(): Agent[] {
    return this.w.slots.flatMap((s) => (s ? Object.values(s.roster.agents) : []));
  }

  everyInvitation(): Invitation[] {
    return this.w.slots.flatMap((s) => (s ? Object.values(s.roster.invitations) : []));
  }

  /** Who holds an email in a workspace, as a store and the host's account directory would answer. */
  emailHolder(slot: WorkspaceSlot, email: Email, except?: string): EmailStatus {
    const roster = this.w.slots[slot]?.roster;
    if (roster) {
      if (Object.values(roster.agents).some((a) => a.id !== except && a.email === email)) return 'agent';
      if (Object.values(roster.invitations).some((i) => i.id !== except && i.status === 'pending' && i.email === email)) return 'pending-invitation';
    }
    return this.w.standalone.has(email) ? 'standalone-account' : 'available';
  }

  /** {@link emailHolder} for a raw address; a refused address is nobody's (the command refuses it anyway). */
  emailHolderOf(slot: WorkspaceSlot, address: string, except?: string): EmailStatus {
    const email = canonical(address);
    return email === undefined ? 'available' : this.emailHolder(slot, email, except);
  }

  /** A store's unique index on (workspace, name key). */
  nameTaken(slot: WorkspaceSlot, name: string, except?: string): boolean {
    const key = departmentKey(name);
    return Object.values(this.w.slots[slot]?.roster.departments ?? {}).some((d) => d.id !== except && d.nameKey === key);
  }

  actor(slot: WorkspaceSlot, p: ActorPick): Agent | undefined {
    const here = this.w.slots[slot];
    if (p === 'owner') return here && here.roster.workspace ? here.roster.agents[here.roster.workspace.ownerId] : undefined;
    const there = this.w.slots[p.in === 'this' ? slot : this.other(slot)];
    const current = there ? there.agents.filter((id) => Object.hasOwn(there.roster.agents, id)) : [];
    return current.length === 0 ? undefined : there!.roster.agents[current[current.length - 1 - (p.n % current.length)]!];
  }

  execute(step: DomainStep): Execution | NoCommand {
    const w = this.w;
    const model = w.model;
    const now = this.now;
    switch (step.kind) {
      case 'registerStandaloneAccount': {
        const email = canonical(step.email.address);
        if (email === undefined || step.email.mailbox === null) return { note: `${step.email.address} is not an address an account could have` };
        w.standalone.add(email);
        model.standalone.add(step.email.mailbox);
        return { note: `${step.email.address} became a standalone account` };
      }
      case 'advanceClock':
        w.now += step.hours * HOUR;
        return { note: `${step.hours} h passed` };
      case 'createWorkspace': {
        if (w.slots[step.ws]) return { note: 'the workspace already exists' };
        const ownerId = agentIdSchema.parse(`agt_${this.next()}`);
        const limits = modelPlan(step.plan, this.catalog);
        const result = createWorkspace(
          {
            name: step.name,
            plan: step.plan,
            owner: { email: step.owner.email.address, name: step.owner.name },
            ...(step.seatPolicy === undefined ? {} : { seatPolicy: step.seatPolicy }),
            ...(step.invitationTtlHours === undefined ? {} : { invitationTtlHours: step.invitationTtlHours }),
          },
          { now, workspaceId: WORKSPACE_IDS[step.ws], ownerId, ...(this.catalog === undefined ? {} : { plans: this.catalog }) },
        );
        return {
          command: step.kind,
          slot: step.ws,
          actor: null,
          named: [],
          outcome: asOutcome(result),
          namesForeign: false,
          // Invariant 2 from the first moment: the owner takes a seat, so a plan without one cannot host a workspace.
          expected:
            step.owner.email.mailbox === null
              ? ['ValidationFailed']
              : limits === undefined
                ? ['PlanNotFound']
                : limits[0] !== null && limits[0] < 1
                  ? ['ValidationFailed', 'PlanLimitsExceeded', 'SeatLimitReached']
                  : ['ok'],
          commit: () => {
            model.workspaces[step.ws] = {
              seats: limits?.[0] ?? null,
              departmentLimit: limits?.[1] ?? null,
              countInactive: step.seatPolicy?.countInactiveAgents ?? true,
              reserve: step.seatPolicy?.reserveSeatsForInvitations ?? true,
              ttlHours: step.invitationTtlHours ?? MODEL_DEFAULT_TTL_HOURS,
              ownerId,
              agents: new Map([[ownerId, { mailbox: step.owner.email.mailbox ?? '', admin: true, active: true, online: false, departments: new Set() }]]),
              invitations: new Map(),
              departments: new Map(),
            };
          },
          created: { agents: [ownerId] },
        };
      }
      case 'acceptInvitation':
        return this.accept(step);
      case 'previewInvitation':
        return this.preview(step);
      case 'expireInvitations': {
        const workspace = w.slots[step.ws]?.roster.workspace;
        const mw = model.workspaces[step.ws];
        if (!workspace || !mw) return { note: 'no such workspace' };
        // Every invitation of the world, the other workspace's too: the command must pick its own.
        const result = expireInvitations({ workspace, invitations: this.everyInvitation() }, { now });
        return {
          command: step.kind,
          slot: step.ws,
          actor: null,
          named: [],
          outcome: asOutcome(result),
          namesForeign: false,
          expected: ['ok'],
          commit: () => {
            for (const i of mw.invitations.values()) if (i.status === 'pending' && now.getTime() >= i.expiresAt) i.status = 'expired';
          },
        };
      }
      default:
        return this.byActor(step);
    }
  }

  /**
   * Follows an invitation link the way a store would: by the presented token's hash (then the
   * invitation's workspace), or by the workspace and invitation ids the link names. Also says
   * which invitation the link truly opens, from the runner's own record of issued tokens.
   */
  openLink(step: Extract<DomainStep, { kind: 'acceptInvitation' | 'previewInvitation' }>) {
    const w = this.w;
    w.now += step.afterMinutes * 60_000;
    const pickedId = this.pick(step.ws, step.invitation, 'invitations');
    const picked = this.invitation(pickedId);
    const issued = w.tokens.get(pickedId) ?? [];
    const presented = step.token === 'current' ? issued.at(-1) : step.token === 'previous' ? issued.at(-2) : undefined;
    const presentedTokenHash = presented ?? this.neverIssuedTokenHash();
    if (step.lookup === 'by-token') {
      const id = [...w.tokens.entries()].find(([, hashes]) => hashes.at(-1) === presentedTokenHash)?.[0];
      const invitation = id === undefined ? undefined : this.invitation(id);
      const slot = invitation ? this.slotOf(invitation.workspaceId) : step.ws;
      const workspace: Workspace | null = invitation ? (w.slots[slot]?.roster.workspace ?? null) : null;
      return { slot, workspace, invitation, presentedTokenHash, opens: invitation?.id, namesForeign: false };
    }
    const opens = picked && picked.workspaceId === WORKSPACE_IDS[step.ws] && presented !== undefined && presented === issued.at(-1) ? picked.id : undefined;
    const workspace: Workspace | null = w.slots[step.ws]?.roster.workspace ?? null;
    const namesForeign = picked !== undefined && picked.workspaceId !== WORKSPACE_IDS[step.ws];
    return { slot: step.ws, workspace, invitation: picked, presentedTokenHash, opens, namesForeign };
  }

  /** The model's answer to "what does this link lead to", or `undefined` when it opens a usable invitation. */
  tokenStage(mw: ModelWorkspace | undefined, mi: ModelInvitation | undefined): OutcomeClass[] | undefined {
    if (!mw || !mi) return ['InvalidToken'];
    if (mi.status === 'accepted') return ['InvitationAlreadyAccepted'];
    if (mi.status === 'revoked') return ['InvitationWasRevoked'];
    if (mi.status === 'expired' || this.w.now >= mi.expiresAt) return ['InvitationHasExpired'];
    return undefined;
  }

  preview(step: Extract<DomainStep, { kind: 'previewInvitation' }>): Execution | NoCommand {
    if (!this.w.slots[step.ws]) return { note: 'no such workspace' };
    const link = this.openLink(step);
    const inviter = link.invitation ? this.agent(link.invitation.invitedBy) : undefined;
    const result = previewInvitation(
      { workspace: link.workspace, invitation: link.invitation ?? null, inviter: inviter ?? null },
      { now: this.now, presentedTokenHash: link.presentedTokenHash },
    );
    const mw = this.w.model.workspaces[link.slot];
    const mi = link.opens === undefined ? undefined : mw?.invitations.get(link.opens);
    return {
      command: step.kind,
      slot: link.slot,
      actor: null,
      named: link.invitation ? [link.invitation.id] : [],
      // A query decides nothing: its answer travels as `state.preview`, with no events.
      outcome: result.match<StepOutcome>(
        (preview) => ({ kind: 'ok', decision: { state: { preview }, events: [] } }),
        (error) => ({ kind: 'failed', error }),
      ),
      namesForeign: link.namesForeign,
      expected: this.tokenStage(mw, mi) ?? ['ok'],
      commit: () => {},
    };
  }

  accept(step: Extract<DomainStep, { kind: 'acceptInvitation' }>): Execution | NoCommand {
    const w = this.w;
    if (!w.slots[step.ws]) return { note: 'no such workspace' };
    const { slot, workspace, invitation, presentedTokenHash, opens, namesForeign } = this.openLink(step);
    const now = this.now;
    const agentId = agentIdSchema.parse(`agt_${this.next()}`);
    const result = acceptInvitation(
      { workspace, invitation: invitation ?? null, departments: this.departments(invitation?.departmentIds ?? []) },
      { name: step.name, password: step.password },
      {
        now,
        presentedTokenHash,
        agentId,
        emailStatus: invitation ? this.emailHolder(slot, invitation.email, invitation.id) : 'available',
        signedInEmail: step.signedIn === 'as-invitee' ? (invitation?.email ?? null) : step.signedIn === 'as-someone-else' ? SOMEONE_ELSE : null,
      },
    );

    const mw = w.model.workspaces[slot];
    const mi = opens === undefined ? undefined : mw?.invitations.get(opens);
    let expected = this.tokenStage(mw, mi);
    if (expected === undefined && mw && mi) {
      expected = [];
      if (step.signedIn === 'as-someone-else') expected.push('SignedInAsDifferentEmail');
      if (w.model.standalone.has(mi.mailbox) || [...mw.agents.values()].some((a) => a.mailbox === mi.mailbox)) expected.push('EmailAlreadyExists');
      const length = [...step.password].length;
      if (length < 15 || length > 256) expected.push('WeakPassword');
      if (!mw.reserve && over(modelSeats(mw) + 1, mw.seats)) expected.push('SeatLimitReached');
      if (expected.length === 0) expected.push('ok');
    }
    return {
      command: step.kind,
      slot,
      actor: null,
      named: invitation ? [invitation.id] : [],
      outcome: asOutcome(result),
      namesForeign,
      expected,
      commit: () => {
        if (!mw || !mi) return;
        mi.status = 'accepted';
        // Departments deleted meanwhile are dropped: the model forgets deleted ones everywhere.
        mw.agents.set(agentId, { mailbox: mi.mailbox, admin: mi.admin, active: true, online: false, departments: new Set(mi.departments) });
      },
      created: { agents: [agentId] },
    };
  }

  byActor(step: Extract<DomainStep, { actor: ActorPick }>): Execution | NoCommand {
    const w = this.w;
    const slot = step.ws;
    const workspace = w.slots[slot]?.roster.workspace;
    const mw = w.model.workspaces[slot];
    const actor = this.actor(slot, step.actor);
    if (!workspace || !mw) return { note: 'no such workspace' };
    if (!actor) return { note: 'no such actor' };
    const now = this.now;
    const model = w.model;
    const actorHere = actor.workspaceId === workspace.id;
    const admin = actorHere && mw.agents.get(actor.id)?.admin === true;
    const foreign = (...ids: readonly string[]) =>
      !actorHere || ids.some((id) => [this.agent(id), this.invitation(id), this.department(id)].some((x) => x !== undefined && x.workspaceId !== workspace.id));
    const targetAgent = (p: AgentPick): AgentId => (p === 'actor' ? actor.id : this.pick(slot, p, 'agents'));
    // Collects every rule a step breaks; the model accepts any of the matching errors, and `ok` only when none.
    const reasons = (...found: (OutcomeClass | false)[]): OutcomeClass[] => {
      const broken = found.filter((r): r is OutcomeClass => r !== false);
      return broken.length === 0 ? ['ok'] : broken;
    };
    const run = (outcome: StepOutcome, ids: readonly string[], expected: readonly OutcomeClass[] | undefined, commit: () => void, extra: Partial<Pick<Execution, 'created' | 'token'>> = {}): Execution => ({
      command: step.kind,
      slot,
      actor,
      named: ids,
      outcome,
      namesForeign: foreign(...ids),
      expected,
      commit,
      ...extra,
    });

    switch (step.kind) {
      case 'inviteAgent': {
        const departmentIds = step.departments.map((p) => this.pick(slot, p, 'departments'));
        const invitationId = invitationIdSchema.parse(`inv_${this.next()}`);
        const tokenHash = this.tokenHash();
        const result = inviteAgent(
          { workspace, actor, departments: this.departments(departmentIds) },
          { email: step.email.address, departmentIds, ...(step.role === undefined ? {} : { role: step.role }) },
          { now, invitationId, tokenHash, emailStatus: this.emailHolderOf(slot, step.email.address) },
        );
        const mailbox = step.email.mailbox;
        const expected = mailbox === null ? ['ValidationFailed' as const] : reasons(
          !admin && 'PermissionDenied',
          mailboxTaken(model, mw, mailbox) && 'EmailAlreadyExists',
          departmentIds.some((id) => !mw.departments.has(id)) && 'DepartmentNotFound',
          mw.reserve && over(modelSeats(mw) + 1, mw.seats) && 'SeatLimitReached',
        );
        return run(
          asOutcome(result),
          departmentIds,
          expected,
          () => {
            mw.invitations.set(invitationId, {
              mailbox: mailbox ?? '',
              admin: step.role === 'admin',
              status: 'pending',
              expiresAt: now.getTime() + mw.ttlHours * HOUR,
              departments: new Set(departmentIds),
            });
          },
          { created: { invitations: [invitationId] }, token: [invitationId, tokenHash] },
        );
      }
      case 'resendInvitation': {
        const invitationId = this.pick(slot, step.invitation, 'invitations');
        const invitation = this.invitation(invitationId);
        const tokenHash = this.tokenHash();
        const result = resendInvitation(
          { workspace, actor, invitation, departments: this.departments(invitation?.departmentIds ?? []) },
          { invitationId },
          { now, tokenHash, emailStatus: invitation ? this.emailHolder(slot, invitation.email, invitation.id) : 'available' },
        );
        const mi = mw.invitations.get(invitationId);
        // Past its expiry and not yet recorded: the resend records the lapse first, so it revives
        // the invitation as it would a recorded one (the email must be free), and its seat, still
        // counted, is given back and taken again (refused only on a workspace over its plan).
        const lapsed = mi?.status === 'pending' && now.getTime() >= mi.expiresAt;
        const expired = mi?.status === 'expired' || lapsed;
        const expected = reasons(
          !admin && 'PermissionDenied',
          !mi && 'InvitationNotFound',
          (mi?.status === 'accepted' || mi?.status === 'revoked') && 'InvitationNotPending',
          expired && mailboxTaken(model, mw, mi!.mailbox, invitationId) && 'EmailAlreadyExists',
          expired && mw.reserve && over(modelSeats(mw) + (lapsed ? 0 : 1), mw.seats) && 'SeatLimitReached',
        );
        return run(
          asOutcome(result),
          [invitationId],
          expected,
          () => {
            if (!mi) return;
            mi.status = 'pending';
            mi.expiresAt = now.getTime() + mw.ttlHours * HOUR;
          },
          { token: [invitationId, tokenHash] },
        );
      }
      case 'revokeInvitation': {
        const invitationId = this.pick(slot, step.invitation, 'invitations');
        const result = revokeInvitation({ workspace, actor, invitation: this.invitation(invitationId) }, { invitationId }, { now });
        const mi = mw.invitations.get(invitationId);
        // One past its expiry is expired, recorded or not (as listInvitations shows it).
        const closed = mi !== undefined && (mi.status !== 'pending' || now.getTime() >= mi.expiresAt);
        const expected = reasons(!admin && 'PermissionDenied', !mi && 'InvitationNotFound', closed && 'InvitationNotPending');
        return run(asOutcome(result), [invitationId], expected, () => {
          if (mi) mi.status = 'revoked';
        });
      }
      case 'editAgent': {
        const agentId = targetAgent(step.agent);
        const result = editAgent(
          { workspace, actor, agent: this.agent(agentId) },
          {
            agentId,
            ...(step.name === undefined ? {} : { name: step.name }),
            ...(step.email === undefined ? {} : { email: step.email.address }),
            ...(step.description === undefined ? {} : { description: step.description }),
          },
          { now, emailStatus: step.email === undefined ? 'available' : this.emailHolderOf(slot, step.email.address, agentId) },
        );
        const ma = mw.agents.get(agentId);
        const self = actorHere && agentId === actor.id;
        const mailbox = step.email?.mailbox;
        const expected =
          mailbox === null
            ? ['ValidationFailed' as const]
            : reasons(
                !ma && 'AgentNotFound',
                !self && !admin && 'PermissionDenied',
                // Only the owner changes the owner's email (the owner's login).
                !self && ma !== undefined && agentId === mw.ownerId && mailbox !== undefined && mailbox !== ma.mailbox && 'PermissionDenied',
                ma !== undefined && mailbox !== undefined && mailbox !== ma.mailbox && mailboxTaken(model, mw, mailbox, agentId) && 'EmailAlreadyExists',
              );
        return run(asOutcome(result), [agentId], expected, () => {
          if (ma && mailbox) ma.mailbox = mailbox;
        });
      }
      case 'changeRole': {
        const agentId = targetAgent(step.agent);
        const result = changeRole({ workspace, actor, agent: this.agent(agentId) }, { agentId, role: step.role }, { now });
        const ma = mw.agents.get(agentId);
        const expected = reasons(!admin && 'PermissionDenied', !ma && 'AgentNotFound', ma !== undefined && agentId === mw.ownerId && step.role === 'agent' && 'OwnerMustStayAdmin');
        return run(asOutcome(result), [agentId], expected, () => {
          if (ma) ma.admin = step.role === 'admin';
        });
      }
      case 'activateAgent':
      case 'deactivateAgent': {
        const agentId = targetAgent(step.agent);
        const command = step.kind === 'activateAgent' ? activateAgent : deactivateAgent;
        const result = command({ workspace, actor, agent: this.agent(agentId) }, { agentId }, { now });
        const ma = mw.agents.get(agentId);
        const activating = step.kind === 'activateAgent';
        const expected = reasons(
          !admin && 'PermissionDenied',
          !ma && 'AgentNotFound',
          activating && ma !== undefined && !ma.active && !mw.countInactive && over(modelSeats(mw) + 1, mw.seats) && 'SeatLimitReached',
        );
        return run(asOutcome(result), [agentId], expected, () => {
          if (!ma) return;
          ma.active = activating;
          // The rules (docs/domain.md): deactivating also sets the agent away.
          if (!activating) ma.online = false;
        });
      }
      case 'setAvailability': {
        const agentId = targetAgent(step.agent);
        const result = setAvailability({ workspace, actor, agent: this.agent(agentId) }, { agentId, availability: step.availability }, { now });
        const ma = mw.agents.get(agentId);
        const self = actorHere && agentId === actor.id;
        const expected = reasons(!ma && 'AgentNotFound', !self && !admin && 'PermissionDenied', ma !== undefined && !ma.active && step.availability === 'online' && 'AgentInactive');
        return run(asOutcome(result), [agentId], expected, () => {
          if (ma) ma.online = step.availability === 'online';
        });
      }
      case 'transferOwnership': {
        const agentId = this.pick(slot, step.to, 'agents');
        const result = transferOwnership(
          { workspace, actor, newOwner: this.agent(agentId) },
          { toAgentId: agentId, ...(step.formerOwnerRole === undefined ? {} : { formerOwnerRole: step.formerOwnerRole }) },
          { now },
        );
        const expected = reasons(
          !(actorHere && actor.id === mw.ownerId) && 'PermissionDenied',
          !mw.agents.has(agentId) && 'AgentNotFound',
          agentId === mw.ownerId && 'AlreadyOwner',
        );
        return run(asOutcome(result), [agentId], expected, () => {
          const former = mw.agents.get(mw.ownerId);
          const next = mw.agents.get(agentId);
          if (!former || !next) return;
          former.admin = (step.formerOwnerRole ?? 'admin') === 'admin';
          next.admin = true;
          mw.ownerId = agentId;
        });
      }
      case 'deleteAgent': {
        const agentId = targetAgent(step.agent);
        const result = deleteAgent({ workspace, actor, agent: this.agent(agentId) }, { agentId }, { now });
        const expected = reasons(!admin && 'PermissionDenied', !mw.agents.has(agentId) && 'AgentNotFound', agentId === mw.ownerId && 'OwnerCannotBeDeleted');
        return run(asOutcome(result), [agentId], expected, () => {
          mw.agents.delete(agentId);
        });
      }
      case 'createDepartment': {
        const departmentId = departmentIdSchema.parse(`dep_${this.next()}`);
        const result = createDepartment({ workspace, actor }, { name: step.name.name }, { now, departmentId, nameTaken: this.nameTaken(slot, step.name.name) });
        const expected = reasons(
          !admin && 'PermissionDenied',
          [...mw.departments.values()].includes(step.name.key) && 'DepartmentNameTaken',
          over(mw.departments.size + 1, mw.departmentLimit) && 'DepartmentLimitReached',
        );
        return run(
          asOutcome(result),
          [],
          expected,
          () => {
            mw.departments.set(departmentId, step.name.key);
          },
          { created: { departments: [departmentId] } },
        );
      }
      case 'renameDepartment': {
        const departmentId = this.pick(slot, step.department, 'departments');
        const result = renameDepartment(
          { workspace, actor, department: this.department(departmentId) },
          { departmentId, name: step.name.name },
          { now, nameTaken: this.nameTaken(slot, step.name.name, departmentId) },
        );
        const expected = reasons(
          !admin && 'PermissionDenied',
          !mw.departments.has(departmentId) && 'DepartmentNotFound',
          [...mw.departments.entries()].some(([id, key]) => id !== departmentId && key === step.name.key) && 'DepartmentNameTaken',
        );
        return run(asOutcome(result), [departmentId], expected, () => {
          if (mw.departments.has(departmentId)) mw.departments.set(departmentId, step.name.key);
        });
      }
      case 'deleteDepartment': {
        const departmentId = this.pick(slot, step.department, 'departments');
        // Every agent and invitation of the world: the command must keep only its own members.
        const result = deleteDepartment(
          { workspace, actor, department: this.department(departmentId), members: this.everyAgent(), invitations: this.everyInvitation() },
          { departmentId },
          { now },
        );
        const expected = reasons(!admin && 'PermissionDenied', !mw.departments.has(departmentId) && 'DepartmentNotFound');
        return run(asOutcome(result), [departmentId], expected, () => {
          mw.departments.delete(departmentId);
          for (const holder of [...mw.agents.values(), ...mw.invitations.values()]) holder.departments.delete(departmentId);
        });
      }
      case 'assignAgentToDepartments': {
        const agentId = targetAgent(step.agent);
        const departmentIds = step.departments.map((p) => this.pick(slot, p, 'departments'));
        const result = assignAgentToDepartments(
          { workspace, actor, agent: this.agent(agentId), departments: this.departments(departmentIds) },
          { agentId, departmentIds },
          { now },
        );
        const expected = reasons(
          !admin && 'PermissionDenied',
          !mw.agents.has(agentId) && 'AgentNotFound',
          departmentIds.some((id) => !mw.departments.has(id)) && 'DepartmentNotFound',
          new Set([...(mw.agents.get(agentId)?.departments ?? []), ...departmentIds]).size > MAX_DEPARTMENTS_PER_AGENT && 'ValidationFailed',
        );
        return run(asOutcome(result), [agentId, ...departmentIds], expected, () => {
          for (const id of departmentIds) mw.agents.get(agentId)?.departments.add(id);
        });
      }
      case 'removeAgentFromDepartment': {
        const agentId = targetAgent(step.agent);
        const departmentId = this.pick(slot, step.department, 'departments');
        const result = removeAgentFromDepartment(
          { workspace, actor, agent: this.agent(agentId), department: this.department(departmentId) },
          { agentId, departmentId },
          { now },
        );
        const expected = reasons(!admin && 'PermissionDenied', !mw.agents.has(agentId) && 'AgentNotFound', !mw.departments.has(departmentId) && 'DepartmentNotFound');
        return run(asOutcome(result), [agentId, departmentId], expected, () => {
          mw.agents.get(agentId)?.departments.delete(departmentId);
        });
      }
      case 'changePlan': {
        const result = changePlan({ workspace, actor }, { plan: step.plan }, { now, ...(this.catalog === undefined ? {} : { plans: this.catalog }) });
        const limits = modelPlan(step.plan, this.catalog);
        const expected = reasons(
          !admin && 'PermissionDenied',
          limits === undefined && 'PlanNotFound',
          limits !== undefined && (over(modelSeats(mw), limits[0]) || over(mw.departments.size, limits[1])) && 'PlanLimitsExceeded',
        );
        return run(asOutcome(result), [], expected, () => {
          if (!limits) return;
          [mw.seats, mw.departmentLimit] = limits;
        });
      }
      case 'changeSettings': {
        const result = changeSettings(
          { workspace, actor },
          {
            ...(step.name === undefined ? {} : { name: step.name }),
            ...(step.seatPolicy === undefined ? {} : { seatPolicy: step.seatPolicy }),
            ...(step.invitationTtlHours === undefined ? {} : { invitationTtlHours: step.invitationTtlHours }),
          },
          { now },
        );
        const policy = { countInactive: step.seatPolicy?.countInactiveAgents ?? mw.countInactive, reserve: step.seatPolicy?.reserveSeatsForInvitations ?? mw.reserve };
        const expected = reasons(!admin && 'PermissionDenied', over(modelSeats(mw, policy), mw.seats) && 'SeatLimitReached');
        return run(asOutcome(result), [], expected, () => {
          mw.countInactive = policy.countInactive;
          mw.reserve = policy.reserve;
          mw.ttlHours = step.invitationTtlHours ?? mw.ttlHours;
        });
      }
    }
  }

  /** Folds a decision's events into the world, and records what was created. */
  apply(run: Execution, events: readonly RosterEvent[]): void {
    const w = this.w;
    // Throws before touching the world when an event names a workspace that is not in it.
    for (const e of events) this.slotOf(e.workspaceId);
    for (const slot of [0, 1] as const) {
      const own = events.filter((e) => e.workspaceId === WORKSPACE_IDS[slot]);
      if (own.length === 0) continue;
      const current = w.slots[slot] ?? { roster: initialRosterState, agents: [], invitations: [], departments: [] };
      const roster = replay(own, current.roster);
      w.slots[slot] = { ...current, roster: this.freeze ? deepFreeze(roster) : roster };
    }
    w.history.push(...events);
    const target = w.slots[run.slot];
    if (target && run.created) {
      target.agents.push(...(run.created.agents ?? []));
      target.invitations.push(...(run.created.invitations ?? []));
      target.departments.push(...(run.created.departments ?? []));
    }
    if (run.token) w.tokens.set(run.token[0], [...(w.tokens.get(run.token[0]) ?? []), run.token[1]]);
  }

  facts(): StepReport['facts'] {
    return this.w.slots.map((s, slot) => {
      const mw = this.w.model.workspaces[slot];
      return mw && s ? { model: factsOfModel(mw), system: factsOfRoster(s.roster) } : undefined;
    });
  }
}

/**
 * Plays steps against a world of one or two workspaces (see the module's documentation) and
 * reports each step to `onStep`. Never throws for a refused command — a refusal is an outcome —
 * only when a callback throws or a command returns events for a workspace that does not exist.
 *
 * @example
 * fc.assert(
 *   fc.property(domainStepsArb(), (steps) => {
 *     runDomainSequence(steps, {
 *       onStep: (report) => {
 *         for (const roster of report.after) if (roster) expect(checkRoster(roster)).toEqual([]);
 *       },
 *     });
 *   }),
 * );
 */
export function runDomainSequence(steps: readonly DomainStep[], options: RunOptions = {}): SequenceResult {
  const runner = new Runner(options.start ?? DEFAULT_START, options.freeze ?? true, options.catalog);
  steps.forEach((step, index) => {
    runner.w.now += 60_000;
    const before = runner.rosters();
    options.beforeStep?.({ index, step, rosters: before });
    const run = runner.execute(step);
    if ('command' in run) {
      if (run.outcome.kind === 'ok') {
        runner.apply(run, run.outcome.decision.events);
        run.commit();
      }
    }
    options.onStep?.({
      index,
      step,
      command: 'command' in run ? run.command : null,
      outcome: 'command' in run ? run.outcome : { kind: 'no-command', note: run.note },
      slot: 'command' in run ? run.slot : null,
      actor: 'command' in run ? run.actor : null,
      named: 'command' in run ? run.named : [],
      namesForeign: 'command' in run ? run.namesForeign : false,
      expected: 'command' in run ? run.expected : undefined,
      before,
      after: runner.rosters(),
      history: [...runner.w.history],
      facts: runner.facts(),
      now: runner.now,
    });
  });
  return { rosters: runner.rosters(), history: runner.w.history, now: runner.now };
}

/**
 * The outcome class of a step: `ok`, an error's `type`, or `null` when no command ran.
 *
 * @example
 * runDomainSequence(steps, { onStep: (r) => console.log(r.command, outcomeClass(r.outcome)) });
 */
export function outcomeClass(outcome: StepOutcome): OutcomeClass | null {
  return outcome.kind === 'ok' ? 'ok' : outcome.kind === 'failed' ? outcome.error.type : null;
}
