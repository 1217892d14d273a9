/**
 * Seats, invitations and plans through the whole roster: random sequences of commands against
 * createRoster() (memory store, ManualClock), each outcome predicted by a small model of the seat
 * rules, and after every step:
 *   - the workspace's stored counters equal a recount of the stored agents and invitations,
 *   - replaying the stored events gives exactly the stored state (invariant 8),
 *   - checkRoster finds nothing, and usage never exceeds the plan's limit (invariant 2),
 *   - seatUsage, the plan, the seat policy and every invitation's recorded status equal the model.
 *
 * Why it exists: a seats review found reviving an older invitation (resendInvitation of an expired
 * one) refused with EmailAlreadyExists while a newer invitation to the same email had lapsed but
 * was not yet recorded as expired. The testing kit's own model cannot reach that: it resends only
 * the latest invitation to an email. Here a resend names ANY earlier invitation, the clock lands on
 * expiries to the millisecond, the host reprices its catalog between calls and the seat policy
 * changes midway, so the sweep every seat-relevant use case runs first (ADR 0004) meets the
 * states it has to get right.
 *
 * Runs: 300 sequences from a fixed seed, ~5 s on 2 cores (the coverage check reads the same pass,
 * so the file costs one). SOAK=1 (npm run test:soak) runs 20× as many from a fresh seed, logged
 * first; PROPERTY_RUNS=n sets the count. Replay a reported failure with PROPERTY_SEED=s
 * PROPERTY_PATH=p (see test/testing/property-runs.ts); the coverage check sits out a replay and a
 * run cut below 300. Not in test:floor: fast-check is only our tool here, not a peer under test.
 */
import fc from 'fast-check';
import type { Ok, Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  checkRoster,
  replay,
  type Agent,
  type ChangeSettingsInput,
  type Invitation,
  type InvitationId,
  type Plan,
  type SeatPolicy,
} from 'agent-roster';
import { aShop, PASSWORD } from '../support/shop';
import { RUNS as RUNS_FROM_ENV, SOAK, TIMEOUT, runsOf } from '../testing/property-runs';

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

const FIXED_SEED = 20_261_207;
const DEFAULT_RUNS = 300;
const RUNS = process.env.PROPERTY_RUNS ? RUNS_FROM_ENV : SOAK ? 20 * DEFAULT_RUNS : DEFAULT_RUNS;
/** The coverage check holds for the default pass or a bigger one, not for a replay or a cut-down run. */
const COVERAGE_APPLIES = !process.env.PROPERTY_SEED && RUNS >= DEFAULT_RUNS;
/** The fixed seed unless PROPERTY_SEED is given or this is a soak (which draws and logs one). */
const parameters = <T>(): fc.Parameters<T> => ({ seed: FIXED_SEED, ...runsOf<T>('seats property', RUNS) });

// ---------------------------------------------------------------------------
// The steps
// ---------------------------------------------------------------------------

const EMAILS = ['b0@acme.com', 'b1@acme.com', 'b2@acme.com'] as const;
type CatalogPlanId = 'a' | 'b' | 'free' | 'starter';

/** `invitation` and `agent` pick, modulo their count, among every invitation sent and every agent now. */
type Step =
  | Readonly<{ kind: 'invite'; email: number }>
  | Readonly<{ kind: 'resend'; invitation: number }>
  | Readonly<{ kind: 'revoke'; invitation: number }>
  | Readonly<{ kind: 'accept'; invitation: number; withPreviousToken: boolean }>
  | Readonly<{ kind: 'activate' | 'deactivate' | 'delete'; agent: number }>
  | Readonly<{ kind: 'changePlan'; plan: CatalogPlanId | 'inline'; seats: number }>
  | Readonly<{ kind: 'reprice'; plan: 'a' | 'b'; seats: number }>
  | Readonly<{ kind: 'changeSettings'; countInactiveAgents?: boolean | undefined; reserveSeatsForInvitations?: boolean | undefined; ttlHours?: number | undefined }>
  | Readonly<{ kind: 'advance'; hours: number }>
  | Readonly<{ kind: 'toExpiry'; invitation: number; offsetMs: number }>
  | Readonly<{ kind: 'sweep' }>;

