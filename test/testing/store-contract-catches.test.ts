/**
 * Proof that the store contract can fail: run against deliberately broken stores
 * (test/testing/broken), it must fail each, with a message that says what the store did wrong.
 * The contract runs here through a small harness (./contract-failures) that collects failures
 * instead of reporting them, so each assertion below prints what the contract found.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore } from 'agent-roster';
import { CACHEABLE_READS, StaleReadStore, StaleSessionStore, type ClearedBy } from './broken/stale-read-store';
import { NewestFirstClaimStore } from './broken/newest-first-claim-store';
import { UpdateDroppingStore } from './broken/update-dropping-store';
import { VersionBlindStore } from './broken/version-blind-store';
import { runContract, type ContractRun } from './contract-failures';

const report = (run: ContractRun) =>
  run.failures.size === 0 ? `all ${run.tests.length} tests passed` : [...run.failures].map(([name, message]) => `✗ ${name}\n    ${message.split('\n')[0]}`).join('\n');
const following = (name: string) => name.startsWith('reads follow commits > ');

describe('the store contract against deliberately broken stores', () => {
  it('passes the in-memory store through the same harness, with and without sessions', async () => {
    for (const lockWorkspaces of [true, false]) {
      const run = await runContract(() => new MemoryRosterStore({ lockWorkspaces }));
      expect(run.failures.size, report(run)).toBe(0);
      expect(run.tests.length).toBeGreaterThanOrEqual(80);
    }
  });

  // The adoption review's store: listAgents cached, the cache cleared only by a commit that creates.
  it('fails a store whose listAgents is cleared only by creations, and says which listing went stale after which commit', async () => {
    const run = await runContract(() => new StaleReadStore('listAgents', 'creations'));
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual([expect.stringMatching(/^reads follow commits > listAgents, asked again with the same arguments/)]);
    expect(run.failures.get(failed[0]!)).toMatch(
      /^listAgents\("ws_a"\) after a commit that only updates agents: it still answers what it did before, as if the read came from a cache the change did not clear \(or the change was lost\): expected/,
    );
  });

  describe.each<ClearedBy>(['nothing', 'creations'])('a cache cleared by %s', (clearedBy) => {
    it.each(CACHEABLE_READS)('on %s fails the test that asks it again', async (read) => {
      const run = await runContract(() => new StaleReadStore(read, clearedBy), following);
      const failed = [...run.failures.keys()];
      expect(failed, report(run)).toEqual([expect.stringMatching(new RegExp(`^reads follow commits > ${read}[ ,]`))]);
      const message = run.failures.get(failed[0]!)!;
      expect(message, message).toMatch(new RegExp(`^${read}\\(.*as if the read came from a cache the change did not clear`));
      // Even a cache that creations clear is caught, by the first commit that only updates.
      expect(message, message).toContain(' after a commit that only updates');
    });

    it('on the reads of sessions fails the session test only', async () => {
      const run = await runContract(() => new StaleSessionStore(clearedBy), following);
      expect([...run.failures.keys()], report(run)).toEqual([expect.stringMatching(/^reads follow commits > a session's reads/)]);
    });
  });

  // Cleared by every commit that writes an aggregate: stale only after a removal, a commit of
  // events and messages only, or an outbox mark. Reads that only such changes move are caught;
  // the others (invitations cannot be removed, the workspace only changes by writes) read right.
  it('fails a store whose cache only writes clear, for every read that a removal or a write-free change moves', async () => {
    const moved = ['loadAgent', 'loadDepartments', 'emailHolder', 'departmentNameTaken', 'departmentMembers', 'loadRoutingStates', 'versionsCurrent', 'listAgents', 'listDepartments', 'loadAllDepartments', 'events', 'eventsAfter', 'listOutbox'];
    for (const read of CACHEABLE_READS) {
      const run = await runContract(() => new StaleReadStore(read, 'writes'), following);
      const failed = [...run.failures.keys()].map((name) => /^reads follow commits > (\w+)/.exec(name)?.[1]);
      expect(failed, `${read}:\n${report(run)}`).toEqual(moved.includes(read) ? [read] : []);
    }
  });

  it.each(['workspace', 'agent', 'invitation', 'department', 'routing'] as const)(
    'fails a store that drops updates of each %s, saying which read lost the update',
    async (kind) => {
      const run = await runContract(() => new UpdateDroppingStore(kind));
      const readBack = run.failures.get('versions > gives back every kind of aggregate as updated, at the next version');
      expect(readBack, report(run)).toMatch(new RegExp(`after a commit that updates the ${kind} from version 1: the store must give it back as the commit wrote it, at version 2`));
    },
  );

  it('fails a store that claims the latest due email first, which would starve old ones behind new mail', async () => {
    const run = await runContract(() => new NewestFirstClaimStore());
    expect([...run.failures.keys()], report(run)).toEqual([expect.stringMatching(/outbox > claims only messages that are due, earliest due first/)]);
  });

  it('fails a store that ignores versions, saying which commit it should have refused', async () => {
    const run = await runContract(() => new VersionBlindStore());
    const messages = [...run.failures.values()];
    expect(messages.length, report(run)).toBeGreaterThan(0);
    expect(messages.some((m) => /^commit must refuse with 'stale-version' a commit that updates workspace ws_a from version 1.*since an expected version does not hold/.test(m)), report(run)).toBe(true);
  });
});
