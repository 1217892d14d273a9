/**
 * The example HTTP API, over real loopback HTTP: the quickstart story with `fetch`, every class of
 * error with its status and body, the body limit, hostile bodies, and the status map checked
 * against every error type and against docs/errors.md.
 */
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  acceptInvitationRequestSchema,
  authorize,
  CapturingMailer,
  createWorkspaceRequestSchema,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type Commit,
  type CommitOutcome,
  type Roster,
  type RosterOptions,
} from 'agent-roster';
import {
  createApiServer,
  DEFAULT_MAX_BODY_BYTES,
  ERROR_STATUS,
  ROUTE_LIST,
  statusOf,
  type ApiErrorType,
  type HandlerOptions,
} from '../../examples/http-api/handler';
import { hostile } from '../support/hostile-inputs';

const PASSWORD = 'correct horse battery staple';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are JSON read by shape
type Json = any;
type Reply = Readonly<{ status: number; body: Json; text: string; headers: Headers }>;

const servers: Server[] = [];
/** Every response text of the run, to check that no secret ever went out. */
const transcript: string[] = [];
/** Every `METHOD /path` that answered 2xx, to check that each route has a success path. */
const succeeded: string[] = [];

async function serve(roster: Roster, options: HandlerOptions = {}): Promise<string> {
  // As server.ts serves it: with the handler's `checkContinue` listener.
  const server = createApiServer(roster, options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Send = Readonly<{ as?: ActorRef; body?: unknown; raw?: string | Uint8Array; headers?: Record<string, string> }>;

async function call(base: string, method: string, path: string, send: Send = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(send.as ? { 'x-workspace-id': send.as.workspaceId, 'x-agent-id': send.as.agentId } : {}) };
  let body: string | Uint8Array | undefined;
  if (send.raw !== undefined) body = send.raw;
  else if (send.body !== undefined) body = JSON.stringify(send.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers: { ...headers, ...send.headers }, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  transcript.push(text);
  if (response.status < 300) succeeded.push(`${method} ${path.split('?')[0]}`);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  return { status: response.status, body: JSON.parse(text) as Json, text, headers: response.headers };
}

/**
 * Bytes on a raw socket, for what no client library sends as such (`Expect: 100-continue` and
 * waiting): writes `head`, then `body` once the server says `100 Continue` (if given), and
 * collects what comes back until the server closes the connection or `waitMs` pass.
 */
function exchange(base: string, head: string, body?: string, waitMs = 1500) {
  return new Promise<{ received: string; closed: boolean }>((resolve, reject) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () => socket.write(head));
    let received = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      received += c;
      if (body !== undefined && !sent && received.includes('100 Continue\r\n\r\n')) (sent = true), socket.write(body);
    });
    const timer = setTimeout(() => (socket.destroy(), resolve({ received, closed: false })), waitMs);
    socket.on('end', () => (clearTimeout(timer), socket.destroy(), resolve({ received, closed: true })));
    socket.on('error', reject);
  });
}

