/**
 * Proof that the store contract can fail: run against deliberately broken stores
 * (test/testing/broken), it must fail each, with a message that says what the store did wrong.
 * The contract runs here through a small harness (./contract-failures) that collects failures
 * instead of reporting them, so each assertion below prints what the contract found.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore } from 'agent-roster';
import { CACHEABLE_READS, StaleReadStore, StaleSessionStore, type ClearedBy } from './broken/stale-read-store';
import { EmptyCommitShortcutStore } from './broken/empty-commit-shortcut-store';
import { InsertOnlyUniquenessStore } from './broken/insert-only-uniqueness-store';
import { LateFilterStore } from './broken/late-filter-store';
import { NewestFirstClaimStore } from './broken/newest-first-claim-store';
import { SplitClaimStore } from './broken/split-claim-store';
import { StoreWideDepartmentNameStore } from './broken/store-wide-name-store';
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
    // Past a leased message too, it hands out the latest due where the next due was asked for.
    expect([...run.failures.keys()], report(run)).toEqual([
      expect.stringMatching(/outbox > claims only messages that are due, earliest due first/),
      expect.stringMatching(/outbox > claims the next due message past a leased one/),
    ]);
  });

  // The contract review's stores: each passed the whole contract before the test that fails it now.
  it('fails a store that answers a commit writing nothing "committed" without checking its versions, which would make every refusal final', async () => {
    const run = await runContract(() => new EmptyCommitShortcutStore());
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual(['versions > checks the versions of a commit that writes nothing at all (only expected versions): refused when stale, accepted when current']);
    expect(run.failures.get(failed[0]!)).toMatch(/^commit must refuse with 'stale-version' a commit that reads workspace ws_a at version 1, agent agt_ana at version 1, since an expected version does not hold/);
  });

  it('fails a store that keeps department names unique across workspaces, where the rule is per workspace', async () => {
    const run = await runContract(() => new StoreWideDepartmentNameStore());
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual(['uniqueness > allows one email, and one department name, in two workspaces']);
    expect(run.failures.get(failed[0]!)).toMatch(/^commit refused \(unique-violation: dept-name\) a commit that creates workspace ws_b, .*department dep_sales_in_b/);
  });

  it.each([
    ['department', /^uniqueness > refuses an update that moves a department's name key onto another department's/, /^commit must refuse with 'unique-violation' a commit that updates department dep_deals from version 1/],
    ['agent', /^uniqueness > refuses an update that moves an agent's email onto another agent's or a pending invitation's/, /^commit must refuse with 'unique-violation' a commit that updates agent agt_bob from version 1/],
  ] as const)('fails a store that checks the uniqueness of each %s only when it is inserted, not when an update moves its key', async (rule, test, message) => {
    const run = await runContract(() => new InsertOnlyUniquenessStore(rule));
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual([expect.stringMatching(test)]);
    expect(run.failures.get(failed[0]!)).toMatch(message);
  });

  it.each([
    ['listAgents', /^reads > pages agents under each filter/, /^listAgents\(\{"availability":"online"\}, \{ after: none, limit: 1 \}\): the page must hold the first 1 agents the filter keeps/],
    ['listInvitations', /^reads > pages invitations under each status filter/, /^listInvitations\(\{"status":"pending"\}, \{ after: none, limit: 1 \}\): the page must hold the first 1 invitations the filter keeps/],
  ] as const)('fails a store whose %s filters the page its limit kept, giving short pages that end a listing early', async (listing, test, message) => {
    const run = await runContract(() => new LateFilterStore(listing));
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual([expect.stringMatching(test)]);
    expect(run.failures.get(failed[0]!)).toMatch(message);
  });

  it('fails a store whose claim applies its limit before leaving out leased messages, which stalls mail behind one email in flight', async () => {
    const run = await runContract(() => new SplitClaimStore('limit-first'));
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual([expect.stringMatching(/^outbox > claims the next due message past a leased one/)]);
    expect(run.failures.get(failed[0]!)).toMatch(/^claimOutbox\(at 2 h, 1, …\) with the earliest due message leased, claimOutbox must hand out the next due ones/);
  });

  it('fails a store whose claim selects, then leases in a second step, which hands one email to every dispatcher racing for it', async () => {
    const run = await runContract(() => new SplitClaimStore('select-then-lease'));
    const failed = [...run.failures.keys()];
    expect(failed, report(run)).toEqual([expect.stringMatching(/^outbox > hands each message to one of ten claims racing for them/)]);
    expect(run.failures.get(failed[0]!)).toMatch(/^the messages that ten claimOutbox calls racing at one instant handed out more than once/);
  });

  it('fails a store that ignores versions, saying which commit it should have refused', async () => {
    const run = await runContract(() => new VersionBlindStore());
    const messages = [...run.failures.values()];
    expect(messages.length, report(run)).toBeGreaterThan(0);
    expect(messages.some((m) => /^commit must refuse with 'stale-version' a commit that updates workspace ws_a from version 1.*since an expected version does not hold/.test(m)), report(run)).toBe(true);
  });
});
