/**
 * Records keyed by id (members by `agentId`, conversations by `conversationId`), kept as a small
 * hash trie of plain JSON arrays so that an immutable update copies a few short arrays, never a
 * list as long as the queue:
 *
 * - a **bucket** holds up to 16 records, each after its id's hash: `[hash, record, hash, record…]`;
 * - a **branch** is an array of 32 slots, each `null`, a bucket or another branch, chosen by the
 *   next 5 bits of the hash. A branch's slots are never numbers or records, which tells the two apart.
 *
 * A table starts as one bucket. A bucket that would hold a 17th record becomes a branch (a local
 * split of those 17: no table-wide rehash, so no update ever costs O(n)); a branch whose buckets
 * all emptied becomes `null` again. At 100,000 records that is three levels of branches, so an
 * update copies about 3 × 32 slots and one bucket, and allocates nothing large.
 *
 * Why this shape (each figure measured here, see docs/performance.md): copying a flat record of
 * 10,000 agents costs ~10 ms in V8; a flat list of 16,384 buckets is past V8's largest regular
 * object, so each copy went to large-object space (265 µs); buckets that were objects keyed by id
 * made every new conversation id a new hidden class. The stored hashes let a lookup skip the other
 * records of its bucket without reading them: at 100,000 members every record read is a cache
 * miss, and so is the id string it would be compared by.
 *
 * The layout is a pure function of the history (same operations, same arrays), so replaying the
 * events rebuilds it exactly. Read it with `memberOf`, `membersOf`, `conversationOf`,
 * `conversationsOf` rather than by hand.
 *
 * Queues persisted by agent-roster 0.1.0 kept a flat list of objects keyed by id; those are still
 * read, and the first command on such a queue rewrites it in this layout.
 */
export type Buckets<T> = readonly (number | T | Buckets<T> | null)[];

/** What a table is keyed by: the id inside each record. @internal */
export type KeyOf<T> = (record: T) => string;

// Internally a node is an array: a bucket holds numbers (hashes) and records, a branch null or arrays.
type Node = unknown[];
type Legacy = readonly Readonly<Record<string, unknown>>[];

// Written as literals, not derived (1 << BITS, WIDTH - 1): esbuild keeps a derived module-level
// constant in bundles that never route, and every command bundle paid for these.
const BITS = 5;
const WIDTH = 32;
const MASK = 31;
const MAX_BUCKET = 16;
// Hashes have 30 bits (so they are small integers, unboxed, in every JavaScript engine): six
// levels of branches use them all; a bucket below that just grows, which takes 17 ids with the
// very same hash.
const LAST_SHIFT = 25;

/** 32-bit FNV-1a of a string, cut to 30 bits: cheap, stable across runtimes, well spread for ids like `agt_123`. */
function hashOf(id: string): number {
  // A command hashes each id it touches twice or more (looked up, then written): the last one is
  // kept. The same string object compares without reading a character.
  if (id === lastId) return lastHash;
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  lastId = id;
  return (lastHash = hash & 0x3fffffff);
}
let lastId: string | null = null;
let lastHash = 0;

// A 0.1.0 table is a list of objects keyed by id: its first item is neither a slot nor a hash.
function isLegacy(table: readonly unknown[]): boolean {
  const first = table[0];
  return typeof first === 'object' && first !== null && !Array.isArray(first);
}

/**
 * Where a record with this id sits in a bucket (`-1`: not there). The scan compares the stored
 * hashes, so it reads no other record: at 100,000 members each record it read was a cache miss
 * or two (the record, then its id string).
 */
function indexIn<T>(bucket: Node, hash: number, id: string, keyOf: KeyOf<T>): number {
  for (let i = 0; i < bucket.length; i += 2) if (bucket[i] === hash && keyOf(bucket[i + 1] as T) === id) return i;
  return -1;
}

/** The record with this id, if any. O(log n): a hash and at most 7 short arrays. @internal */
export function lookup<T>(table: Buckets<T>, id: string, keyOf: KeyOf<T>): T | undefined {
  const hash = hashOf(id);
  if (isLegacy(table)) {
    const bucket = (table as Legacy)[hash & (table.length - 1)];
    return bucket && Object.hasOwn(bucket, id) ? (bucket[id] as T) : undefined;
  }
  let node = table as Node;
  // The slot the hash points at tells what `node` is: an array or null in a branch, a hash or a
  // record (or past the end) in a bucket. Reading it rather than `node[0]` saves a cache miss.
  for (let shift = 0; ; shift += BITS) {
    const slot = node[(hash >>> shift) & MASK];
    if (slot === null) return undefined;
    if (!Array.isArray(slot)) break;
    node = slot as Node;
  }
  const at = indexIn(node, hash, id, keyOf);
  return at < 0 ? undefined : (node[at + 1] as T);
}

/** Every record, in no particular order. O(n). @internal */
export function entriesOf<T>(table: Buckets<T>): T[] {
  if (isLegacy(table)) return (table as Legacy).flatMap((bucket) => Object.values(bucket) as T[]);
  const out: T[] = [];
  const walk = (node: Node): void => {
    if (typeof node[0] === 'number') for (let i = 1; i < node.length; i += 2) out.push(node[i] as T);
    else for (const child of node) if (child !== null) walk(child as Node);
  };
  walk(table as Node);
  return out;
}

