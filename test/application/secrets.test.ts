/**
 * Secrets stay where they belong: the password goes to the identity port and nowhere else (not
 * events, not aggregates, not the outbox, not errors or results); the token's plaintext lives only
 * in the outgoing email, in the outbox until delivery, and in the mailbox.
 */
import type { Result } from 'neverthrow';
import { describe, expect, it } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  passwordPolicy,
  sha256Hex,
  type ActorRef,
  type InviteAgentInput,
  type RosterOptions,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

/** An identity port that refuses one particular password, to reach IdentityUnavailable. */
class PickyIdentity extends MemoryIdentity {
  override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
    if (login.password.startsWith('identity-')) throw new Error('identity provider refused the request');
    return super.createLogin(login);
  }
}

describe('the password', () => {
  it('never appears in events, aggregates, the outbox, emails, results or errors', async () => {
    const secrets = {
      owner: 'owner-secret Correct Horse Battery',
      bob: 'bob-secret Correct Horse Battery',
      tooShort: 'weak-secret',
      tooLong: `long-secret-${'x'.repeat(300)}`,
      breached: 'breached-secret Correct Horse',
      otherSession: 'session-secret Correct Horse',
      identity: 'identity-secret Correct Horse',
      expired: 'expired-secret Correct Horse',
      workspace: 'ws-secret',
    };
    const identity = new PickyIdentity();
    const shop = await aShop({ identity, breachedPasswords: { isBreached: async (p) => p === secrets.breached } });
    const { roster, ana, invite, tokenFor, clock } = shop;
    identity.sessions.set('zed-session', 'zed@acme.com');
    const outcomes: unknown[] = [];
    const record = async <T, E>(outcome: PromiseLike<Result<T, E>>) => {
      const result = await outcome;
      outcomes.push(result.isOk() ? { ok: result.value } : { err: result.error });
      return result;
    };

    outcomes.push(await roster.createWorkspace({ name: 'Second', owner: { email: 'olga@acme.com', name: 'Olga', password: secrets.owner } }));
    await record(roster.createWorkspace({ name: 'Third', owner: { email: 'pat@acme.com', name: 'Pat', password: secrets.workspace } }));
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    for (const password of [secrets.tooShort, secrets.tooLong, secrets.breached, secrets.identity]) {
      expect((await record(roster.acceptInvitation({ token, name: 'Bob', password }))).isErr()).toBe(true);
    }
    expect((await record(roster.acceptInvitation({ token, name: 'Bob', password: secrets.otherSession }, { session: 'zed-session' }))).isErr()).toBe(true);
    const accepted = await record(roster.acceptInvitation({ token, name: 'Bob', password: secrets.bob }));
    expect(accepted.isOk()).toBe(true);
    await invite('cy@acme.com');
    clock.advance({ days: 8 });
    expect((await record(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: secrets.expired }))).isErr()).toBe(true);

    const everything = JSON.stringify({
      outcomes,
      roster: await shop.snapshot(),
      events: (await roster.events(ana))._unsafeUnwrap(),
      outbox: (await roster.outbox(ana))._unsafeUnwrap(),
      emails: shop.mailer.sent,
      logins: [...identity.logins.values()],
    });
    for (const [which, secret] of Object.entries(secrets)) {
      expect({ which, leaked: everything.includes(secret) }).toEqual({ which, leaked: false });
    }
    // What the identity port did get: the exact password, never truncated.
    const bobLogin = [...identity.logins.values()].find((l) => l.email === 'bob@acme.com');
    expect(bobLogin?.passwordSha256).toBe(await sha256Hex(secrets.bob));
  });
});

