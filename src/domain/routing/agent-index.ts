import type { AgentId } from '../ids';
import type { NoAgentReason } from './errors';
import type { RoutingEvent } from './events';
import { OrderedList, type Comparisons } from './ordered-list';
import { capacityOf, membersOf, type RoutingConfig, type RoutingState } from './state';

/** One member as the index sees it; mutable, never persisted. @internal */
export type Candidate = {
  readonly agentId: AgentId;
  active: boolean;
  online: boolean;
  open: number;
  seq: number;
  capacity: number | null;
  /** Where it sits in the rotation list (`null`: not in it); kept by {@link OrderedList}. */
  rotationChunk: Candidate[] | null;
  /** Where it sits in the least-busy list (`null`: not in it). */
  loadChunk: Candidate[] | null;
};

// The two orders, as `before` tests (the lists) and, for rotation, a sort comparator (a cold build
// sorts once; the least-busy order is built from the rotation order, see `buildLoad`).
const rotationOrder = (a: Candidate, b: Candidate): number => a.seq - b.seq || (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0);
const byRotation = (a: Candidate, b: Candidate): boolean => rotationOrder(a, b) < 0;
const byLoad = (a: Candidate, b: Candidate): boolean => a.open < b.open || (a.open === b.open && byRotation(a, b));

/**
 * The in-memory index that lets a queue pick an agent without scanning its members.
 *
 * It holds the members who can take a conversation right now (active, online, under capacity) in
 * a list ordered by rotation place `(lastAssignedSeq, agentId)` and, for least-busy queues, a
 * second list ordered by `(open conversations, lastAssignedSeq, agentId)`; the rotation list is
 * kept under both strategies because its head is also the "current minimum" place a returning
 * agent takes. Picking is reading a head: O(1). A round-robin assignment sends the agent to the
 * back of the rotation, which is O(1) too; any other change is O(log n) comparisons (see
 * {@link OrderedList}). It also counts members and online members, which is all "why nobody" needs.
 *
 * It is derived data, so it is not persisted: persisted state stays plain JSON records.
 *
 * @internal
 */
export class RoutingIndex {
  private readonly candidates = new Map<string, Candidate>();
  private rotation!: OrderedList<'rotationChunk', Candidate>;
  private load: OrderedList<'loadChunk', Candidate> | null = null;
  private onlineCount = 0;
  private config: RoutingConfig;
  // The last agent picked, who is usually the next one changed (given the conversation): at
  // 100,000 members a Map lookup is a cache miss or two, a comparison of ids is not.
  private picked: Candidate | undefined;

  /** Builds the index of a state: O(n log n) over its members (one sort, by rotation place). */
  constructor(
    state: RoutingState,
    readonly counter: Comparisons = { comparisons: 0 },
  ) {
    this.config = state.config;
    const takers: Candidate[] = [];
    for (const m of membersOf(state)) {
      const c = this.add(m.agentId, m.active, m.online, m.conversationIds.length, m.lastAssignedSeq);
      if (m.active && m.online) this.onlineCount++;
      if (canTakeMore(c)) takers.push(c);
    }
    this.buildRotation(takers);
    this.buildLoad();
  }

  /** The agent the strategy picks next, if anyone can take a conversation. O(1). */
  pick(): Candidate | undefined {
    return (this.picked = (this.load ?? this.rotation).first());
  }

  /** The smallest rotation place among agents who can take a conversation now. O(1). */
  minRotationPlace(): number | undefined {
    return this.rotation.first()?.seq;
  }

  /** Why nobody can take a conversation (meaningful when {@link pick} is `undefined`). O(1). */
  whyNobody(): NoAgentReason {
    if (this.candidates.size === 0) return 'department-empty';
    if (this.onlineCount === 0) return 'nobody-online';
    return 'everybody-at-capacity';
  }

