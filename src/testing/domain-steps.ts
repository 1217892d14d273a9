/**
 * The steps of the pure-domain driver and their generator: {@link DomainStep} names a command
 * and who does it to whom, by position rather than by id (ids exist only once a run creates
 * them), and {@link domainStepsArb} generates sequences of them over small pools of emails and
 * department names, so that sequences collide on purpose. `runDomainSequence` (domain-model.ts)
 * plays them.
 *
 * @module
 */
import fc from 'fast-check';
import type { Availability, Role } from '../domain/agent';
import type { PlanCatalog, SeatPolicy } from '../domain/plans';
import { passwordArb, personNameArb, planArb, type PlanInput } from './arbitraries';

// ---------------------------------------------------------------------------
// Pools: few values, so that sequences collide on them
// ---------------------------------------------------------------------------

/**
 * One spelling of an e-mail address, with the mailbox it names written out by hand (lower case,
 * domain in ASCII), or `null` for an address the library must refuse. The model compares
 * mailboxes; the system compares its own canonical keys.
 *
 * @example
 * const ana: PoolEmail = { address: 'Ana@Shop.COM', mailbox: 'ana@shop.com' };
 */
export type PoolEmail = Readonly<{ address: string; mailbox: string | null }>;

/**
 * Eleven spellings of seven mailboxes, and two addresses that must be refused: case variants,
 * padding, a plus tag, dots, an apostrophe, an IDN domain in Unicode, upper case and ACE form, a
 * look-alike domain with a Cyrillic "о" (another mailbox), a single-label domain and a hidden
 * zero-width space. Small on purpose: invitations, agents and standalone accounts keep meeting on
 * the same mailbox.
 *
 * @example
 * domainStepsArb({ emails: EMAIL_POOL.slice(0, 3) }); // even more collisions
 */
export const EMAIL_POOL: readonly PoolEmail[] = [
  { address: 'ana@shop.com', mailbox: 'ana@shop.com' },
  { address: 'Ana@Shop.COM', mailbox: 'ana@shop.com' },
  { address: '  ana@shop.com ', mailbox: 'ana@shop.com' },
  { address: 'ana+sales@shop.com', mailbox: 'ana+sales@shop.com' },
  { address: 'bob.smith@shop.com', mailbox: 'bob.smith@shop.com' },
  { address: 'bobsmith@shop.com', mailbox: 'bobsmith@shop.com' },
  { address: "O'Brien@shop.com", mailbox: "o'brien@shop.com" },
  { address: 'zoë@bücher.de', mailbox: 'zoë@xn--bcher-kva.de' },
  { address: 'ZOË@BÜCHER.DE', mailbox: 'zoë@xn--bcher-kva.de' },
  { address: 'zoë@xn--bcher-kva.de', mailbox: 'zoë@xn--bcher-kva.de' },
  { address: 'ana@sh\u043ep.com', mailbox: 'ana@xn--shp-ted.com' },
  { address: 'ana@localhost', mailbox: null },
  { address: 'ana\u200b@shop.com', mailbox: null },
];

/**
 * A department name and the key it is unique by, written out by hand (trimmed, case folded).
 *
 * @example
 * const sales: PoolDepartmentName = { name: 'SALES', key: 'sales' };
 */
export type PoolDepartmentName = Readonly<{ name: string; key: string }>;

/**
 * Department names in several cases and spellings of a few keys (`Straße` and `STRASSE` are one
 * name), so creates and renames collide.
 *
 * @example
 * domainStepsArb({ departmentNames: DEPARTMENT_NAME_POOL.slice(0, 2) });
 */
export const DEPARTMENT_NAME_POOL: readonly PoolDepartmentName[] = [
  { name: 'Sales', key: 'sales' },
  { name: 'SALES', key: 'sales' },
  { name: ' sales ', key: 'sales' },
  { name: 'Support', key: 'support' },
  { name: 'Billing', key: 'billing' },
  { name: 'Straße', key: 'strasse' },
  { name: 'STRASSE', key: 'strasse' },
];

