/**
 * A small JSON API over a roster, on Node's own `http` types and nothing else: no framework, so
 * every decision an HTTP layer has to make is in view. Copy it, or read it as a checklist for the
 * framework you use.
 *
 * - The acting agent comes from the `x-workspace-id` and `x-agent-id` headers. That keeps the
 *   example self-contained, and it is NOT authentication: anyone can send any header. A real app
 *   derives both from its own session (a cookie or a bearer token it verified) and never lets the
 *   client name them.
 * - Bodies are JSON objects of at most 64 KiB; every answer is JSON, every error is
 *   `{ error: { type, message, ...data } }` with a status from {@link statusOf}.
 * - The handler never throws and never shows a stack trace: an unexpected failure is a 500
 *   `InternalError`, and the details go to `onError` (the console by default).
 *
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { err, ok, okAsync, type ResultAsync } from 'neverthrow';
import * as z from 'zod';
import {
  agentFilterSchema,
  agentIdSchema,
  acceptInvitationRequestSchema,
  assignAgentSchema,
  authorize,
  fail,
  changePlanSchema,
  changeRoleSchema,
  configureRoutingSchema,
  conversationIdSchema,
  conversationsOf,
  createDepartmentSchema,
  createWorkspaceRequestSchema,
  departmentIdSchema,
  editAgentSchema,
  invitationFilterSchema,
  invitationIdSchema,
  inviteAgentSchema,
  membersOf,
  planIdSchema,
  previewInvitationRequestSchema,
  renameDepartmentSchema,
  routeConversationSchema,
  setAvailabilitySchema,
  transferConversationSchema,
  transferOwnershipSchema,
  validationFailed,
  type ActorRef,
  type DepartmentId,
  type DepartmentNotFound,
  type FieldIssue,
  type Roster,
  type RosterError,
  type RoutingState,
  type ValidationFailed,
} from 'agent-roster';

// ── Errors and their statuses ───────────────────────────────────────────────────────────────

type Failure<T extends string, D = object> = Readonly<{ type: T; message: string } & D>;

/** The request named no acting agent: the `x-workspace-id` or `x-agent-id` header is missing. @example { type: 'ActorRequired', missing: ['x-agent-id'], message: '…' } */
export type ActorRequired = Failure<'ActorRequired', { missing: readonly string[] }>;
/** No route has this path. @example { type: 'RouteNotFound', path: '/nowhere', message: 'Nothing at /nowhere.' } */
export type RouteNotFound = Failure<'RouteNotFound', { path: string }>;
/** The path exists, but not for this method; `allowed` lists the methods it has. @example { type: 'MethodNotAllowed', allowed: ['GET', 'POST'], message: '…' } */
export type MethodNotAllowed = Failure<'MethodNotAllowed', { allowed: readonly string[] }>;
/** The body is over the size limit. @example { type: 'PayloadTooLarge', limitBytes: 65536, message: '…' } */
export type PayloadTooLarge = Failure<'PayloadTooLarge', { limitBytes: number }>;
/** The body is not sent as `application/json`. @example { type: 'UnsupportedMediaType', message: '…' } */
export type UnsupportedMediaType = Failure<'UnsupportedMediaType'>;
/** Something failed that should not have; the details went to `onError`, not to the client. @example { type: 'InternalError', message: '…' } */
export type InternalError = Failure<'InternalError'>;

/** The errors this HTTP layer adds to the roster's own. @example const e: HttpError = { type: 'RouteNotFound', path: '/x', message: 'Nothing at /x.' } */
export type HttpError = ActorRequired | RouteNotFound | MethodNotAllowed | PayloadTooLarge | UnsupportedMediaType | InternalError;
/** Every error this API can answer with. @example const body: { error: ApiError } = JSON.parse(text) */
export type ApiError = RosterError | HttpError;
/** The `type` of every {@link ApiError}. @example const t: ApiErrorType = 'SeatLimitReached' */
export type ApiErrorType = ApiError['type'];

/**
 * The status of every error `type`. A `Record` over the unions' types, so adding an error to the
 * library without giving it a status here fails the typecheck. The choices follow
 * docs/errors.md; where it offers two, the one taken is noted.
 *
 * @example ERROR_STATUS.SeatLimitReached // 409
 */
export const ERROR_STATUS: Readonly<Record<ApiErrorType, number>> = {
  // Domain errors
  ValidationFailed: 400, // docs: 422 or 400. 400, so a schema failure and unreadable JSON answer alike.
  PermissionDenied: 403,
  // An id in the URL path is the target, and not finding it is a 404; an id named in the body is
  // an input the request refers to, and not finding it is a 422 (the routes' `statusFor`).
  AgentNotFound: 404, // 422 on `POST /ownership/transfer` (`toAgentId`).
  InvitationNotFound: 404,
  DepartmentNotFound: 404, // 422 on the routes that name departments in the body.
  PlanNotFound: 422,
  EmailAlreadyExists: 409,
  SeatLimitReached: 409, // docs: 409 or 402.
  DepartmentLimitReached: 409, // docs: 409 or 402.
  PlanLimitsExceeded: 409,
  InvalidToken: 404,
  InvitationHasExpired: 410,
  InvitationAlreadyAccepted: 410,
  InvitationWasRevoked: 410,
  InvitationNotPending: 409,
  SignedInAsDifferentEmail: 403,
  WeakPassword: 422, // a policy refusal of a well-formed password; one too long to check is malformed: ValidationFailed, 400.
  OwnerCannotBeDeleted: 409,
  OwnerMustStayAdmin: 409,
  AlreadyOwner: 409,
  AgentInactive: 409,
  DepartmentNameTaken: 409,
  // Application errors
  ConcurrencyConflict: 409,
  StoreUnavailable: 503,
  IdentityUnavailable: 503,
  ServiceUnavailable: 503, // a host port (account directory, rate limiter, …) failed; `service` names it. 500 for HOST_CODE (see `statusOf`).
  // Both from the caller's session (the actor headers here): it names a workspace or an agent that
  // is gone, so the client signs in again. No route takes a workspace id from its URL (the
  // accept and the preview of a link to a deleted workspace answer `InvalidToken`); one that did
  // would set `statusFor: { WorkspaceNotFound: 404 }`.
  WorkspaceNotFound: 401, // docs: 404, or the status of UnknownActor when the id is the session's.
  UnknownActor: 401, // docs: 403 or 401. 401: the session names someone who is gone; sign in again.
  RateLimited: 429,
  // Routing errors (the `/queues` routes). The queue is in the URL, so a department's queue that
  // is not there is the default `DepartmentNotFound` 404, and so is a conversation the queue is
  // not handling; an agent named in a transfer's body who may not take it is a conflict with
  // the queue's state (away, at capacity, …), not a missing resource: `reason` says which.
  ConversationNotFound: 404,
  ConversationAlreadyRouted: 409,
  AgentNotEligible: 409,
  // A full waiting line: the queue's state refuses the chat, and the chat backend shows the
  // visitor its offline form (docs/routing.md). Not a 5xx: nothing failed, and a proxy counting
  // 5xx answers to take a backend out of rotation must not count it.
  WaitingLineFull: 409,
  // This HTTP layer
  ActorRequired: 401,
  RouteNotFound: 404,
  MethodNotAllowed: 405,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  InternalError: 500,
};