  /**
   * Keeps the index equal to `evolve`'s result after `e`: O(log n) per event; a new config costs
   * what {@link RoutingIndex.configure} says.
   */
  apply(e: RoutingEvent): void {
    switch (e.type) {
      case 'ConversationQueued':
        return;
      case 'ConversationAssigned':
        return this.change(e.data.agentId, 1, e.data.sequence);
      case 'ConversationClosed':
        if (e.data.agentId !== null) this.change(e.data.agentId, -1);
        return;
      case 'ConversationTransferred':
        if (e.data.from !== null) this.change(e.data.from, -1);
        if (e.data.to !== null) this.change(e.data.to, 1);
        return;
      case 'ConversationRequeued':
        return this.change(e.data.agentId, -e.data.conversationIds.length);
      case 'RoutingAgentSynced':
        return this.sync(e.data);
      case 'RoutingConfigured':
        return this.configure(e.data.config);
    }
  }

  /**
   * Takes a new config without sorting anybody again. Only an agent whose capacity changed can
   * enter or leave the lists: with the same default capacity, only the agents named in the old or
   * the new overrides are looked at (O(m) for m overrides); a new default looks at everyone, a
   * loop with no comparison. The k agents who move are inserted or removed one by one
   * (O(k log n)) when they are few; when they are many the lists are made again, by one sort that
   * finds the kept agents already in order and only merges the newcomers in (O(n + k log k)). A new strategy drops the least-busy list, or builds it from the rotation
   * list by grouping on open conversations (O(n), no comparison): both orders break ties by
   * rotation place, so the groups come out in order.
   */
  private configure(config: RoutingConfig): void {
    const before = this.config;
    const rotation = this.rotation;
    this.config = config;
    const looked =
      before.capacity === config.capacity
        ? Object.keys({ ...before.capacities, ...config.capacities }).map((id) => this.candidates.get(id))
        : this.candidates.values();
    const moving: Candidate[] = [];
    for (const c of looked) {
      if (c === undefined) continue;
      const capacity = capacityOf(config, c.agentId);
      if (capacity === c.capacity) continue;
      c.capacity = capacity;
      if (canTakeMore(c) !== rotation.has(c)) moving.push(c);
    }
    const few = moving.length <= (this.candidates.size >> 4) + 2;
    if (!few || before.strategy !== config.strategy) {
      this.load?.clear();
      this.load = null;
    }
    if (few) {
      for (const c of moving) {
        place(rotation, c, canTakeMore(c), false);
        if (this.load) place(this.load, c, canTakeMore(c), false);
      }
    } else {
      // The kept agents are one sorted run, which the sort only merges the newcomers into.
      const takers = [...rotation.items(), ...moving].filter(canTakeMore);
      rotation.clear();
      this.buildRotation(takers);
    }
    if (this.load === null) this.buildLoad();
  }

  private sync(d: Readonly<{ agentId: AgentId; active: boolean; online: boolean; member: boolean; lastAssignedSeq: number }>): void {
    const current = this.candidates.get(d.agentId);
    if (current && current.active && current.online) this.onlineCount--;
    if (!d.member && (current?.open ?? 0) === 0) {
      if (current) {
        if (this.picked === current) this.picked = undefined;
        this.candidates.delete(d.agentId);
        this.rotation.remove(current);
        this.load?.remove(current);
      }
      return;
    }
    if (d.active && d.online) this.onlineCount++;
    const candidate = current ?? this.add(d.agentId, d.active, d.online, 0, d.lastAssignedSeq);
    this.update(candidate, candidate.open, d.lastAssignedSeq, d.active, d.online);
  }

  private add(agentId: AgentId, active: boolean, online: boolean, open: number, seq: number): Candidate {
    const c: Candidate = { agentId, active, online, open, seq, capacity: capacityOf(this.config, agentId), rotationChunk: null, loadChunk: null };
    this.candidates.set(agentId, c);
    return c;
  }

  private change(agentId: AgentId, openDelta: number, seq?: number): void {
    const picked = this.picked;
    const candidate = picked !== undefined && picked.agentId === agentId ? picked : this.candidates.get(agentId);
    if (candidate) this.update(candidate, candidate.open + openDelta, seq ?? candidate.seq, candidate.active, candidate.online);
  }

  /**
   * Sets a candidate's facts and puts it where they say: in or out of each list, and moved only
   * when its key there changed (a close in a round-robin queue moves nobody in the rotation).
   */
  private update(c: Candidate, open: number, seq: number, active: boolean, online: boolean): void {
    const seqChanged = c.seq !== seq;
    const openChanged = c.open !== open;
    c.open = open;
    c.seq = seq;
    c.active = active;
    c.online = online;
    const canTake = canTakeMore(c);
    place(this.rotation, c, canTake, seqChanged);
    if (this.load) place(this.load, c, canTake, seqChanged || openChanged);
  }

