/**
 * Proof that the kit can fail: pointed at deliberately broken implementations (test/testing/broken),
 * it must find each bug and shrink it to a short counterexample — the few steps a person needs to
 * see the bug. The counterexample and the kit's explanation are printed only when an assertion
 * here fails.
 *
 * Runs start from a fixed seed, so that a bound on the shrunk counterexample's length is a check
 * rather than a coin toss; PROPERTY_SEED=<n> picks another, PROPERTY_SEED=random a random one.
 * Over many seeds the store and accept bugs were found within ~60 sequences and the owner demotion
 * (which needs an invited admin to join and then turn on the owner) within ~210; each budget below
 * is several times that. Over seeds 100–129 (2026-12-06, after steps began to prefer useful
 * picks) the owner demotion shrank to 3–7 steps (3 in 16 of them, 7 in 3) and the version-blind
 * store to 1–4: the picks are relative ("someone other than the owner"), so dropping one step
 * can change whom a later one names, and a few counterexamples keep an unrelated agent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRoster, DEFAULT_SEAT_POLICY, type Roster } from 'agent-roster';
import { checkInvariants, ranCommands, rosterDriver, rosterProperty, type RosterDriver, type RosterPorts, type RosterPropertyOptions } from 'agent-roster/testing';
import { handRolledAccept } from './broken/hand-rolled-accept';
import { blankNamesFilledIn, departmentKeptForInvitations, lapsedLinksNotResent } from './broken/lenient-rules';
import { changeRoleGuardingOnlySelfDemotion } from './broken/owner-demotion';
import { VersionBlindStore } from './broken/version-blind-store';

/**
 * Runs for the hosts that read a rule their own way (broken/lenient-rules.ts), whose bugs show
 * only in states the kit sets up on purpose. Over seeds 1–6 the department kept for invitations
 * was found within 14 runs and the lapsed link not resent within 8 (with the kit's scenarios; from
 * the fixed seed, without them, after 97 and 78 runs), and the blank name filled in within 33
 * (never, without refused names drawn).
 */
const RARE_STATE_BUDGET = 40;
const BLANK_NAME_BUDGET = 100;
const SEED = process.env.PROPERTY_SEED === 'random' ? undefined : Number(process.env.PROPERTY_SEED ?? 20261206);
const PASSWORD = 'correct horse battery staple';

type Hunt = Readonly<{ found: boolean; steps: readonly string[]; error: string; report: string; seed: number; path: string | undefined; replayPath: string | undefined }>;

/** Runs the kit against a driver and summarizes what it found, with a report fit for a failure message. */
async function hunt(budget: number, makeDriver: () => RosterDriver, options: RosterPropertyOptions = {}): Promise<Hunt> {
  const details = await fc.check(rosterProperty(makeDriver, options), { numRuns: budget, ...(SEED === undefined ? {} : { seed: SEED }) });
  const commands = details.counterexample?.[0];
  const steps = ranCommands(commands);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const replayPath = /replayPath="([^"]*)"/.exec(String(commands))?.[1];
  const report = [
    `found: ${details.failed} after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s); seed ${details.seed}, path ${details.counterexamplePath}`,
    `workspace: ${JSON.stringify(details.counterexample?.[1])}`,
    'counterexample:',
    ...steps.map((s, n) => `  ${n + 1}. ${s}`),
    'the kit said:',
    error,
  ].join('\n');
  return { found: details.failed, steps, error, report, seed: details.seed, path: details.counterexamplePath ?? undefined, replayPath };
}

const withRoster = (change: (ports: RosterPorts) => Partial<Roster>) => () =>
  rosterDriver({ roster: (ports) => ({ ...createRoster({ ...ports, allowInlinePlans: true }), ...change(ports) }) });
const seatsCheckedOnlyAtInvite = withRoster((ports) => ({ acceptInvitation: handRolledAccept(ports, { checkSeats: false, markUsed: true }) }));
const invitationNeverMarkedUsed = withRoster((ports) => ({ acceptInvitation: handRolledAccept(ports, { checkSeats: true, markUsed: false }) }));
const ownerDemotable = withRoster((ports) => ({ changeRole: changeRoleGuardingOnlySelfDemotion(ports) }));

