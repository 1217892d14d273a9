/**
 * Invitations through `createRoster`: invite, preview, accept, resend, revoke and expire, with
 * every error a person can meet on the way.
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
  sha256Hex,
  type ActorRef,
  type InviteAgentInput,
  type RosterOptions,
} from 'agent-roster';

import { aShop, failure, PASSWORD } from '../support/shop';

/** A well-formed token (43 base64url characters) that no invitation holds. */
const UNKNOWN_TOKEN = 'A'.repeat(43);

describe('inviting an agent', () => {
  it('sends a link, keeps the invitation pending and reserves a seat', async () => {
    const { roster, ana, mailer, workspaceId } = await aShop();
    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const sent = (await roster.inviteAgent(ana, { email: ' Bob@ACME.com ', role: 'admin', departmentIds: [sales.id] }))._unsafeUnwrap();
    expect(sent.state.invitation).toMatchObject({
      workspaceId,
      email: 'bob@acme.com',
      role: 'admin',
      departmentIds: [sales.id],
      invitedBy: ana.agentId,
      status: 'pending',
      sentAt: '2026-11-23T09:00:00.000Z',
      expiresAt: '2026-11-30T09:00:00.000Z',
    });
    expect(mailer.sent).toMatchObject([{ to: 'bob@acme.com', subject: 'Ana invited you to Acme Support' }]);
    expect(mailer.lastTokenFor('bob@acme.com')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 2, counts: { pendingInvitations: 1 } });
  });

  it('refuses a malformed actor or input with ValidationFailed, naming the fields', async () => {
    const { roster, ana, snapshot } = await aShop();
    const before = await snapshot();
    const wrongActor = await failure(roster.inviteAgent({ workspaceId: ana.workspaceId, agentId: 'inv_123' }, { email: 'bob@acme.com' }), 'ValidationFailed');
    expect(wrongActor.issues.map((i) => i.path)).toEqual(['actor.agentId']);
    const wrongInput = await failure(
      roster.inviteAgent(ana, { email: 'bob@', role: 'owner' as never, departmentIds: ['sales'] as never }),
      'ValidationFailed',
    );
    expect(wrongInput.issues.map((i) => i.path).sort()).toEqual(['departmentIds.0', 'email', 'role']);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an unknown workspace, and an actor who is not an agent of it', async () => {
    const { roster, ana } = await aShop();
    const other = (await roster.createWorkspace({ name: 'Other', plan: 'pro', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    expect(await failure(roster.inviteAgent({ ...ana, workspaceId: 'ws_nowhere' }, { email: 'bob@acme.com' }), 'WorkspaceNotFound')).toMatchObject({
      workspaceId: 'ws_nowhere',
    });
    await failure(roster.inviteAgent({ ...ana, agentId: 'agt_nobody' }, { email: 'bob@acme.com' }), 'UnknownActor');
    await failure(roster.inviteAgent({ workspaceId: ana.workspaceId, agentId: other.state.owner.id }, { email: 'bob@acme.com' }), 'UnknownActor');
  });

  it('lets only admins invite', async () => {
    const { roster, join, snapshot } = await aShop();
    const cy = await join('Cy');
    const before = await snapshot();
    expect(await failure(roster.inviteAgent(cy, { email: 'dee@acme.com' }), 'PermissionDenied')).toMatchObject({
      capability: 'manageAgents',
      reason: 'role',
      actorId: cy.agentId,
    });
    expect(await snapshot()).toEqual(before);
    const bob = await join('Bob', { role: 'admin' });
    (await roster.inviteAgent(bob, { email: 'dee@acme.com' }))._unsafeUnwrap();
  });

  it('refuses an email held by an agent, a pending invitation or a standalone account, saying which', async () => {
    const { roster, ana, invite, snapshot } = await aShop({ standalone: ['Zoe@Gmail.com'] });
    await invite('cy@acme.com');
    const before = await snapshot();
    expect(await failure(roster.inviteAgent(ana, { email: 'ANA@acme.com' }), 'EmailAlreadyExists')).toMatchObject({ holder: 'agent' });
    expect(await failure(roster.inviteAgent(ana, { email: 'cy@acme.com' }), 'EmailAlreadyExists')).toMatchObject({ holder: 'pending-invitation' });
    expect(await failure(roster.inviteAgent(ana, { email: 'zoe@gmail.com' }), 'EmailAlreadyExists')).toMatchObject({
      holder: 'standalone-account',
      email: 'zoe@gmail.com',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a department of another workspace', async () => {
    const { roster, ana } = await aShop();
    const other = (await roster.createWorkspace({ name: 'Other', plan: 'pro', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const olga = { workspaceId: other.state.workspace.id, agentId: other.state.owner.id };
    const theirs = (await roster.createDepartment(olga, { name: 'Sales' }))._unsafeUnwrap().state.department;
    await failure(roster.inviteAgent(ana, { email: 'bob@acme.com', departmentIds: [theirs.id] }), 'DepartmentNotFound');
  });

  it('refuses an invitation beyond the plan, until expired invitations give their seats back', async () => {
    const { roster, ana, invite, clock, snapshot } = await aShop({ plan: 'starter' });
    await invite('bob@acme.com');
    await invite('cy@acme.com');
    const before = await snapshot();
    expect(await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'SeatLimitReached')).toMatchObject({ limit: 3, used: 3 });
    expect(await snapshot()).toEqual(before);

    clock.advance({ days: 7 });
    const sent = (await roster.inviteAgent(ana, { email: 'dee@acme.com' }))._unsafeUnwrap();
    expect(sent.state.invitation.status).toBe('pending');
    const types = (await roster.events(ana))._unsafeUnwrap().map((e) => e.type);
    expect(types.slice(-3).sort()).toEqual(['InvitationExpired', 'InvitationExpired', 'InvitationSent']);
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 2, limit: 3 });
  });

  it('invites again an email whose invitation lapsed, even before the expiry job has run', async () => {
    const { roster, ana, invite, clock } = await aShop();
    await invite('bob@acme.com');
    clock.advance({ days: 8 });
    const again = await roster.inviteAgent(ana, { email: 'bob@acme.com' });
    expect(again.isOk() ? 'invited' : again.error).toBe('invited');
  });
});

describe('previewing an invitation link', () => {
  it('shows workspace, inviter and role, and does not use the link up', async () => {
    const { roster, invite, tokenFor, snapshot } = await aShop();
    await invite('bob@acme.com', { role: 'admin' });
    const before = await snapshot();
    const token = tokenFor('bob@acme.com');
    for (let n = 0; n < 3; n++) {
      expect((await roster.previewInvitation({ token }))._unsafeUnwrap()).toEqual({
        workspaceName: 'Acme Support',
        inviterName: 'Ana',
        email: 'bob@acme.com',
        role: 'admin',
        expiresAt: '2026-11-30T09:00:00.000Z',
      });
    }
    expect(await snapshot()).toEqual(before);
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('says why a link does not work: unknown, expired, used or revoked', async () => {
    const { roster, ana, invite, tokenFor, clock } = await aShop();
    await failure(roster.previewInvitation({ token: UNKNOWN_TOKEN }), 'InvalidToken');
    await failure(roster.previewInvitation({ token: 'not a token' }), 'InvalidToken');
    await invite('bob@acme.com');
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    await failure(roster.previewInvitation({ token: tokenFor('bob@acme.com') }), 'InvitationAlreadyAccepted');
    const cy = await invite('cy@acme.com');
    (await roster.revokeInvitation(ana, { invitationId: cy.id }))._unsafeUnwrap();
    await failure(roster.previewInvitation({ token: tokenFor('cy@acme.com') }), 'InvitationWasRevoked');
    await invite('dee@acme.com');
    clock.advance({ days: 7 });
    expect(await failure(roster.previewInvitation({ token: tokenFor('dee@acme.com') }), 'InvitationHasExpired')).toMatchObject({
      expiredAt: '2026-11-30T09:00:00.000Z',
    });
  });
});

describe('accepting an invitation', () => {
  it('creates one active agent with the role and departments, and hands the password to the identity port only', async () => {
    const { roster, ana, invite, tokenFor, identity, workspaceId } = await aShop();
    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const invitation = await invite('bob@acme.com', { role: 'admin', departmentIds: [sales.id] });
    const accepted = (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect(accepted.state.agent).toMatchObject({ workspaceId, email: 'bob@acme.com', name: 'Bob', role: 'admin', status: 'active', departmentIds: [sales.id] });
    expect(accepted.state.invitation).toMatchObject({ id: invitation.id, status: 'accepted', agentId: accepted.state.agent.id });
    // The new agent joins the workspace-wide queue and Sales' in the same commit, and says so.
    expect(accepted.events.map((e) => e.type)).toEqual(['InvitationAccepted', 'RoutingAgentSynced', 'RoutingAgentSynced']);
    expect(identity.logins.get(accepted.state.agent.id)).toEqual({ workspaceId, email: 'bob@acme.com', passwordSha256: await sha256Hex(PASSWORD) });
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 2, counts: { activeAgents: 2, pendingInvitations: 0 } });
  });

  it('drops the departments deleted since the invitation was sent', async () => {
    const { roster, ana, invite, tokenFor } = await aShop();
    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department;
    const support = (await roster.createDepartment(ana, { name: 'Support' }))._unsafeUnwrap().state.department;
    await invite('bob@acme.com', { departmentIds: [sales.id, support.id] });
    (await roster.deleteDepartment(ana, { departmentId: sales.id }))._unsafeUnwrap();
    const accepted = (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect(accepted.state.agent.departmentIds).toEqual([support.id]);
  });

  it('refuses a malformed or unknown token with InvalidToken, the same error either way', async () => {
    const { roster, invite, snapshot } = await aShop();
    await invite('bob@acme.com');
    const before = await snapshot();
    const errors = [];
    for (const token of ['', 'abc', UNKNOWN_TOKEN, `${'A'.repeat(42)}!`, 'A'.repeat(44)]) {
      errors.push(await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }), 'InvalidToken'));
    }
    expect(new Set(errors.map((e) => JSON.stringify(e))).size).toBe(1);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an expired link, from the very instant it expires', async () => {
    const { roster, invite, tokenFor, clock, snapshot } = await aShop();
    await invite('bob@acme.com');
    clock.advance({ days: 7 });
    const before = await snapshot();
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'InvitationHasExpired');
    expect(await snapshot()).toEqual(before);
  });

  it('accepts a link one millisecond before it expires', async () => {
    const { roster, invite, tokenFor, clock } = await aShop();
    await invite('bob@acme.com');
    clock.advance({ days: 7, ms: -1 });
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('refuses a used link and a revoked one', async () => {
    const { roster, ana, invite, tokenFor, identity } = await aShop();
    await invite('bob@acme.com');
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bobby', password: PASSWORD }), 'InvitationAlreadyAccepted');
    expect(identity.logins.size).toBe(2);
    const cy = await invite('cy@acme.com');
    (await roster.revokeInvitation(ana, { invitationId: cy.id }))._unsafeUnwrap();
    await failure(roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }), 'InvitationWasRevoked');
  });

  it('refuses a visitor signed in as another email, and accepts one signed in as the invited email', async () => {
    const { roster, invite, tokenFor, identity, snapshot } = await aShop();
    await invite('bob@acme.com');
    identity.sessions.set('session-of-zed', 'zed@acme.com');
    identity.sessions.set('session-of-bob', 'Bob@ACME.com');
    const before = await snapshot();
    const token = tokenFor('bob@acme.com');
    await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }, { session: 'session-of-zed' }), 'SignedInAsDifferentEmail');
    expect(await snapshot()).toEqual(before);
    (await roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }, { session: 'session-of-bob' }))._unsafeUnwrap();
  });

  it('hands the identity port the session object the host passed, not a copy, so an object session is recognised', async () => {
    const { roster, invite, tokenFor, identity } = await aShop();
    await invite('bob@acme.com');
    class Session {
      constructor(readonly id: string) {}
    }
    const zed = new Session('z');
    identity.sessions.set(zed, 'zed@acme.com');
    const given: unknown[] = [];
    const signedInEmail = identity.signedInEmail.bind(identity);
    identity.signedInEmail = (session: unknown) => (given.push(session), signedInEmail(session));
    const token = tokenFor('bob@acme.com');
    await failure(roster.acceptInvitation({ token, name: 'Bob', password: PASSWORD }, { session: zed }), 'SignedInAsDifferentEmail');
    expect(given).toEqual([zed]);
    expect(given[0]).toBe(zed);
  });

  it('accepts a visitor whose session is signed out', async () => {
    const { roster, invite, tokenFor } = await aShop();
    await invite('bob@acme.com');
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }, { session: 'expired-cookie' }))._unsafeUnwrap();
  });

  it('refuses a password that is too short, too long or breached, and counts code points', async () => {
    const breached = new Set(['password123456789']);
    const { roster, invite, tokenFor, snapshot } = await aShop({ breachedPasswords: { isBreached: async (p) => breached.has(p) } });
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    const before = await snapshot();
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: 'fourteen-chars' }), 'WeakPassword')).toMatchObject({
      reason: 'too-short',
      minLength: 15,
      maxLength: 256,
    });
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: 'p'.repeat(257) }), 'WeakPassword')).toMatchObject({ reason: 'too-long' });
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: 'password123456789' }), 'WeakPassword')).toMatchObject({ reason: 'breached' });
    // 14 emoji are 28 UTF-16 units but 14 characters: still too short.
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: '🔒'.repeat(14) }), 'WeakPassword')).toMatchObject({ reason: 'too-short' });
    expect(await snapshot()).toEqual(before);
    (await roster.acceptInvitation({ token, name: 'Bob', password: '🔒'.repeat(15) }))._unsafeUnwrap();
  });

  it('follows the configured password policy', async () => {
    const { roster, invite, tokenFor } = await aShop({ passwordPolicy: { minLength: 8, maxLength: 64 } });
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    expect(await failure(roster.acceptInvitation({ token, name: 'Bob', password: 'p'.repeat(65) }), 'WeakPassword')).toMatchObject({
      minLength: 8,
      maxLength: 64,
    });
    (await roster.acceptInvitation({ token, name: 'Bob', password: 'eight ch' }))._unsafeUnwrap();
  });

  it('refuses when the email became a standalone account meanwhile', async () => {
    const { roster, invite, tokenFor, accounts } = await aShop();
    await invite('bob@acme.com');
    accounts.add('bob@acme.com');
    expect(
      await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }), 'EmailAlreadyExists'),
    ).toMatchObject({ holder: 'standalone-account' });
  });

  it('refuses when the seat is gone: invitations that do not reserve seats', async () => {
    const { roster, invite, tokenFor, ana } = await aShop({ plan: 'starter' });
    (await roster.changeSettings(ana, { seatPolicy: { reserveSeatsForInvitations: false } }))._unsafeUnwrap();
    for (const name of ['bob', 'cy', 'dee']) await invite(`${name}@acme.com`);
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    (await roster.acceptInvitation({ token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD }))._unsafeUnwrap();
    expect(
      await failure(roster.acceptInvitation({ token: tokenFor('dee@acme.com'), name: 'Dee', password: PASSWORD }), 'SeatLimitReached'),
    ).toMatchObject({ limit: 3, used: 3 });
  });

  it('refuses an invalid name with ValidationFailed', async () => {
    const { roster, invite, tokenFor } = await aShop();
    await invite('bob@acme.com');
    const refused = await failure(roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: '  ', password: PASSWORD }), 'ValidationFailed');
    expect(refused.issues.map((i) => i.path)).toEqual(['name']);
  });
});

