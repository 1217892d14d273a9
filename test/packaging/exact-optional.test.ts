/**
 * Hosts that compile with `exactOptionalPropertyTypes` (as this project does) hand us optional
 * values held in variables: `{ requester: req.ip }` where `req.ip` is `string | undefined`. Every
 * type a host writes and the library reads accepts `undefined` for an optional property, which it
 * reads as left out — checked by the compiler (`npm run typecheck` compiles this file; each line
 * of the `typed` functions below failed to compile before) and, where a reader used to tell the two
 * apart, at run time.
 *
 * Left exact on purpose, because the library builds them and a host's code receives them (a
 * host's implementation typed against them must not start receiving `undefined`): the filters a
 * `RosterStore` is given (`AgentFilter`, `InvitationFilter`), `Commit` and `OutboxMessage`, the
 * rate limiter's request, the driver's inputs (`NewWorkspace`, `InviteInput`, `EditAgentChanges`,
 * `DriverCall`), events, and the steps the kit generates. Optional port methods
 * (`Identity.signedInEmail`, `RosterStore.begin`, `RosterDriver.advanceTime`, …) stay methods:
 * `| undefined` needs property syntax, which would drop the method's bivariance that a host's
 * narrower `session` type relies on.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  acceptInvitation,
  changePlan,
  createRoster,
  createWorkspace,
  DEFAULT_SEAT_POLICY,
  ManualClock,
  MemoryRosterStore,
  passwordPolicy,
  previewInvitation,
  type ActorRef,
  type Agent,
  type AgentFilter,
  type Email,
  type EmailTemplates,
  type InvitationFilter,
  type InvitationPageQuery,
  type InvitationQuery,
  type PasswordPolicy,
  type PlanCatalog,
  type RenderedEmail,
  type RequestContext,
  type Roster,
  type Role,
  type SeatPolicy,
  type Status,
  type WorkspaceCounts,
} from 'agent-roster';
import { PostgresRosterStore, type SqlPool } from 'agent-roster/postgres';
import type { StoreUnderTest } from 'agent-roster/testing/store-contract';
import {
  aDepartment,
  anAgent,
  anInvitation,
  aWorkspace,
  domainStepsArb,
  planArb,
  rosterDriver,
  rosterOf,
  rosterProperty,
  runDomainSequence,
  toRosterState,
  workspaceArb,
  type AgentSpec,
  type DomainStepsOptions,
  type DriverSnapshot,
  type InvitationSpec,
  type PlainAgent,
  type PlainInvitation,
  type PlainRoster,
  type PlanArbOptions,
  type RosterDriverOptions,
  type RosterPropertyOptions,
  type RosterSpec,
  type RunOptions,
  type WorkspaceArbOptions,
} from 'agent-roster/testing';

/** What a host holds: each value may be missing. */
type Maybe<T> = T | undefined;