describe('the password, quoted by a host port that fails', () => {
  // A breached-password service or sign-in system that puts its request in its error, as a raw
  // HTTP client does: the error's cause is for logs, and must not carry the password there.
  const quoting = (password: string) =>
    new Error(`HTTP 503 for password=${password} body={"password":${JSON.stringify(password)}} q=${encodeURIComponent(password)} form=${new URLSearchParams({ password })}`);

  it('is redacted from ServiceUnavailable (breachedPasswords) and IdentityUnavailable causes', async () => {
    const owner = 'owner "secret" Correct Horse/Battery';
    const failing = createRoster({ breachedPasswords: { isBreached: async (p) => { throw quoting(p); } } });
    const opened = await failing.createWorkspace({ name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: owner } });
    const refused = opened._unsafeUnwrapErr();
    expect(refused).toMatchObject({ type: 'ServiceUnavailable', service: 'breachedPasswords' });
    expect(refused.type === 'ServiceUnavailable' && refused.cause).toBe('HTTP 503 for password=[redacted] body={"password":"[redacted]"} q=[redacted] form=password=[redacted]');

    // The shortest password any policy allows (8, with a second factor) is redacted too: secrets
    // shorter than 8 characters are not looked for, so the bound must not be one more.
    const shortest = 'Tr0ub4d!';
    const withSecondFactor = createRoster({
      passwordPolicy: passwordPolicy({ secondFactor: true })._unsafeUnwrap(),
      breachedPasswords: { isBreached: async (p) => { throw quoting(p); } },
    });
    const short = await withSecondFactor.createWorkspace({ name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: shortest } });
    expect(short._unsafeUnwrapErr()).toMatchObject({ type: 'ServiceUnavailable', cause: expect.not.stringContaining(shortest) });

    // A lone surrogate (a password may hold one): the redaction answers, it does not throw.
    const lone = 'lone \uD800 surrogate Correct Horse';
    const formQuoting = createRoster({ breachedPasswords: { isBreached: async (p) => { throw new Error(`form=${new URLSearchParams({ password: p })}`); } } });
    const unpaired = await formQuoting.createWorkspace({ name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: lone } });
    expect(unpaired._unsafeUnwrapErr()).toMatchObject({ type: 'ServiceUnavailable', cause: expect.stringContaining('form=password=[redacted]') });
    const failingQuietly = createRoster({ breachedPasswords: { isBreached: async () => { throw new Error('down'); } } });
    const quiet = await failingQuietly.createWorkspace({ name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: lone } });
    expect(quiet._unsafeUnwrapErr()).toMatchObject({ type: 'ServiceUnavailable', cause: 'down' });

    const bob = 'bob-secret Correct Horse & more';
    class Quoting extends MemoryIdentity {
      override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]) {
        if (login.email === 'bob@acme.com') throw quoting(login.password);
        return super.createLogin(login);
      }
    }
    const breachedDown = { isBreached: async (p: string) => (p === bob ? Promise.reject(quoting(p)) : false) };
    const { roster, invite, tokenFor } = await aShop({ identity: new Quoting(), breachedPasswords: breachedDown });
    await invite('bob@acme.com');
    const viaBreached = (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: bob }))._unsafeUnwrapErr();
    expect(viaBreached).toMatchObject({ type: 'ServiceUnavailable', service: 'breachedPasswords' });
    const other = 'bob-other Correct Horse';
    const viaIdentity = (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: other }))._unsafeUnwrapErr();
    expect(viaIdentity).toMatchObject({ type: 'IdentityUnavailable' });
    for (const [error, secret] of [[viaBreached, bob], [viaIdentity, other]] as const) {
      const said = JSON.stringify(error);
      expect(said).toContain('[redacted]');
      expect(said.includes(secret) || said.includes(encodeURIComponent(secret))).toBe(false);
    }
  });
});

