import { describe, expect, it } from 'vitest';
import { fc } from '@fast-check/vitest';
import type { Result } from 'neverthrow';
import { departmentIdSchema, workspaceIdSchema } from '../../src/domain/index';
import { parseInput } from '../../src/domain/command';
import { routeConversationSchema } from '../../src/domain/routing/schemas';
import {
  checkRoutingState,
  closeConversation,
  configureRouting,
  emptyRoutingState,
  evolveRouting,
  membersOf,
  replayRouting,
  routeConversation,
  syncAgent,
  transferConversation,
  type NoAgentReason,
  type NotEligibleReason,
  type RoutingDecision,
  type RoutingError,
  type RoutingEvent,
  type RoutingState,
  type RoutingStrategy,
} from '../../src/domain/routing/index';
import { RoutingIndex, cachedIndexOf } from '../../src/domain/routing/agent-index';
import { indexSnapshot, listProblems } from '../support/routing-index';

/**
 * Random sequences of route / close / transfer / sync / delete / configure steps, checked against
 * a model that is deliberately simpler than the system: flags and open conversations per agent,
 * a FIFO array for the queue, counters. The model does not pick agents; it judges each pick the
 * system made (eligible? under capacity? the strategy's choice? the head of the queue?).
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

// The hot loop checks thousands of facts per run; vitest's expect costs more than the code under
// test there, so these compare cheaply first and fall back to expect (and its diff) on a mismatch.
function must(condition: boolean, rule: string, detail?: () => unknown): void {
  if (!condition) throw new Error(detail ? `${rule}: ${JSON.stringify(detail())}` : rule);
}
function same(actual: unknown, expected: unknown, rule: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) expect(actual, rule).toEqual(expected);
}
const now = new Date('2026-11-23T09:00:00.000Z');
const ctx = { now };
const ws = workspaceIdSchema.parse('ws_shop');
const SALES = 'dep_sales';
const SUPPORT = 'dep_support';
const AGENTS = ['agt_a', 'agt_b', 'agt_c', 'agt_d', 'agt_e'] as const;

type Status = 'online' | 'away' | 'inactive';
type Step =
  | { kind: 'route' }
  | { kind: 'reroute'; pick: number }
  | { kind: 'close'; pick: number }
  | { kind: 'transfer'; pick: number; to: string }
  | { kind: 'sync'; agent: string; status: Status; departments: string[] }
  | { kind: 'delete'; agent: string }
  | {
      kind: 'configure';
      strategy: RoutingStrategy | undefined;
      capacity: number | null | undefined;
      capacities?: Record<string, number | null> | undefined;
    };

const agentArb = fc.constantFrom(...AGENTS);
const capacityArb = fc.option(fc.integer({ min: 0, max: 3 }), { nil: null });
const overridesArb = fc.dictionary(agentArb, fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }), { maxKeys: 3 });

function factsArb(options: { departures: boolean }) {
  const status: fc.Arbitrary<Status> = options.departures
    ? fc.oneof({ weight: 3, arbitrary: fc.constant('online' as const) }, fc.constantFrom('away' as const, 'inactive' as const))
    : fc.oneof({ weight: 2, arbitrary: fc.constant('online' as const) }, fc.constant('away' as const));
  const departments: fc.Arbitrary<string[]> = options.departures
    ? fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([SALES]) }, fc.subarray([SALES, SUPPORT]))
    : fc.constant<string[]>([SALES]);
  return { status, departments };
}

function stepArb(options: { transfers: boolean; departures: boolean }): fc.Arbitrary<Step> {
  const { status, departments } = factsArb(options);
  const steps: fc.WeightedArbitrary<Step>[] = [
    { weight: 6, arbitrary: fc.constant({ kind: 'route' as const }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reroute' as const), pick: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('sync' as const), agent: agentArb, status, departments }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('configure' as const),
        strategy: fc.option(fc.constantFrom<RoutingStrategy>('round-robin', 'least-busy'), { nil: undefined }),
        capacity: fc.option(capacityArb, { nil: undefined }),
        capacities: fc.option(overridesArb, { nil: undefined }),
      }),
    },
  ];
  if (options.transfers) {
    steps.push({
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('transfer' as const), pick: fc.nat(), to: fc.constantFrom<string>(...AGENTS, 'queue') }),
    });
  }
  if (options.departures) steps.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), agent: agentArb }) });
  return fc.oneof(...steps);
}

type Scenario = {
  departmentId: string | null;
  /** Agents synced before the steps, so that most runs have a team to route to. */
  team: Step[];
  strategy: RoutingStrategy;
  capacity: number | null;
  overrides: Record<string, number | null>;
  steps: Step[];
};

