/**
 * DOMAIN.md's invariants, checked after every step of random command sequences on the pure domain
 * (src/testing/domain-model.ts drives them), plus the value-object arbitraries they are built on.
 *
 * Runs: each property runs PROPERTY_RUNS sequences (default 1000), e.g.
 *   PROPERTY_RUNS=20000 npx vitest run test/domain/invariants.property.test.ts
 *
 * Replaying a failure: fast-check prints the shrunk counterexample and a line like
 *   { seed: -1819918769, path: "41:2:5:1", endOnFailure: true }
 * Replay exactly that case (no new generation, no re-shrinking) with
 *   PROPERTY_SEED=-1819918769 PROPERTY_PATH=41:2:5:1 npx vitest run test/domain/invariants.property.test.ts
 * or by passing `{ seed, path }` to that property's `fc.assert` while debugging.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  PLANS,
  DEFAULT_PASSWORD_POLICY,
  changeSettingsSchema,
  checkHistory,
  checkPassword,
  checkRoster,
  departmentNameSchema,
  editAgent,
  emailSchema,
  initialRosterState,
  passwordSchema,
  personNameSchema,
  planSchema,
  replay,
  resolvePlan,
  roleSchema,
  type Agent,
  type Capability,
  type Department,
  type DomainError,
  type Invitation,
  type RosterState,
} from '../../src/domain/index';
import { departmentNameArb, emailArb, passwordArb, personNameArb, planArb, roleArb, seatPolicyArb } from '../../src/testing/arbitraries';
import { outcomeClass, runDomainSequence, type OutcomeClass, type RunOptions, type StepReport } from '../../src/testing/domain-model';
import { domainStepsArb, type DomainStep } from '../../src/testing/domain-steps';

// ---------------------------------------------------------------------------
// Parameters: runs, and replaying a reported failure
// ---------------------------------------------------------------------------

function integerFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}.`);
  return value;
}

const RUNS = integerFromEnv('PROPERTY_RUNS') ?? 1000;
const SEED = integerFromEnv('PROPERTY_SEED');
const PATH = process.env.PROPERTY_PATH || undefined;
if (PATH !== undefined && SEED === undefined) throw new Error('PROPERTY_PATH replays a failure only together with its PROPERTY_SEED.');

const parameters: fc.Parameters<[readonly DomainStep[]]> = {
  numRuns: RUNS,
  ...(SEED === undefined ? {} : { seed: SEED }),
  ...(PATH === undefined ? {} : { path: PATH, endOnFailure: true }),
};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Runs random sequences, calling `check` after every step; the property fails on the first throw. */
function forEverySequence(check: (report: StepReport) => void, options: Omit<RunOptions, 'onStep'> = {}): void {
  fc.assert(
    fc.property(domainStepsArb(), (steps) => {
      runDomainSequence(steps, { ...options, onStep: check });
    }),
    parameters,
  );
}

const where = (r: StepReport) => `after step #${r.index} ${r.step.kind} (${r.command === null ? 'no command' : outcomeClass(r.outcome)})`;

type Aggregate = Agent | Invitation | Department;
const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === 'object' && v !== null;

/**
 * Applies a decision's returned aggregates onto a roster, the way a store that keeps aggregates
 * (not events) would: objects with `kind` are upserts, objects with `removed: true` deletions.
 */
function applyDecisionState(roster: RosterState, decided: Readonly<Record<string, unknown>>): RosterState {
  let workspace = roster.workspace;
  const tables = { agent: { ...roster.agents }, invitation: { ...roster.invitations }, department: { ...roster.departments } };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isRecord(value) || typeof value.kind !== 'string' || typeof value.id !== 'string') return;
    if (value.kind === 'workspace') {
      workspace = value as unknown as NonNullable<RosterState['workspace']>;
      return;
    }
    if (!(value.kind in tables)) throw new Error(`A decision returned an aggregate of unknown kind ${value.kind}.`);
    const table = tables[value.kind as keyof typeof tables] as Record<string, Aggregate>;
    if (value.removed === true) delete table[value.id];
    else table[value.id] = value as unknown as Aggregate;
  };
  Object.values(decided).forEach(visit);
  return { workspace, agents: tables.agent, invitations: tables.invitation, departments: tables.department };
}