const pick = fc.nat(7);
const seats = fc.integer({ min: 1, max: 5 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('invite'), email: fc.nat(EMAILS.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('resend'), invitation: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke'), invitation: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('accept'), invitation: pick, withPreviousToken: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('activate', 'deactivate', 'delete'), agent: fc.nat(4) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('changePlan'), plan: fc.constantFrom('a', 'b', 'free', 'starter', 'inline'), seats }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprice'), plan: fc.constantFrom('a', 'b'), seats }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('changeSettings'),
        countInactiveAgents: optional(fc.boolean()),
        reserveSeatsForInvitations: optional(fc.boolean()),
        ttlHours: optional(fc.constantFrom(1, 24, 168)),
      },
      { requiredKeys: ['kind'] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance'), hours: fc.constantFrom(1, 23, 24, 100, 168, 200) }) },
  // Exactly at an expiry, a millisecond before or after: expiry is inclusive (ADR 0004).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('toExpiry'), invitation: pick, offsetMs: fc.constantFrom(-1, 0, 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep') }) },
);

type Start = Readonly<{ plan: CatalogPlanId; seatsOfA: number; policy: SeatPolicy; ttlHours: number }>;
const startArb: fc.Arbitrary<Start> = fc.record({
  plan: fc.constantFrom('a', 'b', 'free', 'starter'),
  seatsOfA: fc.integer({ min: 1, max: 4 }),
  policy: fc.record({ countInactiveAgents: fc.boolean(), reserveSeatsForInvitations: fc.boolean() }),
  ttlHours: fc.constantFrom(1, 24, 168),
});

// ---------------------------------------------------------------------------
// The model: seats as DOMAIN.md counts them, deliberately simpler than the roster
// ---------------------------------------------------------------------------

type Recorded = Invitation['status'];
type ModelInvitation = {
  readonly id: InvitationId;
  readonly email: string;
  /** The status the store records; a lapsed `pending` one reads as expired (statusOf). */
  recorded: Recorded;
  expiresAt: number;
  token: string;
  previousToken: string | null;
};
type ModelAgent = { readonly id: string; readonly email: string; readonly owner: boolean; status: Agent['status'] };

class SeatModel {
  readonly invitations: ModelInvitation[] = [];
  readonly agents: ModelAgent[];

  constructor(
    private readonly now: () => number,
    public plan: Plan,
    public policy: SeatPolicy,
    public ttlHours: number,
    owner: Readonly<{ id: string; email: string }>,
  ) {
    this.agents = [{ ...owner, owner: true, status: 'active' }];
  }

  /** ADR 0004: a pending invitation reads as expired from its expiresAt on, recorded or not. */
  statusOf(invitation: ModelInvitation): Recorded {
    return invitation.recorded === 'pending' && invitation.expiresAt <= this.now() ? 'expired' : invitation.recorded;
  }

  /**
   * DOMAIN.md "Plans", seat policy: active agents always count, inactive ones when
   * countInactiveAgents, and pending, unexpired invitations when reserveSeatsForInvitations.
   */
  used(policy: SeatPolicy = this.policy): number {
    const count = <T>(items: readonly T[], keep: (item: T) => boolean) => items.filter(keep).length;
    return (
      count(this.agents, (a) => a.status === 'active') +
      (policy.countInactiveAgents ? count(this.agents, (a) => a.status === 'inactive') : 0) +
      (policy.reserveSeatsForInvitations ? count(this.invitations, (i) => this.statusOf(i) === 'pending') : 0)
    );
  }

  /** Invariant 2: usage never above the plan's seat limit (null is unlimited). */
  fits(used: number): boolean {
    return this.plan.seats === null || used <= this.plan.seats;
  }

  /** A use case that succeeded after its sweep has recorded every lapsed invitation (ADR 0004). */
  sweep(): void {
    for (const invitation of this.invitations) if (this.statusOf(invitation) === 'expired') invitation.recorded = 'expired';
  }

  /**
   * DOMAIN.md "Invitations": an email is taken by an agent of the workspace or by a pending
   * invitation; a lapsed one holds it no more, recorded or not (the sweep frees it, ADR 0004).
   */
  emailTaken(email: string, except?: ModelInvitation): boolean {
    return this.agents.some((a) => a.email === email) || this.invitations.some((i) => i !== except && i.email === email && this.statusOf(i) === 'pending');
  }