describe('the kit against deliberately broken implementations', () => {
  it('finds a store that ignores versions: two concurrent commands lose an update', async () => {
    const result = await hunt(400, () => rosterDriver({ store: new VersionBlindStore() }));
    expect(result.found, result.report).toBe(true);
    // Usually the one concurrent step; more when the generated plan had no room and a step must make some.
    expect(result.steps.length, result.report).toBeLessThanOrEqual(4);
    expect(result.steps.some((s) => s.startsWith('at once')), result.report).toBe(true);
    // A lost update of the workspace (its owner pointer: invariant 1; its counters: invariant 2; its
    // last change: invariant 8) or of an invitation (resent and revoked at once, both writes kept
    // in part: invariant 6, seed 1015448118), or two commands that each went through although
    // together they break a limit (no order explains it). Seed -1486725361 finds invariant 1 first.
    expect(result.error, result.report).toMatch(/breaks the library's invariants \(docs\/domain\.md\):\n\s+• invariant (1|2|6|8) |no order explains both outcomes/);
  });

  it('finds an accept that checks seats only at invite time (a workspace that does not reserve seats for invitations)', async () => {
    const result = await hunt(500, seatsCheckedOnlyAtInvite);
    expect(result.found, result.report).toBe(true);
    // Usually 2 (invite, accept, on a workspace that reserves no seats); longer when the generated
    // workspace had an unlimited plan, which shrinking cannot turn into a limited one.
    expect(result.steps.length, result.report).toBeLessThanOrEqual(6);
    expect(result.report, result.report).toMatch(/"reserveSeatsForInvitations":false/);
    expect(result.error, result.report).toMatch(/expected: SeatLimitReached\s+the system answered: ok/);
  });

  it('finds an accept that forgets to mark the invitation used', async () => {
    const result = await hunt(300, invitationNeverMarkedUsed);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(4);
    expect(result.error, result.report).toMatch(/accepts the current link[\s\S]*expected: ok\s+the system answered: EmailAlreadyExists/);
  });

  it('finds a role change that lets another admin demote the owner', async () => {
    const result = await hunt(1500, ownerDemotable);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(6);
    expect(result.error, result.report).toMatch(/expected: OwnerMustStayAdmin\s+the system answered: ok/);
  });

  it('finds the owner demotion when outcomes are compared only as ok-or-refused, as for an API without error types', async () => {
    const result = await hunt(1500, ownerDemotable, { outcomes: 'ok-or-refused' });
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(6);
    expect(result.error, result.report).toMatch(/expected: OwnerMustStayAdmin\s+the system answered: ok/);
  });

  it('finds a department that cannot be deleted while a pending invitation names it', async () => {
    const result = await hunt(RARE_STATE_BUDGET, departmentKeptForInvitations);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(3);
    expect(result.error, result.report).toMatch(/delete department[\s\S]*expected: ok\s+the system answered: DepartmentInUse/);
  });

  it('finds a resend that will not renew a link that lapsed', async () => {
    const result = await hunt(RARE_STATE_BUDGET, lapsedLinksNotResent);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(3);
    expect(result.error, result.report).toMatch(/resend the invitation[\s\S]*expected: ok\s+the system answered: InvitationNotPending/);
  });

  it('finds an accept or an edit that fills in a blank name instead of refusing it', async () => {
    const result = await hunt(BLANK_NAME_BUDGET, blankNamesFilledIn);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(3);
    // The blank name filled in, the step goes on: it answers ok, or what the rest of the step breaks (a full plan).
    expect(result.error, result.report).toMatch(/expected: ValidationFailed\s+the system answered: (?!ValidationFailed)/);
  });

  it('checkInvariants alone explains what the owner demotion leaves behind', async () => {
    const driver = ownerDemotable();
    const owner = 'ana@shop.com';
    await driver.createWorkspace({ name: 'Shop', plan: 'pro', seatPolicy: DEFAULT_SEAT_POLICY, invitationTtlHours: 168, owner: { email: owner, name: 'Ana', password: PASSWORD } });
    await driver.invite(owner, { email: 'bob@shop.com', role: 'admin', departments: [] });
    await driver.accept({ token: (await driver.tokenFor('bob@shop.com'))!, name: 'Bob', password: PASSWORD });
    expect(await driver.changeRole('bob@shop.com', { email: owner, role: 'agent' })).toEqual({ ok: true });
    const snapshot = await driver.snapshot();
    const ownerId = snapshot.roster.workspace!.ownerId;
    expect(checkInvariants(snapshot)).toEqual([
      {
        invariant: 1,
        rule: 'Exactly one owner, and the owner is an admin agent of the workspace.',
        explanation: `The owner ${ownerId} has role "agent", not admin.`,
      },
    ]);
  });

  it('replays a reported failure exactly from its seed, path and replayPath', async () => {
    const makeDriver = invitationNeverMarkedUsed;
    const first = await hunt(300, makeDriver);
    expect(first.found, first.report).toBe(true);
    const replayed = await fc.check(rosterProperty(makeDriver, first.replayPath === undefined ? {} : { replayPath: first.replayPath }), {
      seed: first.seed,
      ...(first.path === undefined ? {} : { path: first.path }),
      endOnFailure: true,
    });
    expect(replayed.failed, first.report).toBe(true);
    expect(replayed.numRuns, 'a replay runs the one counterexample, without searching').toBe(1);
    expect(ranCommands(replayed.counterexample?.[0]), first.report).toEqual(first.steps);
  });
});
