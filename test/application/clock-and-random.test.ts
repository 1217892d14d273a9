/**
 * The clock and random ports failing: a clock that throws or answers no valid Date, a random
 * source that throws or answers the wrong bytes. Every use case answers `ServiceUnavailable`
 * naming the port (or does not need it and answers as usual); none rejects, and nothing is written.
 */
import type { ResultAsync } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import { CapturingMailer, ManualClock, MemoryIdentity, MemoryRosterStore, type Random, type Roster, type RosterStore } from 'agent-roster';
import { webCryptoRandom } from '../../src/application/crypto';
import { DECISION_READS } from '../../src/ports/decision-reads';
import { aShop, failure, PASSWORD } from '../support/shop';

type ClockAnswer = 'time' | 'throws' | 'invalid-date' | 'epoch-number' | 'once-then-throws' | 'year-9999' | 'year-0000';
type RandomAnswer = 'bytes' | 'throws' | 'too-few' | 'plain-array';

/** A ManualClock that can be made to fail in each way a host's clock might. */
class BreakableClock extends ManualClock {
  answer: ClockAnswer = 'time';
  override now(): Date {
    if (this.answer === 'once-then-throws') this.answer = 'throws';
    else if (this.answer === 'throws') throw new Error('clock source unreachable');
    if (this.answer === 'invalid-date') return new Date(Number.NaN);
    if (this.answer === 'epoch-number') return Date.parse('2026-11-23T09:00:00Z') as unknown as Date;
    // Valid Dates, outside the years a stored instant is written in (four digits, with room for a lifetime or a delay).
    if (this.answer === 'year-9999') return new Date('9999-12-25T00:00:00.000Z');
    if (this.answer === 'year-0000') return new Date('0000-06-01T00:00:00.000Z');
    return super.now();
  }
}

/** Web Crypto randomness that can be made to fail in each way a host's source might. */
class BreakableRandom implements Random {
  answer: RandomAnswer = 'bytes';
  bytes(length: number): Uint8Array {
    if (this.answer === 'throws') throw new Error('entropy pool empty');
    if (this.answer === 'too-few') return webCryptoRandom.bytes(length - 1);
    if (this.answer === 'plain-array') return [...webCryptoRandom.bytes(length)] as unknown as Uint8Array;
    return webCryptoRandom.bytes(length);
  }
}

