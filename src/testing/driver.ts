/**
 * The driver: the small interface through which the testing kit drives *your* system — an HTTP
 * API, a service layer, a UI action layer — built around agent-roster's rules.
 *
 * You implement one method per use case (invite, accept, change role, …) plus `snapshot()`, which
 * reads the roster back. The kit ({@link rosterProperty} in `commands.ts`) then plays random
 * command sequences through it, predicts each outcome with a deliberately simple model, and checks
 * the invariants of the rules (docs/domain.md) on every snapshot. `rosterDriver()` is the same interface implemented
 * over this library's own `createRoster`, so the library's application layer is tested exactly the
 * way yours is.
 *
 * How the kit names things, so that a driver over any API can follow:
 * - people (actors and targets) by their **canonical email** (lower case, domain in ASCII), the
 *   way the roster stores it: `ana@shop.com`, `zoë@xn--bcher-kva.de`;
 * - departments by **name**, compared case-insensitively (`SALES` names the `Sales` department);
 * - invitations by the invitee's email: resend and revoke act on the invitation most recently
 *   sent to that email, which the driver should remember when `invite` succeeds;
 * - invitation links by their token: the kit asks {@link RosterDriver.tokenFor} for the token in
 *   the newest email sent to an address, and passes it (or an older or a made-up one) to `accept`.
 *
 * When a name matches nothing (a concurrent step just deleted it), answer with the error your
 * system would give for an unknown id: `AgentNotFound`, `DepartmentNotFound`,
 * `InvitationNotFound`, or `UnknownActor` for an actor who is gone.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import type { RosterError } from '../application/errors';
import type { Agent, Availability, Role, Status } from '../domain/agent';
import { checkHistory, checkRoster, type InvariantViolation } from '../domain/invariants';
import type { Department } from '../domain/department';
import type { RosterEvent } from '../domain/events';
import type { AgentId, DepartmentId, InvitationId, TokenHash, WorkspaceId } from '../domain/ids';
import type { Invitation, InvitationStatus } from '../domain/invitation';
import type { NoAgentReason } from '../domain/routing/errors';
import { DEFAULT_SEAT_POLICY, type SeatPolicy } from '../domain/plans';
import { replay, type RosterState } from '../domain/roster';
import type { IsoTime } from '../domain/time';
import { nameKey, type Email } from '../domain/values';
import type { Workspace, WorkspaceCounts } from '../domain/workspace';
import type { PlanInput } from './arbitraries';
import { firstDifference } from './scenario';

/**
 * What one driver call reports: success, or the `type` of the error your system answered with
 * (`SeatLimitReached`, `PermissionDenied`, …; see docs/errors.md for the list). A refusal may
 * carry the `error` itself: the kit prints its details (a `ValidationFailed`'s `issues`, a
 * `message`) when the refusal fails the property. {@link outcomeOf} fills it in.
 *
 * @example
 * const refused: DriverOutcome = { ok: false, errorType: 'SeatLimitReached' };
 */
export type DriverOutcome = Readonly<{ ok: true }> | Readonly<{ ok: false; errorType: DriverErrorType; error?: unknown }>;

/**
 * The `type` of an error a driver answers with: one of the library's error types (which editors
 * offer as you type), or any other string your system uses.
 *
 * @example const type: DriverErrorType = 'SeatLimitReached';
 */
export type DriverErrorType = RosterError['type'] | (string & {});

/**
 * The workspace each random sequence starts from. Your driver opens it with these settings;
 * the owner signs up with `owner.password`.
 *
 * @example
 * const setup: NewWorkspace = {
 *   name: 'Shop', plan: 'starter', invitationTtlHours: 168,
 *   seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true },
 *   owner: { email: 'ana@shop.com', name: 'Ana', password: 'correct horse battery staple' },
 * };
 */
export type NewWorkspace = Readonly<{
  name: string;
  plan: PlanInput;
  seatPolicy: SeatPolicy;
  invitationTtlHours: number;
  owner: Readonly<{ email: string; name: string; password: string }>;
}>;

/**
 * The roster as your system reads it back: its state and, when your system keeps them, its
 * events (then invariant 6 and "state is a fold of its events" are checked too). Build `roster`
 * with {@link toRosterState} if your API returns plainer records.
 *
 * @example
 * const snapshot: DriverSnapshot = { roster: toRosterState(await api.get('/roster')), events: await api.get('/events') };
 */