/**
 * The `ServiceUnavailable` services that are the host's own code rather than another system:
 * `templates.invitation` and `acceptUrl` failing is a bug of this server, not an outage a retry
 * outlasts, so they answer 500 (docs/errors.md), the others 503.
 */
const HOST_CODE: ReadonlySet<string> = new Set(['templates', 'acceptUrl']);

/**
 * The HTTP status for an error, by its `type` (and, for `ServiceUnavailable`, its `service`); 500
 * for a type this API does not know (which the compiler already rules out for errors it can see).
 *
 * @example statusOf({ type: 'InvitationHasExpired' }) // 410
 * @example statusOf({ type: 'ServiceUnavailable', service: 'templates' }) // 500
 */
export function statusOf(error: Readonly<{ type: ApiErrorType; service?: string }>): number {
  if (error.type === 'ServiceUnavailable' && error.service !== undefined && HOST_CODE.has(error.service)) return 500;
  return Object.hasOwn(ERROR_STATUS, error.type) ? ERROR_STATUS[error.type] : 500;
}

/** How much of a path (a field's, or the request's) an answer echoes. */
const MAX_PATH = 100;
const cut = (path: string) => (path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path);

const httpFail = {
  actorRequired: (missing: readonly string[]): ActorRequired => ({
    type: 'ActorRequired',
    missing,
    message: `Say who is acting: the ${missing.join(' and ')} header${missing.length > 1 ? 's are' : ' is'} missing.`,
  }),
  // The path is echoed cut to size, as a ValidationFailed path is: a 10 KB path must not earn a 10 KB answer.
  routeNotFound: (path: string): RouteNotFound => ({ type: 'RouteNotFound', path: cut(path), message: `Nothing at ${cut(path)}.` }),
  methodNotAllowed: (allowed: readonly string[]): MethodNotAllowed => ({
    type: 'MethodNotAllowed',
    allowed,
    message: `This path answers ${allowed.join(', ')} only.`,
  }),
  payloadTooLarge: (limitBytes: number): PayloadTooLarge => ({
    type: 'PayloadTooLarge',
    limitBytes,
    message: `The body is larger than ${limitBytes} bytes.`,
  }),
  unsupportedMediaType: (): UnsupportedMediaType => ({
    type: 'UnsupportedMediaType',
    message: 'Send the body as JSON in UTF-8, with Content-Type: application/json.',
  }),
  internal: (): InternalError => ({ type: 'InternalError', message: 'Something went wrong on our side. Try again later.' }),
};

const invalid = (path: string, message: string): ValidationFailed => validationFailed([{ path, message }]);

// ── Options ─────────────────────────────────────────────────────────────────────────────────

/**
 * How the handler behaves; every field has a default.
 *
 * @example createHandler(roster, { maxBodyBytes: 16 * 1024, sessionOf: (req) => req.headers.cookie, onError: log.error })
 */
export type HandlerOptions = Readonly<{
  /** The largest body accepted, in bytes; larger is a 413. Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Where the details of a failure go that the client must not see: an unexpected throw, or the
   * `cause` of `StoreUnavailable` / `IdentityUnavailable` / `ServiceUnavailable`. Default `console.error`.
   */
  onError?: (error: unknown) => void;
  /**
   * The visitor's session, handed to `acceptInvitation` so that someone signed in as another email
   * cannot accept (the roster asks the identity port who that session is). Default: none.
   */
  sessionOf?: (req: IncomingMessage) => unknown;
  /**
   * Who is asking, as the rate limiter's key for previews and accepts. Default: the socket's
   * address; behind a proxy, take it from the header your trusted proxy sets.
   */
  requesterOf?: (req: IncomingMessage) => string;
  /**
   * The plan a new workspace opens on. A sign-up names none: anyone may sign up, so a plan a
   * client could pick would be a paid plan for free; moving to another plan is your billing
   * flow's to do (`PUT /plan` stands in for its callback here). Default `'free'`.
   */
  signUpPlan?: string;
}>;

/** The default body limit: 64 KiB. @example createHandler(roster, { maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 4 }) */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

// ── Routes ──────────────────────────────────────────────────────────────────────────────────

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Body = Readonly<Record<string, unknown>>;

/** What a route's `run` gets: everything already read from the request. */
type Call = Readonly<{
  roster: Roster;
  actor: ActorRef;
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  body: Body;
  requester: string;
  session: unknown;
  signUpPlan: string;
}>;

/** What a route answers: a JSON-able value, or a roster error. */
type Outcome = ResultAsync<unknown, RosterError>;