describe('agent-roster', () => {
  it('takes optional arguments and options held as possibly undefined', () => {
    // Type-checked only: the calls are never made.
    const typed = (
      roster: Roster,
      actor: ActorRef,
      s: Maybe<string>,
      n: Maybe<number>,
      b: Maybe<boolean>,
      catalog: Maybe<PlanCatalog>,
      policy: Maybe<PasswordPolicy>,
      email: Maybe<Email | null>,
      inviter: Maybe<Agent | null>,
      status: Maybe<'pending' | 'accepted' | 'revoked' | 'expired'>,
    ) => {
      const request: RequestContext = { requester: s };
      roster.acceptInvitation({ token: 't', name: 'Bob', password: 'p' }, { requester: s });
      roster.previewInvitation({ token: 't' }, request);
      const rendered: RenderedEmail = { subject: 'Hi', text: 'Hi', html: s };
      const templates: EmailTemplates = { invitation: () => ({ subject: 'Hi', text: 'Hi', html: s }) };
      createRoster({ templates });
      const query: InvitationQuery = { status };
      const page: InvitationPageQuery = { status, after: s, limit: n };
      roster.listInvitations(actor, { status });
      roster.invitationPage(actor, page);
      new ManualClock().advance({ days: n, hours: n, minutes: n, seconds: n, ms: n });
      new MemoryRosterStore({ lockWorkspaces: b });
      passwordPolicy({ secondFactor: b, minLength: n, maxLength: n });
      const now = new Date();
      const state = rosterOf().state;
      createWorkspace({ name: 'Shop', owner: { email: 'ana@shop.com', name: 'Ana' } }, { now, workspaceId: 'ws_1' as never, ownerId: 'agt_1' as never, plans: catalog });
      changePlan({ workspace: state.workspace!, actor: anAgent() }, { plan: 'pro' }, { now, plans: catalog });
      previewInvitation({ workspace: null, invitation: null, inviter }, { now, presentedTokenHash: 'x' });
      acceptInvitation(
        { workspace: null, invitation: null, departments: [] },
        { name: 'Bob', password: 'p' },
        { now, presentedTokenHash: 'x', agentId: 'agt_1' as never, emailStatus: 'available', signedInEmail: email, passwordPolicy: policy, passwordBreached: b },
      );
      return [rendered, query];
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('keeps the filters a store is given exact, and the roster\'s own queries apart from them', () => {
    expectTypeOf<{ status: undefined }>().not.toMatchTypeOf<AgentFilter>();
    expectTypeOf<{ status: undefined }>().not.toMatchTypeOf<InvitationFilter>();
    expectTypeOf<{ status: undefined }>().toMatchTypeOf<InvitationQuery>();
  });
});

describe('agent-roster/postgres and agent-roster/testing/store-contract', () => {
  it('take options and a store under test held as possibly undefined', () => {
    // Type-checked only: the calls are never made.
    const typed = (pool: SqlPool, n: Maybe<number>, b: Maybe<boolean>, close: Maybe<() => Promise<void>>) => {
      new PostgresRosterStore(pool, { routingQueuesKept: n, lockWorkspaces: b });
      const made: StoreUnderTest = { store: new MemoryRosterStore(), close };
      return made;
    };
    expectTypeOf(typed).toBeFunction();
  });
});

describe('agent-roster/testing', () => {
  it('takes snapshots, plain rosters, test data and options held as possibly undefined', () => {
    // Type-checked only: the calls are never made.
    const typed = (
      s: Maybe<string>,
      n: Maybe<number>,
      b: Maybe<boolean>,
      date: Maybe<Date>,
      role: Maybe<Role>,
      status: Maybe<Status>,
      list: Maybe<readonly string[]>,
      policy: Maybe<SeatPolicy>,
      counts: Maybe<WorkspaceCounts>,
      catalog: Maybe<PlanCatalog>,
      events: DriverSnapshot['events'],
    ) => {
      const snapshot: DriverSnapshot = { roster: rosterOf().state, events };
      const agent: PlainAgent = { id: 'agt_bob', email: 'bob@shop.com', role: 'agent', status: 'active', availability: 'away', departmentIds: [], name: s };
      const invitation: PlainInvitation = { id: 'inv_cy', email: 'cy@shop.com', status: 'pending', departmentIds: [], role, expiresAt: s };
      const plain: PlainRoster = {
        workspace: { id: 'ws_1', ownerId: 'agt_bob', plan: { id: s, seats: 3, departments: 1 }, seatPolicy: policy, name: s, counts },
        agents: [agent],
        invitations: [invitation],
        departments: [],
      };
      toRosterState(plain);
      aWorkspace({
        id: s, name: s, ownerId: s, plan: s, plans: catalog, invitationTtlHours: n, createdAt: date,
        seatPolicy: { countInactiveAgents: b, reserveSeatsForInvitations: b },
        counts: { activeAgents: n, inactiveAgents: n, pendingInvitations: n, departments: n },
      });
      aWorkspace({ seatPolicy: policy, counts });
      anAgent({ id: s, workspaceId: s, email: s, name: s, description: s, role, status, availability: undefined, departmentIds: list, joinedAt: date });
      anInvitation({
        id: s, workspaceId: s, email: s, role, departmentIds: list, invitedBy: s, tokenHash: s, status: undefined,
        sentAt: date, expiresAt: date, ttlHours: n, resendCount: n, agentId: s, closedAt: date,
      });
      aDepartment({ id: s, workspaceId: s, name: s, createdAt: date });
      const bob: AgentSpec = { name: 'Bob', email: s, id: s, role, status, availability: undefined, description: s, departments: list };
      const cy: InvitationSpec = { email: 'cy@shop.com', id: s, role, departments: list, status: undefined };
      const spec: RosterSpec = {
        workspaceId: s, name: s, plan: s, plans: catalog, invitationTtlHours: n, at: date,
        seatPolicy: { countInactiveAgents: b, reserveSeatsForInvitations: undefined },
        owner: { name: s, email: s, id: s, status, availability: undefined },
        departments: list, agents: [bob], invitations: [cy],
      };
      rosterOf(spec);
      const driverOptions: RosterDriverOptions = { store: undefined, start: s, roster: undefined, rosterOptions: undefined };
      rosterDriver(driverOptions);
      const propertyOptions: RosterPropertyOptions = {
        maxCommands: n, replayPath: s, concurrency: b, outcomes: undefined, emails: undefined, departmentNames: undefined,
        plans: undefined, catalog, seatPolicies: undefined, without: undefined, stricter: undefined, onStep: undefined, onRunEnd: undefined,
      };
      rosterProperty(() => rosterDriver(), propertyOptions);
      rosterProperty(() => rosterDriver(), { maxCommands: n, replayPath: s });
      const run: RunOptions = { start: date, catalog, freeze: b, beforeStep: undefined, onStep: undefined };
      runDomainSequence([], run);
      const steps: DomainStepsOptions = { minLength: n, maxLength: n, emails: undefined, departmentNames: undefined, plans: undefined, catalog };
      domainStepsArb(steps);
      const plans: PlanArbOptions = { minSeats: n, maxLimit: n, catalog, inline: b };
      planArb(plans);
      const workspaces: WorkspaceArbOptions = {
        plan: s, catalog, maxCommands: n, workspaceId: s,
        seatPolicy: { countInactiveAgents: b, reserveSeatsForInvitations: undefined },
      };
      workspaceArb(workspaces);
      workspaceArb({ seatPolicy: undefined, plan: undefined });
      return snapshot;
    };
    expectTypeOf(typed).toBeFunction();
  });
});

// Run-time: an option given as `undefined` is one left out, wherever the library reads it.
describe('undefined reads as left out', () => {
  it('the mothers and rosterOf fill in their defaults, inside seatPolicy and counts too', () => {
    const policy = { countInactiveAgents: false, reserveSeatsForInvitations: undefined };
    const workspace = aWorkspace({ name: undefined, plan: undefined, seatPolicy: policy, counts: { activeAgents: 2, departments: undefined } });
    expect(workspace).toEqual(aWorkspace({ seatPolicy: { countInactiveAgents: false }, counts: { activeAgents: 2 } }));
    expect(workspace.seatPolicy).toEqual({ ...DEFAULT_SEAT_POLICY, countInactiveAgents: false });
    expect(workspace.counts.departments).toBe(0);
    expect(anAgent({ name: undefined, role: undefined, departmentIds: undefined })).toEqual(anAgent());
    expect(anInvitation({ status: undefined, agentId: undefined, closedAt: undefined })).toEqual(anInvitation());
    expect(aDepartment({ name: undefined })).toEqual(aDepartment());
    const spec: RosterSpec = { plan: 'starter', seatPolicy: policy, owner: { name: undefined }, agents: [{ name: 'Bob', role: undefined, status: undefined }] };
    const built = rosterOf(spec);
    expect(built.state).toEqual(rosterOf({ plan: 'starter', seatPolicy: { countInactiveAgents: false }, agents: [{ name: 'Bob' }] }).state);
  });

  it('toRosterState fills a name or role given as undefined, as it fills one left out', () => {
    const plain: PlainRoster = {
      workspace: { id: 'ws_1', ownerId: 'agt_ana', plan: { id: undefined, seats: 3, departments: 1 }, name: undefined, seatPolicy: undefined, counts: undefined },
      agents: [{ id: 'agt_ana', email: 'ana@shop.com', role: 'admin', status: 'active', availability: 'away', departmentIds: [], name: undefined }],
      invitations: [{ id: 'inv_cy', email: 'cy@shop.com', status: 'pending', departmentIds: [], role: undefined, expiresAt: undefined }],
      departments: [],
    };
    const left: PlainRoster = {
      workspace: { id: 'ws_1', ownerId: 'agt_ana', plan: { seats: 3, departments: 1 } },
      agents: [{ id: 'agt_ana', email: 'ana@shop.com', role: 'admin', status: 'active', availability: 'away', departmentIds: [] }],
      invitations: [{ id: 'inv_cy', email: 'cy@shop.com', status: 'pending', departmentIds: [] }],
      departments: [],
    };
    const roster = toRosterState(plain);
    expect(roster).toEqual(toRosterState(left));
    expect(roster.workspace?.name).toBe('ws_1');
    expect(roster.agents['agt_ana']?.name).toBe('ana@shop.com');
    expect(roster.invitations['inv_cy']?.role).toBe('agent');
  });

  it('rosterDriver keeps inline plans on when rosterOptions gives allowInlinePlans as undefined', async () => {
    const driver = rosterDriver({ rosterOptions: { allowInlinePlans: undefined } });
    const opened = await driver.createWorkspace({
      name: 'Shop',
      plan: { id: 'team-2', seats: 2, departments: 1 },
      seatPolicy: DEFAULT_SEAT_POLICY,
      invitationTtlHours: 168,
      owner: { email: 'ana@shop.com', name: 'Ana', password: 'correct horse battery staple' },
    });
    expect(opened).toEqual({ ok: true });
  });

  it('the roster hands a store no filter key given as undefined: AgentFilter and InvitationFilter stay exact', async () => {
    const filters: object[] = [];
    class Watched extends MemoryRosterStore {
      override listAgents(...args: Parameters<MemoryRosterStore['listAgents']>) {
        if (args[1]) filters.push(args[1]);
        return super.listAgents(...args);
      }
      override listInvitations(...args: Parameters<MemoryRosterStore['listInvitations']>) {
        if (args[1]) filters.push(args[1]);
        return super.listInvitations(...args);
      }
    }
    const roster = createRoster({ store: new Watched() });
    const opened = (await roster.createWorkspace({ name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana', password: 'correct horse battery staple' } }))._unsafeUnwrap();
    const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    (await roster.inviteAgent(ana, { email: 'bob@shop.com' }))._unsafeUnwrap();
    filters.length = 0;
    expect((await roster.listAgents(ana, { status: undefined, availability: undefined, departmentId: undefined }))._unsafeUnwrap()).toHaveLength(1);
    expect((await roster.agentPage(ana, { status: undefined, departmentId: undefined, after: undefined, limit: undefined }))._unsafeUnwrap().items).toHaveLength(1);
    expect((await roster.listInvitations(ana, { status: undefined }))._unsafeUnwrap()).toHaveLength(1);
    expect((await roster.invitationPage(ana, { status: undefined, after: null }))._unsafeUnwrap().items).toHaveLength(1);
    expect(filters).toHaveLength(4);
    for (const filter of filters) expect(Object.entries(filter).filter(([, v]) => v === undefined)).toEqual([]);
    // A filter that is given still reaches the store.
    (await roster.listAgents(ana, { status: 'active', departmentId: undefined }))._unsafeUnwrap();
    expect(filters.at(-1)).toEqual({ status: 'active' });
  });

  it('a request context, the kit\'s options and a store under test take undefined as left out', async () => {
    const roster = createRoster();
    const request: RequestContext = { requester: undefined, session: undefined };
    expect((await roster.previewInvitation({ token: 'x'.repeat(43) }, request))._unsafeUnwrapErr().type).toBe('InvalidToken');
    expect(() => runDomainSequence([], { start: undefined, catalog: undefined, freeze: undefined, beforeStep: undefined, onStep: undefined })).not.toThrow();
    expect(new ManualClock('2026-01-01T00:00:00Z').advance({ days: 1, hours: undefined }).now()).toEqual(new Date('2026-01-02T00:00:00Z'));
    expect(passwordPolicy({ secondFactor: undefined, minLength: undefined, maxLength: undefined })._unsafeUnwrap()).toEqual(passwordPolicy()._unsafeUnwrap());
    expect(new MemoryRosterStore({ lockWorkspaces: undefined }).begin).toBeTypeOf('function');
  });
});