const CAPABILITY_OF: Partial<Record<DomainStep['kind'], Capability>> = {
  inviteAgent: 'manageAgents',
  resendInvitation: 'manageAgents',
  revokeInvitation: 'manageAgents',
  editAgent: 'manageAgents',
  changeRole: 'manageAgents',
  activateAgent: 'manageAgents',
  deactivateAgent: 'manageAgents',
  setAvailability: 'manageAgents',
  deleteAgent: 'manageAgents',
  createDepartment: 'manageDepartments',
  renameDepartment: 'manageDepartments',
  deleteDepartment: 'manageDepartments',
  assignAgentToDepartments: 'manageDepartments',
  removeAgentFromDepartment: 'manageDepartments',
  changePlan: 'manageWorkspace',
  changeSettings: 'manageWorkspace',
  transferOwnership: 'transferOwnership',
};

/**
 * The data a UI shows with an error must be the truth: a denial names the missing capability and
 * why (DOMAIN.md: "every denial says which capability was missing and why"), a limit error carries
 * the plan's limit and the usage the model counts. A refusal changes nothing, so the facts after
 * the step are the facts before it.
 */
function expectErrorDetailsToMatchTheModel(r: StepReport, error: DomainError): void {
  const facts = r.slot === null ? undefined : r.facts[r.slot]?.model;
  switch (error.type) {
    case 'PermissionDenied': {
      const workspaceId = r.slot === null ? undefined : r.before[r.slot]?.workspace?.id;
      const ownerId = r.slot === null ? undefined : r.before[r.slot]?.workspace?.ownerId;
      // An admin may edit the owner, but only the owner changes the owner's email: a denied admin
      // named the owner with a new email, and so did an agent whose email differs from the owner's
      // (anyone else is refused as not-owner, whatever the role).
      const ownersMailbox = r.slot === null || ownerId === undefined ? undefined : r.before[r.slot]?.agents[ownerId]?.email;
      const newMailbox = r.step.kind === 'editAgent' ? r.step.email?.mailbox : undefined;
      const ownersEmail =
        r.step.kind === 'editAgent' &&
        r.named[0] === ownerId &&
        r.actor?.id !== ownerId &&
        (r.actor?.role === 'admin' || (newMailbox != null && newMailbox !== ownersMailbox));
      const reason = r.actor?.workspaceId !== workspaceId ? 'not-a-member' : r.step.kind === 'transferOwnership' || ownersEmail ? 'not-owner' : 'role';
      // Acting on oneself (own profile, own availability) needs only `manageOwnProfile`.
      const onSelf = (r.step.kind === 'editAgent' || r.step.kind === 'setAvailability') && r.named[0] === r.actor?.id;
      const capability = onSelf ? 'manageOwnProfile' : CAPABILITY_OF[r.step.kind];
      expect({ capability: error.capability, reason: error.reason }, where(r)).toEqual({ capability, reason });
      break;
    }
    case 'SeatLimitReached':
      expect({ limit: error.limit, used: error.used }, where(r)).toEqual({ limit: facts?.seatLimit, used: facts?.seatsUsed });
      expect(error.requested, `${where(r)}: a refusal asks for more than the plan has`).toBeGreaterThan(error.limit);
      break;
    case 'DepartmentLimitReached':
      expect({ limit: error.limit, used: error.used }, where(r)).toEqual({ limit: facts?.departmentLimit, used: facts?.departmentKeys.length });
      break;
    case 'PlanLimitsExceeded': {
      const plan = r.step.kind === 'changePlan' ? resolvePlan(planSchema.parse(r.step.plan), PLANS) : undefined;
      expect({ seats: error.seats, departments: error.departments }, where(r)).toEqual({
        seats: { used: facts?.seatsUsed, allowed: plan?.seats },
        departments: { used: facts?.departmentKeys.length, allowed: plan?.departments },
      });
      break;
    }
    default:
      break;
  }
}

