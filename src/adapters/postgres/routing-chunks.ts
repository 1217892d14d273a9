import type { RoutingState } from '../../domain/index';

/**
 * A routing queue as the store keeps it: a small root row and chunk rows (see ADR 0026).
 *
 * `members` and `conversations` are hash tries of plain arrays (`Buckets`: branches of 32 slots,
 * buckets of records). A table of at most {@link CHUNK_RECORDS} records, or one that is a single
 * bucket, stays inside the root row. A larger one is cut into chunks: walking down from its root
 * branch, the first node that is a bucket or holds at most {@link CHUNK_RECORDS} records is a
 * chunk, stored as a row of its own under its path (`m.3.17`: members, slot 3 of the root branch,
 * slot 17 of that branch). The branches above the chunks are not stored at all: every slot on the
 * way to a chunk is an array, every other slot is `null` (the trie collapses a branch that emptied
 * to `null`), so the chunks' paths alone rebuild them.
 *
 * A command copies only the nodes on the path to what it changed, so every chunk it did not touch
 * is the very array the previous state had: comparing by reference against the chunks the
 * database holds tells which rows to write.
 */

/** A trie node: a bucket (hashes and records) or a branch (32 slots). */
export type Node = readonly unknown[];

/** The chunks of a queue by path; the arrays are the state's own nodes, never copies. */
export type Chunks = ReadonlyMap<string, Node>;

/** The chunks the database holds for a queue, by path, each with the stamp of the write that stored it. */
export type StoredChunks = ReadonlyMap<string, Readonly<{ node: Node; stamp: string }>>;

/**
 * A queue's chunk rows as of one write: the chunks, the root version that write set, and the
 * run of versions it belongs to (`routing_states.created_stamp`, `null` for a row stored before
 * migration 0005). Every chunk row written later in the same run carries a greater version, so
 * an instance holding this asks for those alone (see reads.ts).
 */
export type StoredQueue = Readonly<{ chunks: StoredChunks; version: number; created: string | null }>;

/**
 * The most records a chunk holds, unless it is a single bucket (a bucket holds at most 16, more
 * only when 17 ids share a 30-bit hash). With 32-way branches a chunk holds between about
 * CHUNK_RECORDS / 32 and CHUNK_RECORDS records, so a route rewrites at most ~128 member records
 * and ~128 conversations (~15 kB each) whatever the size of the queue, and a queue of n members
 * takes between n / 128 and n / 4 rows.
 */
export const CHUNK_RECORDS = 128;

const WIDTH = 32;

/** The root row's document: the state, with each chunked table as `null`. */
export type StoredRoot = Omit<RoutingState, 'members' | 'conversations'> &
  Readonly<{ members: RoutingState['members'] | null; conversations: RoutingState['conversations'] | null }>;

/** A queue cut for storage: its root row's document and its chunks. */
export type QueueLayout = Readonly<{ root: StoredRoot; chunks: Chunks }>;

const TABLES = [
  ['members', 'm'],
  ['conversations', 'c'],
] as const;

// Records under a branch, kept per branch: a branch never changes, so its count does not either,
// and a command's new state costs a count of only the few branches it copied.
const counts = new WeakMap<Node, number>();

const isBucket = (node: Node): boolean => node.length === 0 || typeof node[0] === 'number';
// agent-roster 0.1.0 kept a flat list of objects keyed by id: stored whole, as it always was.
const isLegacy = (node: Node): boolean => typeof node[0] === 'object' && node[0] !== null && !Array.isArray(node[0]);

function recordsIn(node: Node): number {
  if (isBucket(node)) return node.length / 2;
  let n = counts.get(node);
  if (n === undefined) {
    n = 0;
    for (const child of node) if (child !== null) n += recordsIn(child as Node);
    counts.set(node, n);
  }
  return n;
}

const fitsOneRow = (node: Node, limit: number): boolean => isBucket(node) || recordsIn(node) <= limit;

function cut(branch: Node, path: string, chunks: Map<string, Node>, limit: number): void {
  for (let at = 0; at < WIDTH; at++) {
    const child = branch[at] as Node | null;
    if (child === null || child === undefined) continue;
    const where = `${path}.${at}`;
    if (fitsOneRow(child, limit)) chunks.set(where, child);
    else cut(child, where, chunks, limit);
  }
}