type Route = Readonly<{
  method: Method;
  path: string;
  summary: string;
  /** Needs the acting agent's headers. */
  actor: boolean;
  /** The body's schema for the OpenAPI document; a route without one reads no body. */
  body?: z.ZodType;
  /**
   * Path parameters that go into the body under these names (`:id` → `agentId`). A `:queue` goes
   * in as `departmentId`, `workspace` as `null` (the workspace-wide queue).
   */
  params?: Readonly<Record<string, string>>;
  /** Query parameters, for the OpenAPI document. */
  query?: readonly string[];
  /** The query's schema (a listing's filter, the preview's request): the OpenAPI document takes its query parameters' schemas from it. */
  filter?: z.ZodType;
  /** The body must name at least one field: `minProperties: 1` in the document, beside the `anyOf` of `required` the command's schema publishes. */
  atLeastOneField?: boolean;
  /** Body fields only the host may set; a client sending one gets a 400. */
  hostOnly?: readonly string[];
  created?: boolean;
  /** Statuses that differ on this route from {@link ERROR_STATUS}. */
  statusFor?: Partial<Record<ApiErrorType, number>>;
  /**
   * A body field the roster checks against the state as well as the form: a `ValidationFailed`
   * all of whose issues are at this field, answered to a body the route's `body` schema accepts,
   * is the state's refusal, not the form's, and answers 409 (docs/errors.md, ValidationFailed).
   * Told apart by the schema, not by the message's words.
   */
  stateChecked?: string;
  /** More than the summary says, for the OpenAPI document. */
  description?: string;
  /** Error statuses worth naming in the OpenAPI document, with what they mean on this route. */
  refusals?: Readonly<Record<number, string>>;
  run: (call: Call) => Outcome;
}>;

/*
 * Bodies go to the roster as they came: every use case validates its input with its zod schema
 * and answers `ValidationFailed`, so `as never` only silences the static input type (the roster's
 * use cases are typed for callers who build inputs in code).
 */
const unchecked = (body: unknown): never => body as never;

/** `GET /board`'s query, for the OpenAPI document (the roster checks it, strictly, itself). */
const boardQuerySchema = z.strictObject({ departmentId: departmentIdSchema.optional() });

/** The answer to a board asked of a department the workspace does not have. */
const departmentNotFound = (departmentId: string): DepartmentNotFound => ({
  type: 'DepartmentNotFound',
  departmentId: departmentId as DepartmentId,
  message: `No department ${departmentId} in this workspace.`,
});

/**
 * The page of a listing a query string asks for: `after`, the `next` of the page before, and
 * `limit`, which the roster takes as a number: a whole number written in decimal (`0`, `-1`,
 * `1001` included) becomes one, so the roster's refusal speaks of its range; anything else
 * (`0x10`, `1e2`, `100.0`, `+5`, ` 5 `) is handed on as the string it is, for the roster to refuse
 * as no number. The OpenAPI document says so: `limit` is a string of digits there (see
 * `QUERY_SCHEMAS`), not an integer, which a validator that coerces query values would take
 * `1e2` for and let through.
 */
const PAGE_QUERY = ['after', 'limit'] as const;
const pageQuery = ({ limit, ...rest }: Readonly<Record<string, string>>): never =>
  unchecked(limit === undefined ? rest : { ...rest, limit: /^-?\d{1,9}$/.test(limit) ? Number(limit) : limit });

// The two use cases whose input holds more than a command schema (the owner's password, the
// invitation's token) have their request schemas exported by the roster: the OpenAPI document
// takes them as they are, less what only the host sets at sign-up.
const workspaceBody = createWorkspaceRequestSchema.omit({ seatPolicy: true, plan: true });
const emptyBody = z.strictObject({});

/**
 * The `:queue` of a `/queues` path: a department's id, or `workspace` for the workspace-wide queue
 * (`departmentId: null`, which a URL cannot spell). No department id is `workspace`: they all
 * start `dep_`.
 */
const WORKSPACE_QUEUE = 'workspace';
const queueParamSchema = z.union([z.literal(WORKSPACE_QUEUE), departmentIdSchema]);

/** What the OpenAPI document says of the routes {@link asActiveMember} relays. */
const RELAY = {
  description:
    "Relayed by the session's agent, who must be an active agent of the workspace, of any role: " +
    "an inactive one gets 403 `PermissionDenied` with `capability: 'chat'` and `reason: 'inactive'`, and nothing changes. " +
    'A real app routes from its chat backend instead.',
  refusals: { 403: "PermissionDenied: the session's agent is inactive (capability 'chat', reason 'inactive')" },
} as const;

/**
 * Runs a routing command of the chat backend's (`routeConversation`, `closeConversation`,
 * `transferConversation`) relayed by an active agent of the workspace. The roster takes a
 * workspace id for these and checks no capability: nobody in particular routes a visitor's new
 * chat. Over HTTP something must stop a stranger, and this API's one credential is the agent's
 * session, so the caller must be an agent of the workspace (`UnknownActor`, `WorkspaceNotFound`:
 * 401 otherwise), and the command runs on the session's workspace, never on one a client names.
 * Any role, but an active agent only: relaying chats is chatting, which an inactive agent may not
 * do (docs/domain.md), so one gets the library's own denial, 403 `PermissionDenied` with
 * `capability: 'chat'` and `reason: 'inactive'` (as `authorize` words it), before anything is
 * routed, closed or transferred. The caller is not the one a chat goes to: routing itself never
 * hands one to an inactive or away agent. A real app adds its own rules where its product has
 * them (only the agent holding a conversation, or an admin, closes or transfers it), or routes
 * from its chat backend in-process, `roster.routeConversation(workspaceId, …)`, or behind a
 * credential of that backend's own.
 *
 * The check reads the session's agent (`getAgent`, one read by id), and the workspace too only
 * for a refusal, to word it. A session that knows its agent's status, read from your own records,
 * checks that instead.
 */
const asActiveMember = <T>(roster: Roster, actor: ActorRef, command: (workspaceId: string) => ResultAsync<T, RosterError>): Outcome =>
  roster.getAgent(actor, actor.agentId).andThen((self): Outcome => {
    const relay = () => command(actor.workspaceId);
    // Reading yourself never answers null: a session whose agent is gone is UnknownActor (401).
    return self?.status === 'inactive' ? roster.getWorkspace(actor).andThen((workspace) => authorize(self, 'chat', workspace)).andThen(relay) : relay();
  });

