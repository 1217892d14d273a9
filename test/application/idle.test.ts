/**
 * `roster.idle()`: a command waits at most `deliveryWaitMs` for its own emails and the send goes
 * on after it answers. Ending the process (or the store's pool) meanwhile leaves the message
 * pending and leased though the email went out, so it is sent again once the lease ends; a host
 * awaits `idle()` at shutdown so every such send ends, with its outcome recorded, first.
 */
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MemoryRosterStore, type MailMessage, type Mailer } from 'agent-roster';
import { aShop } from '../support/shop';

/** A mailer whose sends answer only when released, and what it was asked to send. */
function aHeldMailer() {
  const waiting: { to: string; answer: () => void; fail: (e: Error) => void }[] = [];
  const sent: MailMessage[] = [];
  const mailer: Mailer = {
    send: (m) =>
      new Promise<void>((resolve, reject) => {
        sent.push(m);
        waiting.push({ to: m.to, answer: resolve, fail: reject });
      }),
  };
  const take = (to: string) => {
    const at = waiting.findIndex((w) => w.to === to);
    if (at < 0) throw new Error(`no send to ${to} is waiting`);
    return waiting.splice(at, 1)[0]!;
  };
  return { mailer, sent, release: (to: string) => take(to).answer(), fail: (to: string, e: Error) => take(to).fail(e) };
}

