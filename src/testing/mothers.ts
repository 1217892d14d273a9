import type { Result } from 'neverthrow';
import type { z } from 'zod';
import { activateAgent, deactivateAgent, editAgent, setAvailability } from '../domain/agent';
import type { Agent, Availability, EmailStatus, Role, Status } from '../domain/agent';
import { createDepartment, type Department } from '../domain/department';
import type { DomainError } from '../domain/errors';
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
import { acceptInvitation, expireInvitations, inviteAgent, revokeInvitation, type Invitation, type InvitationStatus } from '../domain/invitation';
import { DEFAULT_SEAT_POLICY, PLANS, type Plan, type PlanCatalog, type SeatPolicy } from '../domain/plans';
import { initialRosterState, replay, type RosterState } from '../domain/roster';
import { isoTime } from '../domain/time';
import { departmentNameSchema, descriptionSchema, emailSchema, nameKey, personNameSchema, type Email } from '../domain/values';
import { createWorkspace, DEFAULT_INVITATION_TTL_HOURS, type Workspace, type WorkspaceCounts } from '../domain/workspace';

/**
 * Object mothers: readable builders of roster data for tests, yours and ours.
 *
 * - `aWorkspace`, `anAgent`, `anInvitation`, `aDepartment` build one aggregate as plain data,
 *   with sensible defaults and any field overridden. They do not check cross-aggregate rules,
 *   so they can also build the broken states an invariant checker must catch.
 * - `rosterOf` builds a whole roster by running the real commands, so the state it returns obeys
 *   every rule (docs/domain.md); start scenarios from it.
 *
 * A mother given something invalid (a malformed id or email, a name or description no command
 * would store) throws: that is a bug in the test. Names and descriptions come back as a command
 * stores them (trimmed, NFC).
 */

/**
 * The instant stories start at, unless told otherwise: Monday 23 November 2026, 09:00 UTC.
 *
 * @example changePlan(state, { plan: 'enterprise' }, { now: T0 })
 */
export const T0: Date = new Date('2026-11-23T09:00:00.000Z');

/**
 * `date` moved by a number of hours (negative moves back).
 *
 * @example hoursAfter(T0, 7 * 24) // when a default invitation sent at T0 expires
 */
export function hoursAfter(date: Date, hours: number): Date {
  return new Date(date.getTime() + hours * 3_600_000);
}

/**
 * A password that every default policy accepts.
 *
 * @example acceptInvitation(state, { name: 'Cy', password: STRONG_PASSWORD }, context)
 */
export const STRONG_PASSWORD = 'correct horse battery staple';

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new Error(`Test data: ${JSON.stringify(value)} is not ${what}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
}

const withPrefix = (prefix: string, raw: string) => (raw.startsWith(`${prefix}_`) ? raw : `${prefix}_${raw}`);

/**
 * Branded ids from short names: the prefix is added when missing.
 *
 * @example ids.agent('bob') // 'agt_bob'; ids.department('dep_sales') // 'dep_sales'
 */
export const ids = {
  /** A workspace id: `ids.workspace('shop')` is `'ws_shop'`. Throws on a name that cannot be one. */
  workspace: (name: string): WorkspaceId => parseOrThrow(workspaceIdSchema, withPrefix('ws', name), 'a workspace id'),
  /** An agent id: `ids.agent('bob')` is `'agt_bob'`. Throws on a name that cannot be one. */
  agent: (name: string): AgentId => parseOrThrow(agentIdSchema, withPrefix('agt', name), 'an agent id'),
  /** An invitation id: `ids.invitation('cy')` is `'inv_cy'`. Throws on a name that cannot be one. */
  invitation: (name: string): InvitationId => parseOrThrow(invitationIdSchema, withPrefix('inv', name), 'an invitation id'),
  /** A department id: `ids.department('sales')` is `'dep_sales'`. Throws on a name that cannot be one. */
  department: (name: string): DepartmentId => parseOrThrow(departmentIdSchema, withPrefix('dep', name), 'a department id'),
} as const;

/**
 * The canonical email key of an address.
 *
 * @example anEmail(' Bob@Shop.com ') // 'bob@shop.com'
 */
export function anEmail(address: string): Email {
  return parseOrThrow(emailSchema, address, 'a valid email');
}

/**
 * A deterministic, well-formed token hash (64 lowercase hex characters) for a seed. Not a real
 * SHA-256: tests only need distinct seeds to give distinct hashes, and no async crypto.
 *
 * @example inviteAgent(state, input, { …, tokenHash: aTokenHash('bob') })
 */
export function aTokenHash(seed = 'token'): TokenHash {
  let hex = '';
  for (let round = 0; round < 8; round++) {
    let h = 0x811c9dc5;
    for (const ch of `${seed}#${round}`) {
      h ^= ch.codePointAt(0) ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    // A final avalanche, so that similar seeds do not give similar-looking hashes.
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h = (h ^ (h >>> 16)) >>> 0;
    hex += h.toString(16).padStart(8, '0');
  }
  return tokenHashSchema.parse(hex);
}