/** A raw request, for bodies `fetch` will not send as such (chunked, no Content-Length). */
function rawCall(base: string, method: string, path: string, chunks: readonly Buffer[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Json }>((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

// The shared server: a roster on a manual clock, with one standalone account in the host app.
const clock = new ManualClock('2026-11-23T09:00:00Z');
const mailer = new CapturingMailer();
const logged: unknown[] = [];
const roster = createRoster({ clock, mailer, accounts: new MemoryAccountDirectory(['zoe@gmail.com']) });
let base = '';
const api = (method: string, path: string, send?: Send) => call(base, method, path, send);

beforeAll(async () => {
  base = await serve(roster, { onError: (e) => logged.push(e) });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** Ana's workspace, opened over HTTP, with helpers to invite and to join. */
async function openShop(plan = 'pro') {
  const opened = await api('POST', '/workspaces', {
    body: { name: 'Acme Support', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } },
  });
  expect(opened.status).toBe(201);
  expect(opened.body.state.workspace.plan.id).toBe('free');
  const ana: ActorRef = { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id };
  // What the billing flow does once Ana has paid: PUT /plan stands in for its callback.
  if (plan !== 'free') expect((await api('PUT', '/plan', { as: ana, body: { plan } })).status).toBe(200);
  const invite = (email: string, extra: object = {}, as: ActorRef = ana) => api('POST', '/invitations', { as, body: { email, ...extra } });
  const tokenFor = (email: string) => mailer.lastTokenFor(email) ?? 'no-token-was-sent';
  const join = async (name: string, extra: object = {}): Promise<ActorRef> => {
    const email = `${name.toLowerCase()}@acme.com`;
    expect((await invite(email, extra)).status).toBe(201);
    const accepted = await api('POST', '/invitations/accept', { body: { token: tokenFor(email), name, password: PASSWORD } });
    expect(accepted.status).toBe(201);
    return { workspaceId: ana.workspaceId, agentId: accepted.body.state.agent.id };
  };
  return { ana, workspaceId: ana.workspaceId, invite, tokenFor, join };
}

describe('the quickstart story over HTTP', () => {
  it('opens a workspace, invites, previews, accepts, fills the plan, hands over ownership and shows the board', async () => {
    const { ana, invite, tokenFor } = await openShop('pro');

    const sales = await api('POST', '/departments', { as: ana, body: { name: 'Sales' } });
    const support = await api('POST', '/departments', { as: ana, body: { name: 'Support' } });
    expect([sales.status, support.status]).toEqual([201, 201]);
    expect(sales.body.events.map((e: Json) => e.type)).toEqual(['DepartmentCreated']);
    const salesId: string = sales.body.state.department.id;
    const supportId: string = support.body.state.department.id;

    const bob = await invite('bob@acme.com', { role: 'admin', departmentIds: [salesId] });
    expect(bob.status).toBe(201);
    expect(bob.body.state.invitation).toMatchObject({ email: 'bob@acme.com', role: 'admin', status: 'pending', departmentIds: [salesId] });
    expect(bob.body.state.invitation).not.toHaveProperty('tokenHash');
    expect((await invite('cy@acme.com', { departmentIds: [salesId, supportId] })).status).toBe(201);

    const zoe = await invite('zoe@gmail.com');
    expect(zoe.status).toBe(409);
    expect(zoe.body.error).toMatchObject({ type: 'EmailAlreadyExists', email: 'zoe@gmail.com', holder: 'standalone-account' });

    const actors: Record<string, ActorRef> = {};
    for (const [email, name, role] of [
      ['bob@acme.com', 'Bob', 'admin'],
      ['cy@acme.com', 'Cy', 'agent'],
    ] as const) {
      const token = tokenFor(email);
      const preview = await api('GET', `/invitations/preview?token=${token}`);
      expect(preview.status).toBe(200);
      expect(preview.body.invitation).toMatchObject({ workspaceName: 'Acme Support', inviterName: 'Ana', email, role });
      const accepted = await api('POST', '/invitations/accept', { body: { token, name, password: PASSWORD } });
      expect(accepted.status).toBe(201);
      expect(accepted.body.events.map((e: Json) => e.type)).toContain('InvitationAccepted');
      actors[name] = { workspaceId: ana.workspaceId, agentId: accepted.body.state.agent.id };
    }
    const bobRef = actors.Bob!;
    const cyRef = actors.Cy!;

    // Ana, Bob, Cy and two pending invitations take the Pro plan's five seats; the sixth is refused.
    expect((await invite('dee@acme.com')).status).toBe(201);
    expect((await invite('eve@acme.com')).status).toBe(201);
    const fay = await invite('fay@acme.com');
    expect(fay.status).toBe(409);
    expect(fay.body.error).toMatchObject({ type: 'SeatLimitReached', limit: 5, used: 5, requested: 6 });
    const seats = await api('GET', '/seats', { as: ana });
    expect(seats.status).toBe(200);
    expect(seats.body).toMatchObject({ used: 5, limit: 5, counts: { activeAgents: 3, pendingInvitations: 2 } });

    for (const availability of ['online', 'away'] as const) {
      const set = await api('PUT', `/agents/${cyRef.agentId}/availability`, { as: cyRef, body: { availability } });
      expect(set.status).toBe(200);
      expect(set.body.state.agent.availability).toBe(availability);
    }

    const refused = await api('DELETE', `/agents/${ana.agentId}`, { as: bobRef });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ type: 'OwnerCannotBeDeleted', agentId: ana.agentId });

    const transferred = await api('POST', '/ownership/transfer', { as: ana, body: { toAgentId: bobRef.agentId } });
    expect(transferred.status).toBe(200);
    expect(transferred.body.state.workspace.ownerId).toBe(bobRef.agentId);
    const deleted = await api('DELETE', `/agents/${ana.agentId}`, { as: bobRef });
    expect(deleted.status).toBe(200);
    expect(deleted.body.events.map((e: Json) => e.type)).toContain('AgentDeleted');

    const board = await api('GET', '/board', { as: bobRef });
    expect(board.status).toBe(200);
    expect(board.body.everyone.online).toEqual([]);
    expect(board.body.everyone.away.map((a: Json) => a.name).sort()).toEqual(['Bob', 'Cy']);
    expect(board.body.everyone.inactive).toEqual([]);
  });

  it("serves one department's board with ?departmentId=: 404 for no such department, 400 for a malformed one or another parameter", async () => {
    const shop = await openShop('enterprise');
    const sales = (await api('POST', '/departments', { as: shop.ana, body: { name: 'Sales' } })).body.state.department.id as string;
    const support = (await api('POST', '/departments', { as: shop.ana, body: { name: 'Support' } })).body.state.department.id as string;
    const bob = await shop.join('Bob');
    expect((await api('POST', `/agents/${bob.agentId}/departments`, { as: shop.ana, body: { departmentIds: [sales] } })).status).toBe(200);
    const whole = (await api('GET', '/board', { as: shop.ana })).body;
    const one = await api('GET', `/board?departmentId=${sales}`, { as: shop.ana });
    expect(one.status).toBe(200);
    expect(one.body.departments).toEqual(whole.departments.filter((d: Json) => d.departmentId === sales));
    expect(one.body.withoutDepartment).toEqual([]);
    expect(one.body.everyone.away.map((a: Json) => a.name)).toEqual(['Bob']);
    expect((await api('GET', `/board?departmentId=${support}`, { as: shop.ana })).body.everyone).toEqual({ online: [], away: [], inactive: [] });
    const missing = await api('GET', '/board?departmentId=dep_nope', { as: shop.ana });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ type: 'DepartmentNotFound', departmentId: 'dep_nope' });
    const malformed = await api('GET', '/board?departmentId=sales', { as: shop.ana });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ type: 'ValidationFailed', issues: [{ path: 'departmentId' }] });
    expect((await api('GET', `/board?departmentId=${sales}&status=online`, { as: shop.ana })).status).toBe(400);
  });

  it('serves the rest of the team management: lists, edits, roles, activation, departments, plan, resend and revoke', async () => {
    // Two shops: everything below happens in the second, and the first must not notice.
    const other = await openShop('pro');
    const otherDep = (await api('POST', '/departments', { as: other.ana, body: { name: 'Billing' } })).body.state.department.id as string;
    const shop = await openShop('enterprise');
    const cy = await shop.join('Cy');
    const billing = (await api('POST', '/departments', { as: shop.ana, body: { name: 'Billing' } })).body.state.department.id as string;

    const renamed = await api('PATCH', `/departments/${billing}`, { as: shop.ana, body: { name: 'Billing EU' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.state.department.name).toBe('Billing EU');

    const assigned = await api('POST', `/agents/${cy.agentId}/departments`, { as: shop.ana, body: { departmentIds: [billing] } });
    expect(assigned.status).toBe(200);
    expect(assigned.body.state.agent.departmentIds).toEqual([billing]);
    // It adds: naming no department leaves Cy where Cy is (the route is a POST, not a PUT, for that).
    const none = await api('POST', `/agents/${cy.agentId}/departments`, { as: shop.ana, body: { departmentIds: [] } });
    expect([none.status, none.body.state.agent.departmentIds, none.body.events]).toEqual([200, [billing], []]);
    const inBilling = await api('GET', `/agents?departmentId=${billing}`, { as: shop.ana });
    expect(inBilling.body.agents.map((a: Json) => a.name)).toEqual(['Cy']);
    const departments = await api('GET', '/departments', { as: cy });
    expect(departments.status).toBe(200);
    expect(departments.body.departments).toEqual([expect.objectContaining({ members: 1, department: expect.objectContaining({ name: 'Billing EU' }) })]);
    const removed = await api('DELETE', `/agents/${cy.agentId}/departments/${billing}`, { as: shop.ana });
    expect(removed.status).toBe(200);
    expect(removed.body.state.agent.departmentIds).toEqual([]);

    const edited = await api('PATCH', `/agents/${cy.agentId}`, { as: shop.ana, body: { name: 'Cy Young', description: 'Nights' } });
    expect(edited.status).toBe(200);
    expect(edited.body.state.agent).toMatchObject({ name: 'Cy Young', description: 'Nights' });
    const promoted = await api('PUT', `/agents/${cy.agentId}/role`, { as: shop.ana, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    expect(promoted.body.state.agent.role).toBe('admin');

    const deactivated = await api('POST', `/agents/${cy.agentId}/deactivate`, { as: shop.ana });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.state.agent).toMatchObject({ status: 'inactive', availability: 'away' });
    const inactive = await api('GET', '/agents?status=inactive', { as: shop.ana });
    expect(inactive.body.agents.map((a: Json) => a.name)).toEqual(['Cy Young']);
    const activated = await api('POST', `/agents/${cy.agentId}/activate`, { as: shop.ana, body: {} });
    expect(activated.status).toBe(200);
    expect(activated.body.state.agent.status).toBe('active');
    const away = await api('GET', '/agents?availability=away&status=active', { as: shop.ana });
    expect(away.body.agents.map((a: Json) => a.name).sort()).toEqual(['Ana', 'Cy Young']);

    const sent = await shop.invite('dee@acme.com');
    const invitationId: string = sent.body.state.invitation.id;
    const firstToken = shop.tokenFor('dee@acme.com');
    const resent = await api('POST', `/invitations/${invitationId}/resend`, { as: shop.ana });
    expect(resent.status).toBe(200);
    expect(shop.tokenFor('dee@acme.com')).not.toBe(firstToken);
    const pending = await api('GET', '/invitations?status=pending', { as: shop.ana });
    expect(pending.status).toBe(200);
    expect(pending.body.invitations.map((i: Json) => i.email)).toEqual(['dee@acme.com']);
    expect(pending.text).not.toContain('tokenHash');
    const revoked = await api('DELETE', `/invitations/${invitationId}`, { as: shop.ana });
    expect(revoked.status).toBe(200);
    expect(revoked.body.state.invitation.status).toBe('revoked');

    const deletedDep = await api('DELETE', `/departments/${billing}`, { as: shop.ana });
    expect(deletedDep.status).toBe(200);
    const plan = await api('PUT', '/plan', { as: shop.ana, body: { plan: 'pro' } });
    expect(plan.status).toBe(200);
    expect(plan.body.state.workspace.plan).toEqual({ id: 'pro', seats: 5, departments: 5 });

    expect((await api('GET', '/departments', { as: other.ana })).body.departments.map((d: Json) => d.department.id)).toEqual([otherDep]);
    const cross = await api('DELETE', `/departments/${otherDep}`, { as: shop.ana });
    expect([cross.status, cross.body.error.type]).toEqual([404, 'DepartmentNotFound']);
  });
});

describe('routing over HTTP', () => {
  /** A shop with Sales, and Bob (an agent, not an admin) in it; everyone away. */
  async function salesShop() {
    const shop = await openShop('pro');
    const sales = (await api('POST', '/departments', { as: shop.ana, body: { name: 'Sales' } })).body.state.department.id as string;
    const bob = await shop.join('Bob', { departmentIds: [sales] });
    const online = (who: ActorRef) => api('PUT', `/agents/${who.agentId}/availability`, { as: who, body: { availability: 'online' } });
    const route = (queue: string, conversationId: string, as: ActorRef = bob) => api('POST', `/queues/${queue}/conversations`, { as, body: { conversationId } });
    return { ...shop, sales, bob, online, route };
  }

  it('routes into a department’s queue and the workspace-wide one, reads and configures a queue, transfers and closes', async () => {
    const { ana, sales, bob, online, route } = await salesShop();

    // Nobody online: the conversation waits, and the answer says why. A success, 201.
    const waits = await route(sales, 'conv_1');
    expect(waits.status).toBe(201);
    expect(waits.body).toEqual({
      outcome: { type: 'Queued', position: 1, why: expect.objectContaining({ type: 'NoAgentAvailable', reason: 'nobody-online' }) },
      events: [expect.objectContaining({ type: 'ConversationQueued' })],
    });
    // The commands answer their events, not the whole queue.
    expect(waits.body).not.toHaveProperty('state');

    // Bob comes online and takes conv_1 in the same commit; the next one is his at once.
    expect((await online(bob)).status).toBe(200);
    const assigned = await route(sales, 'conv_2');
    expect([assigned.status, assigned.body.outcome]).toEqual([201, { type: 'Assigned', agentId: bob.agentId }]);
    // `workspace` names the workspace-wide queue: Bob is in a department, so he is one of its members.
    const wide = await route('workspace', 'conv_3');
    expect([wide.status, wide.body.outcome]).toEqual([201, { type: 'Assigned', agentId: bob.agentId }]);
    expect(wide.body.events[0].data.departmentId).toBeNull();

    const read = await api('GET', `/queues/${sales}`, { as: ana });
    expect(read.status).toBe(200);
    expect(read.body.queue).toEqual({
      departmentId: sales,
      config: { strategy: 'round-robin', capacity: null },
      members: [{ agentId: bob.agentId, active: true, online: true, conversationIds: ['conv_1', 'conv_2'] }],
      conversations: [
        expect.objectContaining({ conversationId: 'conv_1', arrival: 1, agentId: bob.agentId }),
        expect.objectContaining({ conversationId: 'conv_2', arrival: 2, agentId: bob.agentId }),
      ],
      waiting: [],
      routed: 2,
      closed: 0,
    });
    const workspaceQueue = await api('GET', '/queues/workspace', { as: ana });
    expect([workspaceQueue.status, workspaceQueue.body.queue.departmentId, workspaceQueue.body.queue.conversations.length]).toEqual([200, null, 1]);

    // An admin caps Sales at two open conversations each: the third waits.
    const configured = await api('PATCH', `/queues/${sales}`, { as: ana, body: { strategy: 'least-busy', capacity: 2 } });
    expect(configured.status).toBe(200);
    expect(configured.body).toEqual({ config: { strategy: 'least-busy', capacity: 2 }, events: [expect.objectContaining({ type: 'RoutingConfigured' })] });
    const full = await route(sales, 'conv_4');
    expect(full.body.outcome).toMatchObject({ type: 'Queued', position: 1, why: { reason: 'everybody-at-capacity' } });

    // Bob hands conv_1 back to the line; it is first there, and he has room again, so it is his again.
    const back = await api('POST', `/queues/${sales}/conversations/conv_1/transfer`, { as: bob, body: { to: 'queue' } });
    expect(back.status).toBe(200);
    expect(back.body.events.map((e: Json) => e.type)).toEqual(['ConversationTransferred', 'ConversationAssigned']);
    // Closing one frees a slot, which the waiting conv_4 takes in the same commit.
    const closed = await api('POST', `/queues/${sales}/conversations/conv_2/close`, { as: bob });
    expect(closed.status).toBe(200);
    expect(closed.body.events).toEqual([
      expect.objectContaining({ type: 'ConversationClosed', data: expect.objectContaining({ conversationId: 'conv_2' }) }),
      expect.objectContaining({ type: 'ConversationAssigned', data: expect.objectContaining({ conversationId: 'conv_4', agentId: bob.agentId }) }),
    ]);
    // A closed conversation may be routed again: the visitor wrote back.
    expect((await route('workspace', 'conv_3', ana)).status).toBe(409);
    expect((await api('POST', '/queues/workspace/conversations/conv_3/close', { as: ana, body: {} })).status).toBe(200);
    expect((await route('workspace', 'conv_3', ana)).status).toBe(201);
  });

  it('lets any active agent of the workspace route and close, whatever their role, on their own session’s workspace only', async () => {
    const { ana, sales, bob, route } = await salesShop();
    // Bob is an agent, not an admin, and away: he relays the chat, and is not the one it goes to.
    expect((await route(sales, 'conv_1', bob)).status).toBe(201);
    expect((await api('POST', `/queues/${sales}/conversations/conv_1/close`, { as: bob })).status).toBe(200);

    // The workspace is the session's: another shop's agent naming Sales finds no such department there.
    const other = await openShop('pro');
    const elsewhere = await route(sales, 'conv_9', other.ana);
    expect([elsewhere.status, elsewhere.body.error]).toEqual([404, expect.objectContaining({ type: 'DepartmentNotFound', departmentId: sales })]);
    expect((await api('GET', `/queues/${sales}`, { as: ana })).body.queue).toMatchObject({ waiting: [], routed: 1, closed: 1 });
  });

  it('answers 403 PermissionDenied (chat, inactive) to an inactive agent who routes, closes or transfers, changing nothing', async () => {
    const { ana, sales, bob, join, online, route } = await salesShop();
    const cy = await join('Cy');
    await online(bob);
    expect((await route(sales, 'conv_1', bob)).status).toBe(201);
    expect((await api('POST', `/agents/${cy.agentId}/deactivate`, { as: ana, body: {} })).status).toBe(200);
    const before = (await api('GET', `/queues/${sales}`, { as: ana })).body.queue;

    // The library's own denial for an inactive agent's `chat`, as `authorize` words it.
    const inactiveCy = (await roster.listAgents(cy, { status: 'inactive' }))._unsafeUnwrap().find((a) => a.id === cy.agentId)!;
    const denial = authorize(inactiveCy, 'chat', (await roster.getWorkspace(cy))._unsafeUnwrap())._unsafeUnwrapErr();
    expect(denial).toMatchObject({ type: 'PermissionDenied', capability: 'chat', reason: 'inactive', actorId: cy.agentId });
    for (const [path, body] of [
      [`/queues/${sales}/conversations`, { conversationId: 'conv_2' }],
      [`/queues/${sales}/conversations/conv_1/close`, {}],
      [`/queues/${sales}/conversations/conv_1/transfer`, { to: 'queue' }],
      // Before the command looks at anything: a queue that is not there is still a 403.
      ['/queues/dep_gone/conversations', { conversationId: 'conv_3' }],
    ] as const) {
      const refused = await api('POST', path, { as: cy, body });
      expect([refused.status, refused.body], path).toEqual([403, { error: denial }]);
    }
    expect((await api('GET', `/queues/${sales}`, { as: ana })).body.queue).toEqual(before);

    // The owner may be inactive too, and then relays nothing either; activated, Cy relays again.
    expect((await api('POST', `/agents/${ana.agentId}/deactivate`, { as: ana, body: {} })).status).toBe(200);
    const owner = await route('workspace', 'conv_4', ana);
    expect([owner.status, owner.body.error]).toEqual([403, expect.objectContaining({ type: 'PermissionDenied', capability: 'chat', reason: 'inactive', actorId: ana.agentId })]);
    expect((await api('POST', `/agents/${cy.agentId}/activate`, { as: ana, body: {} })).status).toBe(200);
    expect((await route(sales, 'conv_2', cy)).status).toBe(201);
  });

  it('answers 401 to a caller who is not a signed-in agent of the workspace, before routing anything', async () => {
    const { ana, sales, route } = await salesShop();
    const none = await api('POST', `/queues/${sales}/conversations`, { body: { conversationId: 'conv_1' } });
    expect([none.status, none.body.error]).toEqual([401, expect.objectContaining({ type: 'ActorRequired', missing: ['x-workspace-id', 'x-agent-id'] })]);
    const stranger = await route(sales, 'conv_1', { workspaceId: ana.workspaceId, agentId: 'agt_nobody' });
    expect([stranger.status, stranger.body.error]).toEqual([401, expect.objectContaining({ type: 'UnknownActor', agentId: 'agt_nobody' })]);
    const gone = await api('POST', `/queues/${sales}/conversations/conv_1/close`, { as: { workspaceId: 'ws_gone', agentId: ana.agentId } });
    expect([gone.status, gone.body.error]).toEqual([401, expect.objectContaining({ type: 'WorkspaceNotFound', workspaceId: 'ws_gone' })]);
    // A malformed session id is the session's fault, named as on every route: not a body field.
    const malformed = await route(sales, 'conv_1', { workspaceId: ana.workspaceId, agentId: 'bob' });
    expect(malformed.body.error).toMatchObject({ type: 'ValidationFailed', issues: [expect.objectContaining({ path: 'actor.agentId' })] });
    // Nothing was routed by the refused calls.
    expect((await api('GET', `/queues/${sales}`, { as: ana })).body.queue.routed).toBe(0);
  });

  it('answers 403 PermissionDenied to an agent who reads or configures a queue: those are the admins’', async () => {
    const { sales, bob } = await salesShop();
    const read = await api('GET', `/queues/${sales}`, { as: bob });
    expect([read.status, read.body.error]).toEqual([403, expect.objectContaining({ type: 'PermissionDenied', capability: 'viewStatistics', actorId: bob.agentId })]);
    const configure = await api('PATCH', '/queues/workspace', { as: bob, body: { capacity: 0 } });
    expect([configure.status, configure.body.error]).toEqual([403, expect.objectContaining({ type: 'PermissionDenied', capability: 'manageDepartments' })]);
  });

  it('answers 422 AgentNotFound to a capacity for an agent the workspace does not have: the id came in the body', async () => {
    const { ana, sales } = await salesShop();
    const r = await api('PATCH', `/queues/${sales}`, { as: ana, body: { capacities: { agt_nobody: 2 } } });
    expect([r.status, r.body.error]).toEqual([422, expect.objectContaining({ type: 'AgentNotFound', agentId: 'agt_nobody' })]);
  });

  it('answers 404 for a queue or a conversation that is not there', async () => {
    const { ana, sales, route } = await salesShop();
    for (const [method, path, body] of [
      ['GET', '/queues/dep_gone', undefined],
      ['PATCH', '/queues/dep_gone', { capacity: 1 }],
      ['POST', '/queues/dep_gone/conversations', { conversationId: 'conv_1' }],
      ['POST', '/queues/dep_gone/conversations/conv_1/close', {}],
      ['POST', '/queues/dep_gone/conversations/conv_1/transfer', { to: 'queue' }],
    ] as const) {
      const r = await api(method, path, { as: ana, ...(body ? { body } : {}) });
      expect([r.status, r.body.error], `${method} ${path}`).toEqual([404, expect.objectContaining({ type: 'DepartmentNotFound', departmentId: 'dep_gone' })]);
    }
    expect((await route(sales, 'conv_1')).status).toBe(201);
    // Queues are separate: conv_1 is in Sales, not in the workspace-wide queue.
    for (const [path, body] of [['/queues/workspace/conversations/conv_1/close', {}], [`/queues/${sales}/conversations/conv_2/transfer`, { to: 'queue' }]] as const) {
      const r = await api('POST', path, { as: ana, body });
      expect([r.status, r.body.error], path).toEqual([404, expect.objectContaining({ type: 'ConversationNotFound', conversationId: path.includes('conv_1') ? 'conv_1' : 'conv_2' })]);
    }
  });

  it('answers 409 ConversationAlreadyRouted and AgentNotEligible, with what a client needs to show', async () => {
    const { ana, sales, bob, online, route } = await salesShop();
    expect((await route(sales, 'conv_1')).status).toBe(201);
    const retried = await route(sales, 'conv_1');
    expect([retried.status, retried.body.error]).toEqual([409, expect.objectContaining({ type: 'ConversationAlreadyRouted', conversationId: 'conv_1', agentId: null })]);
    await online(bob);
    const taken = await route(sales, 'conv_1');
    expect(taken.body.error).toMatchObject({ type: 'ConversationAlreadyRouted', agentId: bob.agentId });

    // Ana is away, and not in Sales.
    const toAna = await api('POST', `/queues/${sales}/conversations/conv_1/transfer`, { as: bob, body: { to: ana.agentId } });
    expect([toAna.status, toAna.body.error]).toEqual([409, expect.objectContaining({ type: 'AgentNotEligible', agentId: ana.agentId, reason: 'not-a-member' })]);
    expect((await api('POST', `/agents/${ana.agentId}/departments`, { as: ana, body: { departmentIds: [sales] } })).status).toBe(200);
    const away = await api('POST', `/queues/${sales}/conversations/conv_1/transfer`, { as: bob, body: { to: ana.agentId } });
    expect([away.status, away.body.error.reason]).toEqual([409, 'away']);
  });

  it('answers 400 for a malformed queue, conversation or setting, naming the field', async () => {
    const { ana, sales, route } = await salesShop();
    const cases: readonly (readonly [string, string, object | undefined, readonly string[]])[] = [
      ['GET', '/queues/sales', undefined, ['departmentId']],
      ['GET', '/queues/null', undefined, ['departmentId']],
      ['POST', `/queues/${sales}/conversations`, { conversationId: 'chat-1' }, ['conversationId']],
      ['POST', `/queues/${sales}/conversations`, {}, ['conversationId']],
      ['POST', `/queues/${sales}/conversations`, { conversationId: 'conv_1', departmentId: null }, ['departmentId']],
      ['POST', `/queues/${sales}/conversations/chat-1/close`, {}, ['conversationId']],
      ['POST', `/queues/${sales}/conversations/conv_1/close`, { conversationId: 'conv_2' }, ['conversationId']],
      ['POST', `/queues/${sales}/conversations/conv_1/transfer`, { to: 'bob' }, ['to']],
      ['PATCH', `/queues/${sales}`, {}, ['']],
      ['PATCH', `/queues/${sales}`, { strategy: 'random', capacity: -1 }, ['capacity', 'strategy']],
      ['PATCH', `/queues/${sales}`, { capacities: { __proto__: 1 } }, ['capacities.__proto__']],
    ];
    for (const [method, path, body, paths] of cases) {
      // `__proto__` as a JSON key: JSON.stringify of an object literal would drop it.
      const raw = body && JSON.stringify(body).replace('{"capacities":{}}', '{"capacities":{"__proto__":1}}');
      const r = await api(method, path, { as: ana, ...(raw ? { raw } : {}) });
      expect([r.status, r.body.error?.type], `${method} ${path} ${raw}`).toEqual([400, 'ValidationFailed']);
      expect(r.body.error.issues.map((i: Json) => i.path).sort(), `${method} ${path} ${raw}`).toEqual(paths);
    }
    expect((await route(sales, 'conv_1')).status).toBe(201); // none of them routed it
  });
});

describe('400 ValidationFailed', () => {
  it('lists every bad field of a body at once', async () => {
    const { ana } = await openShop();
    const r = await api('POST', '/invitations', { as: ana, body: { email: 'not-an-email', role: 'owner', departmentIds: 'dep_1' } });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe('ValidationFailed');
    expect(r.body.error.issues.map((i: Json) => i.path).sort()).toEqual(['departmentIds', 'email', 'role']);
    expect(r.body.error.issues.every((i: Json) => typeof i.message === 'string' && i.message.length > 0)).toBe(true);
  });

  it('answers a body of thousands of unknown keys, or one huge key, with an error no larger than a page', async () => {
    const { ana } = await openShop();
    // The library names the first 10 unknown keys, and shows a key it cannot echo safely as `?`.
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, k) => [`k${k}`, 1]));
    const flood = await api('POST', '/departments', { as: ana, body: { name: 'Sales', ...many } });
    expect(flood.status).toBe(400);
    expect(flood.body.error.issues).toHaveLength(10);
    expect(flood.body.error.issues[0]).toEqual({ path: 'k0', message: 'is not a known field' });
    expect(flood.body.error.message).toBe(`Invalid input: ${Array.from({ length: 10 }, (_, k) => `k${k}: is not a known field`).join('; ')}.`);
    expect(flood.text.length).toBeLessThan(1000);

    const huge = await api('POST', '/departments', { as: ana, body: { name: 'Sales', ['x'.repeat(60_000)]: 1 } });
    expect(huge.status).toBe(400);
    expect(huge.body.error.issues).toEqual([{ path: '?', message: 'is not a known field' }]);
    expect(huge.text.length).toBeLessThan(1000);
  });

  it('lists the first 20 issues of a body with many bad values; the message tells 10 and how many more', async () => {
    const { ana } = await openShop();
    const r = await api('POST', '/invitations', { as: ana, body: { email: 'dee@shop.com', departmentIds: Array.from({ length: 100 }, () => 'nope') } });
    expect(r.status).toBe(400);
    expect(r.body.error.issues).toHaveLength(20);
    expect(r.body.error.issues[0]).toMatchObject({ path: 'departmentIds.0' });
    expect(r.body.error.message).toMatch(/^Invalid input: departmentIds\.0: .*; departmentIds\.9: [^;]* \(and 90 more\)\.$/);
  });

  it('refuses unknown keys, a URL parameter repeated in the body, host-only fields and inline plans', async () => {
    const { ana } = await openShop();
    const unknown = await api('POST', '/departments', { as: ana, body: { name: 'Sales', isAdmin: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues).toEqual([{ path: 'isAdmin', message: 'is not a known field' }]);

    const repeated = await api('PATCH', `/agents/${ana.agentId}`, { as: ana, body: { agentId: 'agt_someone_else', name: 'X' } });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.issues).toEqual([{ path: 'agentId', message: 'Given in the URL; leave it out of the body.' }]);

    const inline = await api('PUT', '/plan', { as: ana, body: { plan: { id: 'free-lunch', seats: null, departments: null } } });
    expect(inline.status).toBe(400);
    expect(inline.body.error.issues).toEqual([{ path: 'plan', message: 'Choose a plan by its id.' }]);

    const policy = await api('POST', '/workspaces', {
      body: { name: 'Sneaky', owner: { email: 'x@acme.com', name: 'X', password: PASSWORD }, seatPolicy: { countInactiveAgents: false } },
    });
    expect(policy.status).toBe(400);
    expect(policy.body.error.issues.map((i: Json) => i.path)).toEqual(['seatPolicy']);

    // Anyone may sign up, so a sign-up picks no plan, by id or by value: a paid plan would be free.
    for (const plan of ['enterprise', { id: 'free-lunch', seats: null, departments: null }]) {
      const chosen = await api('POST', '/workspaces', { body: { name: 'Sneaky', plan, owner: { email: 'x@acme.com', name: 'X', password: PASSWORD } } });
      expect([chosen.status, chosen.body.error.issues]).toEqual([400, [{ path: 'plan', message: 'Set by the host application, not by a client.' }]]);
    }

    const session = await api('POST', '/invitations/accept', { body: { token: 'x', name: 'X', password: PASSWORD, session: 'forged' } });
    expect(session.status).toBe(400);
    expect(session.body.error.issues).toEqual([{ path: 'session', message: 'is not a known field' }]);
  });

  it('refuses a bad query filter and a malformed id in the URL', async () => {
    const { ana } = await openShop();
    const filter = await api('GET', '/agents?status=gone&colour=red', { as: ana });
    expect(filter.status).toBe(400);
    expect(filter.body.error.issues.map((i: Json) => i.path).sort()).toEqual(['colour', 'status']);
    const id = await api('DELETE', '/agents/inv_not-an-agent-id', { as: ana });
    expect(id.status).toBe(400);
    expect(id.body.error.issues.map((i: Json) => i.path)).toEqual(['agentId']);
  });

  it('refuses a query key given more than once, naming it, rather than reading either value', async () => {
    const { ana, tokenFor, invite } = await openShop();
    const status = await api('GET', '/agents?status=active&status=inactive', { as: ana });
    expect(status.status).toBe(400);
    expect(status.body.error).toMatchObject({ type: 'ValidationFailed', issues: [{ path: 'status', message: 'is given more than once' }] });
    const two = await api('GET', '/invitations?limit=5&status=pending&limit=1&status=pending', { as: ana });
    expect(two.status).toBe(400);
    expect(two.body.error.issues).toEqual([
      { path: 'limit', message: 'is given more than once' },
      { path: 'status', message: 'is given more than once' },
    ]);
    await invite('bob@acme.com');
    const token = tokenFor('bob@acme.com');
    const preview = await api('GET', `/invitations/preview?token=${token}&token=${token}`);
    expect([preview.status, preview.body.error.issues]).toEqual([400, [{ path: 'token', message: 'is given more than once' }]]);
    expect((await api('GET', '/agents?status=active', { as: ana })).status).toBe(200);
  });

  it('answers malformed JSON, bad UTF-8 and non-object bodies with a ValidationFailed body that echoes nothing', async () => {
    const { ana } = await openShop();
    const secret = 'hunter2-is-my-password';
    for (const raw of [`{"name": "Sales", "password": "${secret}"`, '{name: 1}', 'undefined', Buffer.from([...Buffer.from('{"name":"S'), 0xff, ...Buffer.from('ales"}')])]) {
      const r = await api('POST', '/departments', { as: ana, raw });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error: { type: 'ValidationFailed', message: 'Invalid input: (input): The request body is not valid JSON (UTF-8).', issues: [{ path: '', message: 'The request body is not valid JSON (UTF-8).' }] },
      });
      expect(r.text).not.toContain(secret);
    }
    for (const raw of ['[]', 'null', '42', '"Sales"']) {
      const r = await api('POST', '/departments', { as: ana, raw });
      expect(r.status).toBe(400);
      expect(r.body.error.issues).toEqual([{ path: '', message: 'The body must be a JSON object.' }]);
    }
  });

  it('answers 415 for a body that is not sent as JSON', async () => {
    const { ana } = await openShop();
    const r = await api('POST', '/departments', { as: ana, raw: 'name=Sales', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.status).toBe(415);
    expect(r.body.error.type).toBe('UnsupportedMediaType');
  });

  it('answers 415 for JSON declared in a charset other than UTF-8, and takes utf-8 in any case, quoted or not', async () => {
    const { ana } = await openShop('enterprise');
    const name = (i: number) => JSON.stringify({ name: `Team ${i}` });
    for (const type of ['application/json; charset=iso-8859-1', 'application/json; charset=utf-16', 'application/json;charset="UTF-16LE"', 'application/json; charset=utf-8; charset=latin1']) {
      const r = await api('POST', '/departments', { as: ana, raw: name(0), headers: { 'content-type': type } });
      expect([r.status, r.body.error.type], type).toEqual([415, 'UnsupportedMediaType']);
    }
    for (const [i, type] of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json'].entries()) {
      const r = await api('POST', '/departments', { as: ana, raw: name(i + 1), headers: { 'content-type': type } });
      expect(r.status, type).toBe(201);
    }
  });

  it('answers 422 WeakPassword and PlanNotFound, which are about the values rather than their shape', async () => {
    const { ana, invite, tokenFor } = await openShop();
    await invite('bob@acme.com');
    const weak = await api('POST', '/invitations/accept', { body: { token: tokenFor('bob@acme.com'), name: 'Bob', password: 'short' } });
    expect(weak.status).toBe(422);
    expect(weak.body.error).toMatchObject({ type: 'WeakPassword', reason: 'too-short', minLength: 15 });
    expect(weak.text).not.toContain('"short"');
    const plan = await api('PUT', '/plan', { as: ana, body: { plan: 'gold' } });
    expect(plan.status).toBe(422);
    expect(plan.body.error).toMatchObject({ type: 'PlanNotFound', planId: 'gold' });
  });
});