// ---------------------------------------------------------------------------
// Steps
// ---------------------------------------------------------------------------

/**
 * Which of the (at most) two workspaces of the world a step is aimed at.
 *
 * @example
 * const onTheSecondWorkspace: DomainStep = { kind: 'expireInvitations', ws: 1 };
 */
export type WorkspaceSlot = 0 | 1;

/**
 * Names an entity at run time, when ids exist: the `n`-th most recently created agent, invitation
 * or department of the step's workspace (`this`) or of the other one (`other`), modulo how many
 * there were. Deleted ones stay in the list, so steps also name what is gone; with none at all the pick
 * names an id that never existed.
 *
 * @example
 * const secondAgentHere: EntityPick = { in: 'this', n: 1 };
 */
export type EntityPick = Readonly<{ in: 'this' | 'other'; n: number }>;

/**
 * Who acts: the workspace's owner, or the `n`-th most recently joined current agent of this or the
 * other workspace (admins, agents, inactive ones alike).
 *
 * @example
 * const someoneElsewhere: ActorPick = { in: 'other', n: 0 };
 */
export type ActorPick = 'owner' | EntityPick;

/**
 * The agent a step acts on: the actor itself, or an {@link EntityPick}.
 *
 * @example
 * const self: AgentPick = 'actor';
 */
export type AgentPick = 'actor' | EntityPick;

/**
 * The shape every {@link DomainStep} shares: its `kind` (the command it runs) and the workspace
 * slot it runs on, plus the step's own data.
 *
 * @example
 * const expire: StepOn<'expireInvitations', object> = { kind: 'expireInvitations', ws: 0 };
 */
export type StepOn<K extends string, D> = Readonly<{ kind: K; ws: WorkspaceSlot } & D>;
/**
 * A {@link StepOn} that an agent performs: `actor` picks who (the owner, or another agent
 * of either workspace), since whether a command is allowed depends on who asks.
 *
 * @example
 * const revoke: StepByActor<'revokeInvitation', { invitation: EntityPick }> = { kind: 'revokeInvitation', ws: 0, actor: 'owner', invitation: { in: 'this', n: 0 } };
 */
export type StepByActor<K extends string, D> = StepOn<K, { actor: ActorPick } & D>;
/**
 * The seat-policy fields a step sets; the ones left out keep their value.
 *
 * @example
 * const patch: SeatPolicyPatch = { countInactiveAgents: false };
 */
export type SeatPolicyPatch = Readonly<Partial<SeatPolicy>>;

/**
 * One high-level step. Plain data, so a failing sequence prints readably and replays exactly.
 *
 * @example
 * const steps: DomainStep[] = [
 *   { kind: 'createWorkspace', ws: 0, name: 'Shop', plan: 'starter', owner: { email: EMAIL_POOL[0]!, name: 'Ana' } },
 *   { kind: 'inviteAgent', ws: 0, actor: 'owner', email: EMAIL_POOL[4]!, departments: [] },
 * ];
 */
