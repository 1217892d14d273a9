/**
 * The kit's routing steps: pointed at drivers whose routing is deliberately wrong — a route
 * answered with an away agent, a route that says it waits while someone could take it, a host that
 * keeps conversations with the agent it first gave them to (never requeues them), a host that
 * misses the assignments made when the waiting line is served — it must find
 * each and shrink it to a few readable steps. A driver without the routing methods still runs,
 * its routing steps skipped.
 *
 * Runs start from a fixed seed (PROPERTY_SEED=<n> picks another, PROPERTY_SEED=random a random one),
 * as in broken-implementations.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore } from 'agent-roster';
import {
  checkInvariants,
  ConcurrentCommands,
  DEPARTMENT_NAME_POOL,
  EMAIL_POOL,
  RosterCommand,
  runRosterCommands,
  ranCommands,
  rosterDriver,
  rosterProperty,
  type DriverConversation,
  type DriverSnapshot,
  type RosterDriver,
  type RouteAnswer,
  type RosterStep,
  type WorkspaceSetup,
} from 'agent-roster/testing';

const SEED = process.env.PROPERTY_SEED === 'random' ? undefined : Number(process.env.PROPERTY_SEED ?? 20261206);

const email = (address: string) => EMAIL_POOL.find((e) => e.address === address)!;
/** Ana's shop on pro, every seat rule on: the opening of the sequences written out below. */
const setup: WorkspaceSetup = { name: 'Shop', plan: 'pro', seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true }, invitationTtlHours: 168, owner: { email: email('ana@shop.com'), name: 'Ana' } };

type Hunt = Readonly<{ found: boolean; steps: readonly string[]; error: string; report: string }>;

async function hunt(budget: number, makeDriver: () => RosterDriver): Promise<Hunt> {
  const details = await fc.check(rosterProperty(makeDriver), { numRuns: budget, ...(SEED === undefined ? {} : { seed: SEED }) });
  const steps = ranCommands(details.counterexample?.[0]);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const report = [
    `found: ${details.failed} after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s); seed ${details.seed}, path ${details.counterexamplePath}`,
    'counterexample:',
    ...steps.map((s, n) => `  ${n + 1}. ${s}`),
    'the kit said:',
    error,
  ].join('\n');
  if (process.env.SHOW_REPORTS) console.log(report);
  return { found: details.failed, steps, error, report };
}

/** The members of a queue (by department name, `null`: any department) in a snapshot, by email. */
function membersOf(snapshot: DriverSnapshot, department: string | null): string[] {
  const { agents, departments } = snapshot.roster;
  const ids = Object.values(departments)
    .filter((d) => department === null || d.nameKey === department.toLowerCase())
    .map((d) => d.id as string);
  return Object.values(agents)
    .filter((a) => a.departmentIds.some((id) => ids.includes(id)))
    .map((a) => a.email);
}

/** Routes as the roster does, but when nobody is online hands the conversation to a member anyway (away, or inactive). */
function routesToAnyMember(): RosterDriver {
  const driver = rosterDriver();
  return {
    ...driver,
    async routeConversation(input): Promise<RouteAnswer> {
      const answer = await driver.routeConversation!(input);
      if (!answer.ok || !('waits' in answer) || answer.waits !== 'nobody-online') return answer;
      const [member] = membersOf(await driver.snapshot(), input.department);
      return member === undefined ? answer : { ok: true, assignedTo: member };
    },
  };
}

/** Routes as the roster does, but says the conversation waits for someone online even when it went to someone. */
function saysItWaits(): RosterDriver {
  const driver = rosterDriver();
  return {
    ...driver,
    async routeConversation(input): Promise<RouteAnswer> {
      const answer = await driver.routeConversation!(input);
      return answer.ok && 'assignedTo' in answer ? { ok: true, waits: 'nobody-online' } : answer;
    },
  };
}

/**
 * A host that records each assignment in a table of its own and reads conversations from it: a
 * conversation stays with the agent it was first given to, whoever is deactivated, deleted or
 * leaves the department (the roster requeues them; this table never follows).
 */