describe('401 and 403: who is acting', () => {
  it('answers 401 ActorRequired without the actor headers, and 401 UnknownActor for an agent who is not there', async () => {
    const { ana } = await openShop();
    const none = await api('GET', '/seats');
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ type: 'ActorRequired', missing: ['x-workspace-id', 'x-agent-id'] });
    const half = await api('GET', '/seats', { headers: { 'x-workspace-id': ana.workspaceId } });
    expect(half.body.error.missing).toEqual(['x-agent-id']);
    const stranger = await api('GET', '/seats', { as: { workspaceId: ana.workspaceId, agentId: 'agt_nobody' } });
    expect(stranger.status).toBe(401);
    expect(stranger.body.error).toMatchObject({ type: 'UnknownActor', agentId: 'agt_nobody' });
  });

  it('answers 400 at the actor field for an actor header given more than once, rather than reading "a, b" as an id', async () => {
    const { ana } = await openShop();
    const other = await openShop();
    // node:http sends an array as one header line per value; fetch folds them into one "a, b" line.
    const ask = (headers: Record<string, string | string[]>) =>
      new Promise<{ status: number; body: Json }>((resolve, reject) => {
        const req = request(`${base}/seats`, { headers: { 'x-workspace-id': ana.workspaceId, 'x-agent-id': ana.agentId, ...headers } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
        });
        req.on('error', reject);
        req.end();
      });
    const agent = await ask({ 'x-agent-id': [ana.agentId, other.ana.agentId] });
    expect(agent.status).toBe(400);
    expect(agent.body.error.issues).toEqual([{ path: 'actor.agentId', message: 'is given more than once' }]);
    const both = await ask({ 'x-workspace-id': [ana.workspaceId, ana.workspaceId], 'x-agent-id': [ana.agentId, ana.agentId] });
    expect(both.body.error.issues).toEqual([
      { path: 'actor.workspaceId', message: 'is given more than once' },
      { path: 'actor.agentId', message: 'is given more than once' },
    ]);
    const folded = await api('GET', '/seats', { as: { workspaceId: `${ana.workspaceId}, ${other.workspaceId}`, agentId: ana.agentId } });
    expect([folded.status, folded.body.error.issues]).toEqual([400, [{ path: 'actor.workspaceId', message: 'is given more than once' }]]);
    expect((await ask({})).status).toBe(200);
  });

  it('answers 401 WorkspaceNotFound, like UnknownActor, when the actor headers name a workspace that is not there', async () => {
    const { ana } = await openShop();
    // Both headers come from the caller's session: a workspace that is gone is a session to end, not a missing resource.
    for (const [method, path, body] of [['GET', '/seats', undefined], ['POST', '/departments', { name: 'Sales' }], ['PATCH', `/agents/${ana.agentId}`, { name: 'X' }]] as const) {
      const r = await api(method, path, { as: { workspaceId: 'ws_gone', agentId: ana.agentId }, ...(body ? { body } : {}) });
      expect([r.status, r.body.error], `${method} ${path}`).toEqual([401, expect.objectContaining({ type: 'WorkspaceNotFound', workspaceId: 'ws_gone' })]);
    }
  });

  it('answers 401 UnknownActor to an agent deleted while still signed in', async () => {
    const { ana, join } = await openShop();
    const cy = await join('Cy');
    expect((await api('DELETE', `/agents/${cy.agentId}`, { as: ana })).status).toBe(200);
    const r = await api('PUT', `/agents/${cy.agentId}/availability`, { as: cy, body: { availability: 'online' } });
    expect(r.status).toBe(401);
    expect(r.body.error.type).toBe('UnknownActor');
  });

  it('answers 403 PermissionDenied, saying which capability and why', async () => {
    const { ana, join, invite } = await openShop();
    const cy = await join('Cy');
    const invited = await invite('dee@acme.com', {}, cy);
    expect(invited.status).toBe(403);
    expect(invited.body.error).toMatchObject({ type: 'PermissionDenied', capability: 'manageAgents', reason: 'role', actorId: cy.agentId });
    expect((await api('GET', '/invitations', { as: cy })).status).toBe(403);
    expect((await api('GET', '/board', { as: cy })).status).toBe(403);
    const transfer = await api('POST', '/ownership/transfer', { as: cy, body: { toAgentId: cy.agentId } });
    expect(transfer.status).toBe(403);
    expect(transfer.body.error.reason).toBe('not-owner');
    expect((await api('GET', '/agents', { as: cy })).status).toBe(200); // every member may list the team
    void ana;
  });

  it('reads one agent for every member, yourself at your own id; 404 AgentNotFound for an id the workspace does not have', async () => {
    const { ana, join } = await openShop();
    const cy = await join('Cy');
    const me = await api('GET', `/agents/${cy.agentId}`, { as: cy });
    expect([me.status, me.body.agent]).toEqual([200, expect.objectContaining({ id: cy.agentId, name: 'Cy', role: 'agent', status: 'active' })]);
    expect((await api('GET', `/agents/${ana.agentId}`, { as: cy })).body.agent).toMatchObject({ id: ana.agentId, role: 'admin' });
    const none = await api('GET', '/agents/agt_nobody', { as: cy });
    expect([none.status, none.body.error]).toEqual([404, expect.objectContaining({ type: 'AgentNotFound', agentId: 'agt_nobody' })]);
    expect(JSON.stringify(me.body)).not.toContain('passwordHash');
  });
});