  invitationAt(index: number): ModelInvitation | undefined {
    return this.invitations[index % Math.max(1, this.invitations.length)];
  }

  /** A later invitation to the same email: what makes `invitation` an older one. */
  newerTo(invitation: ModelInvitation): ModelInvitation | undefined {
    return this.invitations.slice(this.invitations.indexOf(invitation) + 1).find((i) => i.email === invitation.email);
  }

  // ── The outcome each command should have ──

  /** DOMAIN.md: refused when the email is taken; a reserving invitation needs a free seat. */
  invite(email: string): string {
    if (this.emailTaken(email)) return 'EmailAlreadyExists';
    return this.policy.reserveSeatsForInvitations && !this.fits(this.used() + 1) ? 'SeatLimitReached' : 'ok';
  }

  /**
   * DOMAIN.md "Resending issues a new token and a new expiry"; ADR 0012: resending an expired
   * invitation revives it, which needs its email free and (when reserving) a free seat; accepted
   * or revoked ones are InvitationNotPending.
   */
  resend(invitation: ModelInvitation): string {
    const status = this.statusOf(invitation);
    if (status === 'accepted' || status === 'revoked') return 'InvitationNotPending';
    if (status === 'pending') return 'ok';
    if (this.emailTaken(invitation.email, invitation)) return 'EmailAlreadyExists';
    return this.policy.reserveSeatsForInvitations && !this.fits(this.used() + 1) ? 'SeatLimitReached' : 'ok';
  }

  /** ADR 0012: only a pending (unlapsed) invitation can be revoked. */
  revoke(invitation: ModelInvitation): string {
    return this.statusOf(invitation) === 'pending' ? 'ok' : 'InvitationNotPending';
  }

  /**
   * DOMAIN.md "Accepting": the old link stops working after a resend; distinct errors for used,
   * revoked and expired; the seat is checked again. A reserving invitation already holds its seat.
   */
  accept(invitation: ModelInvitation, token: string): string {
    if (token !== invitation.token) return 'InvalidToken';
    const status = this.statusOf(invitation);
    if (status === 'accepted') return 'InvitationAlreadyAccepted';
    if (status === 'revoked') return 'InvitationWasRevoked';
    if (status === 'expired') return 'InvitationHasExpired';
    if (this.agents.some((a) => a.email === invitation.email)) return 'EmailAlreadyExists';
    return this.policy.reserveSeatsForInvitations || this.fits(this.used() + 1) ? 'ok' : 'SeatLimitReached';
  }

  /**
   * DOMAIN.md "Plans": a policy that counts only active agents makes activate need a free seat.
   * "Agents": the owner cannot be deleted; the owner may be inactive.
   */
  onAgent(kind: 'activate' | 'deactivate' | 'delete', agent: ModelAgent): string {
    if (kind === 'delete') return agent.owner ? 'OwnerCannotBeDeleted' : 'ok';
    const needsSeat = kind === 'activate' && agent.status === 'inactive' && !this.policy.countInactiveAgents;
    return needsSeat && !this.fits(this.used() + 1) ? 'SeatLimitReached' : 'ok';
  }

  /** DOMAIN.md "Changing plan": a downgrade below current usage is refused (ADR 0012: with the numbers). */
  changePlan(target: Plan): string {
    return target.seats !== null && this.used() > target.seats ? 'PlanLimitsExceeded' : 'ok';
  }

  /** ADR 0012: a seat policy that would put usage over the plan is SeatLimitReached. */
  changeSettings(next: SeatPolicy): string {
    return this.fits(this.used(next)) ? 'ok' : 'SeatLimitReached';
  }
}

// ---------------------------------------------------------------------------
// Driving the roster
// ---------------------------------------------------------------------------

type Outcome = Result<unknown, Readonly<{ type: string }>>;
const outcomeOf = (result: Outcome): string => (result.isOk() ? 'ok' : result.error.type);
const HOUR = 3_600_000;

/** How often each `command:outcome` (and each notable case) was reached. */
type Tally = Map<string, number>;
const REVIVED_OLDER = 'resend: revived an older invitation';
const REVIVED_PAST_LAPSED_NEWER = 'resend: revived an older invitation while a newer one lapsed unrecorded';