/**
 * Changes to a {@link Buckets} that copy each array on the way to a changed record once, however
 * many changes are made (a later change to the same path writes into the copy); everything else
 * is shared with the original, which never changes.
 *
 * @internal
 */
export class BucketsDraft<T> {
  private root: Node;
  private changed = false;
  // Arrays this draft made, so writable. Most commands make one or two changes, so a short list
  // is searched first (a Set costs more to set up than it saves); a Set takes over past 8.
  private owned: Node[] | null = null;
  private ownedMany: Set<Node> | null = null;

  constructor(
    base: Buckets<T>,
    private readonly keyOf: KeyOf<T>,
  ) {
    this.root = base as Node;
    if (isLegacy(base)) {
      this.root = [];
      this.own(this.root);
      for (const record of entriesOf(base)) this.set(keyOf(record), record);
    }
  }

  get(id: string): T | undefined {
    return lookup(this.root as Buckets<T>, id, this.keyOf);
  }

  set(id: string, value: T): void {
    const hash = hashOf(id);
    let parent: Node | null = null;
    let node = (this.root = this.writable(this.root));
    let at = 0;
    let shift = 0;
    for (;;) {
      const slot = node[(hash >>> shift) & MASK];
      if (slot !== null && !Array.isArray(slot)) break; // as in `lookup`: `node` is a bucket
      parent = node;
      at = (hash >>> shift) & MASK;
      if (slot === null) {
        const bucket = [hash, value];
        this.own(bucket);
        node[at] = bucket;
        return;
      }
      node = node[at] = this.writable(slot as Node);
      shift += BITS;
    }
    const found = indexIn(node, hash, id, this.keyOf);
    if (found >= 0) {
      node[found + 1] = value;
      return;
    }
    node.push(hash, value);
    if (node.length > 2 * MAX_BUCKET && shift <= LAST_SHIFT) {
      const branch = this.split(node, shift);
      if (parent === null) this.root = branch;
      else parent[at] = branch;
    }
  }

  /**
   * Takes a record out: copies the path down to it, and gives back a bucket or branch left with
   * nothing in it as `null` (an empty root becomes an empty bucket). An id that is not there
   * copies nothing. One walk down to find it, one back up to copy: no closure, no second lookup
   * (a close is as common as a route, and this was three times the cost of a `set`).
   */
  delete(id: string): void {
    const hash = hashOf(id);
    const path: Node[] = [];
    let node = this.root;
    for (let shift = 0; ; shift += BITS) {
      const slot = node[(hash >>> shift) & MASK];
      if (slot === null) return;
      if (!Array.isArray(slot)) break; // as in `lookup`: `node` is a bucket
      path.push(node);
      node = slot as Node;
    }
    const at = indexIn(node, hash, id, this.keyOf);
    if (at < 0) return;
    const bucket = this.writable(node);
    bucket.splice(at, 2);
    let child: Node | null = bucket.length === 0 ? null : bucket;
    for (let level = path.length - 1; level >= 0; level--) {
      const branch = this.writable(path[level]!);
      branch[(hash >>> (level * BITS)) & MASK] = child;
      child = child === null && isEmptyBranch(branch) ? null : branch;
    }
    this.root = child ?? [];
  }

  /** Whether anything changed. */
  get touched(): boolean {
    return this.changed;
  }

  result(): Buckets<T> {
    return this.root as Buckets<T>;
  }

  private writable(node: Node): Node {
    this.changed = true;
    if (this.isOwned(node)) return node;
    // Not `slice`: a stored state is frozen, and V8 (Node 20) copies a frozen array through
    // `slice` on a slow path (32 slots: 1.5 µs against 25 ns spread; see WorkingQueue.toArray).
    const copy = [...node];
    this.own(copy);
    return copy;
  }

  private split(bucket: Node, shift: number): Node {
    const branch: Node = new Array<unknown>(WIDTH).fill(null);
    this.own(branch);
    for (let i = 0; i < bucket.length; i += 2) {
      const hash = bucket[i] as number;
      const at = (hash >>> shift) & MASK;
      const child = branch[at] as Node | null;
      if (child === null) {
        const fresh = [hash, bucket[i + 1]];
        this.own(fresh);
        branch[at] = fresh;
      } else child.push(hash, bucket[i + 1]);
    }
    // All 17 may share the next 5 bits too; then split again, one level down.
    for (let at = 0; at < WIDTH; at++) {
      const child = branch[at] as Node | null;
      if (child !== null && child.length > 2 * MAX_BUCKET && shift + BITS <= LAST_SHIFT) branch[at] = this.split(child, shift + BITS);
    }
    return branch;
  }

  private isOwned(node: Node): boolean {
    return this.ownedMany ? this.ownedMany.has(node) : this.owned !== null && this.owned.includes(node);
  }

  private own(node: Node): void {
    if (this.ownedMany) this.ownedMany.add(node);
    else if (this.owned === null) this.owned = [node];
    else if (this.owned.length < 8) this.owned.push(node);
    else this.ownedMany = new Set([...this.owned, node]);
  }
}

function isEmptyBranch(branch: Node): boolean {
  for (let i = 0; i < branch.length; i++) if (branch[i] !== null) return false;
  return true;
}

/** Members are keyed by agent id. @internal */
export const byAgentId = (record: Readonly<{ agentId: string }>): string => record.agentId;
/** Conversations are keyed by conversation id. @internal */
export const byConversationId = (record: Readonly<{ conversationId: string }>): string => record.conversationId;