function neverRequeues(): RosterDriver {
  const driver = rosterDriver();
  const firstHolder = new Map<string, string>();
  return {
    ...driver,
    async snapshot(): Promise<DriverSnapshot> {
      const snapshot = await driver.snapshot();
      const conversations = (snapshot.conversations ?? []).map((c): DriverConversation => {
        const key = `${c.departmentId}:${c.conversationId}`;
        if (c.agentId !== null && !firstHolder.has(key)) firstHolder.set(key, c.agentId);
        return { ...c, agentId: firstHolder.get(key) ?? c.agentId };
      });
      return { ...snapshot, conversations };
    },
  };
}

/**
 * A host whose own table records a conversation that waited as waiting until it is closed: it
 * misses the assignment the roster makes when someone comes online, is activated or joins.
 */
function neverServesTheLine(): RosterDriver {
  const driver = rosterDriver();
  const waited = new Set<string>();
  return {
    ...driver,
    async snapshot(): Promise<DriverSnapshot> {
      const snapshot = await driver.snapshot();
      const conversations = (snapshot.conversations ?? []).map((c): DriverConversation => {
        const key = `${c.departmentId}:${c.conversationId}`;
        if (c.agentId === null) waited.add(key);
        return waited.has(key) ? { ...c, agentId: null } : c;
      });
      return { ...snapshot, conversations };
    },
  };
}