async function runSequence(start: Start, steps: readonly Step[], tally: Tally): Promise<void> {
  // The host's catalog, repriced between calls by `reprice` steps: the roster reads it on each call.
  const catalog: Record<CatalogPlanId, Plan> = {
    a: { id: 'a', seats: start.seatsOfA, departments: null },
    b: { id: 'b', seats: 4, departments: null },
    free: { id: 'free', seats: 1, departments: 1 },
    starter: { id: 'starter', seats: 3, departments: 1 },
  };
  const { clock, mailer, store, roster, workspaceId, ana } = await aShop({ plan: start.plan, plans: catalog, allowInlinePlans: true });
  const opening = await roster.changeSettings(ana, { seatPolicy: start.policy, invitationTtlHours: start.ttlHours });
  expect(outcomeOf(opening), 'the opening settings').toBe('ok');

  const now = () => clock.now().getTime();
  const model = new SeatModel(now, { ...catalog[start.plan] }, { ...start.policy }, start.ttlHours, { id: ana.agentId, email: 'ana@acme.com' });
  const trace: string[] = [`start ${JSON.stringify(start)}`];
  const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

  /** Checks the roster's outcome against the model's; returns whether it succeeded. */
  const expectOutcome = <T, E extends Readonly<{ type: string }>>(command: string, detail: string, result: Result<T, E>, predicted: string): result is Ok<T, E> => {
    const actual = outcomeOf(result);
    count(`${command}:${actual}`);
    trace.push(`${command} ${detail} -> ${actual}${actual === predicted ? '' : `, but the model predicted ${predicted}`}`);
    if (actual !== predicted) {
      const why = result.isErr() ? ` (${JSON.stringify(result.error)})` : '';
      throw new Error(`${command} ${detail}: the roster answered ${actual}${why}, the model ${predicted}.`);
    }
    return result.isOk();
  };
  const issued = (invitation: Readonly<{ expiresAt: string }>, email: string) => {
    // Invite and resend both give the workspace's current link lifetime, counted from now.
    expect(Date.parse(invitation.expiresAt), 'expiresAt = now + the workspace TTL').toBe(now() + model.ttlHours * HOUR);
    return { expiresAt: Date.parse(invitation.expiresAt), token: mailer.lastTokenFor(email) ?? 'no-token-was-sent' };
  };

  const play = async (step: Step): Promise<void> => {
    switch (step.kind) {
      case 'invite': {
        const email = EMAILS[step.email] ?? EMAILS[0];
        const result = await roster.inviteAgent(ana, { email });
        if (!expectOutcome('invite', email, result, model.invite(email))) return;
        model.sweep();
        model.invitations.push({ id: result.value.state.invitation.id, email, recorded: 'pending', previousToken: null, ...issued(result.value.state.invitation, email) });
        return;
      }
      case 'resend': {
        const invitation = model.invitationAt(step.invitation);
        if (!invitation) return;
        const status = model.statusOf(invitation);
        const newer = model.newerTo(invitation);
        const predicted = model.resend(invitation);
        const result = await roster.resendInvitation(ana, { invitationId: invitation.id });
        const newerSays = newer && `; a newer one is ${model.statusOf(newer)}${newer.recorded === model.statusOf(newer) ? '' : `, recorded ${newer.recorded}`}`;
        const detail = `${invitation.id} to ${invitation.email} [${status}${newerSays ?? ''}]`;
        if (!expectOutcome('resend', detail, result, predicted)) return;
        if (status === 'expired' && newer) {
          count(REVIVED_OLDER);
          if (newer.recorded === 'pending') count(REVIVED_PAST_LAPSED_NEWER);
        }
        model.sweep();
        const { expiresAt, token } = issued(result.value.state.invitation, invitation.email);
        Object.assign(invitation, { recorded: 'pending', previousToken: invitation.token, token, expiresAt });
        return;
      }
      case 'revoke': {
        const invitation = model.invitationAt(step.invitation);
        if (!invitation) return;
        const result = await roster.revokeInvitation(ana, { invitationId: invitation.id });
        if (expectOutcome('revoke', `${invitation.id} [${model.statusOf(invitation)}]`, result, model.revoke(invitation))) invitation.recorded = 'revoked';
        return;
      }
      case 'accept': {
        const invitation = model.invitationAt(step.invitation);
        if (!invitation) return;
        const token = step.withPreviousToken && invitation.previousToken !== null ? invitation.previousToken : invitation.token;
        const detail = `${invitation.id}${token === invitation.token ? '' : ' with its previous token'} [${model.statusOf(invitation)}]`;
        const predicted = model.accept(invitation, token);
        const result = await roster.acceptInvitation({ token, name: 'Bee', password: PASSWORD });
        if (!expectOutcome('accept', detail, result, predicted)) return;
        model.sweep();
        invitation.recorded = 'accepted';
        model.agents.push({ id: result.value.state.agent.id, email: invitation.email, owner: false, status: 'active' });
        return;
      }
      case 'activate':
      case 'deactivate':
      case 'delete': {
        const agent = model.agents[step.agent % model.agents.length];
        if (!agent) return;
        const predicted = model.onAgent(step.kind, agent);
        const target = { agentId: agent.id };
        const result: Outcome =
          step.kind === 'activate' ? await roster.activateAgent(ana, target) : step.kind === 'deactivate' ? await roster.deactivateAgent(ana, target) : await roster.deleteAgent(ana, target);
        if (!expectOutcome(step.kind, `${agent.email} [${agent.status}]`, result, predicted)) return;
        if (step.kind === 'activate') model.sweep(); // activate sweeps; deactivate and delete take no seat
        if (step.kind === 'delete') model.agents.splice(model.agents.indexOf(agent), 1);
        else agent.status = step.kind === 'activate' ? 'active' : 'inactive';
        return;
      }
      case 'changePlan': {
        const target: Plan = step.plan === 'inline' ? { id: 'inline', seats: step.seats, departments: null } : { ...catalog[step.plan] };
        const result = await roster.changePlan(ana, { plan: step.plan === 'inline' ? target : step.plan });
        if (!expectOutcome('changePlan', `${JSON.stringify(target)} [used ${model.used()}]`, result, model.changePlan(target))) return;
        model.sweep();
        model.plan = target;
        return;
      }
      case 'reprice':
        catalog[step.plan] = { id: step.plan, seats: step.seats, departments: null };
        trace.push(`reprice ${step.plan} to ${step.seats} seats`);
        return;
      case 'changeSettings': {
        const { countInactiveAgents, reserveSeatsForInvitations, ttlHours } = step;
        const next: SeatPolicy = {
          countInactiveAgents: countInactiveAgents ?? model.policy.countInactiveAgents,
          reserveSeatsForInvitations: reserveSeatsForInvitations ?? model.policy.reserveSeatsForInvitations,
        };
        const seatPolicy = { ...(countInactiveAgents === undefined ? {} : { countInactiveAgents }), ...(reserveSeatsForInvitations === undefined ? {} : { reserveSeatsForInvitations }) };
        const input: ChangeSettingsInput = {
          ...(Object.keys(seatPolicy).length === 0 ? {} : { seatPolicy }),
          ...(ttlHours === undefined ? {} : { invitationTtlHours: ttlHours }),
        };
        const result = await roster.changeSettings(ana, input);
        if (!expectOutcome('changeSettings', `${JSON.stringify(input)} [used ${model.used()} -> ${model.used(next)}]`, result, model.changeSettings(next))) return;
        model.sweep();
        model.policy = next;
        if (ttlHours !== undefined) model.ttlHours = ttlHours;
        return;
      }
      case 'advance':
        clock.advance({ hours: step.hours });
        trace.push(`advance ${step.hours} h`);
        return;
      case 'toExpiry': {
        const invitation = model.invitationAt(step.invitation);
        if (!invitation || invitation.expiresAt + step.offsetMs < now()) return; // the clock never goes back
        clock.set(new Date(invitation.expiresAt + step.offsetMs));
        trace.push(`clock to ${invitation.id}'s expiry ${step.offsetMs >= 0 ? '+' : ''}${step.offsetMs} ms`);
        return;
      }
      case 'sweep': {
        const result = await roster.expireLapsedInvitations(workspaceId);
        if (expectOutcome('expireLapsedInvitations', '', result, 'ok')) model.sweep();
        return;
      }
    }
  };

  /** What must hold after every step, whatever the step did. */
  const checkEverything = async (): Promise<void> => {
    const stored = await store.loadWorkspace(workspaceId);
    if (stored === null) throw new Error('the workspace is gone');
    const workspace = stored.value;
    const agents = await store.listAgents(workspaceId);
    const invitations = await store.listInvitations(workspaceId);
    const departments = await store.listDepartments(workspaceId);

    expect(workspace.counts, 'stored counters = a recount (ADR 0003)').toEqual({
      activeAgents: agents.filter((a) => a.status === 'active').length,
      inactiveAgents: agents.filter((a) => a.status === 'inactive').length,
      pendingInvitations: invitations.filter((i) => i.status === 'pending').length,
      departments: departments.length,
    });

    const replayed = replay(await store.events(workspaceId));
    expect(replayed.workspace, 'replayed workspace = stored (invariant 8)').toEqual(workspace);
    expect(replayed.agents, 'replayed agents = stored (invariant 8)').toEqual(Object.fromEntries(agents.map((a) => [a.id, a])));
    expect(replayed.invitations, 'replayed invitations = stored (invariant 8)').toEqual(Object.fromEntries(invitations.map((i) => [i.id, i])));
    expect(checkRoster(replayed).map((v) => v.explanation), 'checkRoster').toEqual([]);

    expect(workspace.plan, 'plan').toEqual(model.plan);
    expect(workspace.seatPolicy, 'seat policy').toEqual(model.policy);
    expect(model.fits(model.used()), `usage ${model.used()} within ${model.plan.seats} seats (invariant 2)`).toBe(true);
    const usage = await roster.seatUsage(ana);
    expect(usage.isOk() && { used: usage.value.used, limit: usage.value.limit }, 'seatUsage').toEqual({ used: model.used(), limit: model.plan.seats });
    expect(
      Object.fromEntries(invitations.map((i) => [i.id, i.status])),
      'recorded invitation statuses (a sweep records exactly the lapsed ones)',
    ).toEqual(Object.fromEntries(model.invitations.map((i) => [i.id, i.recorded])));
  };

  for (const [index, step] of steps.entries()) {
    try {
      await play(step);
      await checkEverything();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`Step #${index} (${step.kind}): ${message}\n\nThe sequence so far:\n  ${trace.join('\n  ')}`);
    }
  }
}