describe('a session, a token or its hash, quoted by a port that fails', () => {
  it('is redacted from signedInEmail\'s ServiceUnavailable cause: a text session, and the texts of an object session\'s fields', async () => {
    const { roster, invite, tokenFor, identity } = await aShop();
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    const quoting = (said: (session: unknown) => string) => {
      identity.signedInEmail = async (session: unknown) => {
        throw new Error(said(session));
      };
    };
    const accept = (session: unknown) => roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }, { session });

    quoting((s) => `session ${String(s)} is not valid (${encodeURIComponent(String(s))})`);
    const text = await failure(accept('sess-SECRET abc/123'), 'ServiceUnavailable');
    expect(text).toMatchObject({ service: 'identity', cause: 'session [redacted] is not valid ([redacted])' });

    // An object session (a framework's, an ORM entity): a host error may quote a field, or all of it.
    const session = { id: 'sid-SECRET-4f9c', user: { id: 7 }, kind: 'web', empty: '' };
    quoting((s) => `no session ${(s as typeof session).id}; got ${JSON.stringify(s)}`);
    const fields = await failure(accept(session), 'ServiceUnavailable');
    // A field under 8 characters is no secret: hidden wherever it stood, it made a cause unreadable
    // ("un[redacted]v[redacted]il[redacted]ble" for a field 'a').
    expect(fields.cause).toBe('no session [redacted]; got {"id":"[redacted]","user":{"id":7},"kind":"web","empty":""}');
    quoting(() => 'token expired: session store on node eu-1 unavailable (HTTP 503)');
    const short = { id: 'sid-SECRET-4f9c', locale: 'en', fresh: 'no', provider: 'a' };
    expect((await failure(accept(short), 'ServiceUnavailable')).cause).toBe('token expired: session store on node eu-1 unavailable (HTTP 503)');
    quoting(() => 'sessions table is locked');
    expect((await failure(accept('s'), 'ServiceUnavailable')).cause).toBe('sessions table is locked');

    // A field holding another is redacted whole, not cut around the shorter one.
    quoting((s) => `bad ${(s as { long: string }).long}`);
    expect((await failure(accept({ short: 'abc12345', long: 'xyz-abc12345-SECRET' }), 'ServiceUnavailable')).cause).toBe('bad [redacted]');

    // A session whose fields cannot be read, or that holds no text, leaves the cause as it was.
    quoting(() => 'sign-in system down');
    const unreadable = new Proxy({}, { ownKeys: () => { throw new Error('no'); } });
    for (const odd of [unreadable, 42, null, new Map([['id', 'x']])]) {
      expect((await failure(accept(odd), 'ServiceUnavailable')).cause).toBe('sign-in system down');
    }
    // Nothing was used up: the link still works.
    identity.signedInEmail = async () => null;
    expect((await accept('sess-1')).isOk()).toBe(true);
  });

  it('is redacted from StoreUnavailable\'s cause: a token hash the store was asked for, the hashes and links a commit holds', async () => {
    class Quoting extends MemoryRosterStore {
      quote = false;
      override async findInvitationByTokenHash(tokenHash: string) {
        if (this.quote) throw new Error(`query failed for token_hash=${tokenHash} (\\x${tokenHash.toUpperCase()})`);
        return super.findInvitationByTokenHash(tokenHash);
      }
      override async commit(commit: Parameters<MemoryRosterStore['commit']>[0]) {
        if (this.quote) throw new Error(`insert failed: ${JSON.stringify(commit)}`);
        return super.commit(commit);
      }
    }
    const store = new Quoting();
    const { roster, ana, invite, tokenFor } = await aShop({ store, deliverImmediately: false });
    const invitation = await invite('bob@acme.com');
    await roster.deliverOutbox();
    const token = tokenFor('bob@acme.com');
    store.quote = true;
    const refused = [
      await failure(roster.previewInvitation({ token }), 'StoreUnavailable'),
      await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }), 'StoreUnavailable'),
      await failure(roster.inviteAgent(ana, { email: 'cy@acme.com' }), 'StoreUnavailable'),
      await failure(roster.resendInvitation(ana, { invitationId: invitation.id }), 'StoreUnavailable'),
    ];
    // bytea's `\x` prefix goes with the hash: `x` is a base64url character too.
    expect(refused[0]!.cause).toBe('query failed for token_hash=[redacted] (\\[redacted])');
    expect(refused[2]!.cause).toContain('"tokenHash":"[redacted]"');
    expect(refused[2]!.cause).toMatch(/token=\[redacted\]/);
    for (const { cause } of refused) {
      expect(cause).not.toContain(invitation.tokenHash);
      expect(cause).not.toContain(token);
      expect(cause).not.toMatch(/[\w-]{43}/);
    }
    // What is shorter than any token stays, so a log can still name what failed: a run of 42.
    const constraint = `agents_${'x'.repeat(35)}`; // 42 characters
    store.quote = false;
    const refusedPlainly = new (class extends MemoryRosterStore {
      override async loadWorkspace(): Promise<never> {
        throw new Error(`violates ${constraint}`);
      }
    })();
    const plain = createRoster({ store: refusedPlainly });
    expect((await failure(plain.getWorkspace(ana), 'StoreUnavailable')).cause).toBe(`violates ${constraint}`);
  });
});