export type DomainStep =
  | StepOn<
      'createWorkspace',
      {
        name: string;
        plan: PlanInput;
        seatPolicy?: SeatPolicyPatch;
        invitationTtlHours?: number;
        owner: Readonly<{ email: PoolEmail; name: string }>;
      }
    >
  | Readonly<{ kind: 'registerStandaloneAccount'; email: PoolEmail }>
  | Readonly<{ kind: 'advanceClock'; hours: number }>
  | StepByActor<'inviteAgent', { email: PoolEmail; role?: Role; departments: readonly EntityPick[] }>
  | StepByActor<'resendInvitation', { invitation: EntityPick }>
  | StepByActor<'revokeInvitation', { invitation: EntityPick }>
  | StepOn<
      'acceptInvitation',
      {
        invitation: EntityPick;
        /** How the store finds the invitation: by the presented token's hash, or by the ids in the link. */
        lookup: 'by-token' | 'by-link';
        /** The picked invitation's current token, one it had before a resend, or one never issued. */
        token: 'current' | 'previous' | 'never-issued';
        signedIn: 'signed-out' | 'as-invitee' | 'as-someone-else';
        name: string;
        password: string;
        /** Minutes that pass before the link is opened (on top of the minute every step takes). */
        afterMinutes: number;
      }
    >
  | StepOn<
      'previewInvitation',
      {
        invitation: EntityPick;
        lookup: 'by-token' | 'by-link';
        token: 'current' | 'previous' | 'never-issued';
        afterMinutes: number;
      }
    >
  | StepOn<'expireInvitations', object>
  | StepByActor<'editAgent', { agent: AgentPick; name?: string; email?: PoolEmail; description?: string }>
  | StepByActor<'changeRole', { agent: AgentPick; role: Role }>
  | StepByActor<'activateAgent', { agent: AgentPick }>
  | StepByActor<'deactivateAgent', { agent: AgentPick }>
  | StepByActor<'setAvailability', { agent: AgentPick; availability: Availability }>
  | StepByActor<'transferOwnership', { to: EntityPick; formerOwnerRole?: Role }>
  | StepByActor<'deleteAgent', { agent: AgentPick }>
  | StepByActor<'createDepartment', { name: PoolDepartmentName }>
  | StepByActor<'renameDepartment', { department: EntityPick; name: PoolDepartmentName }>
  | StepByActor<'deleteDepartment', { department: EntityPick }>
  | StepByActor<'assignAgentToDepartments', { agent: AgentPick; departments: readonly EntityPick[] }>
  | StepByActor<'removeAgentFromDepartment', { agent: AgentPick; department: EntityPick }>
  | StepByActor<'changePlan', { plan: PlanInput }>
  | StepByActor<'changeSettings', { name?: string; seatPolicy?: SeatPolicyPatch; invitationTtlHours?: number }>;

/**
 * Options of {@link domainStepsArb}.
 *
 * @example
 * domainStepsArb({ maxLength: 10, plans: planArb({ minSeats: 2 }), emails: EMAIL_POOL.slice(0, 4) });
 */
export type DomainStepsOptions = Readonly<{
  /**
   * Fewest random episodes (one step, or a short story of 2–6 steps such as "invite, then open the
   * link") after the opening steps. Default 0, so a failure shrinks to the steps that matter;
   * generated sequences still average about 25 steps.
   */
  minLength?: number | undefined;
  /** Most random episodes after the opening steps (default 24: sequences of up to ~45 steps). */
  maxLength?: number | undefined;
  /** Addresses steps use (default {@link EMAIL_POOL}). */
  emails?: readonly PoolEmail[] | undefined;
  /** Department names steps use (default {@link DEPARTMENT_NAME_POOL}). */
  departmentNames?: readonly PoolDepartmentName[] | undefined;
  /**
   * Plans for `createWorkspace` and `changePlan` (default `planArb()`: the library's catalog ids
   * and small custom plans; with `catalog`, that catalog's ids only).
   */
  plans?: fc.Arbitrary<PlanInput> | undefined;
  /** Your app's plan catalog (as `createRoster({ plans })` takes it): steps draw its ids. Give `runDomainSequence` the same. */
  catalog?: PlanCatalog | undefined;
}>;

const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });
const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/**
 * Random step sequences: always a `createWorkspace` for workspace 0 first, often one for
 * workspace 1, possibly some emails registered as standalone accounts, then `minLength` to
 * `maxLength` random episodes (single steps, or short stories such as "invite, then open the
 * link"), mostly on workspace 0. Shrinks to the steps that matter.
 *
 * @example
 * fc.assert(
 *   fc.property(domainStepsArb(), (steps) => {
 *     runDomainSequence(steps, { onStep: ({ after }) => after.forEach((r) => r && assert(checkRoster(r).length === 0)) });
 *   }),
 * );
 */