export type DriverSnapshot = Readonly<{
  roster: RosterState;
  events?: readonly RosterEvent[] | undefined;
  /**
   * Optional, for a driver with {@link RosterDriver.routeConversation}: every conversation your
   * system is routing (waiting or open, in every queue; closed ones left out). With it the kit
   * also checks that no conversation is open with an inactive agent (invariant 5), that each
   * queue holds the conversations the model routed and did not close, that an open one is held by
   * an active member of its queue, and that one waits only while nobody could take it.
   */
  conversations?: readonly DriverConversation[] | undefined;
}>;

/**
 * One conversation a queue is handling, as a {@link DriverSnapshot}'s `conversations` lists it: ids as
 * the snapshot's `roster` has them.
 *
 * @example const waiting: DriverConversation = { departmentId: 'dep_sales', conversationId: 'conv_3', agentId: null };
 */
export type DriverConversation = Readonly<{
  /** The queue: its department's id, or `null` for the workspace-wide queue. */
  departmentId: string | null;
  /** The id the kit routed it under (`conv_1`, `conv_2`, …). */
  conversationId: string;
  /** The agent it is open with, or `null` while it waits. */
  agentId: string | null;
}>;

/**
 * A conversation, as {@link RosterDriver.routeConversation} and
 * {@link RosterDriver.closeConversation} name it: its queue (a department by name, or `null` for
 * the workspace-wide queue) and an id the kit makes up (`conv_1`, `conv_2`, …; map it to yours if
 * your system picks its own).
 *
 * @example const input: ConversationInput = { department: 'Sales', conversation: 'conv_1' };
 */
export type ConversationInput = Readonly<{ department: string | null; conversation: string }>;

/**
 * Why a routed conversation waits, as the roster's `NoAgentAvailable` says in `why.reason`
 * (docs/routing.md): nobody in the department, nobody online, everybody at capacity.
 *
 * @example const reason: WaitReason = 'nobody-online';
 */
export type WaitReason = NoAgentReason;

/**
 * What {@link RosterDriver.routeConversation} answers: the agent it went to (canonical email), or
 * that it waits and why; or a refusal, as every method answers one.
 *
 * @example const assigned: RouteAnswer = { ok: true, assignedTo: 'bob@shop.com' };
 * @example const waits: RouteAnswer = { ok: true, waits: 'nobody-online' };
 */
export type RouteAnswer =
  | Readonly<{ ok: true; assignedTo: string }>
  | Readonly<{ ok: true; waits: WaitReason }>
  | Readonly<{ ok: false; errorType: DriverErrorType; error?: unknown }>;

/**
 * One invitation, as {@link RosterDriver.invite} receives it.
 *
 * @example const input: InviteInput = { email: 'Bob@Shop.com', role: 'admin', departments: ['Sales'] };
 */
export type InviteInput = Readonly<{ email: string; role: Role; departments: readonly string[] }>;

/**
 * What {@link RosterDriver.editAgent} changes; only the given fields change.
 *
 * @example const input: EditAgentChanges = { email: 'bob@shop.com', newEmail: 'robert@shop.com' };
 */
export type EditAgentChanges = Readonly<{
  /** The agent edited (canonical email). */
  email: string;
  name?: string;
  /** A new email, spelled as a user would type it; the system canonicalizes it. */
  newEmail?: string;
  description?: string;
}>;

/**
 * The system under test, as the kit drives it. Every method that changes something takes the
 * acting agent's canonical email first and resolves to a {@link DriverOutcome}; it must not
 * throw for a refusal (a throw fails the property as a crash).
 *
 * @example
 * // A driver over an HTTP API (see examples/property-testing/driver.ts for a whole one):
 * const driver: Pick<RosterDriver, 'changeRole'> = {
 *   async changeRole(actor, { email, role }) {
 *     const res = await fetch(`${base}/agents/by-email/${email}/role`, { method: 'PUT', headers: { 'x-as': actor }, body: JSON.stringify({ role }) });
 *     return res.ok ? { ok: true } : { ok: false, errorType: ((await res.json()) as { type: string }).type };
 *   },
 * };
 */