describe('a port that fails with something that cannot be printed', () => {
  it('is answered as the port failing, with an unprintable cause, never a rejected use case', async () => {
    const odd: unknown[] = [Object.create(null), { toString: () => { throw new Error('no'); } }, Object.assign(new Error('x'), { message: Object.create(null) })];
    for (const thrown of odd) {
      const roster = createRoster({ breachedPasswords: { isBreached: () => Promise.reject(thrown) } });
      const opened = await roster.createWorkspace({ name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } });
      expect(opened._unsafeUnwrapErr()).toMatchObject({ type: 'ServiceUnavailable', service: 'breachedPasswords', cause: 'unprintable error' });
    }
    class Refusing extends MemoryIdentity {
      override async createLogin(login: Parameters<MemoryIdentity['createLogin']>[0]): Promise<void> {
        if (login.email === 'bob@acme.com') throw Object.create(null);
        return super.createLogin(login);
      }
    }
    const { roster, invite, tokenFor } = await aShop({ identity: new Refusing() });
    await invite('bob@acme.com');
    const joined = await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD });
    expect(joined._unsafeUnwrapErr()).toMatchObject({ type: 'IdentityUnavailable', cause: 'unprintable error' });
  });
});

describe('the invitation token', () => {
  it('lives in the outbox only until delivered, and never in events or aggregates', async () => {
    const { roster, ana, store, mailer, snapshot, workspaceId } = await aShop({ deliverImmediately: false });
    const sent = (await roster.inviteAgent(ana, { email: 'bob@acme.com' }))._unsafeUnwrap();
    const [pending] = await store.listOutbox(workspaceId, 'pending');
    const token = pending?.text.match(/token=([A-Za-z0-9_-]{43})/)?.[1] ?? 'missing';
    expect(token).not.toBe('missing');
    // The admin's outbox view shows delivery state, never the live link meant for the invitee.
    expect(JSON.stringify((await roster.outbox(ana))._unsafeUnwrap())).not.toContain(token);
    expect(JSON.stringify((await roster.outboxPage(ana))._unsafeUnwrap())).not.toContain(token);
    expect(mailer.sent).toEqual([]);
    expect(sent.state.invitation.tokenHash).toBe(await sha256Hex(token));

    const held = async () => {
      const { outbox: _, ...rest } = await snapshot();
      return JSON.stringify({ ...rest, found: await store.findInvitationByTokenHash(sent.state.invitation.tokenHash), result: sent });
    };
    expect(await held()).not.toContain(token);

    await roster.deliverOutbox();
    expect(mailer.lastTokenFor('bob@acme.com')).toBe(token);
    expect(JSON.stringify(await store.listOutbox(workspaceId))).not.toContain(token);
    expect(await store.listOutbox(workspaceId, 'delivered')).toMatchObject([{ text: '', html: null }]);

    const resent = (await roster.resendInvitation(ana, { invitationId: sent.state.invitation.id }))._unsafeUnwrap();
    const newToken = (await store.listOutbox(workspaceId, 'pending'))[0]?.text.match(/token=([A-Za-z0-9_-]{43})/)?.[1] ?? 'missing';
    expect(JSON.stringify({ resent, roster: await held() })).not.toContain(newToken);
    await roster.deliverOutbox();
    const accepted = (await roster.acceptInvitation({ token: newToken, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    const afterwards = JSON.stringify({ accepted, roster: await snapshot() });
    expect(afterwards).not.toContain(token);
    expect(afterwards).not.toContain(newToken);
  });

  it('is not echoed by the errors of a link that does not work', async () => {
    const { roster } = await aShop();
    const guessed = 'Zm9yZ2VkLXRva2VuLXRoYXQtbWF0Y2hlcy1ub3RoaW5n';
    const outcomes = [
      await roster.previewInvitation({ token: guessed }),
      await roster.acceptInvitation({ token: guessed, name: 'Eve', password: PASSWORD }),
    ];
    for (const outcome of outcomes) expect(JSON.stringify(outcome._unsafeUnwrapErr())).not.toContain(guessed);
  });
});
