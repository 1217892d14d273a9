/**
 * BROKEN ON PURPOSE: a store that answers one read from a cache keyed by its arguments, cleared
 * never, only by a commit that creates an aggregate, or only by one that writes an aggregate
 * (see {@link ClearedBy}). Each read is right the first time it is asked, so a test that
 * reads once after its setup cannot tell; every screen of a real app asks again.
 *
 * `StaleSessionStore` does the same to the reads of its sessions, through a cache they share:
 * the store's own reads stay fresh.
 */
import { MemoryRosterStore, type Commit, type CommitOutcome, type RosterSession, type RosterStore } from 'agent-roster';
import { DECISION_READS } from '../../../src/ports/decision-reads';

/** The reads of the port a cache can go stale on. */
export const CACHEABLE_READS = [
  ...DECISION_READS,
  'countLapsedInvitations',
  'listAgents',
  'listInvitations',
  'listDepartments',
  'loadAllDepartments',
  'events',
  'eventsAfter',
  'listOutbox',
] as const satisfies readonly (keyof RosterStore)[];
export type CacheableRead = (typeof CACHEABLE_READS)[number];

/**
 * What clears the cache: nothing; a commit that creates an aggregate; a commit that writes one
 * (but not a removal, a commit of events and messages only, nor an outbox mark).
 */
export type ClearedBy = 'nothing' | 'creations' | 'writes';

type AnyRead = (...args: unknown[]) => Promise<unknown>;

class Cache {
  readonly #answers = new Map<string, Promise<unknown>>();
  constructor(private readonly clearedBy: ClearedBy) {}
  wrap(name: string, read: AnyRead): AnyRead {
    return (...args) => {
      const key = `${name}:${JSON.stringify(args)}`;
      if (!this.#answers.has(key)) this.#answers.set(key, read(...args));
      return this.#answers.get(key)!;
    };
  }
  /** After a commit: clears the cache if this kind of commit clears it. */
  committed(commit: Commit, outcome: CommitOutcome): void {
    const creates = commit.expected.some((e) => e.version === 0 && commit.writes.some((w) => w.kind === e.kind && w.id === e.id));
    const clears = this.clearedBy === 'creations' ? creates : this.clearedBy === 'writes' && commit.writes.length > 0;
    if (outcome.committed && clears) this.#answers.clear();
  }
}

export class StaleReadStore extends MemoryRosterStore {
  readonly #cache: Cache;

  constructor(read: CacheableRead, clearedBy: ClearedBy) {
    super({ lockWorkspaces: false });
    this.#cache = new Cache(clearedBy);
    const self = this as unknown as Record<string, AnyRead>;
    self[read] = this.#cache.wrap(read, (self[read] as AnyRead).bind(this));
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    const outcome = await super.commit(commit);
    this.#cache.committed(commit, outcome);
    return outcome;
  }
}

export class StaleSessionStore extends MemoryRosterStore {
  readonly #cache: Cache;

  constructor(clearedBy: ClearedBy) {
    super({ lockWorkspaces: true });
    this.#cache = new Cache(clearedBy);
    const begin = this.begin!;
    (this as { begin?: () => Promise<RosterSession> }).begin = async () => {
      const session = await begin();
      const reads = Object.fromEntries(
        DECISION_READS.filter((name) => session[name] !== undefined).map((name) => [name, this.#cache.wrap(name, (session[name] as AnyRead).bind(session))]),
      );
      return {
        ...reads,
        lockWorkspace: (id) => session.lockWorkspace(id),
        commit: async (commit) => {
          const outcome = await session.commit(commit);
          this.#cache.committed(commit, outcome);
          return outcome;
        },
        end: () => session.end(),
      } as RosterSession;
    };
  }

  override async commit(commit: Commit): Promise<CommitOutcome> {
    const outcome = await super.commit(commit);
    this.#cache.committed(commit, outcome);
    return outcome;
  }
}