describe('resending an invitation', () => {
  it('sends a new link with a new expiry; the old link stops working and the new one works', async () => {
    const { roster, ana, invite, tokenFor, clock, mailer } = await aShop();
    const invitation = await invite('bob@acme.com');
    const oldToken = tokenFor('bob@acme.com');
    clock.advance({ days: 2 });
    const resent = (await roster.resendInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
    expect(resent.state.invitation).toMatchObject({ status: 'pending', resendCount: 1, expiresAt: '2026-12-02T09:00:00.000Z' });
    expect(resent.events).toMatchObject([{ type: 'InvitationResent', data: { revived: false } }]);
    const newToken = tokenFor('bob@acme.com');
    expect(newToken).not.toBe(oldToken);
    expect(mailer.sent.at(-1)?.text).toContain('replaces any earlier invitation link');
    await failure(roster.previewInvitation({ token: oldToken }), 'InvalidToken');
    await failure(roster.acceptInvitation({ token: oldToken, name: 'Bob', password: PASSWORD }), 'InvalidToken');
    (await roster.acceptInvitation({ token: newToken, name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it("names in the resent email the inviter the preview names, and the resending admin only once that inviter was deleted", async () => {
    const { roster, ana, join, tokenFor, mailer } = await aShop();
    const bob = await join('Bob', { role: 'admin' });
    const invitation = (await roster.inviteAgent(bob, { email: 'dee@acme.com' }))._unsafeUnwrap().state.invitation;
    (await roster.resendInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
    expect(mailer.sent.at(-1)).toMatchObject({ to: 'dee@acme.com', subject: 'Bob invited you to Acme Support' });
    expect((await roster.previewInvitation({ token: tokenFor('dee@acme.com') }))._unsafeUnwrap().inviterName).toBe('Bob');
    (await roster.deleteAgent(ana, { agentId: bob.agentId }))._unsafeUnwrap();
    (await roster.resendInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
    expect(mailer.sent.at(-1)).toMatchObject({ to: 'dee@acme.com', subject: 'Ana invited you to Acme Support' });
    expect((await roster.previewInvitation({ token: tokenFor('dee@acme.com') }))._unsafeUnwrap().inviterName).toBeNull();
  });

  it('revives an invitation recorded as expired, with a fresh link', async () => {
    const { roster, ana, invite, tokenFor, clock, workspaceId } = await aShop();
    const invitation = await invite('bob@acme.com');
    clock.advance({ days: 8 });
    expect((await roster.expireLapsedInvitations(workspaceId))._unsafeUnwrap().events.map((e) => e.type)).toEqual(['InvitationExpired']);
    const resent = (await roster.resendInvitation(ana, { invitationId: invitation.id }))._unsafeUnwrap();
    expect(resent.events).toMatchObject([{ type: 'InvitationResent', data: { revived: true } }]);
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('revives a lapsed invitation even before the expiry job has recorded it', async () => {
    const { roster, ana, invite, clock, tokenFor } = await aShop();
    const invitation = await invite('bob@acme.com');
    clock.advance({ days: 8 });
    const resent = await roster.resendInvitation(ana, { invitationId: invitation.id });
    // The answer carries the sweep's expiry first, as the log does: folded alone, it explains the
    // pending count the answer's state gives (one expired, one revived).
    expect(resent.isOk() ? resent.value.events : resent.error).toMatchObject([
      { type: 'InvitationExpired', data: { invitationId: invitation.id } },
      { type: 'InvitationResent', data: { revived: true } },
    ]);
    const log = (await roster.events(ana))._unsafeUnwrap().map((e) => e.type);
    expect(log.slice(-2)).toEqual(['InvitationExpired', 'InvitationResent']);
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
  });

  it('refuses an invitation that is accepted, revoked, unknown or of another workspace', async () => {
    const { roster, ana, invite, tokenFor, join } = await aShop();
    const bob = await invite('bob@acme.com');
    (await roster.acceptInvitation({ token: tokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD }))._unsafeUnwrap();
    expect(await failure(roster.resendInvitation(ana, { invitationId: bob.id }), 'InvitationNotPending')).toMatchObject({ status: 'accepted' });
    const cy = await invite('cy@acme.com');
    (await roster.revokeInvitation(ana, { invitationId: cy.id }))._unsafeUnwrap();
    expect(await failure(roster.resendInvitation(ana, { invitationId: cy.id }), 'InvitationNotPending')).toMatchObject({ status: 'revoked' });
    await failure(roster.resendInvitation(ana, { invitationId: 'inv_unknown' }), 'InvitationNotFound');
    const other = (await roster.createWorkspace({ name: 'Other', plan: 'pro', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const olga = { workspaceId: other.state.workspace.id, agentId: other.state.owner.id };
    const theirs = (await roster.inviteAgent(olga, { email: 'pat@other.com' }))._unsafeUnwrap().state.invitation;
    await failure(roster.resendInvitation(ana, { invitationId: theirs.id }), 'InvitationNotFound');
    await failure(roster.revokeInvitation(ana, { invitationId: theirs.id }), 'InvitationNotFound');
    const dee = await join('Dee');
    const eve = await invite('eve@acme.com');
    await failure(roster.resendInvitation(dee, { invitationId: eve.id }), 'PermissionDenied');
  });
});

describe('revoking an invitation', () => {
  it('frees its seat, so a new invitation fits', async () => {
    const { roster, ana, invite } = await aShop({ plan: 'starter' });
    const bob = await invite('bob@acme.com');
    await invite('cy@acme.com');
    await failure(roster.inviteAgent(ana, { email: 'dee@acme.com' }), 'SeatLimitReached');
    const revoked = (await roster.revokeInvitation(ana, { invitationId: bob.id }))._unsafeUnwrap();
    expect(revoked.state.invitation.status).toBe('revoked');
    (await roster.inviteAgent(ana, { email: 'dee@acme.com' }))._unsafeUnwrap();
    (await roster.inviteAgent(ana, { email: 'bob@acme.com' })).match(
      () => expect.unreachable('the plan is full again'),
      (e) => expect(e.type).toBe('SeatLimitReached'),
    );
  });

  it('refuses to revoke twice, and lets only admins revoke', async () => {
    const { roster, ana, invite, join } = await aShop();
    const bob = await invite('bob@acme.com');
    const cy = await join('Cy');
    await failure(roster.revokeInvitation(cy, { invitationId: bob.id }), 'PermissionDenied');
    (await roster.revokeInvitation(ana, { invitationId: bob.id }))._unsafeUnwrap();
    await failure(roster.revokeInvitation(ana, { invitationId: bob.id }), 'InvitationNotPending');
  });
});

describe('expiring lapsed invitations', () => {
  it('records every lapsed invitation as expired and frees its seat', async () => {
    const { roster, ana, invite, clock, workspaceId } = await aShop();
    await invite('bob@acme.com');
    clock.advance({ days: 3 });
    await invite('cy@acme.com');
    clock.advance({ days: 4 });
    expect((await roster.listInvitations(ana, { status: 'expired' }))._unsafeUnwrap().map((i) => i.email)).toEqual(['bob@acme.com']);
    const swept = (await roster.expireLapsedInvitations(workspaceId))._unsafeUnwrap();
    expect(swept.events).toMatchObject([{ type: 'InvitationExpired', data: { expiredAt: '2026-11-30T09:00:00.000Z' } }]);
    expect((await roster.seatUsage(ana))._unsafeUnwrap()).toMatchObject({ used: 2, counts: { pendingInvitations: 1 } });
    expect((await roster.expireLapsedInvitations(workspaceId))._unsafeUnwrap().events).toEqual([]);
  });

  it('refuses a malformed or unknown workspace id', async () => {
    const { roster } = await aShop();
    await failure(roster.expireLapsedInvitations('agt_1'), 'ValidationFailed');
    await failure(roster.expireLapsedInvitations('ws_unknown'), 'WorkspaceNotFound');
  });
});
