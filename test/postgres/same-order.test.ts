/**
 * The same commands give the same answers, in the same order, on the in-memory store and on
 * PostgreSQL (an adoption review ran both and compared): text in code point order, which is
 * COLLATE "C" on a UTF-8 database and not JavaScript's `<` (UTF-16 code units), and a
 * department's members in the port's order (by joinedAt or sentAt, then id), not the order each
 * store happens to keep them in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRosterStore, type RosterStore } from 'agent-roster';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';
import { aShop } from '../support/shop';
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