/** A short key for ids and emails: `'Zoë O'Connor'` → `'zo_o_connor'`. */
function keyOf(text: string): string {
  const key = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (key === '') throw new Error(`Test data: cannot derive an id from ${JSON.stringify(text)}; give an explicit id.`);
  return key;
}

const titleCase = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
const localPart = (email: string | undefined) => (email === undefined ? undefined : email.slice(0, Math.max(0, email.indexOf('@'))) || email);
const unprefixed = (id: string | undefined) => (id === undefined ? undefined : id.replace(/^[a-z]+_/, ''));

const DEFAULT_WORKSPACE = 'ws_shop';
const DEFAULT_OWNER = 'agt_ana';

function planOf(plan: string | Plan, plans: PlanCatalog): Plan {
  if (typeof plan !== 'string') return plan;
  const found = Object.hasOwn(plans, plan) ? plans[plan] : undefined;
  if (found === undefined) throw new Error(`Test data: no plan "${plan}" in the catalog.`);
  return found;
}

/** `defaults` with the fields `patch` gives in place; a field given as `undefined` keeps its default. */
function patched<T extends object>(defaults: T, patch: { readonly [K in keyof T]?: T[K] | undefined } | undefined): T {
  const given = Object.entries(patch ?? {}).filter(([, value]) => value !== undefined);
  return { ...defaults, ...Object.fromEntries(given) };
}

/**
 * What {@link aWorkspace} lets a test choose.
 *
 * @example const overrides: WorkspaceOverrides = { plan: 'starter', counts: { inactiveAgents: 1 } };
 */
export type WorkspaceOverrides = Readonly<{
  id?: string | undefined;
  name?: string | undefined;
  ownerId?: string | undefined;
  /** A catalog plan id (`'starter'`) or a plan of the test's own. */
  plan?: string | Plan | undefined;
  /** Where plan ids are looked up; the ready catalog by default. */
  plans?: PlanCatalog | undefined;
  /** The fields given replace the default policy's; one given as `undefined` keeps its default. */
  seatPolicy?: Readonly<{ [K in keyof SeatPolicy]?: SeatPolicy[K] | undefined }> | undefined;
  invitationTtlHours?: number | undefined;
  /** The counters given replace the defaults (the owner alone active); one given as `undefined` keeps its default. */
  counts?: Readonly<{ [K in keyof WorkspaceCounts]?: WorkspaceCounts[K] | undefined }> | undefined;
  createdAt?: Date | undefined;
}>;

/**
 * A workspace as plain data: `ws_shop`, owned by `agt_ana`, on the Pro plan, default seat policy,
 * one active agent (the owner) and nothing else.
 *
 * @example aWorkspace({ plan: 'starter', counts: { activeAgents: 3 } })
 * @example aWorkspace({ seatPolicy: { countInactiveAgents: false } })
 */
export function aWorkspace(overrides: WorkspaceOverrides = {}): Workspace {
  return {
    kind: 'workspace',
    id: ids.workspace(overrides.id ?? DEFAULT_WORKSPACE),
    name: parseOrThrow(personNameSchema, overrides.name ?? 'Shop', 'a workspace name'),
    ownerId: ids.agent(overrides.ownerId ?? DEFAULT_OWNER),
    plan: planOf(overrides.plan ?? 'pro', overrides.plans ?? PLANS),
    seatPolicy: patched(DEFAULT_SEAT_POLICY, overrides.seatPolicy),
    invitationTtlHours: overrides.invitationTtlHours ?? DEFAULT_INVITATION_TTL_HOURS,
    counts: patched({ activeAgents: 1, inactiveAgents: 0, pendingInvitations: 0, departments: 0 }, overrides.counts),
    createdAt: isoTime(overrides.createdAt ?? T0),
  };
}