/**
 * The root document and chunks a queue is stored as. Costs a walk of the branches above the
 * chunks (at most ~1,000 slots per 100,000 records) and a count of the branches no earlier
 * layout counted.
 *
 * @param limit the most records of a chunk (tests lower it to reach deep tries with few records).
 * @example layoutOf(state).chunks.size // 0 for a queue of 128 members or fewer
 */
export function layoutOf(state: RoutingState, limit = CHUNK_RECORDS): QueueLayout {
  const chunks = new Map<string, Node>();
  const root: Record<string, unknown> = { ...state };
  for (const [table, prefix] of TABLES) {
    const node = state[table] as Node;
    if (isLegacy(node) || fitsOneRow(node, limit)) continue;
    cut(node, prefix, chunks, limit);
    root[table] = null;
  }
  return { root: root as StoredRoot, chunks };
}

/**
 * The queue a root document and its chunk rows were written from: deep-equal to it, so a later
 * command copies the same paths as it would have in memory. A document without chunks (written
 * before 0026, or a small queue) comes back as it is.
 *
 * @example joinQueue(layout.root, layout.chunks) // deep-equals the state laid out
 */
export function joinQueue(root: StoredRoot, chunks: Chunks): RoutingState {
  const state: Record<string, unknown> = { ...root };
  for (const [table, prefix] of TABLES) {
    if (root[table] !== null) continue;
    const top: unknown[] = new Array<unknown>(WIDTH).fill(null);
    for (const [path, node] of chunks) {
      if (path[0] !== prefix) continue;
      const slots = path.split('.');
      let branch = top;
      for (let level = 1; level < slots.length - 1; level++) {
        const at = Number(slots[level]);
        branch = (branch[at] ??= new Array<unknown>(WIDTH).fill(null)) as unknown[];
      }
      branch[Number(slots[slots.length - 1])] = node;
    }
    state[table] = top;
  }
  return state as RoutingState;
}

/**
 * What a write stamped `stamp` must do so that the chunk rows, holding `before`, hold `after`:
 * write the chunks that are new or another array than before, remove the paths no longer used;
 * and what the rows hold then (`stored`: the chunks kept keep their stamps).
 *
 * @example chunkChanges(known, layoutOf(next).chunks, 'b3f…-18') // { write: [['m.4', …]], remove: [], stored }
 */
export function chunkChanges(
  before: StoredChunks,
  after: Chunks,
  stamp: string,
): Readonly<{ write: [string, Node][]; remove: string[]; stored: StoredChunks }> {
  const write: [string, Node][] = [];
  const stored = new Map<string, Readonly<{ node: Node; stamp: string }>>();
  for (const [path, node] of after) {
    const kept = before.get(path);
    if (kept?.node === node) stored.set(path, kept);
    else {
      write.push([path, node]);
      stored.set(path, { node, stamp });
    }
  }
  const remove: string[] = [];
  for (const path of before.keys()) if (!after.has(path)) remove.push(path);
  return { write, remove, stored };
}

/**
 * The chunk rows of a queue as of a later write of the same run of versions, from those held as
 * of an earlier one (`held`) and the rows written since (`written`): every row written since
 * carries a greater version, and every other row still there is one held, unchanged. Of the
 * held paths, those gone are dropped where the rows written tell: a path rewritten, a chunk
 * split into chunks below it or merged into one above it, a table back in the root row. What
 * they cannot tell (a chunk whose records all left, with nothing written in its place) shows in
 * the count: the answer has more chunks than the root row says it has, and the caller lists
 * the paths instead.
 *
 * @example catchUp(held, written, root).size === root.chunkCount // else list every chunk
 */
export function catchUp(held: StoredChunks, written: StoredChunks, root: StoredRoot): Map<string, Readonly<{ node: Node; stamp: string }>> {
  const chunks = new Map(written);
  const inRoot = new Set<string>(TABLES.filter(([table]) => root[table] !== null).map(([, prefix]) => prefix));
  // Chunk paths at one write never nest, so a held path above or below a written one is gone.
  const above = new Set<string>();
  for (const path of written.keys()) for (let at = path.indexOf('.'); at !== -1; at = path.indexOf('.', at + 1)) above.add(path.slice(0, at));
  for (const [path, chunk] of held) {
    if (chunks.has(path) || above.has(path) || inRoot.has(path[0]!)) continue;
    let under = false;
    for (let at = path.indexOf('.'); at !== -1 && !under; at = path.indexOf('.', at + 1)) under = written.has(path.slice(0, at));
    if (!under) chunks.set(path, chunk);
  }
  return chunks;
}