export interface RosterDriver {
  /** Opens the workspace the sequence plays in; called once, first. */
  createWorkspace(input: NewWorkspace): Promise<DriverOutcome>;
  /** `actor` invites `input.email` (spelled as typed) with a role, into departments named by name. */
  invite(actor: string, input: InviteInput): Promise<DriverOutcome>;
  /** `actor` resends the invitation most recently sent to `email`: a new link, a new expiry. */
  resend(actor: string, input: Readonly<{ email: string }>): Promise<DriverOutcome>;
  /** `actor` revokes the invitation most recently sent to `email`. */
  revoke(actor: string, input: Readonly<{ email: string }>): Promise<DriverOutcome>;
  /**
   * The token in the newest invitation email sent to `email` (canonical), or `null` when none was
   * sent. Read it from your test mailer; the kit calls it right after each successful invite and
   * resend, and keeps older tokens to try stale links.
   */
  tokenFor(email: string): Promise<string | null>;
  /** Someone opens an invitation link and accepts it, signed out, choosing a name and a password. */
  accept(input: Readonly<{ token: string; name: string; password: string }>): Promise<DriverOutcome>;
  /** `actor` edits an agent's profile (their own, or anyone's as an admin). */
  editAgent(actor: string, input: EditAgentChanges): Promise<DriverOutcome>;
  /** `actor` promotes or demotes the agent with this email. */
  changeRole(actor: string, input: Readonly<{ email: string; role: Role }>): Promise<DriverOutcome>;
  /** `actor` activates the agent with this email. */
  activate(actor: string, input: Readonly<{ email: string }>): Promise<DriverOutcome>;
  /** `actor` deactivates the agent with this email. */
  deactivate(actor: string, input: Readonly<{ email: string }>): Promise<DriverOutcome>;
  /** `actor` sets the availability of the agent with this email (their own, or anyone's as an admin). */
  setAvailability(actor: string, input: Readonly<{ email: string; availability: Availability }>): Promise<DriverOutcome>;
  /** `actor` hands the workspace to the agent with this email; the former owner keeps `formerOwnerRole`. */
  transferOwnership(actor: string, input: Readonly<{ email: string; formerOwnerRole: Role }>): Promise<DriverOutcome>;
  /** `actor` deletes the agent with this email. */
  deleteAgent(actor: string, input: Readonly<{ email: string }>): Promise<DriverOutcome>;
  /** `actor` creates a department. */
  createDepartment(actor: string, input: Readonly<{ name: string }>): Promise<DriverOutcome>;
  /** `actor` renames the department called `name` (case-insensitively) to `newName`. */
  renameDepartment(actor: string, input: Readonly<{ name: string; newName: string }>): Promise<DriverOutcome>;
  /** `actor` deletes the department called `name`. */
  deleteDepartment(actor: string, input: Readonly<{ name: string }>): Promise<DriverOutcome>;
  /** `actor` adds the agent with this email to departments named by name. */
  assignDepartments(actor: string, input: Readonly<{ email: string; departments: readonly string[] }>): Promise<DriverOutcome>;
  /** `actor` takes the agent with this email out of one department. */
  removeFromDepartment(actor: string, input: Readonly<{ email: string; department: string }>): Promise<DriverOutcome>;
  /** `actor` moves the workspace to another plan (a catalog id or an inline plan). */
  changePlan(actor: string, input: Readonly<{ plan: PlanInput }>): Promise<DriverOutcome>;
  /** Optional: `actor` changes the seat policy. Without it the kit never changes the policy mid-sequence. */
  changeSeatPolicy?(actor: string, input: Readonly<{ seatPolicy: Partial<SeatPolicy> }>): Promise<DriverOutcome>;
  /** Optional: moves your system's clock forward. Without it, invitation links never lapse in a sequence. */
  advanceTime?(hours: number): Promise<void>;
  /**
   * Optional: your chat backend routes a new conversation into a department's queue (by name) or
   * the workspace-wide queue (`department: null`). Answer the agent it went to by canonical email,
   * `{ ok: true, assignedTo: 'bob@shop.com' }`, or `{ ok: true, waits: 'nobody-online' }` with the
   * reason the roster gave. Nobody signed in routes, so there is no actor. Without it (and
   * {@link RosterDriver.closeConversation}) the kit never routes.
   */
  routeConversation?(input: ConversationInput): Promise<RouteAnswer>;
  /** Optional: your chat backend closes a conversation, waiting or open, in the queue it was routed into. */
  closeConversation?(input: ConversationInput): Promise<DriverOutcome>;
  /** Reads the whole roster back, after every step. */
  snapshot(): Promise<DriverSnapshot>;
}