/**
 * What {@link anAgent} lets a test choose.
 *
 * @example const overrides: AgentOverrides = { role: 'admin', status: 'inactive' };
 */
export type AgentOverrides = Readonly<{
  id?: string | undefined;
  workspaceId?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  role?: Role | undefined;
  status?: Status | undefined;
  availability?: Availability | undefined;
  departmentIds?: readonly string[] | undefined;
  joinedAt?: Date | undefined;
}>;

/**
 * An agent as plain data: Bob (`agt_bob`, `bob@shop.com`) of `ws_shop`, an active agent, away,
 * in no department. Id, name and email follow each other: `anAgent({ name: 'Cy' })` is `agt_cy`,
 * `cy@shop.com`.
 *
 * @example anAgent({ role: 'admin', status: 'inactive' })
 * @example anAgent({ id: 'agt_ana', name: 'Ana' }) // the default workspace's owner id
 */
export function anAgent(overrides: AgentOverrides = {}): Agent {
  // A key is derived only for what was not given, so any name works when id and email are given.
  const key = () => keyOf(overrides.name ?? localPart(overrides.email) ?? unprefixed(overrides.id) ?? 'bob');
  return {
    kind: 'agent',
    id: ids.agent(overrides.id ?? key()),
    workspaceId: ids.workspace(overrides.workspaceId ?? DEFAULT_WORKSPACE),
    email: anEmail(overrides.email ?? `${key()}@shop.com`),
    name: parseOrThrow(personNameSchema, overrides.name ?? titleCase(key()), 'a name'),
    description: parseOrThrow(descriptionSchema, overrides.description ?? '', 'a description'),
    role: overrides.role ?? 'agent',
    status: overrides.status ?? 'active',
    availability: overrides.availability ?? 'away',
    departmentIds: (overrides.departmentIds ?? []).map(ids.department),
    joinedAt: isoTime(overrides.joinedAt ?? T0),
  };
}

/**
 * What {@link anInvitation} lets a test choose.
 *
 * @example const overrides: InvitationOverrides = { status: 'expired', ttlHours: 48 };
 */
export type InvitationOverrides = Readonly<{
  id?: string | undefined;
  workspaceId?: string | undefined;
  email?: string | undefined;
  role?: Role | undefined;
  departmentIds?: readonly string[] | undefined;
  invitedBy?: string | undefined;
  tokenHash?: string | undefined;
  status?: InvitationStatus | undefined;
  sentAt?: Date | undefined;
  /** Defaults to `sentAt` plus `ttlHours` (7 days). */
  expiresAt?: Date | undefined;
  ttlHours?: number | undefined;
  resendCount?: number | undefined;
  agentId?: string | null | undefined;
  closedAt?: Date | null | undefined;
}>;

/**
 * An invitation as plain data: `inv_cy` for `cy@shop.com` to `ws_shop`, role agent, sent by
 * `agt_ana` at {@link T0}, pending for 7 days, token hash `aTokenHash('cy@shop.com')`. A closed
 * status gets a `closedAt` (an expired one its `expiresAt`, the others `sentAt`), and an accepted
 * one an `agentId`, unless given.
 *
 * @example anInvitation({ email: 'dee@shop.com', role: 'admin', departmentIds: ['dep_sales'] })
 * @example anInvitation({ status: 'revoked' })
 */