const HEX_TOKEN = /[0-9a-f]{64}/;
/** Passwords short enough to occur in any text by chance are not worth looking for. */
const passwordOf = (step: DomainStep) => (step.kind === 'acceptInvitation' && step.password.length >= 8 ? step.password : undefined);

// ---------------------------------------------------------------------------
// The arbitraries themselves
// ---------------------------------------------------------------------------

describe('value-object arbitraries (src/testing/arbitraries.ts)', () => {
  it(`produce only values the library's own schemas accept (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.record({
          email: emailArb(),
          person: personNameArb(),
          department: departmentNameArb(),
          role: roleArb(),
          plan: planArb(),
          seatPolicy: seatPolicyArb(),
          password: passwordArb(),
        }),
        (v) => {
          expect(emailSchema.safeParse(v.email).error?.issues, v.email).toBeUndefined();
          expect(personNameSchema.safeParse(v.person).success, v.person).toBe(true);
          expect(departmentNameSchema.safeParse(v.department).success, v.department).toBe(true);
          expect(roleSchema.safeParse(v.role).success).toBe(true);
          const plan = planSchema.safeParse(v.plan);
          expect(plan.success && resolvePlan(plan.data, PLANS) !== undefined, JSON.stringify(v.plan)).toBe(true);
          expect(changeSettingsSchema.safeParse({ seatPolicy: v.seatPolicy }).success).toBe(true);
          expect(passwordSchema.safeParse(v.password).success).toBe(true);
          expect(checkPassword(v.password, DEFAULT_PASSWORD_POLICY).isOk(), `${[...v.password].length} code points`).toBe(true);
        },
      ),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });

  it('reach the valid-but-tricky cases they promise', () => {
    const emails = fc.sample(emailArb(), { numRuns: 3000, seed: 7 });
    const canonical = emails.map((e) => emailSchema.parse(e) as string);
    const some = (test: (e: string, i: number) => boolean) => emails.some(test);
    expect(some((e) => /\+[a-z0-9]+@/.test(e)), 'a plus tag').toBe(true);
    expect(some((e) => e.includes("'")), 'an apostrophe').toBe(true);
    expect(some((e) => /\.[^@]*@/.test(e)), 'a dot before the @').toBe(true);
    expect(some((e) => e !== e.toLowerCase()), 'upper case').toBe(true);
    expect(some((e) => /@[^@]*[^\x00-\x7f]/.test(e)), 'a Unicode (IDN) domain').toBe(true);
    expect(some((e, i) => canonical[i]!.includes('xn--')), 'a domain in ACE form after parsing').toBe(true);
    expect(some((e) => e !== e.trim()), 'surrounding whitespace').toBe(true);
    expect(some((e) => e !== e.normalize('NFC')), 'a decomposed (NFD) spelling').toBe(true);
    expect(new Set(canonical).size, 'two spellings of one mailbox').toBeLessThan(new Set(emails).size);

    const passwords = fc.sample(passwordArb(), { numRuns: 3000, seed: 7 }).map((p) => [...p].length);
    expect(passwords).toContain(DEFAULT_PASSWORD_POLICY.minLength);
    expect(passwords).toContain(DEFAULT_PASSWORD_POLICY.maxLength);

    const plans = fc.sample(planArb(), { numRuns: 1000, seed: 7 });
    expect(plans.some((p) => typeof p !== 'string' && p.seats === null), 'an unlimited custom plan').toBe(true);
    expect(plans.some((p) => typeof p === 'string'), 'a catalog plan').toBe(true);
    expect(plans.some((p) => typeof p !== 'string' && p.departments === 0), 'a custom plan without departments').toBe(true);
  });
});

// ---------------------------------------------------------------------------
// The invariants
// ---------------------------------------------------------------------------

describe(`DOMAIN.md invariants over random command sequences (${RUNS} sequences each)`, () => {
  it('invariants 1–6: after every step checkRoster finds nothing in either workspace, and checkHistory nothing in the events', () => {
    forEverySequence((r) => {
      for (const roster of r.after) if (roster) expect(checkRoster(roster), where(r)).toEqual([]);
      expect(checkHistory(r.history), where(r)).toEqual([]);
    });
  });

  it('invariant 7: a refused command leaves its (deep-frozen) state untouched and emits nothing; naming another workspace is refused', () => {
    let snapshot: unknown;
    let eventsBefore = 0;
    forEverySequence(
      (r) => {
        // Success or not, a command never writes into the state it was given.
        expect(isDeepStrictEqual(r.before, snapshot), `${where(r)}: the state given to the command changed`).toBe(true);
        if (r.namesForeign) expect(r.outcome.kind, `${where(r)}: it named an entity of the other workspace`).toBe('failed');
        const eventsBeforeStep = eventsBefore;
        eventsBefore = r.history.length;
        if (r.outcome.kind !== 'failed') return;
        const { error } = r.outcome;
        expect(r.history.length, `${where(r)}: a refusal emitted events`).toBe(eventsBeforeStep);
        expect(r.after, where(r)).toEqual(r.before);
        expect(Object.keys(error), where(r)).not.toContain('events');
        expect(Object.keys(error), where(r)).not.toContain('state');
        expect(JSON.parse(JSON.stringify(error)), `${where(r)}: the error is not plain data`).toStrictEqual({ ...error });
        expect(error.message.length, where(r)).toBeGreaterThan(0);
        const text = JSON.stringify(error);
        expect(HEX_TOKEN.test(text), `${where(r)}: the error carries a token hash`).toBe(false);
        const password = passwordOf(r.step);
        if (password !== undefined) expect(text.includes(password), `${where(r)}: the error carries the password`).toBe(false);
      },
      {
        freeze: true,
        beforeStep: ({ index, rosters }) => {
          snapshot = structuredClone(rosters);
          if (index === 0) eventsBefore = 0;
        },
      },
    );
  });

  it("in every reachable roster, only the owner changes the owner's email: any other admin is refused, before the holder matters", () => {
    let tried = 0;
    forEverySequence((r) => {
      for (const roster of r.after) {
        const workspace = roster?.workspace;
        const owner = workspace ? roster.agents[workspace.ownerId] : undefined;
        if (!workspace || !owner) continue;
        for (const admin of Object.values(roster.agents)) {
          if (admin.role !== 'admin' || admin.id === owner.id) continue;
          tried++;
          const state = { workspace, actor: admin, agent: owner };
          for (const emailStatus of ['available', 'standalone-account'] as const) {
            const refused = editAgent(state, { agentId: owner.id, email: 'someone.new@elsewhere.example', name: 'Renamed' }, { now: r.now, emailStatus });
            expect(refused.isErr() && refused.error, where(r)).toMatchObject({ type: 'PermissionDenied', capability: 'manageAgents', reason: 'not-owner', actorId: admin.id });
          }
          // The owner's name stays theirs to edit, as DOMAIN.md has admins edit agents.
          expect(editAgent(state, { agentId: owner.id, name: 'Renamed' }, { now: r.now, emailStatus: 'available' }).isOk(), where(r)).toBe(true);
        }
      }
    });
    expect(tried, 'no sequence reached a second admin').toBeGreaterThan(RUNS);
  });

  it('invariant 8: replaying every event so far equals applying every decision’s returned aggregates', () => {
    let applied = new Map<string, RosterState>();
    fc.assert(
      fc.property(domainStepsArb(), (steps) => {
        applied = new Map();
        runDomainSequence(steps, {
          onStep: (r) => {
            if (r.outcome.kind === 'ok' && r.slot !== null) {
              const workspaceId = r.after[r.slot]?.workspace?.id;
              expect(workspaceId, where(r)).toBeDefined();
              applied.set(workspaceId!, applyDecisionState(applied.get(workspaceId!) ?? initialRosterState, r.outcome.decision.state));
            }
            for (const roster of r.after) {
              const id = roster?.workspace?.id;
              if (id === undefined) continue;
              const replayed = replay(r.history.filter((e) => e.workspaceId === id));
              if (!isDeepStrictEqual(replayed, applied.get(id))) expect(replayed, `${where(r)}: workspace ${id}`).toStrictEqual(applied.get(id));
              if (!isDeepStrictEqual(replayed, roster)) expect(replayed, `${where(r)}: workspace ${id}`).toStrictEqual(roster);
            }
          },
        });
      }),
      parameters,
    );
  });

  it('state and events survive a JSON round trip at every step, and no password reaches them', () => {
    forEverySequence((r) => {
      const events = r.outcome.kind === 'ok' ? r.outcome.decision.events : [];
      for (const value of [...r.after, events]) {
        if (value === undefined) continue;
        const text = JSON.stringify(value);
        const back: unknown = JSON.parse(text);
        if (!isDeepStrictEqual(back, value)) expect(back, where(r)).toStrictEqual(value);
        const password = passwordOf(r.step);
        if (password !== undefined) expect(text.includes(password), `${where(r)}: the password was stored`).toBe(false);
      }
    });
  });

  it('the simple model agrees with the system on every outcome it predicts, and on seats, emails, owner, roles and departments', () => {
    forEverySequence((r) => {
      const actual = outcomeClass(r.outcome);
      if (r.expected !== undefined && actual !== null) {
        const detail = r.outcome.kind === 'failed' ? ` — ${r.outcome.error.message}` : '';
        expect(r.expected, `${where(r)}: the model expected one of [${r.expected.join(', ')}]${detail}`).toContain(actual);
      }
      r.facts.forEach((facts, slot) => {
        if (facts) expect(facts.system, `${where(r)}: workspace ${slot}, system (received) vs model (expected)`).toStrictEqual(facts.model);
      });
      if (r.outcome.kind === 'failed') expectErrorDetailsToMatchTheModel(r, r.outcome.error);
    });
  });

  it('the generated sequences reach every outcome the model predicts (so the properties above are not vacuous)', () => {
    const seen = new Set<string>();
    for (const steps of fc.sample(domainStepsArb(), { numRuns: 400, seed: 20260302 })) {
      runDomainSequence(steps, { freeze: false, onStep: (r) => void seen.add(`${r.command}:${outcomeClass(r.outcome)}`) });
    }
    const wanted: `${DomainStep['kind']}:${OutcomeClass}`[] = [
      'inviteAgent:ok',
      'inviteAgent:SeatLimitReached',
      'inviteAgent:EmailAlreadyExists',
      'inviteAgent:PermissionDenied',
      'inviteAgent:DepartmentNotFound',
      'acceptInvitation:ok',
      'acceptInvitation:InvalidToken',
      'acceptInvitation:InvitationHasExpired',
      'acceptInvitation:InvitationAlreadyAccepted',
      'acceptInvitation:InvitationWasRevoked',
      'acceptInvitation:SignedInAsDifferentEmail',
      'acceptInvitation:WeakPassword',
      'acceptInvitation:SeatLimitReached',
      'resendInvitation:ok',
      'revokeInvitation:ok',
      'expireInvitations:ok',
      'editAgent:EmailAlreadyExists',
      'activateAgent:ok',
      'deactivateAgent:ok',
      'setAvailability:AgentInactive',
      'changeRole:OwnerMustStayAdmin',
      'transferOwnership:ok',
      'transferOwnership:PermissionDenied',
      'deleteAgent:ok',
      'deleteAgent:OwnerCannotBeDeleted',
      'createDepartment:DepartmentNameTaken',
      'createDepartment:DepartmentLimitReached',
      'deleteDepartment:ok',
      'assignAgentToDepartments:ok',
      'changePlan:PlanLimitsExceeded',
      'changeSettings:ok',
    ];
    expect(wanted.filter((w) => !seen.has(w))).toEqual([]);
  });
});
