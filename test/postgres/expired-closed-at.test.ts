/**
 * Migration 0010: an expired invitation stored by an earlier release has the time of the sweep
 * that recorded it as its `closedAt`; the migration gives it the instant it lapsed (its
 * `expiresAt`), as this release's sweep and replay do, and bumps its version so a command that
 * read the old row cannot write it back. Other invitations are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoster, ManualClock, replay, type ActorRef, type Invitation, type WorkspaceId } from 'agent-roster';
import { migrate, MIGRATIONS, PostgresRosterStore } from 'agent-roster/postgres';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

const PASSWORD = 'correct horse battery staple';
const BEFORE_0010 = MIGRATIONS.filter((m) => m.version <= 9);

describe('migration 0010: expired invitations closed when they lapsed', () => {
  let db: FreshDatabase;
  let store: PostgresRosterStore;
  let workspaceId: WorkspaceId;
  const inv: Record<string, Invitation> = {};
  const row = async (id: string) =>
    (await db.pool.query<{ closed: string | null; version: number }>(`SELECT data->>'closedAt' AS closed, version FROM invitations WHERE id = $1`, [id])).rows[0]!;

  beforeAll(async () => {
    db = await freshDatabase();
    await migrate(db.pool, BEFORE_0010);
    store = new PostgresRosterStore(db.pool);
    const clock = new ManualClock('2026-11-23T09:00:00Z');
    const roster = createRoster({ store, clock, deliverImmediately: false });
    const opened = (await roster.createWorkspace({ name: 'Acme', plan: 'enterprise', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } }))._unsafeUnwrap();
    workspaceId = opened.state.workspace.id;
    const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
    for (const name of ['late', 'revoked']) inv[name] = (await roster.inviteAgent(ana, { email: `${name}@acme.com` }))._unsafeUnwrap().state.invitation;
    (await roster.revokeInvitation(ana, { invitationId: inv.revoked!.id }))._unsafeUnwrap();
    clock.advance({ days: 10 });
    inv.fresh = (await roster.inviteAgent(ana, { email: 'fresh@acme.com' }))._unsafeUnwrap().state.invitation; // sweeps `late`
    // As an earlier release stored it: closed at the sweep's time, three days after its expiry.
    await db.pool.query(`UPDATE invitations SET data = jsonb_set(data, '{closedAt}', to_jsonb('2026-12-03T09:00:00.000Z'::text)) WHERE id = $1`, [inv.late!.id]);
  });
  afterAll(() => db?.close());

  it("sets an expired invitation's closedAt to its expiry and bumps its version, leaving the others", async () => {
    const revokedBefore = await row(inv.revoked!.id);
    const lateBefore = await row(inv.late!.id);
    expect(lateBefore.closed).toBe('2026-12-03T09:00:00.000Z');
    expect(await migrate(db.pool)).toEqual({ applied: ['0010_expired_invitations_closed_at'], alreadyApplied: BEFORE_0010.map((m) => m.name) });
    expect(await row(inv.late!.id)).toEqual({ closed: inv.late!.expiresAt, version: lateBefore.version + 1 });
    expect(await row(inv.revoked!.id)).toEqual(revokedBefore);
    expect(await row(inv.fresh!.id)).toMatchObject({ closed: null });
    // The rows now equal a replay of the log.
    const replayed = replay(await store.events(workspaceId));
    for (const i of Object.values(inv)) expect((await store.loadInvitation(workspaceId, i.id))!.value).toEqual(replayed.invitations[i.id]);
  });

  it('changes nothing when run again', async () => {
    const before = await row(inv.late!.id);
    await db.pool.query(MIGRATIONS.find((m) => m.version === 10)!.sql);
    expect(await row(inv.late!.id)).toEqual(before);
  });
});