export function anInvitation(overrides: InvitationOverrides = {}): Invitation {
  const email = anEmail(overrides.email ?? 'cy@shop.com');
  const key = keyOf(unprefixed(overrides.id) ?? localPart(email) ?? 'cy');
  const status = overrides.status ?? 'pending';
  const sentAt = overrides.sentAt ?? T0;
  const expiresAt = overrides.expiresAt ?? hoursAfter(sentAt, overrides.ttlHours ?? DEFAULT_INVITATION_TTL_HOURS);
  // An expired invitation closed when it lapsed, as the sweep and the fold record it.
  const closedAt = overrides.closedAt === undefined ? (status === 'pending' ? null : status === 'expired' ? expiresAt : sentAt) : overrides.closedAt;
  const agentId = overrides.agentId === undefined ? (status === 'accepted' ? key : null) : overrides.agentId;
  return {
    kind: 'invitation',
    id: ids.invitation(overrides.id ?? key),
    workspaceId: ids.workspace(overrides.workspaceId ?? DEFAULT_WORKSPACE),
    email,
    role: overrides.role ?? 'agent',
    departmentIds: (overrides.departmentIds ?? []).map(ids.department),
    invitedBy: ids.agent(overrides.invitedBy ?? DEFAULT_OWNER),
    tokenHash: parseOrThrow(tokenHashSchema, overrides.tokenHash ?? aTokenHash(email), 'a token hash'),
    status,
    sentAt: isoTime(sentAt),
    expiresAt: isoTime(expiresAt),
    resendCount: overrides.resendCount ?? 0,
    agentId: agentId === null ? null : ids.agent(agentId),
    closedAt: closedAt === null ? null : isoTime(closedAt),
  };
}

/**
 * What {@link aDepartment} lets a test choose.
 *
 * @example const overrides: DepartmentOverrides = { name: 'Billing', workspaceId: 'ws_other' };
 */
export type DepartmentOverrides = Readonly<{ id?: string | undefined; workspaceId?: string | undefined; name?: string | undefined; createdAt?: Date | undefined }>;

/**
 * A department as plain data: Sales (`dep_sales`) of `ws_shop`. The id follows the name.
 *
 * @example aDepartment({ name: 'Support' }) // dep_support
 */
export function aDepartment(overrides: DepartmentOverrides = {}): Department {
  const given = overrides.name ?? 'Sales';
  const name = parseOrThrow(departmentNameSchema, given, 'a department name');
  return {
    kind: 'department',
    id: ids.department(overrides.id ?? keyOf(given)),
    workspaceId: ids.workspace(overrides.workspaceId ?? DEFAULT_WORKSPACE),
    name,
    nameKey: nameKey(name),
    createdAt: isoTime(overrides.createdAt ?? T0),
  };
}

/**
 * Reads a roster the way commands need it: the aggregates, and the facts a shell would look up.
 *
 * @example const { workspace, owner } = rosterView(state); roster.emailStatus('bob@shop.com') // 'agent'
 */
export type RosterView = Readonly<{
  state: RosterState;
  /** The workspace; throws when the roster has none yet. */
  workspace: Workspace;
  /** The owner agent. */
  owner: Agent;
  agents: readonly Agent[];
  invitations: readonly Invitation[];
  /** Invitations whose status is `pending` (including lapsed ones nobody expired yet). */
  pendingInvitations: readonly Invitation[];
  departments: readonly Department[];
  /** An agent by id, email or name; throws when there is none. */
  agent(key: string): Agent;
  /** An invitation by id or email (the most recent for that email); throws when there is none. */
  invitation(key: string): Invitation;
  /** A department by id or name; throws when there is none. */
  department(key: string): Department;
  /** Agents in a department (by id or name). */
  membersOf(department: string): readonly Agent[];
  /** Pending invitations naming a department (by id or name). */
  invitationsTo(department: string): readonly Invitation[];
  /** Who holds an email in this roster, leaving out one invitation (the one being accepted). */
  emailStatus(email: string, ignoringInvitation?: string): EmailStatus;
  /** Whether another department already uses this name once trimmed, compared case-insensitively. */
  nameTaken(name: string, ignoringDepartment?: string): boolean;
}>;

/**
 * A {@link RosterView} of a state, handy inside `given(…).when((state) => …)`.
 *
 * @example
 * given(shop.events).when((state) => {
 *   const roster = rosterView(state);
 *   return deleteAgent({ workspace: roster.workspace, actor: roster.owner, agent: roster.agent('Bob') }, { agentId: roster.agent('Bob').id }, { now });
 * });
 */
