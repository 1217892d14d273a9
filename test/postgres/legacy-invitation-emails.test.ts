/**
 * Migration 0007 (ADR 0025, "Upgrading from 0.1.0"): the invitation emails agent-roster 0.1.0 left
 * pending, queued with no topic and no expiry, are withdrawn when their link is already dead
 * (invitation revoked, accepted, or resent since) and otherwise given their invitation's topic and
 * expiry, so that the commit closing the invitation withdraws them from then on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoster, type Invitation, type WorkspaceId } from 'agent-roster';
import { migrate, MIGRATIONS, PostgresRosterStore } from 'agent-roster/postgres';
import { WITHDRAWN } from '../../src/adapters/postgres/commit';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
const BEFORE_0007 = MIGRATIONS.filter((m) => m.version <= 6);
const ISO = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The value of a command that must succeed, or its error in the failure message. */
function ok<T>(result: { isOk(): boolean; _unsafeUnwrap(): T; _unsafeUnwrapErr(): unknown }): T {
  if (!result.isOk()) throw new Error(JSON.stringify(result._unsafeUnwrapErr()));
  return result._unsafeUnwrap();
}

type Row = { id: string; key: string; status: string; body: string; topic: string | null; expires_at: string | null };

describe('migration 0007: invitation emails queued by 0.1.0', () => {
  let db: FreshDatabase;
  const sent: { to: string; text: string; idempotencyKey: string }[] = [];
  let roster: ReturnType<typeof createRoster>;
  let ana: { workspaceId: WorkspaceId; agentId: string };
  const inv: Record<string, Invitation> = {};

  /** An outbox row as 0.1.0 wrote it: no topic, no expiry. */
  const legacy = (id: string, key: string, to: string, status: 'pending' | 'delivered' = 'pending') =>
    db.pool.query(
      `INSERT INTO outbox (id, workspace_id, idempotency_key, to_address, subject, body_text, status, attempts, created_at, next_attempt_at, delivered_at)
       VALUES ($1, $2, $3, $4, 'Join Acme', $5, $6, 0, now() - interval '1 hour', now() - interval '1 hour', $7)`,
      [id, ana.workspaceId, key, to, status === 'pending' ? `token=${id}` : '', status, status === 'pending' ? null : new Date()],
    );

  const rows = async (): Promise<Record<string, Row>> => {
    const { rows: found } = await db.pool.query<Row>(
      `SELECT id, idempotency_key AS key, status, body_text AS body, topic, ${ISO('expires_at')} AS expires_at FROM outbox WHERE id LIKE 'msg_old_%'`,
    );
    return Object.fromEntries(found.map((r) => [r.id, r]));
  };

  beforeAll(async () => {
    db = await freshDatabase();
    await migrate(db.pool, BEFORE_0007);
    const store = new PostgresRosterStore(db.pool);
    roster = createRoster({ store, mailer: { send: async (m) => void sent.push(m) } });
    const opened = ok(await roster.createWorkspace({ name: 'Acme', plan: 'enterprise', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }));
    ana = { workspaceId: opened.state.workspace.id, agentId: opened.state.owner.id };
    const invite = async (name: string) => (inv[name] = ok(await roster.inviteAgent(ana as never, { email: `${name}@acme.com` })).state.invitation);
    for (const name of ['pend', 'late', 'mid', 'rev', 'res', 'acc']) await invite(name);
    ok(await roster.revokeInvitation(ana as never, { invitationId: inv.rev!.id }));
    inv.res = ok(await roster.resendInvitation(ana as never, { invitationId: inv.res!.id })).state.invitation;
    ok(await roster.deliverOutbox(100));
    const token = sent.find((m) => m.to === 'acc@acme.com')?.text.match(/token=([\w-]+)/)?.[1] ?? '';
    ok(await roster.acceptInvitation({ token, name: 'Acc', password: PASSWORD }));
    sent.length = 0;

    // The outbox as 0.1.0 left it: every email still pending (a mailer down), none with a topic.
    await db.pool.query('DELETE FROM outbox');
    await legacy('msg_old_pend', `invitation:${inv.pend!.id}:0`, 'pend@acme.com');
    await legacy('msg_old_late', `invitation:${inv.late!.id}:0`, 'late@acme.com');
    await legacy('msg_old_mid', `invitation:${inv.mid!.id}:0`, 'mid@acme.com');
    await legacy('msg_old_rev', `invitation:${inv.rev!.id}:0`, 'rev@acme.com');
    await legacy('msg_old_res0', `invitation:${inv.res!.id}:0`, 'res@acme.com');
    await legacy('msg_old_res1', `invitation:${inv.res!.id}:1`, 'res@acme.com');
    await legacy('msg_old_acc', `invitation:${inv.acc!.id}:0`, 'acc@acme.com');
    // Already delivered before the upgrade: history, left as it was.
    await legacy('msg_old_rev_sent', `invitation:${inv.rev!.id}:0`, 'rev@acme.com', 'delivered');
    // Keys that name no stored invitation, or are not an invitation's: left as they were.
    await legacy('msg_old_gone', 'invitation:inv_gone:0', 'gone@acme.com');
    await legacy('msg_old_odd', `invitation:${inv.pend!.id}:x`, 'odd@acme.com');
    await legacy('msg_old_huge', `invitation:${inv.pend!.id}:99999999999999999999`, 'huge@acme.com');

    expect(inv.res!.resendCount).toBe(1);
    expect(await migrate(db.pool)).toEqual({ applied: ['0007_legacy_invitation_emails', '0008_agents_joining_order', '0009_invitations_sending_order', '0010_expired_invitations_closed_at'], alreadyApplied: BEFORE_0007.map((m) => m.name) });
  });
  afterAll(() => db?.close());

  it('withdraws the emails whose link is already dead, as a commit withdraws one', async () => {
    const r = await rows();
    for (const id of ['msg_old_rev', 'msg_old_res0', 'msg_old_acc']) expect(r[id], id).toMatchObject({ status: 'withdrawn', body: '' });
    const { rows: leftovers } = await db.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE status = 'withdrawn' AND (body_html IS NOT NULL OR lease_until IS NOT NULL)`);
    expect(leftovers).toEqual([{ n: 0 }]);
    // The same assignment as the store's WITHDRAWN, so the two cannot drift apart unnoticed.
    expect(MIGRATIONS.find((m) => m.version === 7)!.sql).toContain(`SET ${WITHDRAWN}\n`);
    expect(r.msg_old_rev_sent).toMatchObject({ status: 'delivered', topic: null, expires_at: null });
  });

  it("gives each invitation's current send, while pending, its topic and expiry", async () => {
    const r = await rows();
    for (const name of ['pend', 'late', 'mid'] as const) {
      expect(r[`msg_old_${name}`], name).toMatchObject({ status: 'pending', topic: `invitation:${inv[name]!.id}`, expires_at: inv[name]!.expiresAt });
    }
    for (const name of ['rev', 'acc'] as const) expect(r[`msg_old_${name}`], name).toMatchObject({ status: 'withdrawn', topic: null });
    expect(r.msg_old_res1).toMatchObject({ status: 'pending', topic: `invitation:${inv.res!.id}`, expires_at: inv.res!.expiresAt });
    expect(r.msg_old_res0).toMatchObject({ topic: null, expires_at: null });
    for (const id of ['msg_old_gone', 'msg_old_odd', 'msg_old_huge']) expect(r[id], id).toMatchObject({ status: 'pending', topic: null, expires_at: null });
  });

  it('changes, when run again, only what an instance of 0.1.0 queued or closed since', async () => {
    const { msg_old_mid: midBefore, ...before } = await rows();
    expect(midBefore).toMatchObject({ status: 'pending', topic: `invitation:${inv.mid!.id}` });
    // During the rolling deploy a 0.1.0 instance queues one more email of a revoked invitation, and
    // revokes one whose email the first run gave a topic (0.1.0 withdraws nothing).
    await legacy('msg_old_rev_again', `invitation:${inv.rev!.id}:0`, 'rev@acme.com');
    await db.pool.query(`UPDATE invitations SET status = 'revoked' WHERE id = $1`, [inv.mid!.id]);
    await db.pool.query(MIGRATIONS.find((m) => m.version === 7)!.sql);
    const { msg_old_rev_again: again, msg_old_mid: mid, ...after } = await rows();
    expect(after).toEqual(before);
    expect(again).toMatchObject({ status: 'withdrawn', body: '', topic: null });
    expect(mid).toMatchObject({ status: 'withdrawn', body: '' });
  });

  it('lets a later revoke withdraw a 0.1.0 email, and delivers the current ones', async () => {
    ok(await roster.revokeInvitation(ana as never, { invitationId: inv.late!.id }));
    expect((await rows()).msg_old_late).toMatchObject({ status: 'withdrawn', body: '' });
    expect(ok(await roster.deliverOutbox(100))).toEqual({ delivered: 5, failed: 0, withdrawn: 0, unrecorded: 0 });
    expect(sent.map((m) => m.idempotencyKey).sort()).toEqual(
      [`invitation:${inv.pend!.id}:0`, `invitation:${inv.res!.id}:1`, 'invitation:inv_gone:0', `invitation:${inv.pend!.id}:x`, `invitation:${inv.pend!.id}:99999999999999999999`].sort(),
    );
  });
});