/**
 * One call the kit makes to a {@link RosterDriver} method that answers a {@link DriverOutcome}:
 * the method's name, the acting agent's canonical email (`null` for `createWorkspace`, `accept`,
 * `routeConversation` and `closeConversation`, which nobody signed in makes), and the input exactly as the method receives it.
 * The `stricter` option of `rosterProperty` reads it to recognise a rule of your app's own.
 *
 * @example
 * const invite: DriverCall = { method: 'invite', actor: 'ana@shop.com', input: { email: 'Bob@Shop.com', role: 'agent', departments: [] } };
 * const nameOf = (call: DriverCall) => (call.method === 'accept' ? call.input.name : null); // narrowed: the accept's input
 * nameOf(invite) // null
 */
export type DriverCall =
  | Readonly<{ method: 'createWorkspace'; actor: null; input: NewWorkspace }>
  | Readonly<{ method: 'accept'; actor: null; input: Parameters<RosterDriver['accept']>[0] }>
  | Readonly<{ method: 'routeConversation' | 'closeConversation'; actor: null; input: ConversationInput }>
  | {
      [M in Exclude<keyof RosterDriver, 'createWorkspace' | 'accept' | 'tokenFor' | 'advanceTime' | 'snapshot' | 'routeConversation' | 'closeConversation'>]-?: Readonly<{
        method: M;
        actor: string;
        input: Parameters<NonNullable<RosterDriver[M]>>[1];
      }>;
    }[Exclude<keyof RosterDriver, 'createWorkspace' | 'accept' | 'tokenFor' | 'advanceTime' | 'snapshot' | 'routeConversation' | 'closeConversation'>];

/**
 * A refusal, as a driver answers it: `{ ok: false, errorType, error? }`.
 *
 * @example const refused: DriverRefusal = { ok: false, errorType: 'PermissionDenied' };
 */
export type DriverRefusal = Extract<DriverOutcome, Readonly<{ ok: false }>>;

/**
 * Turns a neverthrow `Result` (or the awaited `ResultAsync` of a use case) into a
 * {@link DriverOutcome}: the handiest way to write a driver over agent-roster's own use cases.
 *
 * @example
 * async invite(actor, input) { return outcomeOf(await roster.inviteAgent(refOf(actor), { … })); }
 */
export function outcomeOf(result: Result<unknown, unknown>): DriverOutcome {
  if (typeof (result as { isOk?: unknown } | null | undefined)?.isOk !== 'function') {
    const pending = typeof (result as { then?: unknown } | null | undefined)?.then === 'function';
    throw new TypeError(
      pending ? 'outcomeOf takes a Result: await the ResultAsync first, outcomeOf(await roster.inviteAgent(…)).' : `outcomeOf takes a neverthrow Result, and was given ${String(result)}.`,
    );
  }
  if (result.isOk()) return { ok: true };
  const error: unknown = result.error;
  // Library errors are plain objects with a `type`; anything else is reported as itself.
  const type = typeof error === 'object' && error !== null && 'type' in error ? (error as { type: unknown }).type : error;
  return { ok: false, errorType: String(type), error };
}

// ---------------------------------------------------------------------------
// Plain snapshots
// ---------------------------------------------------------------------------

/**
 * An agent as an API typically returns it; only these fields are needed.
 *
 * @example const bob: PlainAgent = { id: 'agt_bob', email: 'bob@shop.com', role: 'agent', status: 'active', availability: 'away', departmentIds: [] };
 */
export type PlainAgent = Readonly<{
  id: string;
  email: string;
  role: Role;
  status: Status;
  availability: Availability;
  departmentIds: readonly string[];
  name?: string | undefined;
}>;

/**
 * An invitation as an API typically returns it; `expiresAt` is needed for invariant 6 only.
 *
 * @example const cy: PlainInvitation = { id: 'inv_cy', email: 'cy@shop.com', status: 'pending', departmentIds: [] };
 */
export type PlainInvitation = Readonly<{
  id: string;
  email: string;
  status: InvitationStatus;
  departmentIds: readonly string[];
  role?: Role | undefined;
  expiresAt?: string | undefined;
}>;

/**
 * A department as an API typically returns it.
 *
 * @example const sales: PlainDepartment = { id: 'dep_sales', name: 'Sales' };
 */
export type PlainDepartment = Readonly<{ id: string; name: string }>;