export function domainStepsArb(options: DomainStepsOptions = {}): fc.Arbitrary<readonly DomainStep[]> {
  const emails = options.emails ?? EMAIL_POOL;
  const names = options.departmentNames ?? DEPARTMENT_NAME_POOL;
  const plans = options.plans ?? planArb(options.catalog === undefined ? {} : { catalog: options.catalog, inline: false });
  const validEmails = emails.filter((e) => e.mailbox !== null);
  const invalidEmails = emails.filter((e) => e.mailbox === null);
  if (validEmails.length === 0) throw new Error('domainStepsArb needs at least one valid email in its pool, for owners.');
  const ownerEmail = fc.constantFrom(...validEmails);
  // Refused addresses now and then: enough to check refusals change nothing, few enough not to waste steps.
  const email = invalidEmails.length === 0 ? ownerEmail : fc.oneof(weighted(12, ownerEmail), weighted(1, fc.constantFrom(...invalidEmails)));
  const departmentName = fc.constantFrom(...names);
  const role = fc.constantFrom<Role>('admin', 'agent');
  const ws = fc.oneof(weighted(6, fc.constant<WorkspaceSlot>(0)), weighted(1, fc.constant<WorkspaceSlot>(1)));
  const pickIn = (where: 'this' | 'other') => record<EntityPick>({ in: fc.constant(where), n: fc.nat({ max: 15 }) });
  const pick: fc.Arbitrary<EntityPick> = fc.oneof(weighted(8, pickIn('this')), weighted(2, pickIn('other')));
  const actor: fc.Arbitrary<ActorPick> = fc.oneof(weighted(5, fc.constant('owner' as const)), weighted(4, pickIn('this')), weighted(1, pickIn('other')));
  const agent: fc.Arbitrary<AgentPick> = fc.oneof(weighted(1, fc.constant('actor' as const)), weighted(4, pick));
  const ttl = fc.constantFrom(1, 24, 168);
  const seatPolicyPatch = fc.record({ countInactiveAgents: fc.boolean(), reserveSeatsForInvitations: fc.boolean() }, { requiredKeys: [], noNullPrototype: true });
  const optional = { requiredKeys: [] as never[], noNullPrototype: true };

  const createWorkspaceStep = (slot: fc.Arbitrary<WorkspaceSlot>) =>
    fc
      .record(
        {
          kind: fc.constant('createWorkspace' as const),
          ws: slot,
          name: personNameArb(),
          plan: plans,
          seatPolicy: seatPolicyPatch,
          invitationTtlHours: ttl,
          owner: record({ email: ownerEmail, name: personNameArb() }),
        },
        { requiredKeys: ['kind', 'ws', 'name', 'plan', 'owner'], noNullPrototype: true },
      )
      .map((s): DomainStep => s);
  // The fields every step by an actor has; spread into each step's record so each stays typed.
  const byActor = { ws, actor };
  const weakPassword = fc.oneof(fc.string({ maxLength: 14 }), fc.constant('x'.repeat(257)));

  const invite = fc.record(
    {
      kind: fc.constant('inviteAgent' as const),
      ws,
      actor,
      email,
      role,
      departments: fc.oneof(weighted(3, fc.constant([])), weighted(1, fc.array(pick, { minLength: 1, maxLength: 2 }))),
    },
    { requiredKeys: ['kind', 'ws', 'actor', 'email', 'departments'], noNullPrototype: true },
  );
  const accept = record({
    kind: fc.constant('acceptInvitation' as const),
    ws,
    invitation: pick,
    lookup: fc.oneof(weighted(3, fc.constant('by-token' as const)), weighted(1, fc.constant('by-link' as const))),
    token: fc.oneof(weighted(6, fc.constant('current' as const)), weighted(1, fc.constant('previous' as const)), weighted(1, fc.constant('never-issued' as const))),
    signedIn: fc.oneof(weighted(4, fc.constant('signed-out' as const)), weighted(2, fc.constant('as-invitee' as const)), weighted(1, fc.constant('as-someone-else' as const))),
    name: personNameArb(),
    password: fc.oneof(weighted(6, passwordArb()), weighted(1, weakPassword)),
    // Links of 1 h, 24 h and 7 days sent one step earlier: opened a minute before expiry, at it, and after it.
    afterMinutes: fc.oneof(weighted(6, fc.constant(0)), weighted(1, fc.constantFrom(58, 59, 60, 1438, 1439, 10_078, 10_079, 10_080))),
  });

  const step: fc.Arbitrary<DomainStep> = fc.oneof(
    weighted(1, createWorkspaceStep(fc.constant<WorkspaceSlot>(1))),
    weighted(1, record({ kind: fc.constant('registerStandaloneAccount' as const), email })),
    weighted(1, record({ kind: fc.constant('advanceClock' as const), hours: fc.constantFrom(1, 12, 24, 169) })),
    weighted(6, invite),
    weighted(2, record({ kind: fc.constant('resendInvitation' as const), ...byActor, invitation: pick })),
    weighted(2, record({ kind: fc.constant('revokeInvitation' as const), ...byActor, invitation: pick })),
    weighted(4, accept),
    weighted(
      1,
      record({
        kind: fc.constant('previewInvitation' as const),
        ws,
        invitation: pick,
        lookup: fc.constantFrom('by-token' as const, 'by-link' as const),
        token: fc.constantFrom('current' as const, 'previous' as const, 'never-issued' as const),
        afterMinutes: fc.constantFrom(0, 59, 60, 10_079, 10_080),
      }),
    ),
    weighted(1, record({ kind: fc.constant('expireInvitations' as const), ws })),
    weighted(
      2,
      fc
        .tuple(
          record({ kind: fc.constant('editAgent' as const), ws, actor, agent }),
          fc
            .record({ name: personNameArb(), email, description: fc.constantFrom('', 'Handles refunds.', 'Night shift.\r\nEU only.') }, optional)
            .filter((changes) => Object.keys(changes).length > 0),
        )
        .map(([target, changes]): DomainStep => ({ ...target, ...changes })),
    ),
    weighted(2, record({ kind: fc.constant('changeRole' as const), ...byActor, agent, role })),
    weighted(2, record({ kind: fc.constant('activateAgent' as const), ...byActor, agent })),
    weighted(2, record({ kind: fc.constant('deactivateAgent' as const), ...byActor, agent })),
    weighted(2, record({ kind: fc.constant('setAvailability' as const), ...byActor, agent, availability: fc.constantFrom<Availability>('online', 'away') })),
    weighted(
      2,
      fc
        .record(
          { kind: fc.constant('transferOwnership' as const), ws, actor, to: pick, formerOwnerRole: role },
          { requiredKeys: ['kind', 'ws', 'actor', 'to'], noNullPrototype: true },
        )
        .map((s): DomainStep => s),
    ),
    weighted(2, record({ kind: fc.constant('deleteAgent' as const), ...byActor, agent })),
    weighted(3, record({ kind: fc.constant('createDepartment' as const), ...byActor, name: departmentName })),
    weighted(1, record({ kind: fc.constant('renameDepartment' as const), ...byActor, department: pick, name: departmentName })),
    weighted(2, record({ kind: fc.constant('deleteDepartment' as const), ...byActor, department: pick })),
    weighted(2, record({ kind: fc.constant('assignAgentToDepartments' as const), ...byActor, agent, departments: fc.array(pick, { maxLength: 2 }) })),
    weighted(1, record({ kind: fc.constant('removeAgentFromDepartment' as const), ...byActor, agent, department: pick })),
    weighted(2, record({ kind: fc.constant('changePlan' as const), ...byActor, plan: plans })),
    weighted(
      2,
      fc
        .record(
          { kind: fc.constant('changeSettings' as const), ws, actor, name: personNameArb(), seatPolicy: seatPolicyPatch, invitationTtlHours: ttl },
          { requiredKeys: ['kind', 'ws', 'actor'], noNullPrototype: true },
        )
        .map((s): DomainStep => s),
    ),
  );

  // Episodes: short stories that random steps reach only rarely (a random accept mostly meets no
  // invitation at all). Each is still made of ordinary steps, so it shrinks like any other.
  const latest: EntityPick = { in: 'this', n: 0 };
  const openLatest = (a: Extract<DomainStep, { kind: 'acceptInvitation' }>, slot: WorkspaceSlot): DomainStep => ({ ...a, ws: slot, invitation: latest, lookup: 'by-token', token: 'current', afterMinutes: 0 });
  const inviteThenOpen = fc.tuple(invite, fc.boolean(), accept).map(([i, peek, a]): DomainStep[] => [
    i,
    ...(peek ? [{ kind: 'previewInvitation', ws: i.ws, invitation: latest, lookup: 'by-token', token: 'current', afterMinutes: 0 } as const] : []),
    { ...a, ws: i.ws, invitation: latest },
  ]);
  const departmentGoesBeforeTheInviteeJoins = fc.tuple(departmentName, invite, accept).map(([name, i, a]): DomainStep[] => [
    { kind: 'createDepartment', ws: i.ws, actor: 'owner', name },
    { ...i, actor: 'owner', departments: [latest] },
    { kind: 'deleteDepartment', ws: i.ws, actor: 'owner', department: latest },
    openLatest(a, i.ws),
  ]);
  // Meanwhile, the email may become someone else's, or the seat it freed may be taken by another invitation.
  const meanwhile = fc.constantFrom('nothing', 'email taken', 'seat taken');
  const lapsesAndIsRevived = fc.tuple(invite, meanwhile, invite, accept).map(([i, what, other, a]): DomainStep[] => [
    { ...i, actor: 'owner' },
    { kind: 'advanceClock', hours: 169 },
    { kind: 'expireInvitations', ws: i.ws },
    ...(what === 'email taken' ? [{ kind: 'registerStandaloneAccount', email: i.email } as const] : []),
    ...(what === 'seat taken' ? [{ ...other, ws: i.ws, actor: 'owner', departments: [] } as const] : []),
    { kind: 'resendInvitation', ws: i.ws, actor: 'owner', invitation: { in: 'this', n: what === 'seat taken' ? 1 : 0 } },
    openLatest(a, i.ws),
  ]);
  const ownerHandsOverAndLeaves = fc.tuple(invite, accept, role).map(([i, a, formerOwnerRole]): DomainStep[] => [
    { ...i, actor: 'owner' },
    openLatest(a, i.ws),
    { kind: 'transferOwnership', ws: i.ws, actor: 'owner', to: latest, formerOwnerRole },
    // The actor is the new owner now; the second most recent agent is often the former owner.
    { kind: 'deleteAgent', ws: i.ws, actor: 'owner', agent: { in: 'this', n: 1 } },
  ]);
  const episode = fc.oneof(
    weighted(10, step.map((s) => [s])),
    weighted(3, inviteThenOpen),
    weighted(1, departmentGoesBeforeTheInviteeJoins),
    weighted(1, lapsesAndIsRevived),
    weighted(1, ownerHandsOverAndLeaves),
  );

  const standalone = fc
    .subarray([...emails], { maxLength: 2 })
    .map((list) => list.map((e): DomainStep => ({ kind: 'registerStandaloneAccount', email: e })));
  return fc
    .tuple(
      createWorkspaceStep(fc.constant<WorkspaceSlot>(0)),
      fc.option(createWorkspaceStep(fc.constant<WorkspaceSlot>(1)), { nil: undefined }),
      standalone,
      // 'max' spreads lengths over the whole range; the default size keeps arrays near ten items.
      fc.array(episode, { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 24, size: 'max' }),
    )
    .map(([first, second, accounts, rest]) => [first, ...(second === undefined ? [] : [second]), ...accounts, ...rest.flat()]);
}