describe('the session of an accept', () => {
  it('takes the session from the request through sessionOf, refusing 403 SignedInAsDifferentEmail', async () => {
    const identity = new MemoryIdentity();
    identity.sessions.set('cookie-zed', 'zed@elsewhere.com');
    const sessionMailer = new CapturingMailer();
    const sessionOf = (req: IncomingMessage) => /session=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const own = await serve(createRoster({ identity, mailer: sessionMailer }), { sessionOf, signUpPlan: 'pro' });
    const opened = await call(own, 'POST', '/workspaces', { body: { name: 'Acme', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } } });
    const ana: ActorRef = { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id };
    expect((await call(own, 'POST', '/invitations', { as: ana, body: { email: 'bob@acme.com' } })).status).toBe(201);
    const accept = { token: sessionMailer.lastTokenFor('bob@acme.com'), name: 'Bob', password: PASSWORD };
    const r = await call(own, 'POST', '/invitations/accept', { body: accept, headers: { cookie: 'session=cookie-zed' } });
    expect([r.status, r.body.error.type]).toEqual([403, 'SignedInAsDifferentEmail']);
    const signedOut = await call(own, 'POST', '/invitations/accept', { body: accept });
    expect(signedOut.status).toBe(201);
  });
});

describe('404 and 405', () => {
  it('answers 404 for what is not there: agent, invitation, department, token and route', async () => {
    const { ana } = await openShop();
    const agent = await api('PATCH', '/agents/agt_gone', { as: ana, body: { name: 'X' } });
    expect([agent.status, agent.body.error]).toEqual([404, expect.objectContaining({ type: 'AgentNotFound', agentId: 'agt_gone' })]);
    const invitation = await api('POST', '/invitations/inv_gone/resend', { as: ana });
    expect([invitation.status, invitation.body.error.type]).toEqual([404, 'InvitationNotFound']);
    const department = await api('PATCH', '/departments/dep_gone', { as: ana, body: { name: 'X' } });
    expect([department.status, department.body.error.type]).toEqual([404, 'DepartmentNotFound']);
    const token = await api('GET', `/invitations/preview?token=${'A'.repeat(43)}`);
    expect([token.status, token.body.error.type]).toEqual([404, 'InvalidToken']);
    const route = await api('GET', '/nowhere');
    expect(route.status).toBe(404);
    expect(route.body.error).toMatchObject({ type: 'RouteNotFound', path: '/nowhere' });
    expect((await api('GET', '/agents/', { as: ana })).status).toBe(404);
    expect((await api('GET', '//agents', { as: ana })).status).toBe(404);
  });

  it('answers 422 DepartmentNotFound and AgentNotFound for an id named in the body rather than in the URL', async () => {
    const { ana, invite, join } = await openShop();
    const r = await invite('bob@acme.com', { departmentIds: ['dep_gone'] });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ type: 'DepartmentNotFound', departmentId: 'dep_gone' });
    const cy = await join('Cy');
    const assigned = await api('POST', `/agents/${cy.agentId}/departments`, { as: ana, body: { departmentIds: ['dep_gone'] } });
    expect([assigned.status, assigned.body.error]).toEqual([422, expect.objectContaining({ type: 'DepartmentNotFound', departmentId: 'dep_gone' })]);
    const transfer = await api('POST', '/ownership/transfer', { as: ana, body: { toAgentId: 'agt_gone' } });
    expect([transfer.status, transfer.body.error]).toEqual([422, expect.objectContaining({ type: 'AgentNotFound', agentId: 'agt_gone' })]);
    // The same ids in the URL are the target that is not there: 404.
    const inUrl = await api('POST', '/agents/agt_gone/departments', { as: ana, body: { departmentIds: [] } });
    expect([inUrl.status, inUrl.body.error.type]).toEqual([404, 'AgentNotFound']);
  });

  it('echoes at most 100 characters of a path that is not there', async () => {
    const long = `/${'a'.repeat(10_000)}`;
    const r = await api('GET', long);
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ type: 'RouteNotFound', path: `${long.slice(0, 100)}…`, message: `Nothing at ${long.slice(0, 100)}….` });
    expect(r.text.length).toBeLessThan(400);
  });

  it('answers 405 with an Allow header when the path exists for other methods, HEAD wherever GET is', async () => {
    const r = await api('PATCH', '/invitations');
    expect(r.status).toBe(405);
    expect(r.body.error).toMatchObject({ type: 'MethodNotAllowed', allowed: ['POST', 'GET', 'HEAD'] });
    expect(r.headers.get('allow')).toBe('POST, GET, HEAD');
    const post = await api('POST', '/seats');
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await api('DELETE', `/invitations/inv_x/resend`)).headers.get('allow')).toBe('POST');
  });

  it('answers HEAD as GET without the body, and /openapi.json like any GET route: 405 for another method', async () => {
    const { ana } = await openShop();
    for (const path of ['/seats', '/agents', '/openapi.json']) {
      const get = await fetch(`${base}${path}`, { headers: { 'x-workspace-id': ana.workspaceId, 'x-agent-id': ana.agentId } });
      const head = await fetch(`${base}${path}`, { method: 'HEAD', headers: { 'x-workspace-id': ana.workspaceId, 'x-agent-id': ana.agentId } });
      expect([head.status, await head.text()], path).toEqual([200, '']);
      expect(head.headers.get('content-type'), path).toBe('application/json; charset=utf-8');
      expect(head.headers.get('content-length'), path).toBe(String(Buffer.byteLength(await get.text())));
    }
    const refused = await fetch(`${base}/seats`, { method: 'HEAD' });
    expect(refused.status).toBe(401);
    const post = await api('POST', '/openapi.json', { body: {} });
    expect(post.status).toBe(405);
    expect(post.body.error).toMatchObject({ type: 'MethodNotAllowed', allowed: ['GET', 'HEAD'] });
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('409 conflicts', () => {
  it('answers 409 for every rule a request collides with', async () => {
    const { ana, join, invite } = await openShop('starter');
    const bob = await join('Bob');
    const again = await invite('bob@acme.com');
    expect([again.status, again.body.error]).toEqual([409, expect.objectContaining({ type: 'EmailAlreadyExists', holder: 'agent' })]);
    await invite('cy@acme.com');
    const twice = await invite('cy@acme.com');
    expect([twice.status, twice.body.error.holder]).toEqual([409, 'pending-invitation']);

    const full = await invite('dee@acme.com');
    expect([full.status, full.body.error]).toEqual([409, expect.objectContaining({ type: 'SeatLimitReached', limit: 3, used: 3 })]);

    expect((await api('POST', '/departments', { as: ana, body: { name: 'Sales' } })).status).toBe(201);
    const second = await api('POST', '/departments', { as: ana, body: { name: 'Support' } });
    expect([second.status, second.body.error]).toEqual([409, expect.objectContaining({ type: 'DepartmentLimitReached', limit: 1, used: 1 })]);
    const demote = await api('PUT', `/agents/${ana.agentId}/role`, { as: ana, body: { role: 'agent' } });
    expect([demote.status, demote.body.error.type]).toEqual([409, 'OwnerMustStayAdmin']);
    const self = await api('POST', '/ownership/transfer', { as: ana, body: { toAgentId: ana.agentId } });
    expect([self.status, self.body.error.type]).toEqual([409, 'AlreadyOwner']);
    await api('POST', `/agents/${bob.agentId}/deactivate`, { as: ana });
    const online = await api('PUT', `/agents/${bob.agentId}/availability`, { as: ana, body: { availability: 'online' } });
    expect([online.status, online.body.error.type]).toEqual([409, 'AgentInactive']);
    const downgrade = await api('PUT', '/plan', { as: ana, body: { plan: 'free' } });
    expect([downgrade.status, downgrade.body.error]).toEqual([
      409,
      expect.objectContaining({ type: 'PlanLimitsExceeded', planId: 'free', seats: { used: 3, allowed: 1 } }),
    ]);
  });

  it('answers 409 DepartmentNameTaken and InvitationNotPending', async () => {
    const { ana, invite } = await openShop('pro');
    await api('POST', '/departments', { as: ana, body: { name: 'Sales' } });
    const taken = await api('POST', '/departments', { as: ana, body: { name: 'sales' } });
    expect([taken.status, taken.body.error]).toEqual([409, expect.objectContaining({ type: 'DepartmentNameTaken', name: 'sales' })]);
    const id: string = (await invite('bob@acme.com')).body.state.invitation.id;
    expect((await api('DELETE', `/invitations/${id}`, { as: ana })).status).toBe(200);
    const twice = await api('DELETE', `/invitations/${id}`, { as: ana });
    expect([twice.status, twice.body.error]).toEqual([409, expect.objectContaining({ type: 'InvitationNotPending', status: 'revoked' })]);
  });

  it('answers 409 to a well-formed assignment the agent\'s departments refuse (past 100), 400 to a malformed one', async () => {
    const { ana } = await openShop('custom');
    const ids: string[] = [];
    for (let n = 0; n <= 100; n++) {
      ids.push((await api('POST', '/departments', { as: ana, body: { name: `Team ${n}` } })).body.state.department.id);
    }
    const assign = (departmentIds: unknown) => api('POST', `/agents/${ana.agentId}/departments`, { as: ana, body: { departmentIds } });
    expect((await assign(ids.slice(0, 100))).status).toBe(200);
    // The form is right; the 100 departments Ana is in refuse a 101st: the state's refusal.
    const past = await assign([ids[100]]);
    expect([past.status, past.body.error]).toEqual([409, expect.objectContaining({ type: 'ValidationFailed', issues: [expect.objectContaining({ path: 'departmentIds' })] })]);
    // The form is wrong at the same field: a bad request, whatever the state.
    const tooMany = await assign(ids);
    expect([tooMany.status, tooMany.body.error.issues[0].path]).toEqual([400, 'departmentIds']);
    const malformed = await assign(['team-1']);
    expect([malformed.status, malformed.body.error.type]).toEqual([400, 'ValidationFailed']);
    // A good body from a malformed actor is refused at the actor, not the state: 400.
    const badActor = await api('POST', `/agents/${ana.agentId}/departments`, { as: { ...ana, agentId: 'not an id!' }, body: { departmentIds: [ids[0]] } });
    expect([badActor.status, badActor.body.error.issues[0].path]).toEqual([400, 'actor.agentId']);
    // The OpenAPI document names the 409 on this route.
    const doc = await api('GET', '/openapi.json');
    expect(doc.body.paths['/agents/{id}/departments'].post.responses['409'].description).toContain('ValidationFailed at departmentIds');
  });

  it('answers 409 ConcurrencyConflict when the store keeps changing under the command', async () => {
    class ContestedStore extends MemoryRosterStore {
      contested = false;
      override async commit(commit: Commit): Promise<CommitOutcome> {
        return this.contested ? { committed: false, reason: 'stale-version', detail: 'simulated' } : super.commit(commit);
      }
    }
    const store = new ContestedStore();
    const contestedBase = await serve(createRoster({ store, maxAttempts: 3 }), { onError: () => {} });
    const opened = await call(contestedBase, 'POST', '/workspaces', { body: { name: 'Race', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } } });
    const ana: ActorRef = { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id };
    store.contested = true;
    const r = await call(contestedBase, 'POST', '/departments', { as: ana, body: { name: 'Sales' } });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ type: 'ConcurrencyConflict', attempts: 3 });
  });
});