/**
 * A queue as a client reads it: its settings, members (by agent id), the conversations it is
 * handling (by arrival) and its waiting line, first in line first. The roster's `RoutingState`
 * keeps members and conversations in a hash trie for its own speed; a client gets plain lists.
 */
const queueView = (queue: RoutingState) => ({
  departmentId: queue.departmentId,
  config: queue.config,
  members: membersOf(queue)
    .map(({ agentId, active, online, conversationIds }) => ({ agentId, active, online, conversationIds }))
    .sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0)),
  conversations: conversationsOf(queue).sort((a, b) => a.arrival - b.arrival),
  waiting: queue.queue,
  routed: queue.routed,
  closed: queue.closed,
});

const ROUTES: readonly Route[] = [
  {
    method: 'POST', path: '/workspaces', summary: 'Open a workspace; its owner signs up', actor: false, created: true,
    body: workspaceBody, hostOnly: ['plan', 'seatPolicy'],
    run: ({ roster, body, signUpPlan }) => roster.createWorkspace(unchecked({ ...body, plan: signUpPlan })),
  },
  {
    method: 'PUT', path: '/plan', summary: 'Change the plan (stands in for a billing callback: a real app changes plans from its billing flow, never from a client)', actor: true,
    // A plan id alone (`planIdSchema`): a client never names a plan by value (see `withParams`).
    body: changePlanSchema.extend({ plan: planIdSchema }),
    run: ({ roster, actor, body }) => roster.changePlan(actor, unchecked(body)),
  },
  {
    method: 'POST', path: '/invitations', summary: 'Invite someone by email', actor: true, created: true,
    body: inviteAgentSchema, statusFor: { DepartmentNotFound: 422 },
    run: ({ roster, actor, body }) => roster.inviteAgent(actor, unchecked(body)),
  },
  {
    method: 'GET', path: '/invitations', summary: 'List invitations, a page at a time (admins)', actor: true, query: ['status', ...PAGE_QUERY],
    filter: invitationFilterSchema,
    run: ({ roster, actor, query }) => roster.invitationPage(actor, pageQuery(query)).map(({ items, cursor, more }) => ({ invitations: items, next: more ? cursor : null })),
  },
  {
    method: 'GET', path: '/invitations/preview', summary: 'What an invitation link offers, without using it up', actor: false,
    query: ['token'], filter: previewInvitationRequestSchema,
    run: ({ roster, query, requester }) =>
      roster.previewInvitation(unchecked(query), { requester }).map((invitation) => ({ invitation })),
  },
  {
    method: 'POST', path: '/invitations/accept', summary: 'Accept an invitation: join as a new agent', actor: false, created: true,
    body: acceptInvitationRequestSchema,
    // The server says who is asking and what their session is, apart from the body: a client cannot forge them.
    run: ({ roster, body, requester, session }) => roster.acceptInvitation(unchecked(body), { requester, session }),
  },
  {
    method: 'POST', path: '/invitations/:id/resend', summary: 'Resend an invitation with a new link', actor: true,
    body: emptyBody, params: { id: 'invitationId' },
    run: ({ roster, actor, body }) => roster.resendInvitation(actor, unchecked(body)),
  },
  {
    method: 'DELETE', path: '/invitations/:id', summary: 'Revoke an invitation, freeing its seat', actor: true,
    params: { id: 'invitationId' },
    run: ({ roster, actor, body }) => roster.revokeInvitation(actor, unchecked(body)),
  },
  {
    method: 'GET', path: '/agents', summary: 'List agents, a page at a time', actor: true, query: ['status', 'availability', 'departmentId', ...PAGE_QUERY],
    filter: agentFilterSchema,
    run: ({ roster, actor, query }) => roster.agentPage(actor, pageQuery(query)).map(({ items, cursor, more }) => ({ agents: items, next: more ? cursor : null })),
  },
  {
    method: 'GET', path: '/agents/:id', summary: 'One agent: its role, status, availability and departments (`/agents/<your id>`: yourself)', actor: true,
    params: { id: 'agentId' },
    run: ({ roster, actor, body }) =>
      roster.getAgent(actor, unchecked(body.agentId)).andThen((agent) => (agent ? ok({ agent }) : err(fail.agentNotFound(unchecked(body.agentId))))),
  },
  {
    method: 'PATCH', path: '/agents/:id', summary: "Edit an agent's name, email or description", actor: true,
    body: editAgentSchema, params: { id: 'agentId' }, atLeastOneField: true,
    run: ({ roster, actor, body }) => roster.editAgent(actor, unchecked(body)),
  },
  {
    method: 'DELETE', path: '/agents/:id', summary: 'Delete an agent, freeing its seat', actor: true, params: { id: 'agentId' },
    run: ({ roster, actor, body }) => roster.deleteAgent(actor, unchecked(body)),
  },
  {
    method: 'PUT', path: '/agents/:id/role', summary: 'Promote or demote an agent', actor: true,
    body: changeRoleSchema, params: { id: 'agentId' },
    run: ({ roster, actor, body }) => roster.changeRole(actor, unchecked(body)),
  },
  {
    method: 'POST', path: '/agents/:id/activate', summary: 'Activate an agent', actor: true, body: emptyBody, params: { id: 'agentId' },
    run: ({ roster, actor, body }) => roster.activateAgent(actor, unchecked(body)),
  },
  {
    method: 'POST', path: '/agents/:id/deactivate', summary: 'Deactivate an agent (also sets it away)', actor: true,
    body: emptyBody, params: { id: 'agentId' },
    run: ({ roster, actor, body }) => roster.deactivateAgent(actor, unchecked(body)),
  },
  {
    method: 'PUT', path: '/agents/:id/availability', summary: 'Go online or away', actor: true,
    body: setAvailabilitySchema, params: { id: 'agentId' },
    run: ({ roster, actor, body }) => roster.setAvailability(actor, unchecked(body)),
  },
  {
    // POST, not PUT: assignAgentToDepartments adds and never removes (DELETE below takes an agent
    // out of one), so the request does not say what the agent's departments become.
    method: 'POST', path: '/agents/:id/departments', summary: 'Add an agent to departments (it stays in the ones it is in)', actor: true,
    body: assignAgentSchema, params: { id: 'agentId' }, statusFor: { DepartmentNotFound: 422 },
    // A well-formed list that would take the agent past 100 departments with those it is in.
    stateChecked: 'departmentIds',
    refusals: { 409: 'ValidationFailed at departmentIds: the agent would be in more than 100 departments (a well-formed body; a malformed one is 400)' },
    run: ({ roster, actor, body }) => roster.assignAgentToDepartments(actor, unchecked(body)),
  },
  {
    method: 'DELETE', path: '/agents/:id/departments/:departmentId', summary: 'Take an agent out of a department', actor: true,
    params: { id: 'agentId', departmentId: 'departmentId' },
    run: ({ roster, actor, body }) => roster.removeAgentFromDepartment(actor, unchecked(body)),
  },
  {
    method: 'POST', path: '/ownership/transfer', summary: 'Hand the workspace to another agent (owner only)', actor: true,
    body: transferOwnershipSchema, statusFor: { AgentNotFound: 422 },
    run: ({ roster, actor, body }) => roster.transferOwnership(actor, unchecked(body)),
  },
  {
    method: 'GET', path: '/departments', summary: 'List departments with their member counts', actor: true,
    run: ({ roster, actor }) => roster.listDepartments(actor).map((departments) => ({ departments })),
  },
  {
    method: 'POST', path: '/departments', summary: 'Create a department', actor: true, created: true, body: createDepartmentSchema,
    run: ({ roster, actor, body }) => roster.createDepartment(actor, unchecked(body)),
  },
  {
    method: 'PATCH', path: '/departments/:id', summary: 'Rename a department', actor: true,
    body: renameDepartmentSchema, params: { id: 'departmentId' },
    run: ({ roster, actor, body }) => roster.renameDepartment(actor, unchecked(body)),
  },
  {
    method: 'DELETE', path: '/departments/:id', summary: 'Delete a department', actor: true, params: { id: 'departmentId' },
    run: ({ roster, actor, body }) => roster.deleteDepartment(actor, unchecked(body)),
  },
  {
    method: 'GET', path: '/seats', summary: 'Seats used and allowed', actor: true,
    run: ({ roster, actor }) => roster.seatUsage(actor),
  },
  {
    // `?departmentId=` asks for that department's board alone: a supervisor's poll of one
    // department reads that department, not the whole team. No such department is a 404.
    method: 'GET', path: '/board', summary: "Everyone's availability at a glance, or one department's (admins)", actor: true,
    query: ['departmentId'], filter: boardQuerySchema,
    run: ({ roster, actor, query }) =>
      Object.keys(query).length === 0
        ? roster.availabilityBoard(actor)
        : roster.availabilityBoard(actor, unchecked(query)).andThen((board) => (board ? ok(board) : err(departmentNotFound(query.departmentId!)))),
  },
  {
    method: 'GET', path: '/events', summary: 'The event log after a cursor, for projections that follow it (admins)', actor: true, query: PAGE_QUERY,
    run: ({ roster, actor, query }) => roster.eventPage(actor, pageQuery(query)).map(({ items, cursor, more }) => ({ events: items, cursor, more })),
  },
  // Routing. A queue is `/queues/dep_…`, or `/queues/workspace` for the workspace-wide one. The
  // commands answer their events (and a route its `outcome`), not the roster's `state`: that is
  // the whole queue, every member and conversation, which `GET /queues/:queue` reads when wanted.
  {
    method: 'GET', path: '/queues/:queue', summary: 'A routing queue: its settings, members, open conversations and waiting line (admins)', actor: true,
    params: { queue: 'departmentId' },
    run: ({ roster, actor, body }) =>
      roster
        .routingQueue(actor, unchecked(body.departmentId))
        .andThen((queue) => (queue ? ok({ queue: queueView(queue) }) : err(departmentNotFound(String(body.departmentId ?? WORKSPACE_QUEUE))))),
  },
  {
    method: 'PATCH', path: '/queues/:queue', summary: "Change a queue's strategy, capacity or per-agent capacities (admins)", actor: true,
    body: configureRoutingSchema, params: { queue: 'departmentId' }, atLeastOneField: true, statusFor: { AgentNotFound: 422 },
    run: ({ roster, actor, body }) => roster.configureRouting(actor, unchecked(body)).map(({ state, events }) => ({ config: state.config, events })),
  },
  {
    method: 'POST', path: '/queues/:queue/conversations', summary: 'Route a new conversation: to an agent, or into the waiting line (any active agent of the workspace)', actor: true, created: true,
    body: routeConversationSchema, params: { queue: 'departmentId' }, ...RELAY,
    run: ({ roster, actor, body }) =>
      asActiveMember(roster, actor, (workspaceId) => roster.routeConversation(workspaceId, unchecked(body)).map(({ outcome, events }) => ({ outcome, events }))),
  },
  {
    method: 'POST', path: '/queues/:queue/conversations/:id/close', summary: 'Close a conversation, waiting or open (any active agent of the workspace)', actor: true,
    body: emptyBody, params: { queue: 'departmentId', id: 'conversationId' }, ...RELAY,
    run: ({ roster, actor, body }) => asActiveMember(roster, actor, (workspaceId) => roster.closeConversation(workspaceId, unchecked(body)).map(({ events }) => ({ events }))),
  },
  {
    method: 'POST', path: '/queues/:queue/conversations/:id/transfer', summary: "Hand a conversation to another of the queue's agents, or back to the front of the line (any active agent of the workspace)", actor: true,
    body: transferConversationSchema, params: { queue: 'departmentId', id: 'conversationId' }, ...RELAY,
    run: ({ roster, actor, body }) =>
      asActiveMember(roster, actor, (workspaceId) => roster.transferConversation(workspaceId, unchecked(body)).map(({ events }) => ({ events }))),
  },
  {
    // A route like the others, so another method is a 405 with `Allow`, and HEAD is answered.
    method: 'GET', path: '/openapi.json', summary: 'This API as an OpenAPI 3.1 document', actor: false,
    run: () => okAsync((openApi ??= openApiDocument())),
  },
];