// ---------------------------------------------------------------------------
// The property, and the outcomes its sequences reach
// ---------------------------------------------------------------------------

/** One pass over the sequences serves both checks below, so the file costs one pass. */
let pass: Promise<Tally> | undefined;
function theSequences(): Promise<Tally> {
  pass ??= (async () => {
    const tally: Tally = new Map();
    await fc.assert(
      fc.asyncProperty(startArb, fc.array(stepArb, { minLength: 1, maxLength: 60, size: 'max' }), (start, steps) => runSequence(start, steps, tally)),
      parameters<[Start, Step[]]>(),
    );
    return tally;
  })();
  return pass;
}

describe(`seats, invitations and plans over random command sequences (${RUNS} sequences)`, () => {
  it(
    'every outcome is the model’s, counters recount, the log replays, checkRoster is clean and usage stays within the plan',
    async () => {
      await theSequences();
    },
    TIMEOUT,
  );

  it.runIf(COVERAGE_APPLIES)(
    'the sequences reach the outcomes that matter, so the property is not vacuous',
    async () => {
      const tally = await theSequences().catch(() => {
        throw new Error('The property failed (the test above says how), so there is no coverage to report.');
      });
      const mustReach = [
        REVIVED_OLDER,
        REVIVED_PAST_LAPSED_NEWER,
        'invite:SeatLimitReached',
        'resend:SeatLimitReached',
        'accept:SeatLimitReached',
        'activate:SeatLimitReached',
        'changeSettings:SeatLimitReached',
        'changePlan:PlanLimitsExceeded',
        'accept:InvitationHasExpired',
        'accept:InvalidToken',
        'resend:EmailAlreadyExists',
      ];
      expect(mustReach.filter((outcome) => !tally.has(outcome)), `reached: ${[...tally].sort().map(([k, n]) => `${k}=${n}`).join(', ')}`).toEqual([]);
    },
    TIMEOUT,
  );
});