describe('410: links that were good once', () => {
  it('answers 410 for a used, a revoked and an expired link, on preview and on accept', async () => {
    const { ana, invite, tokenFor, join } = await openShop();
    await join('Bob');
    const used = await api('GET', `/invitations/preview?token=${tokenFor('bob@acme.com')}`);
    expect([used.status, used.body.error.type]).toEqual([410, 'InvitationAlreadyAccepted']);

    const id: string = (await invite('cy@acme.com')).body.state.invitation.id;
    await api('DELETE', `/invitations/${id}`, { as: ana });
    const revoked = await api('POST', '/invitations/accept', { body: { token: tokenFor('cy@acme.com'), name: 'Cy', password: PASSWORD } });
    expect([revoked.status, revoked.body.error.type]).toEqual([410, 'InvitationWasRevoked']);

    await invite('dee@acme.com');
    clock.advance({ days: 8 });
    const token = tokenFor('dee@acme.com');
    const expired = await api('GET', `/invitations/preview?token=${token}`);
    expect([expired.status, expired.body.error.type]).toEqual([410, 'InvitationHasExpired']);
    expect(expired.body.error.expiredAt).toEqual(expect.any(String));
    const late = await api('POST', '/invitations/accept', { body: { token, name: 'Dee', password: PASSWORD } });
    expect([late.status, late.body.error.type]).toEqual([410, 'InvitationHasExpired']);
  });
});

