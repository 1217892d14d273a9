import type { AgentId } from '../ids';
import type { NoAgentReason } from './errors';
import type { RoutingEvent } from './events';
import { IndexedHeap, type Comparisons } from './heap';
import { capacityOf, membersOf, type RoutingConfig, type RoutingState } from './state';

/** One member as the index sees it; mutable, never persisted. @internal */
export type Candidate = {
  readonly agentId: AgentId;
  active: boolean;
  online: boolean;
  open: number;
  seq: number;
  capacity: number | null;
};

const byRotation = (a: Candidate, b: Candidate): boolean => a.seq < b.seq || (a.seq === b.seq && a.agentId < b.agentId);
const byLoad = (a: Candidate, b: Candidate): boolean => a.open < b.open || (a.open === b.open && byRotation(a, b));

/**
 * The in-memory index that lets a queue pick an agent in O(log n) instead of scanning members.
 *
 * It holds the members who can take a conversation right now (active, online, under capacity) in
 * a heap by rotation place `(lastAssignedSeq, agentId)` and, for least-busy queues, a second heap
 * by `(open conversations, lastAssignedSeq, agentId)`; the rotation heap is kept under both
 * strategies because its top is also the "current minimum" place a returning agent takes.
 * It also counts members and online members, which is all "why nobody" needs.
 *
 * It is derived data, so it is not persisted: persisted state stays plain JSON records.
 *
 * @internal
 */
export class RoutingIndex {
  private readonly candidates = new Map<string, Candidate>();
  private rotation!: IndexedHeap<Candidate>;
  private load: IndexedHeap<Candidate> | null = null;
  private onlineCount = 0;
  private config: RoutingConfig;

  /** Builds the index of a state: O(n) over its members. */
  constructor(
    state: RoutingState,
    readonly counter: Comparisons = { comparisons: 0 },
  ) {
    this.config = state.config;
    for (const m of membersOf(state)) {
      this.candidates.set(m.agentId, {
        agentId: m.agentId,
        active: m.active,
        online: m.online,
        open: m.conversationIds.length,
        seq: m.lastAssignedSeq,
        capacity: capacityOf(state.config, m.agentId),
      });
      if (m.active && m.online) this.onlineCount++;
    }
    this.rebuildHeaps();
  }

  /** The agent the strategy picks next, if anyone can take a conversation. O(1). */
  pick(): Candidate | undefined {
    return (this.load ?? this.rotation).peek();
  }

  /** The smallest rotation place among agents who can take a conversation now. O(1). */
  minRotationPlace(): number | undefined {
    return this.rotation.peek()?.seq;
  }

  /** Why nobody can take a conversation (meaningful when {@link pick} is `undefined`). O(1). */
  whyNobody(): NoAgentReason {
    if (this.candidates.size === 0) return 'department-empty';
    if (this.onlineCount === 0) return 'nobody-online';
    return 'everybody-at-capacity';
  }

  /** Keeps the index equal to `evolve`'s result after `e`: O(log n) per event, O(n) for a new config. */
  apply(e: RoutingEvent): void {
    switch (e.type) {
      case 'ConversationQueued':
        return;
      case 'ConversationAssigned':
        return this.change(e.data.agentId, (c) => {
          c.open++;
          c.seq = e.data.sequence;
        });
      case 'ConversationClosed':
        if (e.data.agentId !== null) this.change(e.data.agentId, (c) => void c.open--);
        return;
      case 'ConversationTransferred':
        if (e.data.from !== null) this.change(e.data.from, (c) => void c.open--);
        if (e.data.to !== null) this.change(e.data.to, (c) => void c.open++);
        return;
      case 'ConversationRequeued':
        return this.change(e.data.agentId, (c) => void (c.open -= e.data.conversationIds.length));
      case 'RoutingAgentSynced':
        return this.sync(e.data);
      case 'RoutingConfigured':
        this.config = e.data.config;
        for (const c of this.candidates.values()) c.capacity = capacityOf(this.config, c.agentId);
        return this.rebuildHeaps();
    }
  }

  /** A comparable picture of the index, for tests that check it against a fresh build. */
  snapshot(): unknown {
    const sorted = (ids: Iterable<string>) => [...ids].sort();
    return {
      candidates: sorted(this.candidates.keys()).map((id) => ({ ...this.candidates.get(id) })),
      onlineCount: this.onlineCount,
      rotation: sorted(this.rotation.values().map((c) => c.agentId)),
      load: this.load ? sorted(this.load.values().map((c) => c.agentId)) : null,
      pick: this.pick()?.agentId ?? null,
      minRotationPlace: this.minRotationPlace() ?? null,
    };
  }