export function rosterView(state: RosterState): RosterView {
  const agents = () => Object.values(state.agents);
  const invitations = () => Object.values(state.invitations);
  const departments = () => Object.values(state.departments);
  const find = <T>(what: string, key: string, items: readonly T[], matches: (item: T) => boolean): T => {
    const found = items.filter(matches).at(-1);
    if (found === undefined) throw new Error(`Test data: no ${what} "${key}" in the roster.`);
    return found;
  };
  const sameEmail = (email: string, key: string) => key.includes('@') && email === anEmail(key);
  const view: RosterView = {
    state,
    get workspace() {
      if (state.workspace === null) throw new Error('Test data: the roster has no workspace yet.');
      return state.workspace;
    },
    get owner() {
      return view.agent(view.workspace.ownerId);
    },
    get agents() {
      return agents();
    },
    get invitations() {
      return invitations();
    },
    get pendingInvitations() {
      return invitations().filter((i) => i.status === 'pending');
    },
    get departments() {
      return departments();
    },
    agent: (key) => find('agent', key, agents(), (a) => a.id === key || a.name === key || sameEmail(a.email, key)),
    invitation: (key) => find('invitation', key, invitations(), (i) => i.id === key || sameEmail(i.email, key)),
    department: (key) => find('department', key, departments(), (d) => d.id === key || d.name === key),
    membersOf: (department) => {
      const id = view.department(department).id;
      return agents().filter((a) => a.departmentIds.includes(id));
    },
    invitationsTo: (department) => {
      const id = view.department(department).id;
      return view.pendingInvitations.filter((i) => i.departmentIds.includes(id));
    },
    emailStatus: (email, ignoringInvitation) => {
      const key = anEmail(email);
      if (agents().some((a) => a.email === key)) return 'agent';
      const pending = view.pendingInvitations.some((i) => i.email === key && i.id !== ignoringInvitation);
      return pending ? 'pending-invitation' : 'available';
    },
    nameTaken: (name, ignoringDepartment) => {
      // Compare the name as the command will store it (trimmed, NFC), not as it was typed.
      const parsed = departmentNameSchema.safeParse(name);
      const key = nameKey(parsed.success ? parsed.data : name);
      return departments().some((d) => d.nameKey === key && d.id !== ignoringDepartment);
    },
  };
  return view;
}

/**
 * One agent {@link rosterOf} brings in, through an invitation it accepts.
 *
 * @example const bob: AgentSpec = { name: 'Bob', role: 'admin', departments: ['Sales'], availability: 'online' };
 */
export type AgentSpec = Readonly<{
  name: string;
  /** Defaults to the id's key at `shop.com`: Bob → `bob@shop.com`. */
  email?: string | undefined;
  /** Defaults to `agt_` and the name's key: Bob → `agt_bob`. */
  id?: string | undefined;
  role?: Role | undefined;
  status?: Status | undefined;
  availability?: Availability | undefined;
  description?: string | undefined;
  /** Department names or ids. */
  departments?: readonly string[] | undefined;
}>;

/**
 * One invitation {@link rosterOf} sends; revoked and expired ones are closed the real way.
 *
 * @example const lapsed: InvitationSpec = { email: 'cy@shop.com', status: 'expired' };
 */
export type InvitationSpec = Readonly<{
  email: string;
  /** Defaults to `inv_` and the email's local part: `cy@shop.com` → `inv_cy`. */
  id?: string | undefined;
  role?: Role | undefined;
  /** Department names or ids. */
  departments?: readonly string[] | undefined;
  status?: 'pending' | 'revoked' | 'expired' | undefined;
}>;

/**
 * What {@link rosterOf} builds. Everything is optional.
 *
 * @example const spec: RosterSpec = { plan: 'starter', seatPolicy: { countInactiveAgents: false }, agents: [{ name: 'Bob' }] };
 */
export type RosterSpec = Readonly<{
  workspaceId?: string | undefined;
  name?: string | undefined;
  /** A catalog plan id or a plan of the test's own; `'pro'` by default. */
  plan?: string | Plan | undefined;
  plans?: PlanCatalog | undefined;
  /** The fields given replace the default policy's; one given as `undefined` keeps its default. */
  seatPolicy?: Readonly<{ [K in keyof SeatPolicy]?: SeatPolicy[K] | undefined }> | undefined;
  invitationTtlHours?: number | undefined;
  owner?:
    | Readonly<{ name?: string | undefined; email?: string | undefined; id?: string | undefined; status?: Status | undefined; availability?: Availability | undefined }>
    | undefined;
  /** Department names, created in this order. */
  departments?: readonly string[] | undefined;
  agents?: readonly AgentSpec[] | undefined;
  invitations?: readonly InvitationSpec[] | undefined;
  /** When the story starts; {@link T0} by default. */
  at?: Date | undefined;
}>;

