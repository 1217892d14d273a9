/**
 * Test-side views of routing's pick index (`RoutingIndex`), kept out of the library so they
 * cost nothing in the bundle. They read the index's private fields, which TypeScript hides but
 * JavaScript does not.
 */
import type { Candidate, RoutingIndex } from '../../src/domain/routing/agent-index';

// The pick lists' items in order, read from their chunks.
type List = { chunks: Candidate[][] };
const valuesOf = (list: List | null) => list?.chunks.flat() ?? [];
type Internals = { candidates: Map<string, Candidate>; onlineCount: number; rotation: List; load: List | null };
const internals = (index: RoutingIndex) => index as unknown as Internals;

/**
 * A comparable picture of an index: its candidates' facts, counts, and both pick lists in order.
 * A list kept up to date event by event must equal one sorted from scratch, order included.
 *
 * @example expect(indexSnapshot(cachedIndexOf(state)!)).toEqual(indexSnapshot(new RoutingIndex(state)))
 */
export function indexSnapshot(index: RoutingIndex): unknown {
  const { candidates, onlineCount, rotation, load } = internals(index);
  return {
    candidates: [...candidates.keys()].sort().map((id) => {
      const { rotationChunk: _r, loadChunk: _l, ...facts } = candidates.get(id)!;
      return facts;
    }),
    onlineCount,
    rotation: valuesOf(rotation).map((c) => c.agentId),
    load: load ? valuesOf(load).map((c) => c.agentId) : null,
    pick: index.pick()?.agentId ?? null,
    minRotationPlace: index.minRotationPlace() ?? null,
  };
}

/** How many agents each pick list holds (`load` is `null` for round-robin). @example indexSizes(index).rotation */
export function indexSizes(index: RoutingIndex): Readonly<{ rotation: number; load: number | null }> {
  const { rotation, load } = internals(index);
  return { rotation: valuesOf(rotation).length, load: load ? valuesOf(load).length : null };
}

/**
 * What is wrong with the pick lists' own bookkeeping, `[]` when nothing: each candidate in a list
 * sits in the chunk it points at, chunks are neither empty nor over 64 items and lie end to end,
 * and a candidate in no list points at no chunk.
 *
 * @example expect(listProblems(index)).toEqual([])
 */
export function listProblems(index: RoutingIndex): string[] {
  const { candidates, rotation, load } = internals(index);
  const problems: string[] = [];
  const check = (list: List | null, field: 'rotationChunk' | 'loadChunk') => {
    const items = valuesOf(list);
    const chunks: Candidate[][] = [];
    for (const c of items) {
      const chunk = c[field];
      if (chunk === null || !chunk.includes(c)) problems.push(`${field}: ${c.agentId} does not point at its chunk`);
      else if (chunks[chunks.length - 1] !== chunk) chunks.push(chunk);
    }
    if (new Set(chunks).size !== chunks.length) problems.push(`${field}: a chunk is not in one piece`);
    if (chunks.some((chunk) => chunk.length === 0 || chunk.length > 64)) problems.push(`${field}: a chunk is empty or over 64`);
    if (chunks.flat().some((c, i) => c !== items[i])) problems.push(`${field}: the chunks do not add up to the list`);
    const inList = new Set(items);
    for (const c of candidates.values()) if (!inList.has(c) && c[field] !== null) problems.push(`${field}: ${c.agentId} points at a chunk but is not listed`);
  };
  check(rotation, 'rotationChunk');
  check(load, 'loadChunk');
  return problems;
}

/**
 * The chunk arrays of each pick list (`load` is `null` for round-robin): a list that was kept,
 * not rebuilt, keeps its arrays.
 *
 * @example indexChunks(index).rotation.length // chunks in the rotation list
 */
export function indexChunks(index: RoutingIndex): Readonly<{ rotation: readonly Candidate[][]; load: readonly Candidate[][] | null }> {
  const { rotation, load } = internals(index);
  return { rotation: [...rotation.chunks], load: load ? [...load.chunks] : null };
}