/** The OpenAPI document, built on the first `GET /openapi.json`: it is the same for every handler. */
let openApi: ReturnType<typeof openApiDocument> | undefined;

// ── Matching ────────────────────────────────────────────────────────────────────────────────

const segmentsOf = (path: string) => path.split('/').slice(1);

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The route's path parameters when `path` fits its pattern, else `null`. */
function fit(route: Route, segments: readonly string[]): Record<string, string> | null {
  const pattern = segmentsOf(route.path);
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const given = segments[i]!;
    if (part.startsWith(':')) {
      const value = decode(given);
      if (value === null || value === '') return null;
      params[part.slice(1)] = value;
    } else if (part !== given) return null;
  }
  return params;
}

type Match = Readonly<{ route: Route; params: Record<string, string> }> | Readonly<{ error: RouteNotFound | MethodNotAllowed }>;

function match(routes: readonly Route[], method: string, path: string): Match {
  const segments = segmentsOf(path);
  const fits = routes
    .map((route) => ({ route, params: fit(route, segments) }))
    .filter((m): m is { route: Route; params: Record<string, string> } => m.params !== null);
  // The first fit in table order wins: list a literal path (`/invitations/preview`) before a
  // parameter one that would also fit it (`/invitations/:id`) for the same method. A HEAD is
  // its GET (RFC 9110 §9.3.2): Node sends the headers and leaves the body out.
  const wanted = method === 'HEAD' ? 'GET' : method;
  const found = fits.find((m) => m.route.method === wanted);
  if (found) return found;
  if (fits.length === 0) return { error: httpFail.routeNotFound(path) };
  const methods = [...new Set(fits.map((m) => m.route.method))];
  return { error: httpFail.methodNotAllowed(methods.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m]))) };
}