  /** The rotation list of these takers, sorted here: O(n log n), or about O(n) when they are nearly in order. */
  private buildRotation(takers: Candidate[]): void {
    this.rotation = new OrderedList(byRotation, this.counter, 'rotationChunk', takers.sort(rotationOrder));
  }

  /**
   * The least-busy list of a least-busy queue, from the rotation list: grouped by open
   * conversations, each group keeps rotation order, which is how `byLoad` breaks ties. O(n).
   */
  private buildLoad(): void {
    if (this.config.strategy !== 'least-busy') return;
    // Indexed by open count, so the groups come out in order: O(n + the largest open count).
    const groups: Candidate[][] = [];
    for (const c of this.rotation.items()) (groups[c.open] ??= []).push(c);
    const sorted: Candidate[] = [];
    for (const group of groups) if (group) for (const c of group) sorted.push(c);
    this.load = new OrderedList(byLoad, this.counter, 'loadChunk', sorted);
  }
}

function canTakeMore(c: Candidate): boolean {
  return c.active && c.online && (c.capacity === null || c.open < c.capacity);
}

function place<K extends 'rotationChunk' | 'loadChunk'>(list: OrderedList<K, Candidate>, c: Candidate, canTake: boolean, keyChanged: boolean): void {
  if (!canTake) list.remove(c);
  else if (!list.has(c)) list.insert(c);
  else if (keyChanged) {
    list.remove(c);
    list.insert(c);
  }
}


/**
 * Where indexes wait between commands, keyed by the state object each describes. A command
 * *takes* the index of the state it was given (building it on a miss, O(n log n)), updates it
 * event by event while deciding, and leaves it under the state it returns. A caller that keeps
 * feeding each decision's state into the next command therefore never rebuilds; one that goes
 * back to an older state object (a retry, a test that branches) pays one rebuild, never a wrong
 * answer, because an index is only ever filed under the exact state it was brought up to date with.
 *
 * The index of the latest decision waits in a one-entry slot, which a command checks first:
 * comparing one reference costs nothing, while a WeakMap get + delete + set costs 0.15–0.25 µs,
 * a large share of a whole route. The entry it displaces moves to the WeakMap, which lets an
 * index be collected together with its state. So the slot holds one state and its index alive
 * until the next routing command, of any queue, replaces them.
 *
 * Why not persist the index, or keep it inside the state? It is mutable and derived: persisting it
 * would put a second copy of the truth in storage and make state non-JSON. Why not rebuild it per
 * command? That is O(n) per command, the scan this exists to avoid.
 *
 * A store that re-reads a queue from storage for every command hands in a new object each time,
 * so it pays one build per command (next to the O(n) it already pays to read the state).
 * To get the fast path, keep the latest state object of each queue in memory, keyed by its
 * version, and pass that one in.
 */
const cache = /* @__PURE__ */ new WeakMap<RoutingState, RoutingIndex>();
let latestState: RoutingState | null = null;
let latestIndex: RoutingIndex | null = null;

/** How many indexes were built from scratch; tests read it to prove the hand-off works. @internal */
export const routingIndexStats = { builds: 0 };

/** The index of a state, taken away from it because the caller is about to change it. @internal */
export function takeIndex(state: RoutingState): RoutingIndex {
  if (state === latestState) {
    const index = latestIndex!;
    latestState = latestIndex = null;
    return index;
  }
  const index = cache.get(state);
  if (index) {
    cache.delete(state);
    return index;
  }
  routingIndexStats.builds++;
  return new RoutingIndex(state);
}

/** Files an index under the state it now describes. @internal */
export function keepIndex(state: RoutingState, index: RoutingIndex): void {
  if (latestState !== null && latestState !== state) cache.set(latestState, latestIndex!);
  latestState = state;
  latestIndex = index;
}

/** The index waiting for a state, if any, without building one. @internal */
export function cachedIndexOf(state: RoutingState): RoutingIndex | undefined {
  return state === latestState ? latestIndex! : cache.get(state);
}