/**
 * A roster in the plainest shape {@link toRosterState} accepts: the workspace's owner, plan and
 * seat policy, and the three lists (arrays, or records by id). Counters are recounted when missing.
 *
 * @example
 * toRosterState({ workspace: { id: 'ws_1', ownerId: 'agt_ana', plan: { seats: 3, departments: 1 } }, agents: [ana], invitations: [], departments: [] });
 */
export type PlainRoster = Readonly<{
  workspace: Readonly<{
    id: string;
    ownerId: string;
    plan: Readonly<{ id?: string | undefined; seats: number | null; departments: number | null }>;
    /** Default: the default policy of the rules (docs/domain.md). */
    seatPolicy?: SeatPolicy | undefined;
    name?: string | undefined;
    /** When given, invariant 2 checks them against the records; when missing, they are recounted. */
    counts?: WorkspaceCounts | undefined;
  }> | null;
  agents: readonly PlainAgent[] | Readonly<Record<string, PlainAgent>>;
  invitations: readonly PlainInvitation[] | Readonly<Record<string, PlainInvitation>>;
  departments: readonly PlainDepartment[] | Readonly<Record<string, PlainDepartment>>;
}>;

const EPOCH = '1970-01-01T00:00:00.000Z' as IsoTime;
const listOf = <T>(items: readonly T[] | Readonly<Record<string, T>>): readonly T[] => (Array.isArray(items) ? items : Object.values(items));

/**
 * Fills a plain roster up to a `RosterState`, so `checkInvariants` can read what your API returns.
 * Fields the invariants do not read (names, timestamps) get neutral defaults; a full
 * `RosterState` passes through unchanged in every field it has.
 *
 * @example
 * async snapshot() {
 *   const body = (await (await fetch(`${base}/roster`)).json()) as PlainRoster; // your API's reply, as it holds it
 *   return { roster: toRosterState(body) };
 * }
 */
export function toRosterState(plain: PlainRoster): RosterState {
  const ws = plain.workspace;
  if (ws === null) return { workspace: null, agents: {}, invitations: {}, departments: {} };
  const workspaceId = ws.id as WorkspaceId;
  const agents = listOf(plain.agents).map(
    (a): Agent => ({
      kind: 'agent',
      workspaceId,
      description: '',
      joinedAt: EPOCH,
      ...(a as Partial<Agent>),
      // After the spread: a name given as `undefined` is one left out.
      name: a.name ?? a.email,
      id: a.id as AgentId,
      email: a.email as Email,
      role: a.role,
      status: a.status,
      availability: a.availability,
      departmentIds: a.departmentIds as readonly DepartmentId[],
    }),
  );
  const invitations = listOf(plain.invitations).map(
    (i): Invitation => ({
      kind: 'invitation',
      workspaceId,
      invitedBy: ws.ownerId as AgentId,
      tokenHash: '0'.repeat(64) as TokenHash,
      sentAt: EPOCH,
      resendCount: 0,
      agentId: null,
      closedAt: null,
      ...(i as Partial<Invitation>),
      role: i.role ?? 'agent',
      id: i.id as InvitationId,
      email: i.email as Email,
      status: i.status,
      departmentIds: i.departmentIds as readonly DepartmentId[],
      expiresAt: (i.expiresAt ?? '9999-12-31T23:59:59.999Z') as IsoTime,
    }),
  );
  const departments = listOf(plain.departments).map(
    (d): Department => ({
      kind: 'department',
      workspaceId,
      createdAt: EPOCH,
      ...(d as Partial<Department>),
      id: d.id as DepartmentId,
      name: d.name,
      nameKey: nameKey(d.name.trim()),
    }),
  );
  const active = agents.filter((a) => a.status === 'active').length;
  const workspace: Workspace = {
    kind: 'workspace',
    invitationTtlHours: 168,
    createdAt: EPOCH,
    ...(ws as Partial<Workspace>),
    name: ws.name ?? ws.id,
    id: workspaceId,
    ownerId: ws.ownerId as AgentId,
    plan: { id: ws.plan.id ?? 'plan', seats: ws.plan.seats, departments: ws.plan.departments },
    seatPolicy: ws.seatPolicy ?? DEFAULT_SEAT_POLICY,
    counts: ws.counts ?? {
      activeAgents: active,
      inactiveAgents: agents.length - active,
      pendingInvitations: invitations.filter((i) => i.status === 'pending').length,
      departments: departments.length,
    },
  };
  const byId = <T extends { id: string }>(items: readonly T[]) => Object.fromEntries(items.map((item) => [item.id, item]));
  return { workspace, agents: byId(agents), invitations: byId(invitations), departments: byId(departments) };
}