// ── Reading a request ───────────────────────────────────────────────────────────────────────

type Read<T> = Readonly<{ ok: true; value: T }> | Readonly<{ ok: false; error: ApiError }>;
const good = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = (error: ApiError): Read<never> => ({ ok: false, error });

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const ACTOR_HEADER = { workspaceId: 'x-workspace-id', agentId: 'x-agent-id' } as const;

function actorOf(req: IncomingMessage): Read<ActorRef> {
  const workspaceId = header(req, ACTOR_HEADER.workspaceId);
  const agentId = header(req, ACTOR_HEADER.agentId);
  if (!workspaceId || !agentId) return bad(httpFail.actorRequired([...(workspaceId ? [] : [ACTOR_HEADER.workspaceId]), ...(agentId ? [] : [ACTOR_HEADER.agentId])]));
  // Node joins a header sent twice into "a, b" (one line "a, b" means the same, RFC 9110 §5.3),
  // which the roster would refuse as no id at all: say what is wrong, at the field it fills.
  const count = (name: string) => (req.headersDistinct[name] ?? []).flatMap((line) => line.split(',')).filter((v) => v.trim() !== '').length;
  const repeated = (['workspaceId', 'agentId'] as const).filter((field) => count(ACTOR_HEADER[field]) > 1);
  if (repeated.length > 0) return bad(validationFailed(repeated.map((field) => ({ path: `actor.${field}`, message: 'is given more than once' }))));
  return good({ workspaceId, agentId });
}

/** The request's Content-Length says its body is over `limit` bytes. */
const declaredOver = (req: IncomingMessage, limit: number) => Number(header(req, 'content-length')) > limit;

/**
 * Reads at most `limit` bytes. A body declared over the limit is not read at all: its 413 goes
 * out with `connection: close` (see `createHandler`). One that passes the limit undeclared
 * (chunked) keeps none of the rest but lets it flow by: closing a socket the client is still
 * writing to resets it, and the client would lose the 413 with it. Node's
 * `server.requestTimeout` (5 minutes by default) bounds how long that lasts.
 */
function readBytes(req: IncomingMessage, limit: number): Promise<Read<Buffer>> {
  if (declaredOver(req, limit)) return Promise.resolve(bad(httpFail.payloadTooLarge(limit)));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (r: Read<Buffer>) => {
      if (!settled) (settled = true), resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) settle(bad(httpFail.payloadTooLarge(limit)));
      else chunks.push(chunk);
    });
    req.on('end', () => settle(good(Buffer.concat(chunks))));
    req.on('error', () => settle(bad(invalid('', 'The request body could not be read.'))));
  });
}

/**
 * JSON in UTF-8: `application/json` (or `+json`), with no `charset` or `charset=utf-8` (any case,
 * quoted or not). The body is decoded as UTF-8 only, so a body declared in another charset is a
 * 415 rather than a "not valid JSON" for bytes the client sent as it said.
 */
const isJson = (contentType: string | undefined) => {
  const type = contentType ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) return false;
  return [...type.matchAll(/;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/gi)].every((m) => (m[1] ?? m[2] ?? '').toLowerCase() === 'utf-8');
};

/** The body as a JSON object; an empty body is `{}`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Read<Body>> {
  const bytes = await readBytes(req, limit);
  if (!bytes.ok) return bytes;
  if (bytes.value.length === 0) return good({});
  if (!isJson(header(req, 'content-type'))) return bad(httpFail.unsupportedMediaType());
  let parsed: unknown;
  try {
    // Parser messages quote the body, and a body may hold a password: the client gets a fixed message.
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.value));
  } catch {
    return bad(invalid('', 'The request body is not valid JSON (UTF-8).'));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad(invalid('', 'The body must be a JSON object.'));
  return good(parsed as Body);
}

/** Adds the path parameters to the body; a body that names one itself is refused, not overruled. */
function withParams(route: Route, body: Body, params: Readonly<Record<string, string>>): Read<Body> {
  const issues: FieldIssue[] = [];
  const merged: Record<string, unknown> = { ...body };
  for (const [param, field] of Object.entries(route.params ?? {})) {
    if (Object.hasOwn(body, field)) issues.push({ path: field, message: 'Given in the URL; leave it out of the body.' });
    merged[field] = param === 'queue' && params[param] === WORKSPACE_QUEUE ? null : params[param];
  }
  for (const field of route.hostOnly ?? []) {
    if (Object.hasOwn(body, field)) issues.push({ path: field, message: 'Set by the host application, not by a client.' });
  }
  // Plans by value are for the host's code; where a client may name a plan, it names one of the catalog by its id.
  if (Object.hasOwn(body, 'plan') && typeof body.plan !== 'string' && !route.hostOnly?.includes('plan')) {
    issues.push({ path: 'plan', message: 'Choose a plan by its id.' });
  }
  return issues.length > 0 ? bad(validationFailed(issues)) : good(merged);
}

