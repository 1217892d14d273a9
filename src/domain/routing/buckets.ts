/**
 * A record keyed by id, split into buckets by a hash of the id: a plain JSON array of plain
 * records, `[{ "agt_ana": {…}, "agt_cy": {…} }, { "agt_bob": {…} }]`. An immutable update copies
 * the bucket list (an array: a memcpy) and the one bucket it touches (at most 16 entries), not
 * every entry. The reason: copying a flat record of 10,000 agents costs ~10 ms in V8 — that copy,
 * not the O(log n) pick, would otherwise be the price of every routing command.
 *
 * The list starts empty and doubles whenever a bucket would hold more than 16 entries (an O(n)
 * rehash, so O(1) amortised per insert), up to 65,536 buckets. The layout is a pure function of
 * the history, so replaying the events rebuilds it exactly. Read it with `memberOf`,
 * `membersOf`, `conversationOf`, `conversationsOf` rather than by hand.
 */
export type Buckets<T> = readonly Readonly<Record<string, T>>[];

const MAX_BUCKET_SIZE = 16;
const MAX_BUCKETS = 1 << 16;

/** 32-bit FNV-1a of a string: cheap, stable across runtimes, well spread for ids like `agt_123`. */
function hashOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

// The list length is always a power of two, so a mask picks the bucket.
const slotOf = (id: string, length: number): number => hashOf(id) & (length - 1);

/** The entry for an id, if any. O(1). @internal */
export function lookup<T>(buckets: Buckets<T>, id: string): T | undefined {
  if (buckets.length === 0) return undefined;
  const bucket = buckets[slotOf(id, buckets.length)];
  return bucket && Object.hasOwn(bucket, id) ? bucket[id] : undefined;
}

/** Every entry, in no particular order. O(n). @internal */
export function entriesOf<T>(buckets: Buckets<T>): T[] {
  return buckets.flatMap((bucket) => Object.values(bucket));
}

// Copies key by key into a fresh literal: V8 keeps small literals in fast mode, while spreading a
// record that once had a key deleted (dictionary mode) is an order of magnitude slower.
function copyOf<T>(bucket: Readonly<Record<string, T>> | undefined, without?: string): Record<string, T> {
  const copy: Record<string, T> = {};
  if (bucket) for (const key of Object.keys(bucket)) if (key !== without) copy[key] = bucket[key]!;
  return copy;
}

/**
 * Changes to a {@link Buckets} that copy the bucket list once and each touched bucket once,
 * however many changes are made; untouched buckets are shared with the original.
 *
 * @internal
 */
export class BucketsDraft<T> {
  private table: Record<string, T>[] | null = null;
  private owned = new Set<number>();

  constructor(private readonly base: Buckets<T>) {}

  get(id: string): T | undefined {
    return lookup(this.table ?? this.base, id);
  }

  set(id: string, value: T): void {
    const table = this.ownTable();
    const bucket = this.ownBucket(slotOf(id, table.length));
    bucket[id] = value;
    if (table.length < MAX_BUCKETS && Object.keys(bucket).length > MAX_BUCKET_SIZE) this.grow();
  }

  delete(id: string): void {
    if (this.get(id) === undefined) return;
    const table = this.ownTable();
    const slot = slotOf(id, table.length);
    table[slot] = copyOf(table[slot], id);
    this.owned.add(slot);
  }

  /** Whether anything changed. */
  get touched(): boolean {
    return this.table !== null;
  }

  result(): Buckets<T> {
    return this.table ?? this.base;
  }

  private ownTable(): Record<string, T>[] {
    if (this.table === null) {
      this.table = this.base.length > 0 ? (this.base.slice() as Record<string, T>[]) : [{}];
      if (this.base.length === 0) this.owned.add(0);
    }
    return this.table;
  }

  private ownBucket(slot: number): Record<string, T> {
    const table = this.table!;
    if (!this.owned.has(slot)) {
      table[slot] = copyOf(table[slot]);
      this.owned.add(slot);
    }
    return table[slot]!;
  }

  private grow(): void {
    const old = this.table!;
    const next: Record<string, T>[] = Array.from({ length: old.length * 2 }, () => ({}));
    for (const bucket of old) for (const key of Object.keys(bucket)) next[slotOf(key, next.length)]![key] = bucket[key]!;
    this.table = next;
    this.owned = new Set(next.keys());
  }
}