/**
 * A roster built for a test by {@link rosterOf} (or generated by `workspaceArb`): its history,
 * its state, a view of it, and its clock. Not to be confused with the core's `Roster`, the
 * application service `createRoster` returns.
 *
 * @example const shop: RosterFixture = rosterOf(); given(shop.events).when((s) => …); shop.agent('Ana').role // 'admin'
 */
export type RosterFixture = RosterView &
  Readonly<{
    /** Every event, in order: `given(roster.events)` starts a scenario here. */
    events: readonly RosterEvent[];
    /** The time the last step happened; use it (or later) as `now` for the next command. */
    now: Date;
  }>;

/**
 * The former name of {@link RosterFixture}, which clashed with the core's `Roster` (the service
 * `createRoster` returns) when a test imports both.
 *
 * @deprecated Use {@link RosterFixture}; this alias goes in the next major version.
 * @example const shop: RosterFixture = rosterOf(); // not `Roster`
 */
export type Roster = RosterFixture;

/**
 * Builds a consistent roster by running the real commands, in this order: `createWorkspace`;
 * `createDepartment` for each department; `inviteAgent` for the invitations to be expired, then
 * `expireInvitations` once their links lapsed; `inviteAgent` + `revokeInvitation` for the revoked
 * ones; `inviteAgent` + `acceptInvitation` for each agent (then `editAgent` / `deactivateAgent` /
 * `setAvailability` as asked); `inviteAgent` for the pending ones; the owner's status last. The state therefore obeys every invariant;
 * a spec the rules refuse (more agents than seats…) throws, naming the refused step.
 *
 * Defaults: workspace `ws_shop` "Shop" on Pro, owner Ana (`agt_ana`, `ana@shop.com`), all at {@link T0}.
 * An agent joins through invitation `inv_<key>`, presenting `aTokenHash(email)`. When some
 * invitation is to be `expired`, it is sent first and the clock then moves past its expiry, so
 * `roster.now` is later than `T0`.
 *
 * @example
 * const shop = rosterOf({
 *   plan: 'starter',
 *   departments: ['Sales'],
 *   agents: [{ name: 'Bob', role: 'admin', departments: ['Sales'] }, { name: 'Cy', status: 'inactive' }],
 *   invitations: [{ email: 'dee@shop.com' }],
 * });
 * given(shop.events).when((state) => inviteAgent(…)).thenFails('SeatLimitReached');
 */