/**
 * The query string as one value a key. A key given twice (`?status=active&status=inactive`) is
 * refused rather than read as either value: which one a client meant is anyone's guess.
 */
function queryOf(url: string): Read<Record<string, string>> {
  const at = url.indexOf('?');
  const entries = at < 0 ? [] : [...new URLSearchParams(url.slice(at + 1))];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const [key] of entries) (seen.has(key) ? repeated : seen).add(key);
  if (repeated.size > 0) return bad(validationFailed([...repeated].map((path) => ({ path, message: 'is given more than once' }))));
  // Own properties only, built from entries: `?__proto__=x` becomes a key the schema refuses.
  return good(Object.fromEntries(entries));
}

// ── Writing a response ──────────────────────────────────────────────────────────────────────

/** Fields no client needs: the token's hash (not a working link, but no business of a browser). */
const HIDDEN = new Set(['tokenHash']);

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body, (key, value: unknown) => (HIDDEN.has(key) ? undefined : value));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    // Previews show an email, lists show a team: no shared cache should keep either.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/** How many issues a `ValidationFailed` answer lists (and {@link MAX_PATH}, how much of a path it echoes). */
const MAX_ISSUES = 20;

/**
 * A `ValidationFailed` cut to size for the wire. The library already names at most 10 unknown keys
 * of an object, at most 64 code points of a key, and 10 fields in `message` (with how many more),
 * but a list of 100 bad department ids is still 100 issues. The first {@link MAX_ISSUES} are
 * kept, each path cut to {@link MAX_PATH} characters (a deeply nested one can be longer).
 */
function forTheWire(error: ValidationFailed): ValidationFailed {
  if (error.issues.length <= MAX_ISSUES && error.issues.every((i) => i.path.length <= MAX_PATH)) return error;
  return { ...error, issues: error.issues.slice(0, MAX_ISSUES).map((i) => ({ ...i, path: cut(i.path) })) };
}

function sendError(res: ServerResponse, answered: ApiError, status: number, onError: (e: unknown) => void, headers: Record<string, string> = {}) {
  const error = answered.type === 'ValidationFailed' ? forTheWire(answered) : answered;
  // `cause` is the adapter's own words (a host name, a driver message): for the logs, not the client.
  const { type, message, cause, ...data } = error as ApiError & { cause?: unknown };
  if (cause !== undefined) onError(error);
  // Whole seconds, rounded up, and 1 at least, as the message says: `Retry-After: 0` would tell a
  // client to retry at once a request the limiter just refused.
  if (error.type === 'RateLimited') headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  if (error.type === 'MethodNotAllowed') headers.allow = error.allowed.join(', ');
  send(res, status, { error: { type, message, ...data } }, headers);
}

// ── The handler ─────────────────────────────────────────────────────────────────────────────

/**
 * A request listener, and beside it the listener for the server's `checkContinue` event (requests
 * sent with `Expect: 100-continue`). {@link createApiServer} wires both.
 */
export type Handler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) &
  Readonly<{ checkContinue: (req: IncomingMessage, res: ServerResponse) => Promise<void> }>;

/**
 * A Node request listener serving the roster as a JSON API; see the routes in
 * examples/http-api/README.md, or `GET /openapi.json`. Give its `checkContinue` to the server's
 * event of that name (or use {@link createApiServer}), or Node answers `100 Continue` to any body.
 *
 * @example
 * import { createServer } from 'node:http';
 * const handler = createHandler(createRoster());
 * createServer(handler).on('checkContinue', handler.checkContinue).listen(3000, '127.0.0.1');
 */
export function createHandler(roster: Roster, options: HandlerOptions = {}): Handler {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onError = options.onError ?? ((e: unknown) => console.error('[http-api]', e));
  const requesterOf = options.requesterOf ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;

    const matched = match(ROUTES, req.method ?? '', path);
    if ('error' in matched) {
      req.resume();
      return sendError(res, matched.error, statusOf(matched.error), onError);
    }
    const { route, params } = matched;
    const fail = (error: ApiError, headers: Record<string, string> = {}) =>
      sendError(res, error, route.statusFor?.[error.type] ?? statusOf(error), onError, headers);

    const actor = route.actor ? actorOf(req) : good({ workspaceId: '', agentId: '' });
    if (!actor.ok) {
      req.resume();
      return fail(actor.error);
    }
    const query = queryOf(url);
    if (!query.ok) {
      req.resume();
      return fail(query.error);
    }
    const read = route.body ? await readBody(req, limit) : (req.resume(), good<Body>({}));
    // A body declared over the limit is refused unread, and the connection with it: draining
    // megabytes the client said it would send, to keep the connection, costs more than a new one.
    if (!read.ok) return fail(read.error, read.error.type === 'PayloadTooLarge' && declaredOver(req, limit) ? { connection: 'close' } : {});
    const body = withParams(route, read.value, params);
    if (!body.ok) return fail(body.error);

    const result = await route.run({
      roster,
      actor: actor.value,
      params,
      query: query.value,
      body: body.value,
      requester: requesterOf(req),
      session: options.sessionOf?.(req),
      signUpPlan: options.signUpPlan ?? 'free',
    });
    return result.match(
      (value) => send(res, route.created ? 201 : 200, value),
      (error) =>
        error.type === 'ValidationFailed' &&
        route.stateChecked !== undefined &&
        error.issues.every((i) => i.path === route.stateChecked) &&
        route.body?.safeParse(body.value).success
          ? sendError(res, error, 409, onError)
          : fail(error),
    );
  };

  const guarded =
    (listener: (req: IncomingMessage, res: ServerResponse) => Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      try {
        await listener(req, res);
      } catch (e) {
        onError(e);
        try {
          if (!res.headersSent) send(res, 500, { error: httpFail.internal() });
          else res.destroy();
        } catch {
          // The socket is gone; there is no one left to answer.
        }
      }
    };

  return Object.assign(guarded(serve), {
    // Node answers `Expect: 100-continue` with "100 Continue" by itself unless the server has a
    // `checkContinue` listener; this one sends it only for a body the limit lets in, and answers
    // a larger one 413 at once, closing the connection: the client never sends the body.
    checkContinue: guarded(async (req, res) => {
      if (declaredOver(req, limit)) return sendError(res, httpFail.payloadTooLarge(limit), 413, onError, { connection: 'close' });
      res.writeContinue();
      return serve(req, res);
    }),
  });
}

