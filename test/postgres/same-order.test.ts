/**
 * The same commands give the same answers, in the same order, on the in-memory store and on
 * PostgreSQL (an adoption review ran both and compared): text in code point order, which is
 * COLLATE "C" on a UTF-8 database and not JavaScript's `<` (UTF-16 code units), and a
 * department's members in the port's order (by joinedAt or sentAt, then id), not the order each
 * store happens to keep them in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { departmentIdSchema, MemoryRosterStore, type DepartmentId, type RosterStore } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { aShop, PASSWORD } from '../support/shop';
import { freshDatabase, type FreshDatabase } from '../support/postgres';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase();
  await migrate(db.pool);
});
afterAll(async () => {
  await db?.close();
});

const stores: [string, () => RosterStore][] = [
  ['the in-memory store', () => new MemoryRosterStore()],
  ['PostgreSQL', () => new PostgresRosterStore(db.pool)],
];

describe.each(stores)('on %s', (_, makeStore) => {
  it('lists departments, and the board shows them and their agents, in code point order', async () => {
    const { roster, ana, join } = await aShop({ store: makeStore() });
    // By code units ('😀' is D83D DE00) the emoji and the math letter would come first.
    for (const name of ['😀 VIP', 'ｚ Fullwidth', '\uE000 Private']) (await roster.createDepartment(ana, { name }))._unsafeUnwrap();
    const vip = (await roster.listDepartments(ana))._unsafeUnwrap().find((d) => d.department.name === '😀 VIP')!.department;
    await join('𝔸my', { departmentIds: [vip.id] });
    await join('Ｚoe', { departmentIds: [vip.id] });

    const listed = (await roster.listDepartments(ana))._unsafeUnwrap().map((d) => d.department.name);
    expect(listed).toEqual(['\uE000 Private', 'ｚ Fullwidth', '😀 VIP']);
    const board = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    expect(board.departments.map((d) => d.name)).toEqual([...listed, null]); // then the workspace-wide queue
    expect(board.departments[2]!.away.map((a) => a.name)).toEqual(['Ｚoe', '𝔸my']);
  });

  it("gives one department's board as its row of the whole board, from its own listing; null for another workspace's or an unknown one", async () => {
    const { roster, ana, clock, join, workspaceId } = await aShop({ store: makeStore(), plan: 'enterprise' });
    const ids: DepartmentId[] = [];
    for (const name of ['Sales', 'Support']) ids.push((await roster.createDepartment(ana, { name }))._unsafeUnwrap().state.department.id);
    const [sales, support] = ids as [DepartmentId, DepartmentId];
    // Joined at different instants, not in name order, in one department or both.
    for (const [name, departmentIds] of [['Zed', [sales]], ['ann', [sales, support]], ['Bob', [support]], ['Amy', [sales]], ['Nobody', []]] as const) {
      const who = await join(name, { departmentIds: [...departmentIds] });
      if (name !== 'Bob') (await roster.setAvailability(who, { agentId: who.agentId, availability: 'online' }))._unsafeUnwrap();
      if (name === 'Zed') (await roster.deactivateAgent(ana, { agentId: who.agentId }))._unsafeUnwrap();
      clock.advance({ minutes: 1 });
    }
    for (const [departmentId, n] of [[sales, 3], [support, 2], [null, 1]] as const) {
      for (let c = 0; c < n; c++) (await roster.routeConversation(workspaceId, { departmentId, conversationId: `conv_${departmentId}_${c}` }))._unsafeUnwrap();
    }
    const whole = (await roster.availabilityBoard(ana))._unsafeUnwrap();
    for (const d of [sales, support]) {
      const of = <T extends { departmentIds: readonly string[] }>(xs: readonly T[]) => xs.filter((a) => a.departmentIds.includes(d));
      expect((await roster.availabilityBoard(ana, { departmentId: d }))._unsafeUnwrap()).toEqual({
        departments: whole.departments.filter((r) => r.departmentId === d),
        withoutDepartment: [],
        everyone: { online: of(whole.everyone.online), away: of(whole.everyone.away), inactive: of(whole.everyone.inactive) },
      });
    }
    expect((await roster.availabilityBoard(ana, { departmentId: sales }))._unsafeUnwrap()?.departments[0]?.online.map((a) => a.name)).toEqual(['Amy', 'ann']);
    const other = (await roster.createWorkspace({ name: 'Other', owner: { email: 'olga@other.com', name: 'Olga', password: PASSWORD } }))._unsafeUnwrap();
    const olga = { workspaceId: other.state.workspace.id, agentId: other.state.owner.id };
    const theirs = (await roster.createDepartment(olga, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
    for (const departmentId of [theirs, departmentIdSchema.parse('dep_nope')]) expect((await roster.availabilityBoard(ana, { departmentId }))._unsafeUnwrap()).toBeNull();
  });

  it("records a deleted department's members by joinedAt or sentAt, then id, whatever the store", async () => {
    const { roster, ana, clock, invite, join } = await aShop({ store: makeStore() });
    const sales = (await roster.createDepartment(ana, { name: 'Sales' }))._unsafeUnwrap().state.department.id;
    // Two agents join at one instant: the tie goes to the smaller id.
    const agents = [await join('Bob', { departmentIds: [sales] }), await join('Cy', { departmentIds: [sales] })].map((a) => a.agentId).sort();
    const x = await invite('x@acme.com', { departmentIds: [sales] });
    clock.advance({ minutes: 1 });
    const y = await invite('y@acme.com', { departmentIds: [sales] });
    clock.advance({ minutes: 1 });
    (await roster.resendInvitation(ana, { invitationId: x.id }))._unsafeUnwrap(); // x is now sent after y

    const deleted = (await roster.deleteDepartment(ana, { departmentId: sales }))._unsafeUnwrap().events[0]!;
    expect(deleted).toMatchObject({ type: 'DepartmentDeleted', data: { agentIds: agents, invitationIds: [y.id, x.id] } });
  });
});