function scenarioArb(options: { transfers: boolean; departures: boolean }): fc.Arbitrary<Scenario> {
  return fc.record({
    departmentId: fc.constantFrom<string | null>(SALES, null),
    strategy: fc.constantFrom<RoutingStrategy>('round-robin', 'least-busy'),
    capacity: capacityArb,
    overrides: overridesArb,
    team: fc.uniqueArray(
      fc.record({ kind: fc.constant('sync' as const), agent: agentArb, ...factsArb(options) }),
      { maxLength: AGENTS.length, selector: (s) => s.agent },
    ),
    steps: fc.array(stepArb(options), { maxLength: 60, size: 'max' }),
  });
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

type ModelAgent = { active: boolean; online: boolean; open: string[]; seq: number };

class Model {
  agents = new Map<string, ModelAgent>();
  queue: string[] = [];
  where = new Map<string, string | null>();
  arrival = new Map<string, number>();
  routed = 0;
  closed = 0;
  lastSequence = 0;
  strategy: RoutingStrategy = 'round-robin';
  capacity: number | null = null;
  overrides: Record<string, number | null> = {};

  constructor(readonly departmentId: string | null) {}

  capacityOf(agentId: string): number | null {
    return Object.hasOwn(this.overrides, agentId) ? this.overrides[agentId]! : this.capacity;
  }
  isMember(departments: readonly string[]): boolean {
    return this.departmentId === null ? departments.length > 0 : departments.includes(this.departmentId);
  }
  online(): string[] {
    return [...this.agents].filter(([, a]) => a.active && a.online).map(([id]) => id).sort();
  }
  takers(): string[] {
    return this.online().filter((id) => {
      const cap = this.capacityOf(id);
      return cap === null || this.agents.get(id)!.open.length < cap;
    });
  }
  why(): NoAgentReason {
    if (this.agents.size === 0) return 'department-empty';
    if (this.online().length === 0) return 'nobody-online';
    return 'everybody-at-capacity';
  }
  whyNot(agentId: string): NotEligibleReason | null {
    const a = this.agents.get(agentId);
    if (!a) return 'not-a-member';
    if (!a.active) return 'inactive';
    if (!a.online) return 'away';
    return this.takers().includes(agentId) ? null : 'at-capacity';
  }
  /** The agent the configured strategy must pick among the takers. */
  strategyChoice(): string | undefined {
    const key = (id: string) => {
      const a = this.agents.get(id)!;
      return this.strategy === 'least-busy' ? [a.open.length, a.seq] : [a.seq];
    };
    return [...this.takers()].sort((x, y) => {
      const [kx, ky] = [key(x), key(y)];
      for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return kx[i]! - ky[i]!;
      return x < y ? -1 : 1;
    })[0];
  }
  openCount(): number {
    return [...this.agents.values()].reduce((n, a) => n + a.open.length, 0);
  }
}

/** Round-robin fairness bookkeeping: counts per agent since the set of takers last changed. */
class FairnessWindow {
  private key: string | null = null;
  private counts = new Map<string, number>();
  /**
   * The agent round-robin served last, while it stays in the rotation: the next turn is never
   * its own again when someone else can take a conversation (someone who just came back online
   * included, whatever the ids). `null` after a least-busy pick, or once it left the rotation.
   */
  previous: string | null = null;
  reset(): void {
    this.key = null;
  }
  record(takers: readonly string[], agentId: string): void {
    must(
      this.previous !== agentId || takers.every((t) => t === agentId),
      'round-robin never serves the agent it just served while someone else can take a conversation',
      () => ({ agentId, takers }),
    );
    this.previous = agentId;
    const key = takers.join(',');
    if (key !== this.key) {
      this.key = key;
      this.counts = new Map();
    }
    this.counts.set(agentId, (this.counts.get(agentId) ?? 0) + 1);
    const values = takers.map((t) => this.counts.get(t) ?? 0);
    must(Math.max(...values) - Math.min(...values) <= 1, 'round-robin counts differ by at most one while the takers stay the same', () => ({ key, counts: [...this.counts] }));
  }
}

type Expectation = { ok: true } | { ok: false; type: RoutingError['type']; reason?: NotEligibleReason };

/** Walks one decision's events through the model, judging each against the rules. */
function judge(model: Model, step: Step, events: readonly RoutingEvent[], fairness: FairnessWindow) {
  for (const e of events) {
    switch (e.type) {
      case 'ConversationQueued': {
        must(model.takers().length === 0, 'a conversation waits only when nobody can take it', () => model.takers());
        same(e.data.reason, model.why(), 'why it waits');
        model.routed++;
        model.arrival.set(e.data.conversationId, model.routed);
        model.where.set(e.data.conversationId, null);
        model.queue.push(e.data.conversationId);
        break;
      }
      case 'ConversationAssigned': {
        const { conversationId, agentId, source, sequence, strategy } = e.data;
        const takers = model.takers();
        must(takers.includes(agentId), 'assigned only to an active, online member under capacity', () => ({ agentId, takers }));
        same(strategy, model.strategy, 'strategy');
        same(agentId, model.strategyChoice(), `the ${model.strategy} choice`);
        must(sequence > model.lastSequence, 'sequences increase');
        model.lastSequence = sequence;
        if (model.strategy === 'round-robin') fairness.record(takers, agentId);
        else fairness.previous = null;
        if (source === 'queue') {
          same(conversationId, model.queue[0], 'the queue is served from its head');
          model.queue.shift();
        } else {
          same(model.queue, [], 'a newcomer never jumps the queue');
          model.routed++;
          model.arrival.set(conversationId, model.routed);
        }
        const agent = model.agents.get(agentId)!;
        agent.open.push(conversationId);
        agent.seq = sequence;
        model.where.set(conversationId, agentId);
        break;
      }
      case 'ConversationClosed': {
        const { conversationId, agentId } = e.data;
        same(model.where.get(conversationId), agentId, 'closed where it was');
        if (agentId === null) model.queue = model.queue.filter((c) => c !== conversationId);
        else model.agents.get(agentId)!.open = model.agents.get(agentId)!.open.filter((c) => c !== conversationId);
        model.where.delete(conversationId);
        model.closed++;
        break;
      }
      case 'ConversationTransferred': {
        const { conversationId, from, to } = e.data;
        same(step.kind, 'transfer', 'only transfers transfer');
        same(model.where.get(conversationId), from, 'transferred from where it was');
        if (from === null) model.queue = model.queue.filter((c) => c !== conversationId);
        else model.agents.get(from)!.open = model.agents.get(from)!.open.filter((c) => c !== conversationId);
        if (to === null) model.queue.unshift(conversationId);
        else {
          must(model.takers().includes(to), 'transferred only to an agent who may take it', () => ({ to, takers: model.takers() }));
          model.agents.get(to)!.open.push(conversationId);
        }
        model.where.set(conversationId, to);
        break;
      }
      case 'ConversationRequeued': {
        const { agentId, conversationIds, reason } = e.data;
        must(step.kind === 'sync' || step.kind === 'delete', 'only roster changes requeue');
        const agent = model.agents.get(agentId)!;
        const expected = [...agent.open].sort((x, y) => model.arrival.get(x)! - model.arrival.get(y)!);
        same(conversationIds, expected, 'all open conversations, in arrival order');
        if (step.kind === 'delete') same(reason, 'agent-deleted', 'reason');
        else if (!model.isMember((step as { departments: string[] }).departments)) same(reason, 'agent-left-department', 'reason');
        else {
          same((step as { status: Status }).status, 'inactive', 'away agents keep their conversations');
          same(reason, 'agent-deactivated', 'reason');
        }
        agent.open = [];
        // Back in line first come, first served: each before the first waiting one that arrived later.
        for (const c of conversationIds) {
          const later = model.queue.findIndex((w) => model.arrival.get(w)! > model.arrival.get(c)!);
          model.queue.splice(later === -1 ? model.queue.length : later, 0, c);
        }
        for (const c of conversationIds) model.where.set(c, null);
        break;
      }
      case 'RoutingAgentSynced': {
        const { agentId, active, online, member, lastAssignedSeq } = e.data;
        const facts =
          step.kind === 'delete'
            ? { active: false, online: false, member: false }
            : step.kind === 'sync'
              ? { active: step.status !== 'inactive', online: step.status === 'online', member: model.isMember(step.departments) }
              : null;
        must(facts !== null, 'only syncs change agents');
        same({ active, online, member }, facts, 'the synced facts');
        const before = model.agents.get(agentId);
        const onlineBefore = model.online();
        const takersBefore = model.takers();
        if (!member) {
          if (agentId === fairness.previous) fairness.previous = null;
          same(before?.open ?? [], [], 'a departing agent keeps nothing');
          model.agents.delete(agentId);
        } else {
          const couldTake = before !== undefined && before.active && before.online;
          if (!couldTake && agentId === fairness.previous) fairness.previous = null; // left the rotation meanwhile
          if (!couldTake && active && online) {
            // Entering the rotation just ahead of the current minimum place (never below 0), or at
            // its own if later: one turn before the next in line, then the back; no flood.
            const minimum = Math.min(...takersBefore.map((t) => model.agents.get(t)!.seq));
            const own = before?.seq ?? 0;
            same(lastAssignedSeq, takersBefore.length > 0 ? Math.max(own, minimum - 1) : own, 'joins just ahead of the next in line');
          } else same(lastAssignedSeq, before?.seq ?? 0, 'keeps its rotation place');
          model.agents.set(agentId, { active, online, open: before?.open ?? [], seq: lastAssignedSeq });
        }
        if (model.online().join() !== onlineBefore.join()) fairness.reset();
        break;
      }
      case 'RoutingConfigured': {
        same(step.kind, 'configure', 'only configure configures');
        model.strategy = e.data.config.strategy;
        model.capacity = e.data.config.capacity;
        model.overrides = { ...(e.data.config.capacities ?? {}) };
        fairness.reset();
        break;
      }
    }
  }
}

/** Compares the system's state with the model and with its own invariants. */
function compare(model: Model, state: RoutingState) {
  const members = membersOf(state).sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
  same(
    {
      queue: state.queue,
      members: members.map((m) => ({ agentId: m.agentId, active: m.active, online: m.online, open: [...m.conversationIds].sort() })),
      routed: state.routed,
      closed: state.closed,
    },
    {
      queue: model.queue,
      members: [...model.agents.keys()].sort().map((id) => {
        const a = model.agents.get(id)!;
        return { agentId: id, active: a.active, online: a.online, open: [...a.open].sort() };
      }),
      routed: model.routed,
      closed: model.closed,
    },
    'the state matches the model',
  );
  // Conservation: nothing lost, nothing duplicated.
  must(model.routed === model.queue.length + model.openCount() + model.closed, 'routed = waiting + open + closed');
  // Work-conserving: nobody waits while someone could take it.
  must(model.queue.length === 0 || model.takers().length === 0, 'nobody waits while someone could take it');
  same(checkRoutingState(state), [], 'checkRoutingState');
  // The index handed from state to state equals one built from scratch (no-op commands, which
  // never take the index, leave none behind for an untouched empty state).
  const cached = cachedIndexOf(state);
  if (cached) {
    same(indexSnapshot(cached), indexSnapshot(new RoutingIndex(state)), 'the handed-over index');
    same(listProblems(cached), [], 'the pick lists keep their books');
  }
}

function expectationOf(model: Model, step: Step, id: string): Expectation {
  switch (step.kind) {
    case 'reroute':
      return model.where.has(id) ? { ok: false, type: 'ConversationAlreadyRouted' } : { ok: true };
    case 'close':
      return model.where.has(id) ? { ok: true } : { ok: false, type: 'ConversationNotFound' };
    case 'transfer': {
      if (!model.where.has(id)) return { ok: false, type: 'ConversationNotFound' };
      const target = step.to === 'queue' ? null : step.to;
      if (target === null || model.where.get(id) === target) return { ok: true };
      const why = model.whyNot(target);
      return why ? { ok: false, type: 'AgentNotEligible', reason: why } : { ok: true };
    }
    default:
      return { ok: true };
  }
}

/**
 * Runs a scenario. With `judged`, every decision is judged event by event against the model and
 * every state compared with it; without, the commands just run (for properties that look only at
 * the outcome, so they can afford as many runs).
 */
function run(scenario: Scenario, judged: boolean) {
  const departmentId = scenario.departmentId === null ? null : departmentIdSchema.parse(scenario.departmentId);
  const empty = emptyRoutingState(ws, departmentId);
  let state = empty;
  const model = new Model(scenario.departmentId);
  const fairness = new FairnessWindow();
  const history: RoutingEvent[] = [];
  const used: string[] = [];

  const steps: Step[] = [
    { kind: 'configure', strategy: scenario.strategy, capacity: scenario.capacity },
    ...scenario.team,
    ...scenario.steps,
  ];
  const first = configureRouting(state, { strategy: scenario.strategy, capacity: scenario.capacity, capacities: scenario.overrides }, ctx);
  const apply = (step: Step, result: Result<RoutingDecision, RoutingError>, expectation: Expectation) => {
    if (!judged) {
      if (result.isOk()) {
        state = result.value.state;
        history.push(...result.value.events);
      }
      return;
    }
    if (!expectation.ok) {
      expect(result.isErr(), `${step.kind} should fail with ${expectation.type}`).toBe(true);
      const error = result._unsafeUnwrapErr();
      expect(error.type).toBe(expectation.type);
      if (expectation.reason) expect(error).toMatchObject({ reason: expectation.reason });
      expect(error.message.length).toBeGreaterThan(0);
      return;
    }
    if (result.isErr()) throw new Error(`${step.kind} failed: ${result.error.type} ${result.error.message}`);
    judge(model, step, result.value.events, fairness);
    state = result.value.state;
    history.push(...result.value.events);
    compare(model, state);
  };
  apply(steps[0]!, first, { ok: true });

  for (const step of steps.slice(1)) {
    const pickId = (pick: number) => used[pick % Math.max(used.length, 1)] ?? 'conv_none';
    switch (step.kind) {
      case 'route': {
        const id = `conv_${used.length + 1}`;
        used.push(id);
        apply(step, routeConversation(state, { conversationId: id }, ctx), { ok: true });
        break;
      }
      case 'reroute': {
        const id = pickId(step.pick);
        apply(step, routeConversation(state, { conversationId: id }, ctx), expectationOf(model, step, id));
        break;
      }
      case 'close': {
        const id = pickId(step.pick);
        apply(step, closeConversation(state, { conversationId: id }, ctx), expectationOf(model, step, id));
        break;
      }
      case 'transfer': {
        const id = pickId(step.pick);
        apply(step, transferConversation(state, { conversationId: id, to: step.to }, ctx), expectationOf(model, step, id));
        break;
      }
      case 'sync': {
        const facts = { agentId: step.agent, active: step.status !== 'inactive', online: step.status === 'online', departmentIds: step.departments };
        apply(step, syncAgent(state, facts, ctx), { ok: true });
        break;
      }
      case 'delete':
        apply(step, syncAgent(state, { agentId: step.agent, deleted: true }, ctx), { ok: true });
        break;
      case 'configure': {
        const input = {
          ...(step.strategy === undefined ? {} : { strategy: step.strategy }),
          ...(step.capacity === undefined ? {} : { capacity: step.capacity }),
          ...(step.capacities === undefined ? {} : { capacities: step.capacities }),
        };
        const result = configureRouting(state, input, ctx);
        if (Object.keys(input).length === 0) expect(result._unsafeUnwrapErr().type).toBe('ValidationFailed');
        else apply(step, result, { ok: true });
        break;
      }
    }
  }
  return { state, history, empty };
}

describe('routing, over random sequences of commands', () => {
  it('never assigns to an ineligible agent or over capacity, follows the strategy, serves the queue from its head, and loses nothing', () => {
    fc.assert(
      fc.property(scenarioArb({ transfers: true, departures: true }), (scenario) => {
        run(scenario, true);
      }),
      { numRuns: RUNS },
    );
  });

  it('is a fold of its events: replaying them gives the state, and both survive JSON', () => {
    fc.assert(
      fc.property(scenarioArb({ transfers: true, departures: true }), (scenario) => {
        const { state, history, empty } = run(scenario, false);
        expect(replayRouting(history, empty)).toEqual(state);
        expect(history.reduce(evolveRouting, empty)).toEqual(state);
        expect(JSON.parse(JSON.stringify(state))).toEqual(state);
        expect(replayRouting(JSON.parse(JSON.stringify(history)) as RoutingEvent[], empty)).toEqual(state);
      }),
      { numRuns: RUNS },
    );
  });

  it('serves waiting conversations in arrival order when nothing is put back in the queue', () => {
    fc.assert(
      fc.property(scenarioArb({ transfers: false, departures: false }), (scenario) => {
        const { history } = run(scenario, false);
        // Arrival numbers, counted from the events alone; then the order the queue served them in.
        const arrival = new Map<string, number>();
        const served: number[] = [];
        let arrivals = 0;
        for (const e of history) {
          if (e.type === 'ConversationQueued' || (e.type === 'ConversationAssigned' && e.data.source === 'new')) {
            arrival.set(e.data.conversationId, ++arrivals);
          } else if (e.type === 'ConversationAssigned') served.push(arrival.get(e.data.conversationId)!);
        }
        for (let i = 1; i < served.length; i++) must(served[i]! > served[i - 1]!, 'served in arrival order', () => served);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the conversation id of a route or close input', () => {
  // routeConversation and closeConversation read `{ conversationId }` without zod when the input
  // is the common well-formed one; whatever the input, the answer must be the one parseInput and
  // the schema give.
  const base = syncAgent(
    emptyRoutingState(ws, departmentIdSchema.parse(SALES)),
    { agentId: 'agt_a', active: true, online: true, departmentIds: [SALES] },
    ctx,
  )._unsafeUnwrap().state;
  const open = routeConversation(base, { conversationId: 'conv_open' }, ctx)._unsafeUnwrap().state;

  const idLike = fc.oneof(
    fc.stringMatching(/^conv_[A-Za-z0-9_-]{1,70}$/),
    fc.stringMatching(/^(conv|agt|Conv)[_-]?[A-Za-z0-9_\- .]{0,66}$/),
    fc.constantFrom('conv_', 'conv_open', 'conv_a\n', '\nconv_a', 'conv_é', `conv_${'x'.repeat(64)}`, `conv_${'x'.repeat(65)}`),
    fc.string(),
  );
  const getter = (value: unknown, enumerable: boolean) => Object.defineProperty({}, 'conversationId', { get: () => value, enumerable });
  const inputArb: fc.Arbitrary<unknown> = fc.oneof(
    idLike.map((conversationId) => ({ conversationId })),
    fc.tuple(idLike, fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })).map(([conversationId, extra]) => ({ ...extra, conversationId })),
    fc.tuple(idLike, fc.boolean()).map(([id, enumerable]) => getter(id, enumerable)),
    idLike.map((conversationId) => Object.create({ conversationId }) as unknown),
    idLike.map((conversationId) => JSON.parse(`{"__proto__": {"x": 1}, "conversationId": ${JSON.stringify(conversationId)}}`) as unknown),
    idLike.map((conversationId) => Object.assign(Object.create(null) as object, { conversationId })),
    idLike.map((conversationId) => Object.assign([], { conversationId })),
    idLike.map((conversationId) => ({ conversationId, [Symbol('s')]: 1 })),
    idLike.map((conversationId) => new Proxy({ conversationId }, { ownKeys: () => { throw new Error('no keys'); } })),
    idLike.map((conversationId) => new Proxy({ conversationId }, { get: () => { throw new Error('no reads'); } })),
    fc.anything(),
  );

  it('reads the conversationId property once, whatever it holds', () => {
    for (const values of [['conv_ok'], ['not an id', 'conv_ok'], [42, 'conv_ok']]) {
      for (const [command, state] of [[routeConversation, base], [closeConversation, open]] as const) {
        let reads = 0;
        const input = Object.defineProperty({}, 'conversationId', { get: () => values[Math.min(reads++, values.length - 1)], enumerable: true });
        const result = command(state, input as never, ctx);
        expect(reads).toBe(1);
        if (values.length > 1) expect(result._unsafeUnwrapErr()).toMatchObject({ type: 'ValidationFailed', issues: [{ path: 'conversationId' }] });
      }
    }
  });

  it('is what the schema says, through the fast path or not', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const parsed = parseInput(routeConversationSchema, input);
        for (const [command, state] of [[routeConversation, base], [closeConversation, open]] as const) {
          const actual = command(state, input as never, ctx);
          if (parsed.isErr()) expect(actual._unsafeUnwrapErr()).toEqual(parsed.error);
          else {
            const expected = command(state, { conversationId: parsed.value.conversationId }, ctx);
            expect(actual.isOk()).toBe(expected.isOk());
            expect(actual.isOk() ? actual.value : actual.error).toEqual(expected.isOk() ? expected.value : expected.error);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