/** Whether `promise` has settled after the work already queued has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let n = 0; n < 20; n++) await new Promise((next) => setImmediate(next));
  return done;
}

describe('roster.idle()', () => {
  it('resolves once a send the command left running is delivered and recorded: sent once, not again after the lease', async () => {
    // A mailer slower than the command waits: it answers after 200 ms, the command after 10.
    const sent: string[] = [];
    const mailer: Mailer = { send: (m) => new Promise<void>((resolve) => setTimeout(() => (sent.push(m.to), resolve()), 200)) };
    const { roster, ana, clock } = await aShop({ mailer, deliveryWaitMs: 10 });
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    // The command has answered; its email is still on its way, and its row pending.
    expect(sent).toEqual([]);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap().map((m) => m.to)).toEqual(['bob@acme.com']);
    await roster.idle();
    expect(sent).toEqual(['bob@acme.com']);
    expect((await roster.outbox(ana, 'pending'))._unsafeUnwrap()).toEqual([]);
    expect((await roster.outbox(ana, 'delivered'))._unsafeUnwrap().map((m) => [m.to, m.attempts])).toEqual([['bob@acme.com', 1]]);
    // Past the send's lease, nothing is due: the email is not sent a second time.
    clock.advance({ minutes: 2 });
    expect((await roster.deliverOutbox())._unsafeUnwrap()).toEqual({ delivered: 0, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(sent).toEqual(['bob@acme.com']);
  });

  it('resolves at once when no send is under way, and with deliverImmediately off', async () => {
    const { roster } = await aShop();
    await expect(settled(roster.idle())).resolves.toBe(true);
    await expect(roster.idle()).resolves.toBe(true);
    const off = await aShop({ deliverImmediately: false });
    await off.invite('bob@acme.com');
    await expect(settled(off.roster.idle())).resolves.toBe(true);
  });

  it('waits for sends started while it waits, and resolves only when the last has ended', async () => {
    const held = aHeldMailer();
    const { roster, ana, invite } = await aShop({ mailer: held.mailer, deliveryWaitMs: 5 });
    await invite('bob@acme.com');
    const idle = roster.idle();
    await invite('cy@acme.com');
    held.release('bob@acme.com');
    expect(await settled(idle)).toBe(false);
    held.release('cy@acme.com');
    await idle;
    expect((await roster.outbox(ana, 'delivered'))._unsafeUnwrap().map((m) => m.to).sort()).toEqual(['bob@acme.com', 'cy@acme.com']);
  });

  it('never rejects: a failing mailer is recorded for deliverOutbox; a store failing to record a send, or to claim one, leaves it to the lease', async () => {
    const held = aHeldMailer();
    const store = new MemoryRosterStore();
    const { roster, ana, invite } = await aShop({ mailer: held.mailer, store, deliveryWaitMs: 5 });
    await invite('bob@acme.com');
    await invite('cy@acme.com');
    held.fail('bob@acme.com', new Error('provider down'));
    store.markDelivered = async () => {
      throw new Error('connection lost');
    };
    held.release('cy@acme.com');
    // And a send whose store fails, while idle() waits, before anything is sent: its claim rejects.
    const claim = store.claimOutboxMessages.bind(store);
    let loseConnection: (e: Error) => void = () => undefined;
    store.claimOutboxMessages = () => new Promise((_, reject) => (loseConnection = reject));
    await invite('dee@acme.com');
    store.claimOutboxMessages = claim;
    const idle = roster.idle();
    loseConnection(new Error('connection lost'));
    await expect(idle).resolves.toBe(true);
    // By recipient: the three were queued in one instant of the shop's clock, so they are listed by their random ids.
    const pending = [...(await roster.outbox(ana, 'pending'))._unsafeUnwrap()].sort((x, y) => x.to.localeCompare(y.to));
    expect(pending.map((m) => [m.to, m.attempts, m.lastError])).toEqual([
      ['bob@acme.com', 1, 'provider down'],
      ['cy@acme.com', 0, null],
      ['dee@acme.com', 0, null],
    ]);
    expect(held.sent.map((m) => m.to)).toEqual(['bob@acme.com', 'cy@acme.com']);
  });

  it('answers false once timeoutMs runs out with a send still under way, and true once it ended', async () => {
    const held = aHeldMailer();
    const { roster, invite } = await aShop({ mailer: held.mailer, deliveryWaitMs: 5 });
    await invite('bob@acme.com');
    await expect(roster.idle(20)).resolves.toBe(false);
    for (const odd of [0, -5, Number.NaN]) await expect(roster.idle(odd)).resolves.toBe(false);
    held.release('bob@acme.com');
    await expect(roster.idle(60_000)).resolves.toBe(true);
  });

  it('holds nothing once a timed-out wait has answered: a script bounding it with timeoutMs ends though a send hangs', async () => {
    // A mailer that never answers keeps no timer; the send's lease timer is unref'd. Before
    // timeoutMs, idle()'s own timer outlived a wait the caller gave up on (Promise.race), and held
    // the process until the send was given up, 45 s later.
    const source = pathToFileURL(`${process.cwd()}/src/index.ts`).href;
    const script = `
      import { createRoster } from ${JSON.stringify(source)};
      const roster = createRoster({ mailer: { send: () => new Promise(() => {}) }, deliveryWaitMs: 10 });
      const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: 'correct horse battery staple' } }))._unsafeUnwrap();
      const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
      (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
      console.log('idle', await roster.idle(100));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { timeout: 30_000 });
    expect(stdout.trim()).toBe('idle false');
  });

  it('keeps the process running while it waits, so a script that awaits it gets the outcome recorded before it exits', async () => {
    // The send's own timers hold nothing open (the lease timer is unref'd, as is this mailer's),
    // so without idle() holding the process, Node would end it with the await unsettled (exit 13).
    const source = pathToFileURL(`${process.cwd()}/src/index.ts`).href;
    const script = `
      import { createRoster } from ${JSON.stringify(source)};
      const mailer = { send: () => new Promise((resolve) => setTimeout(resolve, 300).unref()) };
      const roster = createRoster({ mailer, deliveryWaitMs: 10 });
      const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'pro', owner: { email: 'ana@acme.com', name: 'Ana', password: 'correct horse battery staple' } }))._unsafeUnwrap();
      const ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
      (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
      await roster.idle();
      console.log('delivered', (await roster.outbox(ana, 'delivered'))._unsafeUnwrap().length);
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { timeout: 60_000 });
    expect(stdout.trim()).toBe('delivered 1');
  });
});