// ---------------------------------------------------------------------------
// Every invariant, on a snapshot
// ---------------------------------------------------------------------------

const FOLD_RULE = 'State is a fold of its events: replaying the events gives the same state.';

/** What invariant 8 compares: the fields a plain snapshot carries, so defaults filled in by {@link toRosterState} never count. */
function foldView(roster: RosterState) {
  const ws = roster.workspace;
  const sorted = (ids: readonly string[]) => [...ids].sort();
  const map = <T, U>(records: Readonly<Record<string, T>>, f: (t: T) => U) => Object.fromEntries(Object.entries(records).map(([id, t]) => [id, f(t)]));
  return {
    workspace:
      ws === null
        ? null
        : { ownerId: ws.ownerId, seats: ws.plan.seats, departments: ws.plan.departments, seatPolicy: { ...ws.seatPolicy }, counts: { ...ws.counts } },
    agents: map(roster.agents, (a) => ({ email: a.email, role: a.role, status: a.status, availability: a.availability, departmentIds: sorted(a.departmentIds) })),
    invitations: map(roster.invitations, (i) => ({ email: i.email, status: i.status, departmentIds: sorted(i.departmentIds) })),
    departments: map(roster.departments, (d) => ({ nameKey: d.nameKey })),
  };
}

const ROUTED_RULE = 'An inactive agent is never online and never receives a routed conversation.';

/** Invariant 5's second half: no conversation is open with an inactive agent (deactivating requeues them). */
function checkConversations(roster: RosterState, conversations: readonly DriverConversation[]): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  for (const c of conversations) {
    if (c.agentId === null || !Object.hasOwn(roster.agents, c.agentId)) continue;
    if (roster.agents[c.agentId]!.status === 'active') continue;
    const queue = c.departmentId === null ? 'the workspace-wide queue' : `the queue of ${c.departmentId}`;
    violations.push({ invariant: 5, rule: ROUTED_RULE, explanation: `Conversation ${c.conversationId} in ${queue} is open with ${c.agentId}, who is inactive.` });
  }
  return violations;
}

const shown = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

/**
 * Checks every invariant of the rules (docs/domain.md) that a snapshot can show, and explains each violation in
 * plain words (it never answers with a bare boolean):
 * - 1–5 on the roster ({@link checkRoster}: one admin owner, seats and departments within the
 *   plan and the counters honest, unique emails, no dangling department, nobody inactive online);
 * - 5 on the conversations, when given: none is open with an inactive agent;
 * - 6 on the events, when given ({@link checkHistory}: an invitation accepted at most once, never
 *   after its expiry or revocation);
 * - 8 when events are given: replaying them gives the roster (compared on owner, plan, policy,
 *   counters, and every agent's, invitation's and department's rule-relevant fields).
 * Invariant 7 is about a command, not a state: the command runner checks it (a refused step must
 * leave the snapshot as it was).
 *
 * @example
 * const violations = checkInvariants({ roster: replay(events), events });
 * expect(violations).toEqual([]);
 * // [{ invariant: 1, rule: 'Exactly one owner, …', explanation: 'The owner agt_ana has role "agent", not admin.' }]
 */
export function checkInvariants(
  snapshot: Readonly<{ roster: RosterState; events?: readonly RosterEvent[] | undefined; conversations?: readonly DriverConversation[] | undefined }>,
): readonly InvariantViolation[] {
  const violations = [...checkRoster(snapshot.roster), ...checkConversations(snapshot.roster, snapshot.conversations ?? [])];
  if (snapshot.events === undefined) return violations;
  violations.push(...checkHistory(snapshot.events));
  let replayed: RosterState;
  try {
    replayed = replay(snapshot.events);
  } catch (error) {
    // A history that names one id twice as new cannot be folded at all: that is a violation, not a crash.
    violations.push({ invariant: 8, rule: FOLD_RULE, explanation: `The events cannot be replayed: ${error instanceof Error ? error.message : String(error)}.` });
    return violations;
  }
  const difference = firstDifference(foldView(replayed), foldView(snapshot.roster));
  if (difference) {
    violations.push({
      invariant: 8,
      rule: FOLD_RULE,
      explanation: `Replaying the events gives ${difference.path} = ${shown(difference.expected)}, but the state has ${shown(difference.actual)}.`,
    });
  }
  return violations;
}
