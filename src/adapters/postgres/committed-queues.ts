import type { RoutingState } from '../../domain/index';
import type { Commit } from '../../ports/store';
import type { QueueWrites } from './commit';
import { layoutOf, type StoredQueue } from './routing-chunks';

/** Where a queue lives: its workspace and department (`workspace` for the workspace-wide one). */
export const queueKeyOf = (departmentId: string | null): string => departmentId ?? 'workspace';

const freeze = <T>(value: T): T => {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) freeze(v);
  }
  return value;
};

/**
 * The routing queues this store committed or loaded most recently, each with the stamp of the
 * write it is and the chunks the database held after that write, with its version (see
 * routing-chunks.ts). Routing keeps an index
 * per state object, so handing back the very object that was committed spares rebuilding it on
 * the next load: a load whose row still carries the stamp this process knows gets that object
 * back instead of a fresh parse. And a commit on a row still at that stamp writes only the
 * chunks its state does not share with that object. Any other instance's write has another
 * stamp, so nothing stale is ever handed out or trusted. Bounded: the least recently used
 * queues go first.
 *
 * @example
 * const queues = new CommittedQueues(500);
 * queues.remember(state, 'b3f…-17', { chunks, version: 4, created: 'b3f…-2' }); // after the commit succeeded
 * queues.recall(state.workspaceId, 'dep_sales', 'b3f…-17') // state
 */
export class CommittedQueues {
  readonly #entries = new Map<string, Readonly<{ stamp: string; value: RoutingState; stored: StoredQueue }>>();
  readonly #prefix = crypto.randomUUID();
  #count = 0;

  constructor(readonly capacity = 1_000) {}

  /** A stamp no other write anywhere will carry: random per store, counted per write. */
  newStamp(): string {
    return `${this.#prefix}-${++this.#count}`;
  }

  /**
   * Stamps and lays out the queues a commit writes, for {@link writeCommit}; once the commit
   * succeeded, {@link rememberWrites} keeps them.
   */
  prepare(commit: Commit): QueueWrites {
    const writes = new Map(
      commit.writes.flatMap((a) => (a.kind === 'routing' ? [[a, { stamp: this.newStamp(), layout: layoutOf(a) }] as const] : [])),
    );
    const chunksAt = (queue: RoutingState, stamp: string) => {
      const entry = this.#entries.get(`${queue.workspaceId}\n${queueKeyOf(queue.departmentId)}`);
      return entry?.stamp === stamp ? entry.stored.chunks : undefined;
    };
    return { writes, chunksAt, stored: new Map() };
  }

  /** Keeps the queues of a commit that succeeded, with the chunks it left stored. */
  rememberWrites(queues: QueueWrites): void {
    for (const [queue, { stamp }] of queues.writes) {
      const stored = queues.stored.get(queue);
      if (stored) this.remember(queue as RoutingState, stamp, stored);
    }
  }

  /**
   * What this store knows of a queue's chunk rows, under whatever stamp: a load asks the database
   * only for the chunks written since (or, failing that, leaves out those it holds under the same
   * stamp).
   */
  knownChunks(workspaceId: string, queueKey: string): StoredQueue | undefined {
    return this.#entries.get(`${workspaceId}\n${queueKey}`)?.stored;
  }

  /** Keeps a queue as committed or loaded (frozen: it will be handed out again) under its stamp, with what its rows held then. */
  remember(value: RoutingState, stamp: string, stored: StoredQueue): void {
    const key = `${value.workspaceId}\n${queueKeyOf(value.departmentId)}`;
    this.#entries.delete(key);
    this.#entries.set(key, { stamp, value: freeze(value), stored });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.capacity) break;
      this.#entries.delete(oldest);
    }
  }

  /** The stamps this store knows for some queues of a workspace, to ask the database about. */
  stampsOf(workspaceId: string, queueKeys: readonly string[]): string[] {
    return queueKeys.flatMap((q) => this.#entries.get(`${workspaceId}\n${q}`)?.stamp ?? []);
  }

  /** The committed object, when the stored row is still the write that carried `stamp`. */
  recall(workspaceId: string, queueKey: string, stamp: string): RoutingState | undefined {
    const key = `${workspaceId}\n${queueKey}`;
    const entry = this.#entries.get(key);
    if (entry?.stamp !== stamp) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }
}