describe('the kit routes conversations', () => {
  it('finds a route answered with an agent who is away or inactive', async () => {
    const result = await hunt(1000, routesToAnyMember);
    expect(result.found, result.report).toBe(true);
    // A department, someone in it, a route: the member it went to is away.
    expect(result.steps.length, result.report).toBeLessThanOrEqual(4);
    expect(result.error, result.report).toMatch(/route conv_\d+ into .*\n\s+the system answered: assigned to \S+\n\s+but it went to \S+, who is (away|inactive): nobody could take it/);
  });

  it('finds a route that says it waits while an active, online member could take it', async () => {
    const result = await hunt(1000, saysItWaits);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(5);
    expect(result.error, result.report).toMatch(/the system answered: waits \(nobody-online\)\n\s+but it waits \(nobody-online\) while \S+ could take it \(active, online/);
  });

  it('finds conversations kept with an agent who was deactivated, deleted or left the department', async () => {
    const result = await hunt(2000, neverRequeues);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(7);
    expect(result.error, result.report).toMatch(/invariant 5 \(An inactive agent is never online and never receives a routed conversation\.\)|is open with \S+, who (is no agent|is not in|is in no department)/);
  });

  it('finds a waiting line left unserved when someone who could take it comes online', async () => {
    const result = await hunt(2000, neverServesTheLine);
    expect(result.found, result.report).toBe(true);
    expect(result.steps.length, result.report).toBeLessThanOrEqual(6);
    expect(result.error, result.report).toMatch(/conv_\d+ in .* waits while \S+ could take it \(active, online.*the waiting line should have been served/);
  });

  it('says what a route must answer when the driver answers a bare { ok: true }', async () => {
    const bare = (): RosterDriver => {
      const driver = rosterDriver();
      return { ...driver, routeConversation: async () => ({ ok: true }) as RouteAnswer };
    };
    const result = await hunt(200, bare);
    expect(result.found, result.report).toBe(true);
    expect(result.steps, result.report).toEqual(['route conv_1 into the workspace-wide queue']);
    expect(result.error, result.report).toMatch(/driver\.routeConversation answered \{"ok":true\}: expected \{ ok: true, assignedTo: 'bob@shop\.com' \}/);
  });

  it('runs a driver without the routing methods, its routing steps skipped', async () => {
    const { routeConversation: _route, closeConversation: _close, ...withoutRouting } = rosterDriver();
    const skipped: string[] = [];
    await fc.assert(
      rosterProperty(() => ({ ...withoutRouting }), { onStep: ({ kind }) => void (kind === 'routeConversation' || kind === 'closeConversation' ? skipped.push(kind) : undefined) }),
      { numRuns: 50, seed: 1 },
    );
    expect(skipped).toEqual([]);
  });

  it("rosterDriver names the agent a route picked when a step at the same time deletes it (a store with latency)", async () => {
    // Route first, then the deletion requeues: a correct order. rosterDriver read the assigned
    // agent's email after the route only, found nobody once the deletion had committed, and
    // answered with an id the kit could not place (53 of 150 runs failed on such a store).
    const before: RosterStep[] = [
      { kind: 'createDepartment', actor: 'owner', name: DEPARTMENT_NAME_POOL[0]! },
      { kind: 'invite', actor: 'owner', email: email('bob.smith@shop.com'), role: 'agent', departments: [0] },
      { kind: 'accept', invitation: 0, token: 'current', password: 'strong' },
      { kind: 'setAvailability', actor: 'owner', agent: 0, availability: 'online' },
    ];
    /** A store whose calls each wait up to a few milliseconds, listings longer, as over a network. */
    const slowStore = () => {
      const inner = new MemoryRosterStore();
      return new Proxy(inner, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key);
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * (key === 'listAgents' ? 15 : 3)));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    };
    for (let run = 0; run < 40; run++) {
      const steps = [...before.map((s) => new RosterCommand(s)), new ConcurrentCommands({ kind: 'routeConversation', queue: 0, conversation: 'new' }, { kind: 'deleteAgent', actor: 'owner', agent: 0 })];
      await runRosterCommands(() => rosterDriver({ store: slowStore() }), setup, steps);
    }
  });

  it('closes a conversation of a department deleted and created again in another case by its name as it is now', async () => {
    // A host that finds departments by their exact name, as the kit names them everywhere else:
    // the close named "Sales", the name the conversation was routed under, and was told
    // DepartmentNotFound where the model expected ConversationNotFound.
    const exactNames = (): RosterDriver => {
      const driver = rosterDriver();
      const exists = async (name: string | null) => name === null || Object.values((await driver.snapshot()).roster.departments).some((d) => d.name === name);
      return {
        ...driver,
        routeConversation: async (input) => ((await exists(input.department)) ? driver.routeConversation!(input) : { ok: false, errorType: 'DepartmentNotFound' }),
        closeConversation: async (input) => ((await exists(input.department)) ? driver.closeConversation!(input) : { ok: false, errorType: 'DepartmentNotFound' }),
      };
    };
    expect(DEPARTMENT_NAME_POOL.slice(0, 2).map((d) => d.name)).toEqual(['Sales', 'SALES']);
    const steps: RosterStep[] = [
      { kind: 'createDepartment', actor: 'owner', name: DEPARTMENT_NAME_POOL[0]! },
      { kind: 'routeConversation', queue: 0, conversation: 'new' },
      { kind: 'deleteDepartment', actor: 'owner', department: 0 },
      { kind: 'createDepartment', actor: 'owner', name: DEPARTMENT_NAME_POOL[1]! },
      { kind: 'closeConversation', conversation: 0 },
    ];
    await runRosterCommands(exactNames, setup, steps.map((s) => new RosterCommand(s)));
  });

  it('checkInvariants reports a conversation open with an inactive agent (invariant 5)', async () => {
    const driver = rosterDriver();
    await driver.createWorkspace({
      name: 'Shop',
      plan: 'pro',
      seatPolicy: { countInactiveAgents: true, reserveSeatsForInvitations: true },
      invitationTtlHours: 168,
      owner: { email: 'ana@shop.com', name: 'Ana', password: 'correct horse battery staple' },
    });
    await driver.deactivate('ana@shop.com', { email: 'ana@shop.com' });
    const snapshot = await driver.snapshot();
    const ana = Object.values(snapshot.roster.agents)[0]!;
    expect(checkInvariants(snapshot)).toEqual([]);
    expect(checkInvariants({ ...snapshot, conversations: [{ departmentId: null, conversationId: 'conv_1', agentId: ana.id }] })).toEqual([
      {
        invariant: 5,
        rule: 'An inactive agent is never online and never receives a routed conversation.',
        explanation: `Conversation conv_1 in the workspace-wide queue is open with ${ana.id}, who is inactive.`,
      },
    ]);
  });
});