/**
 * A Node HTTP server running {@link createHandler}'s handler, its `checkContinue` listener
 * included, so that a body declared over the limit gets its 413 before the client sends it.
 *
 * @example createApiServer(createRoster(), { maxBodyBytes: 16 * 1024 }).listen(3000, '127.0.0.1');
 */
export function createApiServer(roster: Roster, options: HandlerOptions = {}): Server {
  const handler = createHandler(roster, options);
  return createServer(handler).on('checkContinue', handler.checkContinue);
}

// ── OpenAPI ─────────────────────────────────────────────────────────────────────────────────

type JsonSchema = { properties?: Record<string, unknown>; required?: string[]; $schema?: string; [key: string]: unknown };

/** The JSON Schema of a zod schema as a part of the document (without its `$schema`). */
const jsonOf = (schema: z.ZodType): object => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return json;
};

/** The body's JSON Schema (what a client sends, `io: 'input'`), minus the fields the URL carries. */
function bodySchema(route: Route): JsonSchema | null {
  if (!route.body) return null;
  const json = jsonOf(route.body) as JsonSchema;
  for (const field of Object.values(route.params ?? {})) {
    delete json.properties?.[field];
    if (json.required) json.required = json.required.filter((r) => r !== field);
  }
  if (route.atLeastOneField) json.minProperties = 1;
  return json;
}

/** Path parameters by the body field they fill (`:id` → `agentId`): the id's pattern. */
const PARAM_SCHEMAS: Readonly<Record<string, z.ZodType>> = {
  agentId: agentIdSchema,
  conversationId: conversationIdSchema,
  departmentId: departmentIdSchema,
  invitationId: invitationIdSchema,
};

/** The query parameter `name` of a route: from the listing's filter when it has one, else below. */
function querySchema(route: Route, name: string): object {
  const fromFilter = route.filter && (jsonOf(route.filter) as JsonSchema).properties?.[name];
  return (fromFilter as object | undefined) ?? QUERY_SCHEMAS[name] ?? { type: 'string' };
}

const QUERY_SCHEMAS: Readonly<Record<string, object>> = {
  after: { type: 'string', description: 'Where the page starts: the `next` (or, for events, the `cursor`) of the page before.' },
  // What `pageQuery` reads: plain decimal digits. Not `type: 'integer'`, which a validator that
  // coerces query values would take `1e2`, `100.0` or `+5` for, and pass on to a 400.
  limit: {
    type: 'string',
    pattern: '^[0-9]{1,9}$',
    default: '100',
    description: 'How many to a page: a whole number from 1 to 1000 in plain decimal digits (not `1e2`, `100.0` or `+5`).',
  },
};

/**
 * The OpenAPI 3.1 document of the routes, with each request body's, path id's and filter's JSON
 * Schema generated from the library's zod schemas, so the document cannot drift from them. It is
 * looser than the roster, never stricter: rules a zod transform or refinement checks (a canonical
 * email, the characters and lengths of names, a cursor) are not in JSON Schema's words, and the
 * roster still answers `ValidationFailed` for them.
 *
 * @example openApiDocument().paths['/invitations'].post.requestBody
 */
export function openApiDocument() {
  const paths: Record<string, Record<string, object>> = {};
  const errorBody = {
    type: 'object',
    required: ['error'],
    properties: { error: { type: 'object', required: ['type', 'message'], properties: { type: { enum: Object.keys(ERROR_STATUS) }, message: { type: 'string' } } } },
  };
  for (const route of ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const schema = bodySchema(route);
    const parameters = [
      ...segmentsOf(route.path)
        .filter((s) => s.startsWith(':'))
        .map((s) => s.slice(1))
        .map((name) => {
          const field = route.params?.[name];
          const id = name === 'queue' ? queueParamSchema : field === undefined ? undefined : PARAM_SCHEMAS[field];
          return { name, in: 'path', required: true, schema: id ? jsonOf(id) : { type: 'string' } };
        }),
      ...(route.query ?? []).map((name) => ({ name, in: 'query', required: name === 'token', schema: querySchema(route, name) })),
      ...(route.actor
        ? [
            { name: 'x-workspace-id', in: 'header', required: true, description: 'Example only: a real app takes it from its session.', schema: { type: 'string' } },
            { name: 'x-agent-id', in: 'header', required: true, description: 'Example only: a real app takes it from its session.', schema: { type: 'string' } },
          ]
        : []),
    ];
    (paths[path] ??= {})[route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters,
      ...(schema ? { requestBody: { required: false, content: { 'application/json': { schema } } } } : {}),
      responses: {
        [route.created ? '201' : '200']: { description: 'Done', content: { 'application/json': { schema: { type: 'object' } } } },
        ...Object.fromEntries(Object.entries(route.refusals ?? {}).map(([status, description]) => [status, { description, content: { 'application/json': { schema: errorBody } } }])),
        default: { description: 'An error; its status comes from its type', content: { 'application/json': { schema: errorBody } } },
      },
    };
  }
  return { openapi: '3.1.0', info: { title: 'agent-roster example API', version: '0.1.0' }, paths };
}

/** The routes as `METHOD /path` lines, for the README and tests. @example ROUTE_LIST.includes('GET /seats') // true */
export const ROUTE_LIST: readonly string[] = ROUTES.map((r) => `${r.method} ${r.path}`);