/** The value of a use case that must succeed here; its error, in full, if not. */
async function must<T>(outcome: ResultAsync<T, unknown>): Promise<T> {
  const result = await outcome;
  if (result.isErr()) throw new Error(`setup failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

/** A shop with a bit of everything: Bob online in Sales with a conversation, Cy invited. */
async function aBusyShop() {
  const clock = new BreakableClock('2026-11-23T09:00:00Z');
  const random = new BreakableRandom();
  const shop = await aShop({ clock, random });
  const { roster, ana, workspaceId } = shop;
  const bob = await shop.join('Bob');
  const sales = (await must(roster.createDepartment(ana, { name: 'Sales' }))).state.department.id;
  await must(roster.assignAgentToDepartments(ana, { agentId: bob.agentId, departmentIds: [sales] }));
  await must(roster.setAvailability(bob, { agentId: bob.agentId, availability: 'online' }));
  await must(roster.routeConversation(workspaceId, { departmentId: sales, conversationId: 'conv_1' }));
  const cy = await shop.invite('cy@acme.com');
  return { ...shop, clock, random, bob, sales, cy };
}

type Shop = Awaited<ReturnType<typeof aBusyShop>>;

/**
 * The roster's use cases: all it holds but `idle`, which answers a Promise (not a ResultAsync),
 * takes no argument and reads neither the clock nor the random source.
 */
type UseCaseName = Exclude<keyof Roster, 'idle'>;
/** One call of every use case, each with input it accepts: the table must name every use case. */
const CALLS: { readonly [K in UseCaseName]: (s: Shop) => ResultAsync<unknown, { type: string }> } = {
  createWorkspace: (s) => s.roster.createWorkspace({ name: 'Other', owner: { email: 'zed@other.com', name: 'Zed', password: PASSWORD } }),
  changePlan: (s) => s.roster.changePlan(s.ana, { plan: 'custom' }),
  changeSettings: (s) => s.roster.changeSettings(s.ana, { seatPolicy: { countInactiveAgents: false } }),
  inviteAgent: (s) => s.roster.inviteAgent(s.ana, { email: 'dee@acme.com' }),
  resendInvitation: (s) => s.roster.resendInvitation(s.ana, { invitationId: s.cy.id }),
  revokeInvitation: (s) => s.roster.revokeInvitation(s.ana, { invitationId: s.cy.id }),
  previewInvitation: (s) => s.roster.previewInvitation({ token: s.tokenFor('cy@acme.com') }),
  acceptInvitation: (s) => s.roster.acceptInvitation({ token: s.tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }),
  expireLapsedInvitations: (s) => s.roster.expireLapsedInvitations(s.workspaceId),
  editAgent: (s) => s.roster.editAgent(s.ana, { agentId: s.bob.agentId, name: 'Robert' }),
  changeRole: (s) => s.roster.changeRole(s.ana, { agentId: s.bob.agentId, role: 'admin' }),
  activateAgent: (s) => s.roster.activateAgent(s.ana, { agentId: s.bob.agentId }),
  deactivateAgent: (s) => s.roster.deactivateAgent(s.ana, { agentId: s.bob.agentId }),
  setAvailability: (s) => s.roster.setAvailability(s.bob, { agentId: s.bob.agentId, availability: 'away' }),
  transferOwnership: (s) => s.roster.transferOwnership(s.ana, { toAgentId: s.bob.agentId }),
  deleteAgent: (s) => s.roster.deleteAgent(s.ana, { agentId: s.bob.agentId }),
  createDepartment: (s) => s.roster.createDepartment(s.ana, { name: 'Billing' }),
  renameDepartment: (s) => s.roster.renameDepartment(s.ana, { departmentId: s.sales, name: 'Sales EU' }),
  deleteDepartment: (s) => s.roster.deleteDepartment(s.ana, { departmentId: s.sales }),
  assignAgentToDepartments: (s) => s.roster.assignAgentToDepartments(s.ana, { agentId: s.ana.agentId, departmentIds: [s.sales] }),
  removeAgentFromDepartment: (s) => s.roster.removeAgentFromDepartment(s.ana, { agentId: s.bob.agentId, departmentId: s.sales }),
  routeConversation: (s) => s.roster.routeConversation(s.workspaceId, { departmentId: s.sales, conversationId: 'conv_2' }),
  closeConversation: (s) => s.roster.closeConversation(s.workspaceId, { departmentId: s.sales, conversationId: 'conv_1' }),
  transferConversation: (s) => s.roster.transferConversation(s.workspaceId, { departmentId: s.sales, conversationId: 'conv_1', to: 'queue' }),
  configureRouting: (s) => s.roster.configureRouting(s.ana, { departmentId: s.sales, strategy: 'least-busy' }),
  getWorkspace: (s) => s.roster.getWorkspace(s.ana),
  listAgents: (s) => s.roster.listAgents(s.ana),
  getAgent: (s) => s.roster.getAgent(s.ana, s.bob.agentId),
  listInvitations: (s) => s.roster.listInvitations(s.ana),
  agentPage: (s) => s.roster.agentPage(s.ana, { limit: 1 }),
  invitationPage: (s) => s.roster.invitationPage(s.ana, { limit: 1 }),
  listDepartments: (s) => s.roster.listDepartments(s.ana),
  seatUsage: (s) => s.roster.seatUsage(s.ana),
  availabilityBoard: (s) => s.roster.availabilityBoard(s.ana),
  routingQueue: (s) => s.roster.routingQueue(s.ana, s.sales),
  events: (s) => s.roster.events(s.ana),
  eventPage: (s) => s.roster.eventPage(s.ana, { limit: 2 }),
  outbox: (s) => s.roster.outbox(s.ana),
  outboxPage: (s) => s.roster.outboxPage(s.ana, { limit: 1 }),
  deliverOutbox: (s) => s.roster.deliverOutbox(),
};

/** The use cases that never read the time: they answer as usual whatever the clock does. */
const TIMELESS = new Set<UseCaseName>(['listAgents', 'getAgent', 'agentPage', 'availabilityBoard', 'routingQueue', 'events', 'eventPage', 'outbox', 'outboxPage']);
/** The use cases that draw an id or a token. */
const DRAWING = new Set<UseCaseName>(['createWorkspace', 'inviteAgent', 'resendInvitation', 'acceptInvitation', 'createDepartment']);

const names = Object.keys(CALLS) as UseCaseName[];

describe('a clock that fails', () => {
  it('names every use case of the roster in the table below (all it holds but idle)', async () => {
    const { roster } = await aBusyShop();
    expect(Object.keys(roster).sort()).toEqual([...names, 'idle'].sort());
  });

  const causes: Record<string, string> = {
    throws: 'clock source unreachable',
    'invalid-date': 'now() answered an Invalid Date, not a valid Date',
    'epoch-number': 'now() answered number, not a valid Date',
    'year-9999': 'now() answered 9999-12-25T00:00:00.000Z, outside the years 0001–9998',
    'year-0000': 'now() answered 0000-06-01T00:00:00.000Z, outside the years 0001–9998',
  };
  for (const answer of ['throws', 'invalid-date', 'epoch-number', 'year-9999', 'year-0000'] as const) {
    it(`(${answer}) makes every use case that reads the time ServiceUnavailable naming the clock; none rejects, nothing is written`, async () => {
      const shop = await aBusyShop();
      // Every use case works with the clock working, so a refusal below is the clock's doing.
      for (const name of names) {
        const fresh = await aBusyShop();
        expect((await CALLS[name](fresh)).isOk(), name).toBe(true);
      }
      const before = await shop.snapshot();
      shop.clock.answer = answer;
      for (const name of names) {
        const result = await CALLS[name](shop);
        if (TIMELESS.has(name)) {
          expect(result.isOk(), name).toBe(true);
          continue;
        }
        expect(result._unsafeUnwrapErr(), name).toMatchObject({
          type: 'ServiceUnavailable',
          service: 'clock',
          message: 'The clock (clock) failed. Nothing was changed; try again.',
          cause: causes[answer],
        });
      }
      expect(await shop.snapshot()).toEqual(before);
      expect([...shop.identity.logins.values()].map((l) => l.email)).toEqual(['ana@acme.com', 'bob@acme.com']);
      // The clock back, everything works again.
      shop.clock.answer = 'time';
      (await CALLS.inviteAgent(shop))._unsafeUnwrap();
    });
  }
});

describe('a random source that fails', () => {
  for (const answer of ['throws', 'too-few', 'plain-array'] as const) {
    it(`(${answer}) makes every use case that draws an id or token ServiceUnavailable naming it; none rejects, nothing is written`, async () => {
      const shop = await aBusyShop();
      const before = await shop.snapshot();
      const logins = shop.identity.logins.size;
      shop.random.answer = answer;
      for (const name of DRAWING) {
        const result = await CALLS[name](shop);
        expect(result._unsafeUnwrapErr(), name).toMatchObject({
          type: 'ServiceUnavailable',
          service: 'random',
          message: 'The random source (random) failed. Nothing was changed; try again.',
          cause: answer === 'throws' ? 'entropy pool empty' : expect.stringMatching(answer === 'too-few' ? /^bytes\(\d+\) answered \d+ bytes, not \d+ bytes$/ : /^bytes\(\d+\) answered object, not \d+ bytes$/),
        });
        // A refused use case wrote nothing, and created no login for an owner or an invitee.
        expect(await shop.snapshot(), name).toEqual(before);
        expect(shop.identity.logins.size, name).toBe(logins);
      }
    });
  }
});

describe('the roster on a store with sessions, when the clock fails', () => {
  it('opens no session it would leave open', async () => {
    const inner = new MemoryRosterStore();
    const sessions = { opened: 0, ended: 0 };
    const store = new Proxy(inner, {
      get(target, property) {
        if (property === 'begin') {
          return async () => {
            sessions.opened++;
            return {
              ...Object.fromEntries(
                DECISION_READS.map(
                  (name) => [name, (...args: unknown[]) => (Reflect.get(target, name, target) as (...a: unknown[]) => unknown).apply(target, args)],
                ),
              ),
              lockWorkspace: async (id: string) => ({ locked: true, workspace: await target.loadWorkspace(id as never) }),
              commit: (commit: never) => target.commit(commit),
              end: async () => void sessions.ended++,
            };
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const clock = new BreakableClock('2026-11-23T09:00:00Z');
    const { roster, ana } = await aShop({ store, clock, identity: new MemoryIdentity() });
    clock.answer = 'throws';
    await failure(roster.createDepartment(ana, { name: 'Sales' }), 'ServiceUnavailable');
    await failure(roster.inviteAgent(ana, { email: 'bob@acme.com' }), 'ServiceUnavailable');
    expect(sessions.ended).toBe(sessions.opened);
  });
});

describe('delivering the outbox while the clock fails', () => {
  it('reads the time once before claiming: an email that went out is recorded as sent, never as a failure to send again', async () => {
    const clock = new BreakableClock('2026-11-23T09:00:00Z');
    const mailer = new CapturingMailer();
    const { roster, ana, invite } = await aShop({ clock, mailer, deliverImmediately: false });
    await invite('bob@acme.com');
    await invite('cy@acme.com');
    clock.answer = 'once-then-throws';
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 2, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(['bob@acme.com', 'cy@acme.com']);
    clock.answer = 'time';
    // By recipient: both were queued in one instant, so the outbox lists them by their random ids.
    const delivered = [...(await roster.outbox(ana, 'delivered'))._unsafeUnwrap()].sort((x, y) => x.to.localeCompare(y.to));
    expect(delivered.map((m) => [m.to, m.deliveredAt, m.attempts])).toEqual([
      ['bob@acme.com', '2026-11-23T09:00:00.000Z', 1],
      ['cy@acme.com', '2026-11-23T09:00:00.000Z', 1],
    ]);
  });

  it('claims nothing when the clock fails before the run: ServiceUnavailable, and the emails wait for the next run', async () => {
    const clock = new BreakableClock('2026-11-23T09:00:00Z');
    const mailer = new CapturingMailer();
    const { roster, ana, invite } = await aShop({ clock, mailer, deliverImmediately: false });
    await invite('bob@acme.com');
    clock.answer = 'throws';
    expect(await failure(roster.deliverOutbox(), 'ServiceUnavailable')).toMatchObject({ service: 'clock' });
    clock.answer = 'time';
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap().map((m) => m.attempts)).toEqual([0]);
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 1, failed: 0, withdrawn: 0, unrecorded: 0 });
  });
});

describe('a clock or random source from another realm', () => {
  it('is taken as it is: a Date and a Uint8Array made in a vm context (as in a Jest sandbox) are a Date and bytes', async () => {
    const foreign = { now: () => runInNewContext('new Date("2026-11-23T09:00:00Z")') as Date };
    const random = { bytes: (n: number) => runInNewContext(`crypto.getRandomValues(new Uint8Array(${n}))`, { crypto }) as Uint8Array };
    expect(foreign.now() instanceof Date).toBe(false);
    expect(random.bytes(4) instanceof Uint8Array).toBe(false);
    const { roster, ana } = await aShop({ clock: foreign, random });
    const sent = (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(sent.state.invitation.sentAt).toBe('2026-11-23T09:00:00.000Z');
    expect(sent.state.invitation.id).toMatch(/^inv_[A-Za-z0-9_-]{22}$/);
  });
});

describe('a clock that hands out one Date and moves it', () => {
  it("cannot move a command's `now` mid-command: the roster keeps its own copy of each reading", async () => {
    // A host clock that updates one shared Date in place, as a clock ticking on a timer might; the
    // account directory, asked mid-command, stands for that tick (or another request's reading).
    const shared = new Date('2026-11-23T09:00:00Z');
    const clock = { now: () => shared };
    const accounts = { isStandaloneAccount: async () => (shared.setTime(shared.getTime() + 30 * 86_400_000), false) };
    const { roster, ana } = await aShop({ clock, accounts });
    shared.setTime(Date.parse('2026-11-23T09:00:00Z'));
    const sent = (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    expect(shared.toISOString()).toBe('2026-12-23T09:00:00.000Z'); // the host's Date did move
    expect(sent.state.invitation).toMatchObject({ sentAt: '2026-11-23T09:00:00.000Z', expiresAt: '2026-11-30T09:00:00.000Z' });
    expect(sent.events.map((e) => e.occurredAt)).toEqual(['2026-11-23T09:00:00.000Z']);
  });
});

describe('ManualClock.advance', () => {
  it('steps back for a negative amount and takes fractions; refuses an amount that gives no time, and stays where it was', () => {
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    expect(clock.advance({ minutes: -10 }).now().toISOString()).toBe('2026-11-23T08:50:00.000Z');
    expect(clock.advance({ hours: 1.5, ms: -1 }).now().toISOString()).toBe('2026-11-23T10:19:59.999Z');
    for (const by of [{ days: Number.NaN }, { ms: Number.POSITIVE_INFINITY }, { seconds: Number.NEGATIVE_INFINITY }, { days: 1e9 }]) {
      expect(() => clock.advance(by)).toThrow(RangeError);
    }
    expect(clock.now().toISOString()).toBe('2026-11-23T10:19:59.999Z');
  });

  it('set and the constructor refuse an instant that is no valid time, set staying where it was', () => {
    // Found by a diff review: set('garbage') kept an Invalid Date, and the next advance blamed its amount.
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    for (const to of ['garbage', '2026-13-01T00:00:00Z', new Date(Number.NaN)]) expect(() => clock.set(to)).toThrow(RangeError);
    expect(clock.now().toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(() => new ManualClock('yesterday')).toThrow(RangeError);
    expect(clock.set('2026-12-01T00:00:00Z').now().toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('counting lapsed invitations out of a read while the workspace keeps moving', () => {
  it('is ConcurrencyConflict after four tries, never a count that belongs to no version', async () => {
    const inner = new MemoryRosterStore();
    let moving = false;
    let bump = 0;
    // Every load of the workspace, while `moving`, reports a new version: as if a write landed
    // between each load and count.
    const store = new Proxy(inner, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property === 'loadWorkspace') {
          return async (id: never) => {
            const row = await target.loadWorkspace(id);
            return row && moving ? { ...row, version: row.version + ++bump } : row;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as RosterStore;
    const { roster, ana, invite } = await aShop({ store });
    await invite('bob@acme.com');
    moving = true;
    expect(await failure(roster.getWorkspace(ana), 'ConcurrencyConflict')).toMatchObject({ attempts: 4 });
    const refused = await failure(roster.seatUsage(ana), 'ConcurrencyConflict');
    expect(refused).toMatchObject({ attempts: 4 });
    // Worded for a read as for a command: no "command", no "changed".
    expect(refused.message).toBe('The roster kept changing under this request (4 attempts). Nothing was written; try again.');
    moving = false;
    expect((await roster.getWorkspace(ana))._unsafeUnwrap().counts.pendingInvitations).toBe(1);
  });
});