describe('the body limit', () => {
  const big = (bytes: number) => JSON.stringify({ name: 'x'.repeat(bytes) });

  it('answers 413 to a body over 64 KiB with a Content-Length, and takes one just under it', async () => {
    const { ana } = await openShop();
    const over = await api('POST', '/departments', { as: ana, raw: big(DEFAULT_MAX_BODY_BYTES) });
    expect(over.status).toBe(413);
    expect(over.body.error).toMatchObject({ type: 'PayloadTooLarge', limitBytes: 65_536 });
    const under = await api('POST', '/departments', { as: ana, raw: big(DEFAULT_MAX_BODY_BYTES - 20) });
    expect(under.status).toBe(400); // read and parsed: the name is too long for a department, not the body for the server
    expect(under.body.error.issues.map((i: Json) => i.path)).toEqual(['name']);
  });

  it('answers 413 on a declared Content-Length alone, before a byte of the body arrives', async () => {
    const { ana } = await openShop();
    // The body is never sent: only a server that trusts the header's "too big" can answer.
    const answer = new Promise<{ status: number; body: Json }>((resolve, reject) => {
      const req = request(`${base}/departments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '10000000', 'x-workspace-id': ana.workspaceId, 'x-agent-id': ana.agentId },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => (resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }), req.destroy()));
      });
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => (reject(new Error('no answer before the body')), req.destroy()), 3000);
    });
    const r = await answer;
    expect([r.status, r.body.error.type]).toEqual([413, 'PayloadTooLarge']);
  });

  const headOf = (actor: ActorRef, contentLength: number, extra = '') =>
    `POST /departments HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${contentLength}\r\n` +
    `x-workspace-id: ${actor.workspaceId}\r\nx-agent-id: ${actor.agentId}\r\n${extra}\r\n`;

  it('answers Expect: 100-continue with a 413 at once for a declared body over the limit, never 100 Continue, and closes', async () => {
    const { ana } = await openShop();
    const r = await exchange(base, headOf(ana, 10_000_000, 'expect: 100-continue\r\n'));
    expect(r.received).not.toContain('100 Continue');
    expect(r.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(r.received).toContain('"type":"PayloadTooLarge"');
    expect(r.closed).toBe(true);
  });

  it('answers Expect: 100-continue with 100 Continue for a body within the limit, then reads it', async () => {
    const { ana } = await openShop();
    const body = JSON.stringify({ name: 'Sales' });
    const r = await exchange(base, headOf(ana, Buffer.byteLength(body), 'expect: 100-continue\r\nconnection: close\r\n'), body);
    expect(r.received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
    expect(r.received).toContain('"type":"DepartmentCreated"');
  });

  it('closes the connection after a 413 for a declared length over the limit, rather than draining the body', async () => {
    const { ana } = await openShop();
    const r = await exchange(base, headOf(ana, 10_000_000));
    expect(r.received).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.received).toMatch(/\r\nconnection: close\r\n/i);
    expect(r.closed).toBe(true);
  });

  it('answers 413 to a chunked body without a Content-Length as soon as it passes the limit', async () => {
    const { ana } = await openShop();
    const chunks = Array.from({ length: 10 }, () => Buffer.from('x'.repeat(8 * 1024)));
    const headers = { 'x-workspace-id': ana.workspaceId, 'x-agent-id': ana.agentId, 'transfer-encoding': 'chunked' };
    const r = await rawCall(base, 'POST', '/departments', chunks, headers);
    expect(r.status).toBe(413);
    expect(r.body.error.type).toBe('PayloadTooLarge');
    // The connection that carried it still serves the next request.
    expect((await api('GET', '/seats', { as: ana })).status).toBe(200);
  });

  it('honours a smaller limit given in the options', async () => {
    const small = await serve(createRoster(), { maxBodyBytes: 100 });
    const r = await call(small, 'POST', '/workspaces', { raw: big(200) });
    expect([r.status, r.body.error.limitBytes]).toEqual([413, 100]);
  });
});

describe('hostile bodies', () => {
  it('answers every object payload of the hostile-input fixture on every route that reads a body with a 4xx, never a 500', async () => {
    const { ana } = await openShop();
    const bodied = ROUTE_LIST.filter((r) => /^(POST|PUT|PATCH) /.test(r));
    expect(bodied.length).toBeGreaterThanOrEqual(13);
    for (const route of bodied) {
      const [method, pattern] = route.split(' ') as [string, string];
      // A queue that exists (the workspace-wide one), so that the body is what is refused.
      const id = pattern.startsWith('/invitations') ? 'inv_x' : pattern.startsWith('/departments') ? 'dep_x' : pattern.startsWith('/queues') ? 'conv_x' : ana.agentId;
      const path = pattern.replace(':departmentId', 'dep_x').replace(':queue', 'workspace').replace(':id', id);
      for (const raw of [...hostile.object_payloads_json, `{"__proto__": {"isAdmin": true}, "name": "Sales"}`]) {
        const r = await api(method, path, { as: ana, raw });
        expect(r.status, `${route} ${raw}`).toBe(400);
        expect(r.body.error.type).toBe('ValidationFailed');
      }
    }
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it('answers deep nesting and wrong types with 400', async () => {
    const { ana } = await openShop();
    const deep = await api('POST', '/departments', { as: ana, raw: `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}` });
    expect(deep.status).toBe(400);
    for (const value of hostile.wrong_types) {
      const r = await api('POST', '/invitations', { as: ana, body: { email: value } });
      expect(r.status).toBe(400);
    }
  });
});

describe('failures that are not the client’s', () => {
  it('answers 503 StoreUnavailable without the adapter’s words, which go to onError', async () => {
    class FlakyStore extends MemoryRosterStore {
      down = false;
      override async loadWorkspace(...args: Parameters<MemoryRosterStore['loadWorkspace']>) {
        if (this.down) throw new Error('connect ECONNREFUSED 10.1.2.3:5432 user=roster password=s3cret');
        return super.loadWorkspace(...args);
      }
    }
    const store = new FlakyStore();
    const seen: unknown[] = [];
    const flaky = await serve(createRoster({ store }), { onError: (e) => seen.push(e) });
    const opened = await call(flaky, 'POST', '/workspaces', { body: { name: 'Flaky', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } } });
    store.down = true;
    const r = await call(flaky, 'GET', '/seats', { as: { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id } });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: { type: 'StoreUnavailable', message: 'The roster store is unavailable. Nothing was changed; try again.' } });
    expect(r.text).not.toContain('ECONNREFUSED');
    expect(seen).toEqual([expect.objectContaining({ type: 'StoreUnavailable', cause: expect.stringContaining('ECONNREFUSED') })]);
  });

  it('answers 503 ServiceUnavailable naming the host port that failed, its words going to onError only', async () => {
    const seen: unknown[] = [];
    const accounts = { isStandaloneAccount: async () => Promise.reject(new Error('directory.internal:389 timed out')) };
    const base = await serve(createRoster({ accounts }), { onError: (e) => seen.push(e) });
    const opened = await call(base, 'POST', '/workspaces', { body: { name: 'Dir', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } } });
    const as = { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id };
    const r = await call(base, 'POST', '/invitations', { as, body: { email: 'bob@acme.com' } });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({
      error: { type: 'ServiceUnavailable', service: 'accountDirectory', message: 'The account directory (accountDirectory) failed. Nothing was changed; try again.' },
    });
    expect(r.text).not.toContain('directory.internal');
    expect(seen).toEqual([expect.objectContaining({ type: 'ServiceUnavailable', cause: 'directory.internal:389 timed out' })]);
  });

  it('answers 500 ServiceUnavailable when the host’s own templates or acceptUrl fail: a retry cannot help until its code is fixed', async () => {
    const broken: Readonly<Record<'templates' | 'acceptUrl', RosterOptions>> = {
      templates: { templates: { invitation: () => { throw new Error('template.ts:12 undefined is not a function'); } } },
      acceptUrl: { acceptUrl: () => { throw new Error('acceptUrl.ts:3 bad base'); } },
    };
    for (const [service, options] of Object.entries(broken)) {
      const seen: unknown[] = [];
      const own = await serve(createRoster(options), { onError: (e) => seen.push(e), signUpPlan: 'pro' });
      const opened = await call(own, 'POST', '/workspaces', { body: { name: 'Host', owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } } });
      const as = { workspaceId: opened.body.state.workspace.id, agentId: opened.body.state.owner.id };
      const r = await call(own, 'POST', '/invitations', { as, body: { email: 'bob@acme.com' } });
      expect([r.status, r.body.error], service).toEqual([500, expect.objectContaining({ type: 'ServiceUnavailable', service })]);
      expect(r.text).not.toMatch(/\.ts:/);
      expect(seen).toEqual([expect.objectContaining({ type: 'ServiceUnavailable', service })]);
    }
    // The ports that stand for another system stay 503: they may come back by themselves.
    for (const service of ['accountDirectory', 'rateLimiter', 'breachedPasswords', 'identity', 'clock', 'random'] as const) {
      expect(statusOf({ type: 'ServiceUnavailable', service }), service).toBe(503);
    }
    expect([statusOf({ type: 'ServiceUnavailable', service: 'templates' }), statusOf({ type: 'ServiceUnavailable', service: 'acceptUrl' })]).toEqual([500, 500]);
  });

  it('answers 500 InternalError, with no stack and no message, when a use case throws', async () => {
    const seen: unknown[] = [];
    const broken: Roster = {
      ...createRoster(),
      seatUsage: () => {
        throw new Error('boom in /srv/app/secret.ts');
      },
    };
    const r = await call(await serve(broken, { onError: (e) => seen.push(e) }), 'GET', '/seats', { as: { workspaceId: 'ws_1', agentId: 'agt_1' } });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { type: 'InternalError', message: 'Something went wrong on our side. Try again later.' } });
    expect(r.text).not.toMatch(/boom|secret|at /);
    expect(seen).toEqual([expect.any(Error)]);
  });

  it('answers 429 RateLimited with a Retry-After header', async () => {
    const limited: RosterOptions = { rateLimiter: { consume: async () => ({ allowed: false, retryAfterMs: 1500 }) } };
    const r = await call(await serve(createRoster(limited)), 'GET', `/invitations/preview?token=${'A'.repeat(43)}`);
    expect(r.status).toBe(429);
    expect(r.body.error).toMatchObject({ type: 'RateLimited', retryAfterMs: 1500 });
    expect(r.headers.get('retry-after')).toBe('2');
    // A refusal with no wait: 1 s, as the message says, never `Retry-After: 0` (retry at once).
    const now: RosterOptions = { rateLimiter: { consume: async () => ({ allowed: false, retryAfterMs: 0 }) } };
    const again = await call(await serve(createRoster(now)), 'GET', `/invitations/preview?token=${'A'.repeat(43)}`);
    expect([again.status, again.headers.get('retry-after'), again.body.error.message]).toEqual([429, '1', 'Too many attempts. Try again in 1 s.']);
  });
});

describe('the status map', () => {
  // Exhaustive both ways: the compiler refuses a missing type and an unknown one.
  const EVERY_TYPE: Record<ApiErrorType, true> = {
    ValidationFailed: true, PermissionDenied: true, AgentNotFound: true, InvitationNotFound: true, DepartmentNotFound: true,
    PlanNotFound: true, EmailAlreadyExists: true, SeatLimitReached: true, DepartmentLimitReached: true, PlanLimitsExceeded: true,
    InvalidToken: true, InvitationHasExpired: true, InvitationAlreadyAccepted: true, InvitationWasRevoked: true,
    InvitationNotPending: true, SignedInAsDifferentEmail: true, WeakPassword: true, OwnerCannotBeDeleted: true,
    OwnerMustStayAdmin: true, AlreadyOwner: true, AgentInactive: true, DepartmentNameTaken: true, ConcurrencyConflict: true,
    StoreUnavailable: true, IdentityUnavailable: true, ServiceUnavailable: true, WorkspaceNotFound: true, UnknownActor: true, RateLimited: true,
    ConversationNotFound: true, ConversationAlreadyRouted: true, AgentNotEligible: true, WaitingLineFull: true, ActorRequired: true,
    RouteNotFound: true, MethodNotAllowed: true, PayloadTooLarge: true, UnsupportedMediaType: true, InternalError: true,
  };
  const types = Object.keys(EVERY_TYPE) as ApiErrorType[];

  it('gives every error type a 4xx or 5xx status, and the map has no type beyond them', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...types].sort());
    for (const type of types) {
      const status = statusOf({ type });
      expect(Number.isInteger(status), type).toBe(true);
      expect(status >= 400 && status < 600, `${type} → ${status}`).toBe(true);
      expect(status >= 500, type).toBe(['StoreUnavailable', 'IdentityUnavailable', 'ServiceUnavailable', 'InternalError'].includes(type));
    }
  });

  it('answers 500 for a type it has never heard of, even one named like an Object property', () => {
    for (const type of ['SomethingNew', '__proto__', 'toString', 'constructor']) expect(statusOf({ type } as never)).toBe(500);
  });

  it('agrees with docs/errors.md: each documented type gets one of the statuses its section offers', () => {
    const docs = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const sections = [...docs.matchAll(/^### (\w+)\n([\s\S]*?)(?=^###? |$(?![\s\S]))/gm)];
    expect(sections.length).toBeGreaterThanOrEqual(28);
    for (const [, type, text] of sections) {
      const line = text!.match(/^- \*\*HTTP\*\*: (.*)$/m)?.[1];
      expect(line, `${type} has an HTTP line`).toBeDefined();
      const offered = [...line!.matchAll(/\b([45]\d\d)\b/g)].map((m) => Number(m[1]));
      expect(types, `${type} is in the status map`).toContain(type);
      expect(offered, `${type}: ${line}`).toContain(statusOf({ type: type as ApiErrorType }));
    }
  });
});

describe('long listings, a page at a time', () => {
  it('pages agents and invitations with next, follows the event log with its cursor, and refuses a bad limit or cursor', async () => {
    const shop = await openShop('enterprise');
    for (const name of ['Bob', 'Cy', 'Dee']) await shop.join(name);
    await shop.invite('eve@acme.com');
    const names: string[] = [];
    let path = '/agents?limit=2';
    for (;;) {
      const r = await api('GET', path, { as: shop.ana });
      expect(r.status).toBe(200);
      names.push(...r.body.agents.map((a: Json) => a.name));
      if (r.body.next === null) break;
      path = `/agents?limit=2&after=${encodeURIComponent(r.body.next)}`;
    }
    expect(names.sort()).toEqual(['Ana', 'Bob', 'Cy', 'Dee']);
    const pending = await api('GET', '/invitations?status=pending&limit=1', { as: shop.ana });
    expect(pending.body).toMatchObject({ invitations: [expect.objectContaining({ email: 'eve@acme.com' })], next: null });

    const log = await api('GET', '/events?limit=1000', { as: shop.ana });
    expect(log.status).toBe(200);
    expect(log.body.events[0].type).toBe('WorkspaceCreated');
    expect((await api('POST', '/departments', { as: shop.ana, body: { name: 'Billing' } })).status).toBe(201);
    const since = await api('GET', `/events?after=${log.body.cursor}`, { as: shop.ana });
    expect(since.body.events.map((e: Json) => e.type)).toEqual(['DepartmentCreated']);

    expect(since.body).toMatchObject({ more: false, cursor: expect.stringMatching(/^\d+~[0-9a-z]+$/) });

    for (const query of ['limit=0', 'limit=ten', 'limit=1001', 'limit=0x10', 'limit=1e2', 'limit=%205%20', 'after=nowhere']) {
      const r = await api('GET', `/agents?${query}`, { as: shop.ana });
      expect(r.status).toBe(400);
      expect(r.body.error.issues.map((i: Json) => i.path)).toEqual([query.split('=')[0]]);
    }
    // A whole number out of range is told so, not that it is a string.
    for (const limit of ['0', '-1', '1001']) {
      const r = await api('GET', `/agents?limit=${limit}`, { as: shop.ana });
      expect(r.body.error.issues[0].message).not.toMatch(/string/);
    }
  });
});

describe('the OpenAPI document', () => {
  it('lists every route with its request body generated from the library’s schemas', async () => {
    const r = await api('GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    const documented = Object.entries(r.body.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.sort()).toEqual([...ROUTE_LIST].sort());
    const invite = r.body.paths['/invitations'].post.requestBody.content['application/json'].schema;
    expect(invite).toMatchObject({ type: 'object', additionalProperties: false, required: ['email'] });
    expect(Object.keys(invite.properties).sort()).toEqual(['departmentIds', 'email', 'role']);
    const edit = r.body.paths['/agents/{id}'].patch.requestBody.content['application/json'].schema;
    expect(Object.keys(edit.properties).sort()).toEqual(['description', 'email', 'name']);
    expect(edit.required ?? []).not.toContain('agentId');
    const signUp = r.body.paths['/workspaces'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(signUp.properties.owner.properties).sort()).toEqual(['email', 'name', 'password']);
    expect(signUp.properties).not.toHaveProperty('seatPolicy');
    expect(r.body.paths['/seats'].get.parameters.map((p: Json) => p.name)).toEqual(['x-workspace-id', 'x-agent-id']);
  });

  it('gives path ids their pattern, filters their values, and a PATCH body at least one field, as the roster does', async () => {
    const { paths } = (await api('GET', '/openapi.json')).body;
    const parameter = (path: string, method: string, name: string) => paths[path][method].parameters.find((p: Json) => p.name === name).schema;
    const agentId = new RegExp(parameter('/agents/{id}', 'patch', 'id').pattern);
    expect([agentId.test('agt_bob'), agentId.test('dep_sales'), agentId.test('bob')]).toEqual([true, false, false]);
    expect(new RegExp(parameter('/agents/{id}/departments/{departmentId}', 'delete', 'departmentId').pattern).test('dep_sales')).toBe(true);
    expect(new RegExp(parameter('/invitations/{id}', 'delete', 'id').pattern).test('inv_x')).toBe(true);
    // A queue is a department's id or `workspace`; a conversation's id has its own prefix.
    const queue = parameter('/queues/{queue}/conversations/{id}/close', 'post', 'queue');
    expect(queue.anyOf).toEqual([{ type: 'string', const: 'workspace' }, expect.objectContaining({ pattern: expect.stringContaining('dep_') })]);
    expect(new RegExp(parameter('/queues/{queue}/conversations/{id}/close', 'post', 'id').pattern).test('conv_1')).toBe(true);
    const transfer = paths['/queues/{queue}/conversations/{id}/transfer'].post.requestBody.content['application/json'].schema;
    expect([Object.keys(transfer.properties), transfer.required]).toEqual([['to'], ['to']]);
    expect(paths['/queues/{queue}'].patch.requestBody.content['application/json'].schema).toMatchObject({
      minProperties: 1,
      additionalProperties: false,
      anyOf: [{ required: ['strategy'] }, { required: ['capacity'] }, { required: ['capacities'] }],
    });
    expect(parameter('/agents', 'get', 'status').enum).toEqual(['active', 'inactive']);
    expect(parameter('/agents', 'get', 'availability').enum).toEqual(['online', 'away']);
    expect(parameter('/invitations', 'get', 'status').enum).toEqual(['pending', 'accepted', 'revoked', 'expired']);
    expect(paths['/agents/{id}'].patch.requestBody.content['application/json'].schema.minProperties).toBe(1);
    const { ana } = await openShop();
    expect((await api('PATCH', `/agents/${ana.agentId}`, { as: ana, body: {} })).status).toBe(400);
  });

  it("says what the handler reads: limit in plain digits (a string), the preview token's bound, the roster's own request schemas", async () => {
    const { paths } = (await api('GET', '/openapi.json')).body;
    const parameter = (path: string, method: string, name: string) => paths[path][method].parameters.find((p: Json) => p.name === name).schema;
    for (const path of ['/agents', '/invitations', '/events']) {
      const limit = parameter(path, 'get', 'limit');
      // A string, so a validator that coerces query values cannot turn `1e2` into the integer 100 and pass it on.
      expect(limit, path).toMatchObject({ type: 'string', pattern: expect.any(String) });
      const digits = new RegExp(limit.pattern);
      expect(['1e2', '100.0', '+5', ' 5 ', '0x10', '-1', ''].filter((v) => digits.test(v)), path).toEqual([]);
      expect(['1', '100', '1000', '0100'].every((v) => digits.test(v)), path).toBe(true);
    }
    const { ana } = await openShop();
    for (const limit of ['1', '1000', '0100']) expect((await api('GET', `/agents?limit=${limit}`, { as: ana })).status, limit).toBe(200);
    expect(parameter('/invitations/preview', 'get', 'token')).toEqual({ type: 'string', maxLength: 200 });
    const bodyOf = (path: string) => paths[path].post.requestBody.content['application/json'].schema;
    const { $schema: _, ...accept } = z.toJSONSchema(acceptInvitationRequestSchema, { io: 'input' });
    expect(bodyOf('/invitations/accept')).toEqual(accept);
    const { $schema: __, ...signUp } = z.toJSONSchema(createWorkspaceRequestSchema.omit({ plan: true, seatPolicy: true }), { io: 'input' });
    expect(bodyOf('/workspaces')).toEqual(signUp);
  });

  it('says that routing, closing and transferring take an active agent, and what an inactive one gets', async () => {
    const { paths } = (await api('GET', '/openapi.json')).body;
    for (const path of ['/queues/{queue}/conversations', '/queues/{queue}/conversations/{id}/close', '/queues/{queue}/conversations/{id}/transfer']) {
      const { summary, description, responses } = paths[path].post;
      expect(summary, path).toMatch(/\(any active agent of the workspace\)$/);
      expect(description, path).toMatch(/403 `PermissionDenied`.*`capability: 'chat'`.*`reason: 'inactive'`/s);
      expect(responses['403'], path).toMatchObject({ description: expect.stringContaining('inactive') });
    }
  });
});

describe('across the whole run', () => {
  it('gave every route a success, and never sent a password or a token hash', () => {
    const patterns = ROUTE_LIST.map((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return { route, test: new RegExp(`^${method} ${path.replace(/:\w+/g, '[^/]+')}$`) };
    });
    const untried = patterns.filter((p) => !succeeded.some((s) => p.test.test(s))).map((p) => p.route);
    expect(untried).toEqual([]);
    const leaks = transcript.filter((t) => t.includes(PASSWORD) || t.includes('tokenHash'));
    expect(leaks).toEqual([]);
    expect(logged).toEqual([]);
  });
});