  /** Number of agents in the pick heaps; used by tests to show the structure's size. */
  get heapSizes(): Readonly<{ rotation: number; load: number | null }> {
    return { rotation: this.rotation.size, load: this.load?.size ?? null };
  }

  private sync(d: Readonly<{ agentId: AgentId; active: boolean; online: boolean; member: boolean; lastAssignedSeq: number }>): void {
    const current = this.candidates.get(d.agentId);
    if (current && current.active && current.online) this.onlineCount--;
    if (!d.member && (current?.open ?? 0) === 0) {
      this.candidates.delete(d.agentId);
      this.rotation.remove(d.agentId);
      this.load?.remove(d.agentId);
      return;
    }
    if (d.active && d.online) this.onlineCount++;
    const candidate = current ?? {
      agentId: d.agentId,
      active: d.active,
      online: d.online,
      open: 0,
      seq: d.lastAssignedSeq,
      capacity: capacityOf(this.config, d.agentId),
    };
    this.candidates.set(d.agentId, candidate);
    this.change(d.agentId, (c) => {
      c.active = d.active;
      c.online = d.online;
      c.seq = d.lastAssignedSeq;
    });
  }

  private change(agentId: AgentId, mutate: (c: Candidate) => void): void {
    const candidate = this.candidates.get(agentId);
    if (!candidate) return;
    mutate(candidate);
    const heaps = this.load ? [this.rotation, this.load] : [this.rotation];
    const canTake = canTakeMore(candidate);
    for (const heap of heaps) {
      if (!canTake) heap.remove(agentId);
      else if (heap.has(agentId)) heap.update(agentId);
      else heap.push(candidate);
    }
  }

  private rebuildHeaps(): void {
    const takers = [...this.candidates.values()].filter(canTakeMore);
    this.rotation = new IndexedHeap(byRotation, this.counter, takers);
    this.load = this.config.strategy === 'least-busy' ? new IndexedHeap(byLoad, this.counter, takers) : null;
  }
}

function canTakeMore(c: Candidate): boolean {
  return c.active && c.online && (c.capacity === null || c.open < c.capacity);
}

/**
 * Index cache, keyed by the state object it describes. A command *takes* the index of the state it
 * was given (building it on a miss, O(n)), updates it event by event while deciding, and leaves it
 * under the state it returns. A caller that keeps feeding each decision's state into the next
 * command therefore pays O(log n) per pick and never rebuilds; one that goes back to an older
 * state object (a retry, a test that branches) pays one O(n) rebuild, never a wrong answer,
 * because an index is only ever filed under the exact state it was brought up to date with.
 * A WeakMap lets an index be collected together with its state.
 *
 * Why not persist the index, or keep it inside the state? It is mutable and derived: persisting it
 * would put a second copy of the truth in storage and make state non-JSON. Why not rebuild it per
 * command? That is O(n) per command, the scan this exists to avoid.
 *
 * A store that re-reads a queue from storage for every command hands in a new object each time,
 * so it pays one O(n) build per command (next to the O(n) it already pays to read the state).
 * To get the O(log n) path, keep the latest state object of each queue in memory, keyed by its
 * version, and pass that one in.
 */
const cache = /* @__PURE__ */ new WeakMap<RoutingState, RoutingIndex>();

/** How many indexes were built from scratch; tests read it to prove the hand-off works. @internal */
export const routingIndexStats = { builds: 0 };

/** The index of a state, left in the cache (read-only use). @internal */
export function indexOf(state: RoutingState): RoutingIndex {
  let index = cache.get(state);
  if (!index) {
    index = new RoutingIndex(state);
    routingIndexStats.builds++;
    cache.set(state, index);
  }
  return index;
}

/** The index of a state, removed from the cache because the caller is about to change it. @internal */
export function takeIndex(state: RoutingState): RoutingIndex {
  const index = indexOf(state);
  cache.delete(state);
  return index;
}

/** Files an index under the state it now describes. @internal */
export function keepIndex(state: RoutingState, index: RoutingIndex): void {
  cache.set(state, index);
}

/** The cached index of a state, if any, without building one. @internal */
export function cachedIndexOf(state: RoutingState): RoutingIndex | undefined {
  return cache.get(state);
}