export function rosterOf(spec: RosterSpec = {}): RosterFixture {
  let now = spec.at ?? T0;
  let state: RosterState = initialRosterState;
  const events: RosterEvent[] = [];
  const run = (step: string, result: Result<{ readonly events: readonly RosterEvent[] }, DomainError>) => {
    if (result.isErr()) throw new Error(`rosterOf could not ${step}: ${result.error.type}: ${result.error.message}`);
    events.push(...result.value.events);
    state = replay(result.value.events, state);
  };
  const view = () => rosterView(state);
  const usedInvitationIds = new Set<string>();
  const invitationIdFor = (raw: string) => {
    const id = ids.invitation(raw);
    if (usedInvitationIds.has(id)) throw new Error(`Test data: two invitations would both be ${id}; give one an explicit id.`);
    usedInvitationIds.add(id);
    return id;
  };

  const ownerSpec = spec.owner ?? {};
  const ownerKey = keyOf(ownerSpec.name ?? localPart(ownerSpec.email) ?? unprefixed(ownerSpec.id) ?? 'ana');
  run(
    'open the workspace',
    createWorkspace(
      {
        name: spec.name ?? 'Shop',
        plan: spec.plan ?? 'pro',
        owner: { email: ownerSpec.email ?? `${ownerKey}@shop.com`, name: ownerSpec.name ?? titleCase(ownerKey) },
        ...(spec.seatPolicy === undefined ? {} : { seatPolicy: spec.seatPolicy }),
        ...(spec.invitationTtlHours === undefined ? {} : { invitationTtlHours: spec.invitationTtlHours }),
      },
      {
        now,
        workspaceId: ids.workspace(spec.workspaceId ?? DEFAULT_WORKSPACE),
        ownerId: ids.agent(ownerSpec.id ?? ownerKey),
        ...(spec.plans === undefined ? {} : { plans: spec.plans }),
      },
    ),
  );

  for (const name of spec.departments ?? []) {
    const v = view();
    run(
      `create department "${name}"`,
      createDepartment({ workspace: v.workspace, actor: v.owner }, { name }, { now, departmentId: ids.department(keyOf(name)), nameTaken: v.nameTaken(name) }),
    );
  }

  const invite = (who: Readonly<{ email: string; role?: Role | undefined; departments?: readonly string[] | undefined }>, invitationId: InvitationId) => {
    const v = view();
    const email = anEmail(who.email);
    run(
      `invite ${email}`,
      inviteAgent(
        { workspace: v.workspace, actor: v.owner, departments: v.departments },
        { email, role: who.role ?? 'agent', departmentIds: (who.departments ?? []).map((d) => v.department(d).id) },
        { now, invitationId, tokenHash: aTokenHash(email), emailStatus: v.emailStatus(email) },
      ),
    );
  };

  const lapsing = (spec.invitations ?? []).filter((i) => i.status === 'expired');
  if (lapsing.length > 0) {
    for (const i of lapsing) invite(i, invitationIdFor(i.id ?? keyOf(localPart(i.email) ?? i.email)));
    now = hoursAfter(now, view().workspace.invitationTtlHours);
    const v = view();
    run('expire lapsed invitations', expireInvitations({ workspace: v.workspace, invitations: v.pendingInvitations }, { now }));
  }

  // Revoked ones are sent and withdrawn before anyone joins, so they never hold a seat an agent needs.
  for (const i of (spec.invitations ?? []).filter((i) => i.status === 'revoked')) {
    const invitationId = invitationIdFor(i.id ?? keyOf(localPart(i.email) ?? i.email));
    invite(i, invitationId);
    const v = view();
    run(`revoke ${invitationId}`, revokeInvitation({ workspace: v.workspace, actor: v.owner, invitation: v.invitation(invitationId) }, { invitationId }, { now }));
  }

  for (const a of spec.agents ?? []) {
    const key = keyOf(unprefixed(a.id) ?? a.name);
    const agentId = ids.agent(a.id ?? key);
    const invitationId = invitationIdFor(key);
    invite({ email: a.email ?? `${key}@shop.com`, ...(a.role ? { role: a.role } : {}), ...(a.departments ? { departments: a.departments } : {}) }, invitationId);
    const v = view();
    const invitation = v.invitation(invitationId);
    run(
      `accept the invitation of ${invitation.email}`,
      acceptInvitation(
        { workspace: v.workspace, invitation, departments: v.departments },
        { name: a.name, password: STRONG_PASSWORD },
        { now, presentedTokenHash: invitation.tokenHash, agentId, emailStatus: v.emailStatus(invitation.email, invitation.id) },
      ),
    );
    shapeAgent(agentId, a);
  }

  function shapeAgent(agentId: AgentId, a: Readonly<{ status?: Status | undefined; availability?: Availability | undefined; description?: string | undefined }>) {
    const target = () => {
      const v = view();
      return { workspace: v.workspace, actor: v.owner, agent: v.agent(agentId) };
    };
    if (a.description !== undefined) {
      run(`describe ${agentId}`, editAgent(target(), { agentId, description: a.description }, { now, emailStatus: 'available' }));
    }
    if (a.status === 'inactive') run(`deactivate ${agentId}`, deactivateAgent(target(), { agentId }, { now }));
    if (a.status === 'active') run(`activate ${agentId}`, activateAgent(target(), { agentId }, { now }));
    if (a.availability !== undefined) {
      run(`set ${agentId} ${a.availability}`, setAvailability(target(), { agentId, availability: a.availability }, { now }));
    }
  }

  for (const i of (spec.invitations ?? []).filter((i) => (i.status ?? 'pending') === 'pending')) {
    invite(i, invitationIdFor(i.id ?? keyOf(localPart(i.email) ?? i.email)));
  }

  shapeAgent(view().owner.id, ownerSpec);
  return Object.assign(rosterView(state), { events, now });
}
