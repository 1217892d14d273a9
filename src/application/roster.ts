import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import * as z from 'zod';
import * as domain from '../domain/index';
import { atMostCodePoints } from '../domain/lengths';
import { ownersEmailByAnother } from '../domain/access';
import { decideRoutingConfig, parseRoutingConfig } from '../domain/routing/configure';
import {
  agentIdSchema,
  authorize,
  expireInvitations,
  parseInput,
  seatUsage,
  workspaceIdSchema,
  type Agent,
  type AgentId,
  type Decision,
  type Department,
  type EmailStatus,
  type Invitation,
  type InvitationId,
  type PasswordPolicy,
  type PlanCatalog,
  type ValidationFailed,
  type Workspace,
  type WorkspaceId,
} from '../domain/index';
import { MemoryRosterStore } from '../adapters/memory/store';
import { CapturingMailer } from '../adapters/memory/mailer';
import { MemoryIdentity } from '../adapters/memory/identity';
import { systemClock } from '../adapters/memory/clock';
import type { OutboxMessage, OutboxStatus } from '../ports/outbox';
import type { AccountDirectory, BreachedPasswords, Clock, Identity, Mailer, Random, RateLimitAction, RateLimiter } from '../ports/services';
import type { AgentFilter, InvitationFilter, RosterStore, WorkspaceEvent } from '../ports/store';
import type { IsoTime } from '../domain/time';
import {
  agentFilterSchema,
  agentPageSchema,
  DEFAULT_PAGE_SIZE,
  eventPageSchema,
  invitationFilterSchema,
  invitationPageSchema,
  eventPageOf,
  outboxPageSchema,
  outboxStatusSchema,
  pageOf,
  workspaceTag,
  type Cursor,
  type Page,
} from './listings';
import { BY_CREATION, BY_JOINING, BY_SENDING, firstInOrder, positionedSlice } from '../ports/order';
import { newId, newToken, sha256Hex, webCryptoRandom } from './crypto';
import { answerPortFailure, checkedClock, checkedRandom, PortFailure, portFailureOr, requireGlobals } from './clock-and-random';
import {
  appFail,
  type ApplicationError,
  type ConcurrencyConflict,
  type IdentityUnavailable,
  type RateLimited,
  type ServiceName,
  type ServiceUnavailable,
  type StoreUnavailable,
  type UnknownActor,
  type WorkspaceNotFound,
} from './errors';
import { DEFAULT_RETRY, deliverDue, invitationTopic, outboxMessage, redactLinks, retryDelay, type DeliveryReport, type RetryPolicy } from './outbox';
import { defaultTemplates, type EmailTemplates } from './templates';
import { Attempt, transact, type Planned } from './transaction';
import { pure } from '../domain/pure';

/** Everything a roster is built from; only what differs from the defaults needs passing. */
export type RosterOptions = Readonly<{
  /** Default: a new in-memory store. */
  store?: RosterStore | undefined;
  /** Default: a {@link CapturingMailer} that keeps what it sends. */
  mailer?: Mailer | undefined;
  /** Default: no email is a standalone account. */
  accounts?: AccountDirectory | undefined;
  /** Default: a {@link MemoryIdentity}. */
  identity?: Identity | undefined;
  /** Default: the system clock. */
  clock?: Clock | undefined;
  /** Default: Web Crypto. */
  random?: Random | undefined;
  /** Default: `PLANS`, the catalog of the KonnectBot help article. */
  plans?: PlanCatalog | undefined;
  /** Default: NIST SP 800-63B-4 single-factor (15 to 256 code points). */
  passwordPolicy?: PasswordPolicy | undefined;
  /**
   * Where invitation links point: a base the token is appended to as `?token=` (`&token=` when it
   * has a query; one with a fragment or a token parameter is refused, since the token would land
   * behind them), or a function of the token for any other shape, such as a hash route. Default
   * `/invitations/accept`, a relative link: give an absolute one before real emails go out.
   */
  acceptUrl?: string | ((token: string) => string) | undefined;
  templates?: EmailTemplates | undefined;
  rateLimiter?: RateLimiter | undefined;
  breachedPasswords?: BreachedPasswords | undefined;
  /**
   * Accept plans given inline (`{ id, seats, departments }`) rather than by catalog id. Off by
   * default: a plan is what a workspace pays for, so a client must not be able to name its own.
   */
  allowInlinePlans?: boolean | undefined;
  /** Attempts per use case when the store reports a version conflict. Default 10. */
  maxAttempts?: number | undefined;
  /**
   * The wait between two attempts of a use case after a version conflict: attempt `n` waits
   * between half and all of `min(maxDelayMs, baseDelayMs × 2^(n−1))`, at random, so writers that
   * collided spread out instead of colliding again. Default {@link DEFAULT_CONFLICT_BACKOFF}
   * (2 ms doubling, at most 50 ms); `{ baseDelayMs: 0, maxDelayMs: 0 }` retries at once. Each
   * delay at most 2,147,483,647 ms.
   */
  conflictBackoff?: RetryPolicy | undefined;
  /**
   * Send a command's own emails right after its commit, before it answers (the others, and any
   * that fail, are `deliverOutbox`'s). Default true.
   */
  deliverImmediately?: boolean | undefined;
  /**
   * How long a command waits for the mailer to take its emails before it answers anyway, in
   * milliseconds; the send goes on in the background (and `deliverOutbox` retries it if it fails),
   * so a slow or hung mail provider never holds a request. Default 2,000; at most 2,147,483,647
   * (the longest timer JavaScript runtimes keep).
   */
  deliveryWaitMs?: number | undefined;
  /**
   * The wait before `deliverOutbox` tries again an email the mailer failed:
   * after its n-th failed attempt an email waits `min(maxDelayMs, baseDelayMs × 2^(n−1))`. Default {@link DEFAULT_RETRY}
   * (1 s doubling, at most 10 minutes; an invitation email is retried until its link lapses).
   * Each delay at most 2,147,483,647 ms (about 24.8 days).
   */
  retry?: RetryPolicy | undefined;
}>;

/**
 * The default wait between attempts after a version conflict: 1–2 ms, then 2–4 ms, doubling up to
 * 25–50 ms. Small next to a request, large next to an in-memory or local-database commit.
 *
 * @example createRoster({ conflictBackoff: { ...DEFAULT_CONFLICT_BACKOFF, maxDelayMs: 200 } })
 */
export const DEFAULT_CONFLICT_BACKOFF: RetryPolicy = { baseDelayMs: 2, maxDelayMs: 50 };

/** Who is acting: an agent of a workspace. */
export type ActorRef = Readonly<{ workspaceId: string; agentId: string }>;

/**
 * Where a page starts and how long it is: `after` the `cursor` of the page before (`null` or
 * left out: from the start), `limit` 1–1,000 (100 when left out).
 */
export type PageQuery = Readonly<{ after?: string | null | undefined; limit?: number | undefined }>;
/**
 * Filters of `roster.listAgents` (and `agentPage`): `departmentId` is a plain string, checked
 * like every id a use case takes (a malformed one is `ValidationFailed`), so an id from a URL
 * needs no cast.
 */
export type AgentQuery = Readonly<{
  status?: Agent['status'] | undefined;
  availability?: Agent['availability'] | undefined;
  departmentId?: string | undefined;
}>;
/** Query of `roster.agentPage`: the filters of `listAgents`, and where the page starts. */
export type AgentPageQuery = AgentQuery & PageQuery;
/**
 * Filter of `roster.listInvitations` (and `invitationPage`): the status, as of now. The roster's
 * own type rather than the store's {@link InvitationFilter}, which the store is handed exact.
 */
export type InvitationQuery = Readonly<{ status?: Invitation['status'] | undefined }>;
/** Query of `roster.invitationPage`: the filters of `listInvitations`, and where the page starts. */
export type InvitationPageQuery = InvitationQuery & PageQuery;
/** Query of `roster.eventPage`: where the page starts (a `cursor` it gave) and how many events it holds. */
export type EventPageQuery = PageQuery;
/** Query of `roster.outboxPage`: the status `outbox` filters by, and where the page starts. */
export type OutboxPageQuery = Readonly<{ status?: OutboxStatus | undefined }> & PageQuery;
const actorSchema = /* @__PURE__ */ z.strictObject({ workspaceId: workspaceIdSchema, agentId: agentIdSchema });

/**
 * Puts a refusal of one argument under its name, so that a field of the input and an argument
 * beside it never share a path: `''` (the whole value) becomes `name`, `ip` becomes `name.ip`.
 */
const under =
  (name: string) =>
  (e: ValidationFailed): ValidationFailed =>
    domain.validationFailed(e.issues.map((i) => ({ path: i.path ? `${name}.${i.path}` : name, message: i.message })));

/** Parses who acts; its issues are reported under `actor` so they never read like the input's. */
const parseActor = (actorRef: unknown) => parseInput(actorSchema, actorRef).mapErr(under('actor'));

/**
 * `authorize` for a read, or nothing to check when the read names no capability: typed so that a
 * query any agent may read declares no `PermissionDenied`. The one cast of the query types.
 */
const allowedTo = <C extends domain.Capability | null>(actor: Agent, capability: C, workspace: Workspace) =>
  (capability ? authorize(actor, capability, workspace) : ok(undefined)) as Result<void, C extends null ? never : domain.PermissionDenied>;

/**
 * A failure of a port that was handed a secret (a password, a session), without it: a host error
 * quoting one (`HTTP 503 for password=…`, `session … is not valid`) must not reach a log through `cause`.
 */
const hiding = (...secrets: unknown[]) => <E extends { cause: string }>(e: E): E => {
  const quoted: string[] = [];
  // Texts of 8 characters or more only: no password is shorter (SECOND_FACTOR_MIN), and a short
  // field of an object session (`locale: 'en'`) is no secret, but cut out of the cause wherever
  // it stands ("unavail[redacted]ble") would leave it unreadable.
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 8) continue;
    // As given, JSON-escaped, URL-encoded or form-encoded (`+` for a space, `(` escaped): the
    // forms a host's error quotes a request in. `encodeURIComponent` throws on a lone surrogate,
    // which a password may hold, and a use case must answer, not throw: the form encoding writes
    // it as U+FFFD and never throws.
    const form = new URLSearchParams([['', secret]]).toString().slice(1);
    quoted.push(secret, JSON.stringify(secret).slice(1, -1), form);
    try {
      quoted.push(encodeURIComponent(secret));
    } catch {
      quoted.push(form.replaceAll('+', '%20'));
    }
  }
  let cause = e.cause;
  // Longest first, so a secret that holds another is not cut around it and left half showing.
  for (const q of new Set(quoted.sort((a, b) => b.length - a.length))) cause = cause.split(q).join('[redacted]');
  return { ...e, cause };
};

/**
 * {@link hiding} a request's session from a failing `signedInEmail`'s cause: the session itself
 * when it is text, else the texts of its own fields (`session.id`), one level down. Read only
 * once the port failed, and never throws: reading the fields may (a getter, a proxy, `null`).
 */
const hidingSession = (session: unknown) => (e: ServiceUnavailable): ServiceUnavailable => {
  let texts: unknown[] = [];
  try {
    texts = Object.values(typeof session === 'string' ? [session] : (session as object));
  } catch {
    // nothing to hide that could be read
  }
  return hiding(...texts)(e);
};

/**
 * What every query can answer: a bad argument, a workspace or actor that is not (or no longer)
 * there, a failing store or port. Admin queries add `PermissionDenied`; `getWorkspace` and
 * `seatUsage` add `ConcurrencyConflict`.
 */
export type QueryError = ValidationFailed | StoreUnavailable | ServiceUnavailable | WorkspaceNotFound | UnknownActor;

/**
 * What a roster use case can answer, at most: its command's decision (with the routing events its
 * commit logged, hence `WorkspaceEvent`), or its command's errors plus what any use case may
 * meet on the way: a bad argument, {@link ApplicationError}, a failing port, a throttle, the
 * identity port. Each use case's own type is narrower and fits in this one, so
 * `const r: UseCase<{ invitation: Invitation }, InviteAgentError> = roster.inviteAgent(…)`
 * compiles.
 */
export type UseCase<S, E> = ResultAsync<
  Decision<S, WorkspaceEvent>,
  E | ApplicationError | ValidationFailed | ServiceUnavailable | RateLimited | IdentityUnavailable
>;

const queueRefSchema = /* @__PURE__ */ pure(() => z.looseObject({ departmentId: domain.departmentIdSchema.nullable() }));
/** `availabilityBoard`'s query: the department whose board alone is wanted, if any. */
const boardQuerySchema = /* @__PURE__ */ pure(() => z.strictObject({ departmentId: domain.departmentIdSchema.optional() }));
/** An agent as the board's `everyone` lists it. */
export type BoardMember = Readonly<{ id: AgentId; name: string; departmentIds: readonly domain.DepartmentId[] }>;
/**
 * What `availabilityBoard` answers: the board of the departments, and everyone at a glance by
 * status and availability (the read model of the rules, docs/domain.md).
 */
export type AvailabilityBoardView = domain.AvailabilityBoard &
  Readonly<{ everyone: Readonly<{ online: readonly BoardMember[]; away: readonly BoardMember[]; inactive: readonly BoardMember[] }> }>;
/** Parses nothing: {@link parseInput} with it is the prototype-free, read-once copy of an input alone. */
const anything = /* @__PURE__ */ z.unknown();

/**
 * A delay in milliseconds: finite, 0 to 2³¹−1 (about 24.8 days), the longest a JavaScript timer
 * waits (a longer one fires at once) and well inside what a stored instant can add.
 */
/** The longest delay a timer takes (2³¹ − 1 ms, about 24.8 days): a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;
const delaySchema = /* @__PURE__ */ z.number().min(0).max(MAX_TIMER_MS);
const delaysSchema = /* @__PURE__ */ pure(() => z.object({ baseDelayMs: delaySchema, maxDelayMs: delaySchema }).optional());
/** The options {@link createRoster} checks before building anything. */
const optionsSchema = /* @__PURE__ */ pure(() =>
  z.object({ maxAttempts: z.int().min(1).optional(), retry: delaysSchema, conflictBackoff: delaysSchema, deliveryWaitMs: delaySchema.optional() }),
);
/** `deliverOutbox`'s and `expireLapsedInvitations`' `limit`, under its name so the issue reads `limit`. */
const deliveryLimitSchema = /* @__PURE__ */ pure(() => z.strictObject({ limit: z.number().int().min(1).optional() }));
const tokenSchema = /* @__PURE__ */ z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/** A token as a visitor sends it: any text up to 200 code points; a malformed one is looked up as no invitation (see {@link tokenSchema}). */
const sentTokenSchema = /* @__PURE__ */ pure(() => atMostCodePoints(200, 'Token is too long.'));
/** Input of the roster's `createWorkspace`: the domain's, plus the owner's password. */
export const createWorkspaceRequestSchema = /* @__PURE__ */ pure(() => z.strictObject({
  ...domain.createWorkspaceSchema.shape,
  owner: z.strictObject({ email: domain.emailSchema, name: domain.personNameSchema, password: domain.passwordSchema }),
}));
/**
 * Input of the roster's `acceptInvitation`: what the invitee sends, every field checked at once
 * before any port is asked (the rate limiter, `signedInEmail`, the breached-password check), so a
 * malformed request spends no budget and sends its password nowhere. The domain checks name and
 * password again, to the same answer.
 */
export const acceptInvitationRequestSchema = /* @__PURE__ */ pure(() => z.strictObject({ token: sentTokenSchema, ...domain.acceptInvitationSchema.shape }));
/** Input of the roster's `previewInvitation`. */
export const previewInvitationRequestSchema = /* @__PURE__ */ pure(() => z.strictObject({ token: sentTokenSchema }));
/** The request context without its `session`, which is the host's own value and never parsed. */
const requestContextSchema = /* @__PURE__ */ pure(() => z.strictObject({ requester: atMostCodePoints(200, 'Requester is too long.').optional() }));

/**
 * What the host knows about a request to open or accept a link, as opposed to what the visitor
 * sent: the visitor's session (so someone signed in as another email cannot accept) and a key
 * to rate-limit by (an IP address, say). Kept apart from the input so a client cannot forge it.
 */
export type RequestContext = Readonly<{ session?: unknown; requester?: string | undefined }>;

/**
 * A parsed filter as a store is handed it: only the keys given a value. A query may say
 * `{ status: undefined }` (it reads as left out), but `AgentFilter` and `InvitationFilter` are
 * exact, and a store may test a key with `in` or list them with `Object.keys`.
 */
const exact = <F extends object>(filter: object): F => Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as F;

const value = <T>(r: Result<T, never>): T => r.match((v) => v, (e: never) => e);
/** For results that can only fail through a bug of ours (our own agents always make valid facts). */
const expectOk = <T, E extends { message: string }>(r: Result<T, E>): T =>
  r.match(
    (v) => v,
    (e) => {
      throw new Error(`agent-roster bug: ${e.message}`);
    },
  );
/** A routing decision in the shape commits take: its state under a key, like every decision's. */
const routed = (d: domain.RoutingDecision): Decision<object, WorkspaceEvent> => ({ state: { routing: d.state }, events: d.events });
/** A new, empty queue; created with its department (or workspace), so syncs always find it. */
const newQueue = (workspaceId: WorkspaceId, departmentId: domain.DepartmentId | null): Decision<object> => ({
  state: { routing: domain.emptyRoutingState(workspaceId, departmentId) },
  events: [],
});
/**
 * A deleted department's queue, gone: every conversation it held is closed first
 * (`ConversationClosed`, `reason: 'department-deleted'`), so none leaves routing without an event.
 */
const dropQueue = (queue: domain.RoutingState, now: Date): Decision<object, WorkspaceEvent> => ({
  state: { routing: { kind: 'routing', id: domain.routingStateId(queue.workspaceId, queue.departmentId), removed: true } },
  events: domain.closeQueue(queue, { now }).events,
});
const single = <S extends object>(d: Decision<S>): Planned<Decision<S>> => ({ result: d, decisions: [d] });
/**
 * A use case's answer: its command's decision with the events of the decisions committed with it,
 * in commit order — before it (the sweep's `InvitationExpired`, a deleted department's queue
 * closing its conversations) and after it (the queues told of an agent) — so what it returns is
 * what it committed, and folding the answer's events gives the answer's state (ADR 0004).
 */
const withFollowUps = <S extends object, E extends WorkspaceEvent>(
  d: Decision<S, E>,
  followUps: readonly Decision<object, E>[],
  before: readonly Decision<object, E>[] = [],
): Decision<S, E> =>
  quiet(before) && quiet(followUps) ? d : { ...d, events: [...before, d, ...followUps].flatMap((f) => f.events) };
const quiet = (decisions: readonly Decision<object, WorkspaceEvent>[]) => decisions.every((f) => f.events.length === 0);
/**
 * A command's plan committed after the sweep that made room for it; its answer carries the sweep's
 * events first. A sweep that expired nothing is left out: it writes nothing (the command writes
 * the workspace itself when it changes it).
 */
const afterSweep = <S extends object, E extends WorkspaceEvent>(swept: Decision<object, E>, d: Decision<S, E>): Planned<Decision<S, E>> =>
  swept.events.length === 0 ? { result: d, decisions: [d] } : { result: withFollowUps(d, [], [swept]), decisions: [swept, d] };
/** How many times a read counts lapsed invitations again because the workspace moved meanwhile. */
const RECOUNTS = 3;

/**
 * Builds the roster: every use case of the domain as an async function returning a
 * `ResultAsync`, wired to storage, email and identity ports, with in-memory defaults so that
 * `createRoster()` alone works.
 *
 * @example
 * const roster = createRoster({ acceptUrl: 'https://app.example.com/join' });
 * const opened = await roster.createWorkspace({ name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana', password: 'correct horse battery staple' } });
 */
export function createRoster(options: RosterOptions = {}): Roster {
  return buildRoster(options);
}

/** What {@link createRoster} builds; {@link Roster} is its inferred type, declared by name. */
function buildRoster(options: RosterOptions) {
  checkOptions(options);
  const store = options.store ?? new MemoryRosterStore();
  const mailer = options.mailer ?? new CapturingMailer();
  const identity = options.identity ?? new MemoryIdentity();
  const accounts = options.accounts ?? { isStandaloneAccount: async () => false };
  requireGlobals(options.random ?? webCryptoRandom);
  // Held to their contracts: a failure is a PortFailure, answered as ServiceUnavailable (see `answeredAll`).
  const now = checkedClock(options.clock ?? systemClock);
  const random = checkedRandom(options.random ?? webCryptoRandom);
  const plans = options.plans ?? domain.PLANS;
  const passwordPolicy = options.passwordPolicy ?? domain.DEFAULT_PASSWORD_POLICY;
  const templates = options.templates ?? defaultTemplates;
  const retry = options.retry ?? DEFAULT_RETRY;
  const acceptUrl = options.acceptUrl ?? '/invitations/accept';
  const linkFor = (token: string) =>
    typeof acceptUrl === 'function' ? acceptUrl(token) : `${acceptUrl}${acceptUrl.includes('?') ? '&' : '?'}token=${token}`;

  const delivery = { store, mailer, now, retry };
  const deliver = (limit?: number): Promise<DeliveryReport> => deliverDue(delivery, limit === undefined ? {} : { limit });
  /**
   * Delivers due emails; a failing mailer is recorded per message, and a store failing to record
   * one counts in `unrecorded`; only a store failing the run's first claim is an error
   * (`StoreUnavailable`).
   * `limit`, when given, must be a whole number of at least 1 (else `ValidationFailed`).
   */
  const deliverOutbox = (limit?: number): ResultAsync<DeliveryReport, ValidationFailed | StoreUnavailable | ServiceUnavailable> =>
    parseInput(deliveryLimitSchema, { limit }).asyncAndThen((i) => io(() => deliver(i.limit)));

  const deliveryWaitMs = options.deliveryWaitMs ?? 2_000;
  /**
   * After a commit: sends the emails it queued, and only those (a store that cannot lease by id
   * sends what is due instead), waiting at most `deliveryWaitMs` before the command answers.
   * The run starts no earlier than the commit (its messages' `nextAttemptAt`), so they are due.
   */
  const sendOwn = async (outbox: readonly OutboxMessage[]): Promise<void> => {
    const notBefore = new Date(Math.max(...outbox.map((m) => Date.parse(m.nextAttemptAt))));
    const sending: Promise<unknown> = deliverDue(delivery, { ids: outbox.map((m) => m.id), limit: 10, background: true, notBefore })
      .catch(() => undefined)
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, deliveryWaitMs)));
    await Promise.race([sending, waited]);
    clearTimeout(timer);
  };
  /** The sends `sendOwn` started that have not ended yet (their outcome recorded, or failing to be): what `idle` waits for. */
  const inFlight = new Set<Promise<unknown>>();
  /**
   * Resolves `true` once no send `sendOwn` started is left, sends started meanwhile included, or
   * `false` once `timeoutMs` ran out first; never rejects (each send's failure is swallowed
   * above). While it waits its timer holds the process open: a background send's lease timer
   * does not (it is unref'd, see `withinLease`), and a host that awaits this at shutdown wants
   * the outcome recorded rather than the process gone first. The timer ends with the wait, so a
   * timed-out wait holds nothing.
   */
  const idle = async (timeoutMs?: number): Promise<boolean> => {
    if (inFlight.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = Math.min(Math.max(Number(timeoutMs ?? MAX_TIMER_MS) || 0, 0), MAX_TIMER_MS);
    const outOfTime = new Promise<false>((resolve) => (timer = setTimeout(resolve, limit, false)));
    try {
      while (inFlight.size > 0) if (!(await Promise.race([Promise.all(inFlight).then(() => true), outOfTime]))) return false;
      return true;
    } finally {
      clearTimeout(timer);
    }
  };

  const backoff = options.conflictBackoff ?? DEFAULT_CONFLICT_BACKOFF;
  /** Equal jitter: half the delay is kept, half drawn from the Random port (only after a conflict). */
  const pause = async (attempt: number) => {
    const ms = retryDelay(attempt - 1, backoff);
    if (ms <= 0) return;
    // Jitter is not a secret: a Random port that throws or answers oddly costs the full delay,
    // never a rejected use case.
    let fraction = 1;
    try {
      const [hi = 0, lo = 0] = random.bytes(2);
      const drawn = (hi * 256 + lo) / 65_536;
      if (drawn >= 0 && drawn < 1) fraction = drawn;
    } catch {
      // keep the full delay
    }
    await new Promise((resolve) => setTimeout(resolve, ms / 2 + (ms / 2) * fraction));
  };
  const settings = {
    store,
    now,
    pause,
    maxAttempts: options.maxAttempts ?? 10,
    ...(options.deliverImmediately === false ? {} : { afterCommit: sendOwn }),
  };
  /**
   * For commands that change the workspace's counters (seats, departments, owner): they all
   * write its row, so in a store that can lock they lock it as they load it, and racing ones
   * queue instead of colliding and retrying (see `transact`).
   */
  const counting = { ...settings, lockWorkspace: true };

  /**
   * Calls a port: a rejection, and a throw from a port written as a plain function, become
   * `toError`; the clock or random source failing on the way is the `ServiceUnavailable` it carries.
   */
  const call = <T, E>(port: () => Promise<T> | T, toError: (e: unknown) => E): ResultAsync<T, E | ServiceUnavailable> =>
    ResultAsync.fromPromise(Promise.resolve().then(port), portFailureOr(toError));
  const io = <T>(promise: () => Promise<T>): ResultAsync<T, StoreUnavailable | ServiceUnavailable> => call(promise, appFail.store);
  /** Calls a host port other than the store: its failure is `ServiceUnavailable` naming it. */
  const service = <T>(name: ServiceName, port: () => Promise<T> | T): ResultAsync<T, ServiceUnavailable> =>
    call(port, (e) => appFail.service(name, e));
  /**
   * A host port's yes-or-no answer, held to its contract: anything but a boolean (a forgotten
   * `return`, a string) is `ServiceUnavailable`, never read as yes or no.
   */
  const yesOrNo = (name: ServiceName, port: () => Promise<boolean> | boolean): ResultAsync<boolean, ServiceUnavailable> =>
    service(name, port).andThen((answer) =>
      typeof answer === 'boolean' ? ok(answer) : err(appFail.service(name, `answered ${typeof answer}, not a boolean`)),
    );

  const throttle = (action: RateLimitAction, key: string, email?: domain.Email): ResultAsync<void, RateLimited | ServiceUnavailable> =>
    options.rateLimiter
      ? service('rateLimiter', () => options.rateLimiter!.consume(email === undefined ? { action, key } : { action, key, email })).andThen((r) =>
          r?.allowed === true
            ? ok(undefined)
            : r?.allowed === false && Number.isFinite(r.retryAfterMs) && r.retryAfterMs >= 0
              ? err(appFail.rateLimited(r.retryAfterMs))
              : // Refused rather than let through: a limiter that cannot answer must not open the gate.
                err(appFail.service('rateLimiter', 'answered neither { allowed: true } nor { allowed: false, retryAfterMs }')),
        )
      : okAsync(undefined);

  /**
   * Runs a use case's throttle at most once per call, however many attempts a conflict retries
   * (a retried attempt costs nothing extra), and only once it has succeeded is it spent.
   */
  const once = () => {
    let spent = false;
    return <E>(charge: () => ResultAsync<void, E>): ResultAsync<void, E> =>
      spent ? okAsync(undefined) : charge().map(() => void (spent = true));
  };

  /**
   * An invite's or resend's first step: the actor may manage agents, or the use case is refused
   * before anything else is asked. The limiter (keyed by the loaded actor, naming the recipient
   * so a host can throttle per recipient too), the store's email holder and the account
   * directory are asked only for an admin: nobody else can spend an admin's or a recipient's
   * budget, make the host look an email up, or time the answer to learn whether an address has a
   * pending invitation (a security review found all three).
   */
  const asInviter = <T, E>(actor: Agent, workspace: Workspace, next: () => ResultAsync<T, E>) =>
    domain.authorize(actor, 'manageAgents', workspace).asyncAndThen(next);

  /**
   * Who holds an email: this workspace's store first, then the host's account directory. A pending
   * invitation holds it no more when this commit's sweep expires an invitation to it (`swept`;
   * pending holders are one per email, so that is the holder, ADR 0004), or when it is the very
   * invitation the command acts on (`heldByItself`).
   */
  const emailStatus = (
    a: Attempt,
    workspaceId: WorkspaceId,
    email: domain.Email,
    swept: Readonly<{ state: Readonly<{ invitations: readonly Invitation[] }> }> | null,
    heldByItself = false,
  ): ResultAsync<EmailStatus, StoreUnavailable | ServiceUnavailable> => {
    const ignorePending = heldByItself || (swept !== null && swept.state.invitations.some((inv) => inv.email === email));
    return a.read(() => a.store.emailHolder(workspaceId, email)).andThen((holder) =>
      holder === 'agent' || (holder === 'pending-invitation' && !ignorePending)
        ? okAsync<EmailStatus, StoreUnavailable | ServiceUnavailable>(holder)
        : yesOrNo('accountDirectory', () => accounts.isStandaloneAccount(email)).map((s): EmailStatus => (s ? 'standalone-account' : 'available')),
    );
  };

  /** The host's optional breached-password check, as a `WeakPassword`. */
  const refuseBreached = (password: string): ResultAsync<void, domain.WeakPassword | ServiceUnavailable> =>
    options.breachedPasswords
      ? yesOrNo('breachedPasswords', () => options.breachedPasswords!.isBreached(password)).mapErr(hiding(password)).andThen((breached) =>
          breached
            ? err(domain.fail.weakPassword({ reason: 'breached', minLength: passwordPolicy.minLength, maxLength: passwordPolicy.maxLength }))
            : ok(undefined),
        )
      : okAsync(undefined);

  /**
   * Expires every lapsed invitation first, so seat and email checks see only invitations that
   * still hold a seat (ADR 0004). There are at most `counts.pendingInvitations` of them, so one
   * read finds them all, and none when nothing is pending. Each is read with its version: a
   * concurrent sweep, resend or revoke of one makes this commit collide and decide again.
   *
   * Every use case that can take a seat or an email (invite, resend, accept, activate, an email
   * change, plan and settings changes) sweeps first, and decides on the swept workspace: the seat
   * rule lets through any change that takes no new seat, so a count still holding lapsed
   * invitations would make a refusal depend on whether some earlier command happened to sweep.
   * Keep it so for a new one.
   */
  const sweep = (a: Attempt, workspace: Workspace, limit = Infinity) => {
    const pending = Math.min(workspace.counts.pendingInvitations, limit);
    return (pending > 0 ? a.lapsedInvitations(workspace.id, pending) : okAsync<Invitation[], StoreUnavailable>([])).map((invitations) =>
      value(expireInvitations({ workspace, invitations }, { now: a.now })),
    );
  };

  /**
   * Parses the actor, then runs an attempt with the workspace and actor loaded; `changesCounters`
   * when the command writes the workspace (see {@link counting}).
   */
  const asActor = <T, E>(
    actorRef: ActorRef,
    body: (a: Attempt, ctx: Readonly<{ workspace: Workspace; actor: Agent }>) => ResultAsync<Planned<T>, E>,
    changesCounters = false,
  ) =>
    parseActor(actorRef).asyncAndThen((ref) =>
      transact(changesCounters ? counting : settings, (a) =>
        a.workspace(ref.workspaceId).andThen((workspace) => a.actor(workspace.id, ref.agentId).andThen((actor) => body(a, { workspace, actor }))),
      ),
    );

  /** {@link asActor} for a command that changes the workspace's counters (see {@link counting}). */
  const asCounter = <T, E>(
    actorRef: ActorRef,
    body: (a: Attempt, ctx: Readonly<{ workspace: Workspace; actor: Agent }>) => ResultAsync<Planned<T>, E>,
  ) => asActor(actorRef, body, true);

  const parse = <S extends z.ZodType>(schema: S, input: unknown) => parseInput(schema, input).asyncAndThen((i) => okAsync(i));
  /** {@link parse} for an argument beside the input, whose refusals name it: `workspaceId`, `request.ip`. */
  const parseArg = <S extends z.ZodType>(name: string, schema: S, value: unknown) => parse(schema, value).mapErr(under(name));

  /** Refuses an inline plan unless the host allowed them. */
  const catalogPlanOnly = <I extends { plan: unknown }>(i: I): Result<I, ValidationFailed> =>
    typeof i.plan === 'string' || options.allowInlinePlans
      ? ok(i)
      : err(domain.validationFailed([{ path: 'plan', message: 'must be the id of a catalog plan (inline plans are off: allowInlinePlans)' }]));

  /**
   * The invitation's email, rendered by the host's `acceptUrl` and `templates`. They are plain
   * functions of the host: one that throws, or answers with no text, is `ServiceUnavailable`
   * naming it, and the use case writes nothing (an invitation is never stored without its email).
   */
  const invitationEmail = (
    a: Attempt,
    workspace: Workspace,
    inviter: Agent,
    invitation: Invitation,
    token: string,
    resent: boolean,
  ): Result<OutboxMessage, ServiceUnavailable> => {
    // Which host function is running, so a throw is put down to the right one.
    let service: ServiceName = 'acceptUrl';
    let mail: Readonly<{ subject: string; text: string; html: string | null }>;
    try {
      const link = linkFor(token);
      if (typeof link !== 'string') throw new TypeError('acceptUrl returned no string');
      service = 'templates';
      const rendered = templates.invitation({
        workspaceName: workspace.name,
        inviterName: inviter.name,
        email: invitation.email,
        role: invitation.role,
        link,
        expiresAt: invitation.expiresAt,
        resent,
      });
      // Each field read once, here, where a throwing getter is put down to the templates.
      const { subject, text, html } = rendered ?? {};
      if (typeof subject !== 'string' || typeof text !== 'string') throw new TypeError('templates.invitation returned no subject or text');
      if (html !== undefined && html !== null && typeof html !== 'string') throw new TypeError('templates.invitation returned an html that is not text');
      mail = { subject, text, html: html ?? null };
    } catch (e) {
      // A template that quotes its link in what it throws must not hand the token on: no error
      // carries one, dead or not (nothing was stored, so this one opens nothing). Redacted as a
      // mailer's error is, against a body that holds the token (wrapped pieces of it included).
      const failed = appFail.service(service, e);
      return err({ ...failed, cause: redactLinks(failed.cause, { text: token }) });
    }
    return ok(outboxMessage({
      id: newId(random, 'msg'),
      workspaceId: workspace.id,
      idempotencyKey: `invitation:${invitation.id}:${invitation.resendCount}`,
      to: invitation.email,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      now: a.now,
      // Withdrawn by the commit that closes the invitation, and by delivery once the link lapsed (ADR 0025).
      topic: invitationTopic(invitation.id),
      expiresAt: invitation.expiresAt,
    }));
  };

  // ── Workspace ──────────────────────────────────────────────────────────────────────────────

  const createWorkspace = (input: z.input<typeof createWorkspaceRequestSchema>) =>
    parse(createWorkspaceRequestSchema, input).andThen(catalogPlanOnly).andThen((i) => {
      const { password, ...owner } = i.owner;
      return domain
        .checkPassword(password, passwordPolicy)
        .mapErr(({ reason, minLength, maxLength }) => domain.fail.weakPassword({ reason, minLength, maxLength }))
        .asyncAndThen(() => refuseBreached(password))
        .andThen(() =>
          transact(settings, (a) => {
            const decided = domain.createWorkspace(
              { ...i, owner },
              {
                now: a.now,
                workspaceId: workspaceIdSchema.parse(newId(random, 'ws')),
                ownerId: agentIdSchema.parse(newId(random, 'agt')),
                plans,
              },
            );
            return decided.asyncAndThen((d) => {
              a.workspaceId = d.state.workspace.id;
              const login = { agentId: d.state.owner.id, workspaceId: d.state.workspace.id, email: d.state.owner.email, password };
              return okAsync({
                result: d,
                decisions: [d, newQueue(d.state.workspace.id, null)],
                beforeCommit: () => call(() => identity.createLogin(login), appFail.identity).mapErr(hiding(login.password)),
                onAbort: async () => void (await identity.deleteLogin?.(login.agentId)),
                landed: async () => (await store.loadWorkspace(login.workspaceId)) !== null,
              });
            });
          }),
        );
    });

  const changePlan = (actor: ActorRef, input: domain.ChangePlanInput) =>
    // The domain decides on the value checked here, never on the input again: a getter could show
    // the check a catalog id and the command an inline plan (ADR 0020: one read).
    parse(domain.changePlanSchema, input).andThen(catalogPlanOnly).andThen((i) => asCounter(actor, (a, { workspace, actor }) =>
      sweep(a, workspace).andThen((swept) =>
        domain
          .changePlan({ workspace: swept.state.workspace, actor }, i, { now: a.now, plans })
          .map((d) => afterSweep(swept, d)),
      ),
    ));

  const changeSettings = (actor: ActorRef, input: domain.ChangeSettingsInput) =>
    parse(domain.changeSettingsSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        sweep(a, workspace).andThen((swept) =>
          domain
            .changeSettings({ workspace: swept.state.workspace, actor }, i, { now: a.now })
            .map((d) => afterSweep(swept, d)),
        ),
      ),
    );

  // ── Invitations ────────────────────────────────────────────────────────────────────────────

  const inviteAgent = (actor: ActorRef, input: domain.InviteAgentInput) => {
    const spend = once();
    return parse(domain.inviteAgentSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        asInviter(actor, workspace, () => spend(() => throttle('invite', `${workspace.id}:${actor.id}`, i.email)))
          .andThen(() => sweep(a, workspace))
          .andThen((swept) =>
            ResultAsync.combine([
              a.departments(workspace.id, i.departmentIds),
              // A lapsed invitation for this email still holds it in the store; the sweep expires it in this same commit.
              emailStatus(a, workspace.id, i.email, swept),
            ] as const).andThen(([departments, status]) => {
              const token = newToken(random);
              return ResultAsync.fromSafePromise(sha256Hex(token)).andThen((tokenHash) =>
                domain
                  .inviteAgent({ workspace: swept.state.workspace, actor, departments }, i, {
                    now: a.now,
                    invitationId: domain.invitationIdSchema.parse(newId(random, 'inv')),
                    tokenHash,
                    emailStatus: status,
                  })
                  .andThen((d) =>
                    invitationEmail(a, workspace, actor, d.state.invitation, token, false).map((mail) => ({ ...afterSweep(swept, d), outbox: [mail] })),
                  ),
              );
            }),
          ),
      ),
    );
  };

  const resendInvitation = (actor: ActorRef, input: domain.InvitationTargetInput) => {
    const spend = once();
    return parse(domain.invitationTargetSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        asInviter(actor, workspace, () => ResultAsync.combine([sweep(a, workspace), a.invitation(workspace.id, i.invitationId)] as const))
          .andThen(([swept, loaded]) => {
            const invitation = swept.state.invitations.find((inv) => inv.id === i.invitationId) ?? loaded;
            // The recipient is known by now, so a resend names it as an invite does.
            const facts: ResultAsync<readonly [readonly Department[], EmailStatus, Agent | null], RateLimited | StoreUnavailable | ServiceUnavailable> = spend(() =>
              throttle('resend', `${workspace.id}:${actor.id}`, invitation?.email),
            ).andThen(() =>
              invitation
                ? ResultAsync.combine([
                    a.departments(workspace.id, invitation.departmentIds),
                    // The email's pending holder, if any, is the invitation itself while stored as
                    // pending, or a newer invitation to the same address that lapsed too.
                    emailStatus(a, workspace.id, invitation.email, swept, loaded?.status === 'pending'),
                    a.agent(workspace.id, invitation.invitedBy),
                  ] as const)
                : okAsync([[], 'available', null] as const),
            );
            return facts.andThen(([departments, status, inviter]) => {
              const token = newToken(random);
              return ResultAsync.fromSafePromise(sha256Hex(token)).andThen((tokenHash) =>
                domain
                  .resendInvitation({ workspace: swept.state.workspace, actor, invitation, departments }, i, {
                    now: a.now,
                    tokenHash,
                    emailStatus: status,
                  })
                  .andThen((d) =>
                    // The email names the inviter the preview names (`invitedBy`), and the
                    // admin resending it only when that inviter was deleted.
                    invitationEmail(a, workspace, inviter ?? actor, d.state.invitation, token, true).map((mail) => ({ ...afterSweep(swept, d), outbox: [mail] })),
                  ),
              );
            });
          }),
      ),
    );
  };

  const revokeInvitation = (actor: ActorRef, input: domain.InvitationTargetInput) =>
    parse(domain.invitationTargetSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        a
          .invitation(workspace.id, i.invitationId)
          .andThen((invitation) => domain.revokeInvitation({ workspace, actor, invitation }, i, { now: a.now }).map(single)),
      ),
    );

  /**
   * Looks up the invitation a token opens; a malformed token matches nothing, like an unknown one.
   * `loadWorkspace` reads the invitation's workspace: locking it to accept, merely reading it to preview.
   */
  const openToken = <X>(
    a: Attempt,
    token: string,
    loadWorkspace: (id: WorkspaceId) => ResultAsync<Workspace | null, X>,
  ): ResultAsync<Readonly<{ tokenHash: string; invitation: Invitation | null; workspace: Workspace | null }>, StoreUnavailable | X> => {
    if (!tokenSchema.safeParse(token).success) return okAsync({ tokenHash: '', invitation: null, workspace: null });
    return ResultAsync.fromSafePromise(sha256Hex(token)).andThen((tokenHash) =>
      a.invitationByTokenHash(tokenHash).andThen((invitation) =>
        invitation
          ? loadWorkspace(invitation.workspaceId).map((workspace) => ({ tokenHash, invitation, workspace }))
          : okAsync({ tokenHash, invitation: null, workspace: null }),
      ),
    );
  };

  /**
   * Reads the host's request context once. `requester` is parsed like any input; `session` is
   * handed to `identity.signedInEmail` as the host gave it, not as a copy: it is the host's own
   * value (a class instance, a Map, an object used as a key), and the prototype-free copy every
   * input goes through (ADR 0020) would reach the port as a stranger, read as signed out.
   */
  const parseRequest = (request: unknown) => {
    // One shallow read of the own fields; the session then stays out of parsing altogether, so a
    // session with cycles, deep nesting or lazy getters (an ORM entity, a framework session) is
    // never walked, only handed to the port.
    let rest: unknown = request;
    let session: unknown;
    try {
      if (typeof request === 'object' && request !== null) {
        const copy: Record<string, unknown> = { ...request };
        session = copy['session'];
        delete copy['session'];
        rest = copy;
      }
    } catch {
      return errAsync<{ requester: string | undefined; session: unknown }, ValidationFailed>(under('request')(domain.unreadableInput()));
    }
    return parseArg('request', requestContextSchema, rest).map((r) => ({ requester: r.requester, session }));
  };

  const previewInvitation = (input: z.input<typeof previewInvitationRequestSchema>, request: RequestContext = {}) =>
    ResultAsync.combine([parse(previewInvitationRequestSchema, input), parseRequest(request)] as const).andThen(([i, r]) =>
      throttle('preview', r.requester ?? 'anonymous').andThen(() => {
        const a = transactAttempt();
        return openToken(a, i.token, (id) => a.peekWorkspace(id)).andThen(({ tokenHash, invitation, workspace }) =>
          (invitation && workspace ? a.agent(workspace.id, invitation.invitedBy) : okAsync(null)).andThen((inviter) =>
            domain.previewInvitation({ workspace, invitation, inviter }, { now: a.now, presentedTokenHash: tokenHash }),
          ),
        );
      }),
    );

  // Reads outside a transaction still go through an Attempt so port failures map the same way.
  const transactAttempt = () => new Attempt(store, now());

  /**
   * Whether a token opens an invitation still pending, read before an accept asks the host's
   * breached-password check: the token is refused before the password is looked at, so a
   * request with a bad, used, revoked or lapsed link never sends its password to the checker
   * (often a third party), whatever it is. The accept reads the invitation again in its commit,
   * at this reading's time or later (see acceptInvitation); also answered: the time read here.
   */
  const opensPending = (token: string) => {
    const a = transactAttempt();
    return openToken(a, token, () => okAsync(null)).map(({ invitation }) => [!!invitation && domain.statusAt(invitation, a.now) === 'pending', a.now] as const);
  };

  // `name` and `password` are typed as in 0.1.0 (`unknown`, optional), so a host passing a parsed
  // body's fields still compiles; the schema refuses what is not a name or a password.
  const acceptInvitation = (input: Readonly<{ token: string; name?: unknown; password?: unknown }>, request: RequestContext = {}) =>
    ResultAsync.combine([parse(acceptInvitationRequestSchema, input), parseRequest(request)] as const).andThen(([i, r]) =>
      throttle('accept', r.requester ?? 'anonymous')
        .andThen(() =>
          r.session !== undefined && identity.signedInEmail
            ? service('identity', () => identity.signedInEmail!(r.session))
                .mapErr(hidingSession(r.session))
                .andThen((email) =>
                  email === null
                    ? ok(null)
                    : typeof email === 'string'
                      ? ok(domain.parseEmail(email).unwrapOr(email as domain.Email))
                      : err(appFail.service('identity', `signedInEmail answered ${typeof email}, not a string or null`)),
                )
            : okAsync(null),
        )
        .andThen((signedInEmail) =>
          // Only a password the policy accepts is worth asking about: a too-long one is refused
          // anyway, and must not travel to the host's checker (createWorkspace checks in the same order).
          options.breachedPasswords && domain.checkPassword(i.password, passwordPolicy).isOk()
            ? opensPending(i.token).andThen(([pending, checkedAt]) =>
                pending
                  ? yesOrNo('breachedPasswords', () => options.breachedPasswords!.isBreached(i.password))
                      .mapErr(hiding(i.password))
                      .map((breached) => ({ signedInEmail, breached, checkedAt: undefined }))
                  : okAsync({ signedInEmail, breached: false, checkedAt }),
              )
            : okAsync({ signedInEmail, breached: false, checkedAt: undefined }),
        )
        .andThen(({ signedInEmail, breached, checkedAt }) => {
          const agentId = agentIdSchema.parse(newId(random, 'agt'));
          // When the check above found the link lapsed and did not ask about the password, never
          // earlier than its reading: a wall clock stepped back meanwhile (NTP) would find the
          // invitation pending and accept a password nobody asked about. Only then: once the
          // checker was asked, a one-off forward reading must not date the commit (or its sweep).
          return transact(checkedAt ? { ...counting, now: () => new Date(Math.max(+now(), +checkedAt)) } : counting, (a) =>
            openToken(a, i.token, (id) => a.workspaceOrNull(id)).andThen(({ tokenHash, invitation, workspace }) => {
              const facts: ResultAsync<
                readonly [Decision<{ workspace: Workspace; invitations: readonly Invitation[] }> | null, readonly Department[], EmailStatus],
                StoreUnavailable | ServiceUnavailable
              > =
                invitation && workspace
                  ? ResultAsync.combine([
                      sweep(a, workspace),
                      a.departments(workspace.id, invitation.departmentIds),
                      emailStatus(a, workspace.id, invitation.email, null, true),
                    ] as const)
                  : okAsync([null, [], 'available'] as const);
              return facts.andThen(([swept, departments, status]) =>
                domain
                  .acceptInvitation(
                    {
                      workspace: swept?.state.workspace ?? workspace,
                      invitation: swept?.state.invitations.find((inv) => inv.id === invitation?.id) ?? invitation,
                      departments,
                    },
                    { name: i.name, password: i.password },
                    {
                      now: a.now,
                      presentedTokenHash: tokenHash,
                      agentId,
                      emailStatus: status,
                      signedInEmail,
                      passwordPolicy,
                      passwordBreached: breached,
                    },
                  )
                  .asyncAndThen(({ password, ...decision }) => {
                    const login = { agentId, workspaceId: decision.state.workspace.id, email: decision.state.agent.email, password };
                    const joined = decision.state.agent;
                    // The new agent (away) joins the queues of its departments in this same commit.
                    return syncRouting(a, joined.workspaceId, joined, joined).map((syncs) => ({
                      result: withFollowUps(decision as Decision<typeof decision.state>, syncs, swept ? [swept] : []),
                      decisions: [...(swept ? [swept, decision] : [decision]), ...syncs],
                      beforeCommit: () => call(() => identity.createLogin(login), appFail.identity).mapErr(hiding(login.password)),
                      onAbort: async () => void (await identity.deleteLogin?.(agentId)),
                      landed: async () => (await store.loadAgent(login.workspaceId, agentId)) !== null,
                    }));
                  }),
              );
            }),
          );
        }),
    );

  const expireLapsedInvitations = (workspaceId: string, limit?: number) =>
    parseArg('workspaceId', workspaceIdSchema, workspaceId).andThen((id) =>
      parseInput(deliveryLimitSchema, { limit }).asyncAndThen((i) =>
        transact(counting, (a) => a.workspace(id).andThen((workspace) => sweep(a, workspace, i.limit)).map(single)),
      ),
    );

  // ── Routing sync ───────────────────────────────────────────────────────────────────────────

  /**
   * Tells the routing queues an agent's new facts, in the same commit as the change: an agent
   * deactivated, deleted, gone away or moved out of a department is never routed a conversation
   * a moment later (invariant 5 of the rules, docs/domain.md). Only the queues the agent was or is in are touched.
   */
  const syncRouting = (
    a: Attempt,
    workspaceId: WorkspaceId,
    before: Agent,
    after: Agent | null,
    except: domain.DepartmentId | null = null,
  ): ResultAsync<readonly Decision<object, WorkspaceEvent>[], StoreUnavailable> => syncAll(a, workspaceId, [{ before, after }], except);

  /**
   * Syncs several agents' changes, in order, into the queues concerned. Each queue is loaded once
   * and takes every change before it is served (`syncAgents`): two members leaving one queue in
   * one commit must both be seen, and neither handed what the other left.
   */
  const syncAll = (
    a: Attempt,
    workspaceId: WorkspaceId,
    changes: readonly Readonly<{ before: Agent; after: Agent | null }>[],
    except: domain.DepartmentId | null = null,
  ): ResultAsync<readonly Decision<object, WorkspaceEvent>[], StoreUnavailable> => {
    const ids = new Set<domain.DepartmentId | null>([null]);
    for (const { before, after } of changes) for (const d of [...before.departmentIds, ...(after?.departmentIds ?? [])]) ids.add(d);
    const queues = [...ids].filter((q) => q === null || q !== except);
    const facts = changes.map(({ before, after }) => (after ? domain.routingFactsOf(after) : { agentId: before.id, deleted: true as const }));
    return a.routingStates(workspaceId, queues).map((states) =>
      states.flatMap((state) => {
        // All at once, served once at the end: served between two changes, a queue could hand a
        // requeued conversation to the next agent, whose own change takes it out too.
        const d = expectOk(domain.syncAgents(state, facts, { now: a.now }));
        return d.events.length > 0 ? [routed(d)] : [];
      }),
    );
  };

  /**
   * Appends the routing sync of the agent a decision changed. The use case then answers with
   * every event it committed: the roster's, then the queues' (a conversation requeued or drained).
   */
  const synced = <S extends { agent: Agent | domain.Removed<'agent', AgentId> }>(
    a: Attempt,
    before: Agent | null | undefined,
    planned: Planned<Decision<S>>,
  ): ResultAsync<Planned<Decision<S, WorkspaceEvent>>, StoreUnavailable> => {
    const d = planned.result;
    if (!before || d.events.length === 0) return okAsync(planned);
    const after = 'removed' in d.state.agent ? null : d.state.agent;
    return syncRouting(a, before.workspaceId, before, after).map((syncs) => ({
      ...planned,
      result: withFollowUps(d, syncs),
      decisions: [...planned.decisions, ...syncs],
    }));
  };

  // ── Agents ─────────────────────────────────────────────────────────────────────────────────

  /** A use case on one agent: load it, decide, commit. */
  const onAgent =
    <I, O extends { agentId: AgentId }, S extends object, E>(
      schema: z.ZodType<O, I>,
      decide: (
        state: domain.AgentCommandState,
        input: O,
        a: Attempt,
        workspace: Workspace,
      ) => ResultAsync<Planned<Decision<S, WorkspaceEvent>>, E> | Result<Planned<Decision<S, WorkspaceEvent>>, E>,
      changesCounters = false,
    ) =>
    (actor: ActorRef, input: I) =>
      // Parsed once, before any attempt: each attempt and the command get the parsed value.
      parse(schema, input).andThen((i) =>
        asActor(
          actor,
          (a, { workspace, actor }) =>
            a.agent(workspace.id, i.agentId).andThen((agent) => {
              const out = decide({ workspace, actor, agent }, i, a, workspace);
              return out instanceof ResultAsync ? out : out.asyncAndThen((p) => okAsync(p));
            }),
          changesCounters,
        ),
      );

  const editAgent = (actor: ActorRef, input: domain.EditAgentInput) => {
    const spend = once();
    return onAgent(domain.editAgentSchema, (state, i, a, workspace) => {
      const email = i.email;
      const unchanged = () => domain.editAgent(state, i, { now: a.now, emailStatus: 'available' }).map(single);
      if (email === undefined || email === state.agent?.email) return unchanged();
      // Whether the agent exists, who may edit whom, and whether this is an admin changing the
      // owner's email are decided before the limiter, the sweep and the account directory are
      // asked, so nobody can make the host look up an email it may not set: the command refuses
      // on its own, without the email's holder.
      if (!state.agent || domain.authorizeOnAgent(state.actor, i.agentId, workspace).isErr() || ownersEmailByAnother(state.actor, i.agentId, workspace)) {
        return unchanged();
      }
      // As inviteAgent does: a lapsed invitation for the new email is expired in this same commit,
      // so it holds the email no more (ADR 0004). A sweep that expired nothing writes nothing.
      return spend(() => throttle('editEmail', `${workspace.id}:${state.actor.id}`, email))
        .andThen(() => sweep(a, workspace))
        .andThen((swept) =>
          emailStatus(a, workspace.id, email, swept).andThen((status) =>
            domain
              .editAgent({ ...state, workspace: swept.state.workspace }, i, { now: a.now, emailStatus: status })
              .map((d) => afterSweep(swept, d)),
          ),
        );
    })(actor, input);
  };
  const changeRole = onAgent(domain.changeRoleSchema, (state, input, a) => domain.changeRole(state, input, { now: a.now }).map(single));
  const activateAgent = onAgent(domain.agentTargetSchema, (state, input, a, workspace) =>
    sweep(a, workspace).andThen((swept) =>
      domain
        .activateAgent({ ...state, workspace: swept.state.workspace }, input, { now: a.now })
        .asyncAndThen((d) => synced(a, state.agent, afterSweep(swept, d))),
    ),
    true,
  );
  const deactivateAgent = onAgent(domain.agentTargetSchema, (state, input, a) =>
    domain.deactivateAgent(state, input, { now: a.now }).asyncAndThen((d) => synced(a, state.agent, single(d))),
    true,
  );
  const setAvailability = onAgent(domain.setAvailabilitySchema, (state, input, a) =>
    domain.setAvailability(state, input, { now: a.now }).asyncAndThen((d) => synced(a, state.agent, single(d))),
  );
  const deleteAgent = onAgent(domain.agentTargetSchema, (state, input, a) =>
    domain.deleteAgent(state, input, { now: a.now }).asyncAndThen((d) => synced(a, state.agent, single(d))),
    true,
  );

  const transferOwnership = (actor: ActorRef, input: domain.TransferOwnershipInput) =>
    parse(domain.transferOwnershipSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        a.agent(workspace.id, i.toAgentId).andThen((newOwner) => domain.transferOwnership({ workspace, actor, newOwner }, i, { now: a.now }).map(single)),
      ),
    );

  // ── Departments ────────────────────────────────────────────────────────────────────────────

  const createDepartment = (actor: ActorRef, input: domain.CreateDepartmentInput) =>
    parse(domain.createDepartmentSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        a.read(() => a.store.departmentNameTaken(workspace.id, domain.nameKey(i.name))).andThen((nameTaken) =>
          domain
            .createDepartment({ workspace, actor }, i, {
              now: a.now,
              nameTaken,
              departmentId: domain.departmentIdSchema.parse(newId(random, 'dep')),
            })
            .map((d) => ({ result: d, decisions: [d, newQueue(workspace.id, d.state.department.id)] })),
        ),
      ),
    );

  const renameDepartment = (actor: ActorRef, input: domain.RenameDepartmentInput) =>
    parse(domain.renameDepartmentSchema, input).andThen((i) =>
      asActor(actor, (a, { workspace, actor }) =>
        ResultAsync.combine([
          a.department(workspace.id, i.departmentId),
          a.read(() => a.store.departmentNameTaken(workspace.id, domain.nameKey(i.name), i.departmentId)),
        ] as const).andThen(([department, nameTaken]) =>
          domain.renameDepartment({ workspace, actor, department }, i, { now: a.now, nameTaken }).map(single),
        ),
      ),
    );

  const deleteDepartment = (actor: ActorRef, input: domain.DepartmentTargetInput) =>
    parse(domain.departmentTargetSchema, input).andThen((i) =>
      asCounter(actor, (a, { workspace, actor }) =>
        // The department first, then its members: anyone joining it after the first read bumps its
        // version, so the commit collides instead of leaving a member naming a deleted department.
        a.department(workspace.id, i.departmentId).andThen((department) =>
          a.departmentMembers(workspace.id, i.departmentId).andThen(({ members, invitations }) =>
            domain
              .deleteDepartment({ workspace, actor, department, members, invitations }, i, { now: a.now })
              .asyncAndThen((d) =>
                // Members leave the workspace-wide queue too when this was their last department;
                // the department's own queue is read (and so version-checked) to close what it held.
                ResultAsync.combine([
                  syncAll(a, workspace.id, members.map((m, n) => ({ before: m, after: d.state.members[n] ?? m })), i.departmentId),
                  a.routingStates(workspace.id, [i.departmentId]),
                ] as const).map(([syncs, [queue]]) => {
                  // The queue closes its conversations before the department goes, as a host
                  // calling the domain does (closeQueue, then deleteDepartment): a read model that
                  // drops the queue with DepartmentDeleted is not sent closes for a queue it dropped.
                  const closed = queue ? [dropQueue(queue, a.now)] : [];
                  return { result: withFollowUps(d, syncs, closed), decisions: [...closed, d, ...syncs] };
                }),
              ),
          ),
        ),
      ),
    );

  const assignAgentToDepartments = (actor: ActorRef, input: domain.AssignAgentInput) =>
    parse(domain.assignAgentSchema, input).andThen((i) =>
      asActor(actor, (a, { workspace, actor }) =>
        ResultAsync.combine([a.agent(workspace.id, i.agentId), a.departments(workspace.id, i.departmentIds)] as const).andThen(
          ([agent, departments]) =>
            domain
              .assignAgentToDepartments({ workspace, actor, agent, departments }, i, { now: a.now })
              .asyncAndThen((d) => synced(a, agent, single(d))),
        ),
      ),
    );

  const removeAgentFromDepartment = (actor: ActorRef, input: domain.RemoveAgentFromDepartmentInput) =>
    parse(domain.removeAgentFromDepartmentSchema, input).andThen((i) =>
      asActor(actor, (a, { workspace, actor }) =>
        ResultAsync.combine([a.agent(workspace.id, i.agentId), a.department(workspace.id, i.departmentId)] as const).andThen(
          ([agent, department]) =>
            domain
              .removeAgentFromDepartment({ workspace, actor, agent, department }, i, { now: a.now })
              .asyncAndThen((d) => synced(a, agent, single(d))),
        ),
      ),
    );

  // ── Routing ────────────────────────────────────────────────────────────────────────────────

  /**
   * Reads a routing input once: the queue it names, and the rest for the routing command to parse.
   * The rest comes from the same prototype-free copy (ADR 0020) the queue was read from, so a
   * getter cannot show the roster one queue and the command another input.
   */
  const queueInput = (input: unknown) =>
    parse(anything, input).andThen((copy) =>
      parse(queueRefSchema, copy).map(({ departmentId }) => {
        const { departmentId: _, ...rest } = copy as Record<string, unknown>;
        return { departmentId, rest };
      }),
    );

  /**
   * Runs a routing command on one queue. Conversations are routed by the host's chat backend,
   * not by an agent, so these take the workspace id rather than an actor.
   */
  const onQueue = <I extends { departmentId: string | null }, R extends domain.RoutingDecision, E>(
    workspaceId: string,
    input: I,
    decide: (state: domain.RoutingState, rest: Omit<I, 'departmentId'>, now: Date) => Result<R, E>,
  ) =>
    ResultAsync.combine([parseArg('workspaceId', workspaceIdSchema, workspaceId), queueInput(input)] as const).andThen(
      ([wsId, { departmentId, rest }]) =>
        transact(settings, (a) =>
          a.workspace(wsId).andThen((workspace) =>
            a.routingStates(workspace.id, [departmentId]).andThen(([state]) => {
              if (!state) return err(departmentId ? domain.fail.departmentNotFound(departmentId) : appFail.workspaceNotFound(wsId));
              return decide(state, rest as Omit<I, 'departmentId'>, a.now).map((d) => ({ result: d, decisions: [routed(d)] }));
            }),
          ),
        ),
    );

  const routeConversation = (workspaceId: string, input: Readonly<{ departmentId: string | null; conversationId: string }>) =>
    onQueue(workspaceId, input, (state, rest, now) => domain.routeConversation(state, rest, { now }));
  const closeConversation = (workspaceId: string, input: Readonly<{ departmentId: string | null; conversationId: string }>) =>
    onQueue(workspaceId, input, (state, rest, now) => domain.closeConversation(state, rest, { now }));
  const transferConversation = (
    workspaceId: string,
    input: Readonly<{ departmentId: string | null; conversationId: string; to: string }>,
  ) => onQueue(workspaceId, input, (state, rest, now) => domain.transferConversation(state, rest, { now }));

  /**
   * Invariant 7 for `capacities`: a key is an agent of this workspace, or `AgentNotFound` (the
   * first such key in code-point order). Members of the queue are known, and so is a key the
   * stored config already holds with the same value, so only the other keys of non-members are
   * read (tracked, so an agent deleted meanwhile makes the commit collide rather than keep its
   * key): an override the config kept for an agent deleted since may be passed back as it is,
   * but not given a new value.
   */
  const newCapacityKeys = (a: Attempt, workspaceId: domain.WorkspaceId, state: domain.RoutingState, capacities: Readonly<Record<string, unknown>> | undefined) => {
    const kept = state.config.capacities ?? {};
    const unknown = (Object.keys(capacities ?? {}) as domain.AgentId[])
      .filter((id) => !(Object.hasOwn(kept, id) && kept[id] === capacities![id]) && !domain.memberOf(state, id))
      .sort();
    return ResultAsync.combine(unknown.map((id) => a.agent(workspaceId, id))).andThen((agents) => {
      const missing = unknown.find((_, i) => !agents[i]);
      return missing ? err(domain.fail.agentNotFound(missing)) : ok(undefined);
    });
  };

  const configureRouting = (
    actor: ActorRef,
    input: Readonly<{ departmentId: string | null } & domain.ConfigureRoutingInput>,
  ) =>
    queueInput(input).andThen(({ departmentId, rest }) =>
      // The whole input is checked before the actor, as every other use case does.
      parseRoutingConfig(rest).asyncAndThen((config) =>
        asActor(actor, (a, { workspace, actor }) =>
          authorize(actor, 'manageDepartments', workspace)
            .asyncAndThen(() => a.routingStates(workspace.id, [departmentId]))
            .andThen(([state]) => {
              if (!state) return errAsync(domain.fail.departmentNotFound(departmentId!));
              return newCapacityKeys(a, workspace.id, state, config.capacities).andThen(() =>
                decideRoutingConfig(state, config, { now: a.now }).map((d) => ({ result: d, decisions: [routed(d)] })),
              );
            }),
        ),
      ),
    );

  // ── Queries ────────────────────────────────────────────────────────────────────────────────

  /**
   * Loads workspace (with its version) and actor for a read, checking a capability when one is
   * named. Its errors are only those a read can meet, so a query's type declares no
   * `PermissionDenied` when any agent may read it, and no `ConcurrencyConflict` (only a read
   * {@link counted} can have one).
   */
  const reading = <T, C extends domain.Capability | null>(
    actorRef: ActorRef,
    capability: C,
    read: (ctx: Readonly<{ workspace: Workspace; version: number; actor: Agent }>) => Promise<T>,
  ): ResultAsync<T, QueryError | (C extends null ? never : domain.PermissionDenied)> =>
    parseActor(actorRef).asyncAndThen((ref) =>
      io(() => store.loadWorkspace(ref.workspaceId))
        .andThen((row) => (row ? ok(row) : err(appFail.workspaceNotFound(ref.workspaceId))))
        .andThen(({ value: workspace, version }) =>
          io(() => store.loadAgent(workspace.id, ref.agentId))
            .andThen((row) => (row ? ok(row.value) : err(appFail.unknownActor(ref.agentId))))
            .andThen((actor) => allowedTo(actor, capability, workspace).map(() => ({ workspace, version, actor }))),
        )
        .andThen((ctx) => io(() => read(ctx))),
    );

  /**
   * A page of a listing, read as {@link reading} reads, after refusing a cursor given for another
   * workspace (`ValidationFailed` at `after`): `read` gets where the page starts after (`undefined`:
   * from the start) and the workspace's tag, for the page's cursor.
   */
  const paging = <At, T, C extends domain.Capability | null>(
    actorRef: ActorRef,
    capability: C,
    after: Cursor<At> | undefined,
    read: (workspace: Workspace, after: At | undefined, tag: string) => Promise<Page<T>>,
  ) =>
    reading(actorRef, capability, async ({ workspace }) => {
      const tag = workspaceTag(workspace.id);
      return after && after.tag !== tag ? null : read(workspace, after?.at, tag);
    }).andThen((page) => (page ? ok(page) : err(domain.validationFailed([{ path: 'after', message: 'is a cursor of another workspace' }]))));

  /**
   * The workspace as the next seat check will see it, without writing: pending invitations that
   * lapsed by now are counted out, as the sweep of that check expires them all (ADR 0004). The
   * count must belong to the workspace's version: if the workspace moved while counting (a
   * sweep committed, say), it is read and counted again, a few times at most; `null` when it
   * kept moving, rather than a count that belongs to no version (see {@link counted}).
   */
  const asSwept = async (workspace: Workspace, version: number): Promise<Workspace | null> => {
    let at: Date | undefined; // read only when there is something to count
    for (let attempt = 0; attempt <= RECOUNTS; attempt++) {
      if (workspace.counts.pendingInvitations === 0) return workspace;
      at ??= now();
      const lapsed = store.countLapsedInvitations
        ? await store.countLapsedInvitations(workspace.id, at)
        : (await store.lapsedInvitations(workspace.id, at, workspace.counts.pendingInvitations)).length;
      const again = await store.loadWorkspace(workspace.id);
      if (!again || again.version === version) {
        return { ...workspace, counts: { ...workspace.counts, pendingInvitations: workspace.counts.pendingInvitations - lapsed } };
      }
      ({ value: workspace, version } = again);
    }
    return null;
  };
  /** A read counted by {@link asSwept}, or `ConcurrencyConflict` when the workspace kept moving. */
  const counted = <T>(value: T | null): Result<T, ConcurrencyConflict> => (value === null ? err(appFail.conflict(1 + RECOUNTS)) : ok(value));

  /** `availabilityBoard`, whole or of one department (`null` when there is no such department). */
  const board = (actor: ActorRef, query: Readonly<{ departmentId?: string | undefined }> = {}) =>
    parse(boardQuerySchema, query).andThen(({ departmentId: one }) =>
      reading(actor, 'viewStatistics', async ({ workspace }): Promise<AvailabilityBoardView | null> => {
        const id = workspace.id;
        // One department: its listing, itself and its queue, read at once. The whole board reads
        // the queues once it knows the departments.
        const [agents, departments, queues] = await Promise.all([
          store.listAgents(id, one && { departmentId: one }),
          // The whole board needs no counts: a store that can, lists the departments without them.
          one
            ? store.loadDepartments(id, [one]).then((rows) => rows.map((r) => r.value))
            : store.loadAllDepartments
              ? store.loadAllDepartments(id)
              : store.listDepartments(id).then((ds) => ds.map((d) => d.department)),
          one && store.loadRoutingStates(id, [one]),
        ]);
        if (one && !departments[0]) return null;
        // The lists as the store gave them (no records built), and everyone sorted out in one pass.
        const byStatus = { online: [] as BoardMember[], away: [] as BoardMember[], inactive: [] as BoardMember[] };
        for (const a of agents) byStatus[a.status === 'inactive' ? 'inactive' : a.availability].push({ id: a.id, name: a.name, departmentIds: a.departmentIds });
        return {
          ...domain.availabilityBoard(
            { workspace, agents, departments },
            (queues || (await store.loadRoutingStates(id, [null, ...departments.map((d) => d.id)]))).map((q) => q.value),
          ),
          /** Everyone at a glance, by status and availability (the read model of the rules, docs/domain.md). */
          everyone: byStatus,
        };
      }),
    );

  const useCases = answeredAll({
    /** Opens a workspace; its owner signs up with a password that goes to the identity port. */
    createWorkspace,
    /**
     * Moves the workspace to another catalog plan, after expiring lapsed invitations so they do not
     * count against the new limits. A downgrade below current usage is refused with the numbers
     * (`PlanLimitsExceeded`); an inline plan is refused unless the host allows them.
     *
     * @example await roster.changePlan({ workspaceId, agentId: ownerId }, { plan: 'pro' })
     */
    changePlan,
    /**
     * Renames the workspace or changes its seat policy or the life of new invitation links; admins
     * only. A seat policy that would put usage over the plan is refused (`SeatLimitReached`).
     *
     * @example await roster.changeSettings(admin, { seatPolicy: { countInactiveAgents: false } })
     */
    changeSettings,
    /**
     * Invites an email to join as agent or admin: takes a seat while pending, stores only the token's
     * hash, and queues the email with the link in the outbox (throttled per inviter).
     *
     * @example await roster.inviteAgent(admin, { email: 'bob@shop.com', role: 'agent', departmentIds: [salesId] })
     */
    inviteAgent,
    /**
     * Sends an invitation again with a new link and a new expiry; the old link stops working. An
     * expired invitation pends again, so it needs a free seat and an email nobody took meanwhile
     * (throttled per inviter).
     *
     * @example await roster.resendInvitation(admin, { invitationId })
     */
    resendInvitation,
    /**
     * Withdraws a pending invitation: its link stops working and its seat is freed.
     *
     * @example await roster.revokeInvitation(admin, { invitationId })
     */
    revokeInvitation,
    /** What the person opening a link sees, without using the link up. */
    previewInvitation,
    /**
     * Accepts an invitation: one agent joins, the login is created through the identity port, and
     * the password is kept nowhere else. Two racing accepts of one link create one agent.
     */
    acceptInvitation,
    /**
     * Records every lapsed invitation of a workspace as expired, in one commit (a job to run
     * periodically, so that use cases find little to sweep and lists and the log stay tidy). With
     * `limit` (a whole number ≥ 1, else `ValidationFailed`), at most that many, the first to have
     * lapsed: a large backlog in several short commits, each holding the workspace's turn briefly;
     * call it again until it answers no events.
     */
    expireLapsedInvitations,
    /**
     * Changes an agent's name, email or description; a new email must not be held by anyone else.
     * Agents may edit themselves, admins anyone, but only the owner changes the owner's email. An
     * email change is throttled (`editEmail`, keyed per actor as invites are), since its refusal
     * says who holds the email.
     *
     * @example await roster.editAgent(actor, { agentId, name: 'Bob B.' })
     */
    editAgent,
    /**
     * Makes an agent an admin or an admin an agent; the owner always stays admin.
     *
     * @example await roster.changeRole(admin, { agentId, role: 'admin' })
     */
    changeRole,
    /**
     * Lets a deactivated agent chat again; under a seat policy that counts only active agents it
     * needs a free seat. Routing learns of it in the same commit.
     *
     * @example await roster.activateAgent(admin, { agentId })
     */
    activateAgent,
    /**
     * Stops an agent from chatting without deleting them, and sets them away; their open
     * conversations go back to the front of their queues in the same commit. The owner may be inactive.
     *
     * @example await roster.deactivateAgent(admin, { agentId })
     */
    deactivateAgent,
    /**
     * Puts an agent online or away: online lets routing hand them waiting conversations, away keeps
     * the ones they have but stops new ones. Agents set their own, admins anyone's; an inactive
     * agent cannot go online.
     *
     * @example await roster.setAvailability(actor, { agentId, availability: 'online' })
     */
    setAvailability,
    /**
     * Hands the workspace to another of its agents, who becomes admin if not already; only the owner
     * may, and the former owner stays with the role given in `formerOwnerRole` (admin by default).
     *
     * @example await roster.transferOwnership(owner, { toAgentId: bobId, formerOwnerRole: 'admin' })
     */
    transferOwnership,
    /**
     * Removes an agent for good: their seat is freed and their open conversations go back to the
     * front of their queues. The owner cannot be deleted: transfer ownership first.
     *
     * @example await roster.deleteAgent(admin, { agentId })
     */
    deleteAgent,
    /**
     * Creates a department with its own routing queue; the name must be free (case-insensitively)
     * and the plan must allow one more department.
     *
     * @example await roster.createDepartment(admin, { name: 'Sales' })
     */
    createDepartment,
    /**
     * Renames a department; the new name must not be another department's.
     *
     * @example await roster.renameDepartment(admin, { departmentId, name: 'Sales EU' })
     */
    renameDepartment,
    /**
     * Deletes a department and its queue; its agents and pending invitations stop naming it, agents
     * left in no department leave the workspace-wide queue, and every conversation the queue held is
     * closed with `reason: 'department-deleted'`.
     *
     * @example await roster.deleteDepartment(admin, { departmentId })
     */
    deleteDepartment,
    /**
     * Adds an agent to departments (those they are already in are kept); routing starts offering them
     * those departments' conversations in the same commit.
     *
     * @example await roster.assignAgentToDepartments(admin, { agentId, departmentIds: [salesId] })
     */
    assignAgentToDepartments,
    /**
     * Takes an agent out of one department; their open conversations there go back to the front of
     * its queue, and an agent left in no department leaves the workspace-wide queue too.
     *
     * @example await roster.removeAgentFromDepartment(admin, { agentId, departmentId })
     */
    removeAgentFromDepartment,
    /**
     * Routes a new conversation of a department (or of the whole workspace: `departmentId: null`)
     * to an eligible agent by the queue's strategy, or queues it and says why nobody could take it.
     */
    routeConversation,
    /** Closes a conversation, freeing its agent's capacity for the next one waiting. */
    closeConversation,
    /** Hands a conversation to a given eligible agent, or back to the front of the queue (`to: 'queue'`). */
    transferConversation,
    /** Sets a queue's strategy and capacities. Admins only. */
    configureRouting,

    /**
     * The workspace as its members see it, and as the next seat check will: pending invitations
     * that lapsed are not in `counts.pendingInvitations`, though the store still holds them as
     * pending until a use case sweeps (ADR 0004), so it agrees with `listInvitations`.
     */
    getWorkspace: (actor: ActorRef) => reading(actor, null, ({ workspace, version }) => asSwept(workspace, version)).andThen(counted),
    /**
     * One agent of the workspace, or `null` when it has none by that id (never there, deleted, or
     * of another workspace: the same answer). Every member may read it, as every member may list
     * the team; `getAgent(actor, actor.agentId)` is the signed-in agent itself, with its role,
     * status and availability. One read by id, whatever the team's size. The actor is checked
     * before the id: reading yourself passes the actor's own id, and a malformed one is the
     * actor's (`actor.agentId`), as every other query names it.
     */
    getAgent: (actor: ActorRef, agentId: string) =>
      parseActor(actor).asyncAndThen(() => parseArg('agentId', domain.agentIdSchema, agentId)).andThen((id) =>
        reading(actor, null, async ({ workspace, actor: self }) => (id === self.id ? self : ((await store.loadAgent(workspace.id, id))?.value ?? null))),
      ),
    /** Agents, filtered by status, availability or department. Every member may list the team. */
    listAgents: (actor: ActorRef, filter: AgentQuery = {}) =>
      parse(agentFilterSchema, filter).andThen((f) => reading(actor, null, ({ workspace }) => store.listAgents(workspace.id, exact<AgentFilter>(f)))),
    /**
     * Invitations by status, as of now: a pending one already past its expiry is listed, and
     * filtered, as `expired` (its `closedAt` its expiry), as the next seat check sees it and the
     * next sweep will record it (ADR 0004). Admins only.
     */
    listInvitations: (actor: ActorRef, filter: InvitationQuery = {}) =>
      parse(invitationFilterSchema, filter).andThen((f) =>
        reading(actor, 'manageAgents', async ({ workspace }) => {
          const at = now();
          return (await store.listInvitations(workspace.id, { ...exact<InvitationFilter>(f), now: at })).map(asOf(at));
        }),
      ),
    /**
     * One page of `listAgents`, for teams too large to list at once: in the order they joined
     * (then by id), `limit` of them (100 unless said, 1,000 at most), after the `cursor` of the
     * previous page. An agent who joins while you page comes last, so a listing read to its end
     * includes it, unless its `joinedAt` is not after the last one read (the same millisecond, or
     * an instance whose clock is behind: docs/application.md); one deleted meanwhile is simply not there.
     */
    agentPage: (actor: ActorRef, query: AgentPageQuery = {}) =>
      parse(agentPageSchema, query).andThen(({ after, limit = DEFAULT_PAGE_SIZE, ...filter }) =>
        paging(actor, null, after, async (workspace, place, tag) =>
          pageOf(
            await store.listAgents(workspace.id, exact<AgentFilter>(filter), { after: place && { joinedAt: place[0] as IsoTime, id: place[1] as AgentId }, limit: limit + 1 }),
            BY_JOINING,
            place,
            tag,
            limit,
          ),
        ),
      ),
    /**
     * One page of `listInvitations`, in the order they were sent (then by id), as `agentPage`
     * pages agents. Admins only. An invitation resent while you page moves to the end (its
     * `sentAt` is the resend's), so it may be listed twice, once as it was and once resent.
     */
    invitationPage: (actor: ActorRef, query: InvitationPageQuery = {}) =>
      parse(invitationPageSchema, query).andThen(({ after, limit = DEFAULT_PAGE_SIZE, ...filter }) =>
        paging(actor, 'manageAgents', after, async (workspace, place, tag) => {
          const at = now();
          const page = pageOf(
            await store.listInvitations(workspace.id, { ...exact<InvitationFilter>(filter), now: at }, { after: place && { sentAt: place[0] as IsoTime, id: place[1] as InvitationId }, limit: limit + 1 }),
            BY_SENDING,
            place,
            tag,
            limit,
          );
          return { ...page, items: page.items.map(asOf(at)) };
        }),
      ),
    /**
     * Departments with their member counts and pending invitations, lapsed ones left out as
     * `listInvitations` lists them as expired.
     */
    listDepartments: (actor: ActorRef) => reading(actor, null, ({ workspace }) => store.listDepartments(workspace.id, now())),
    /**
     * Seats used and allowed, with the counts behind them, as the next seat check sees them:
     * every invitation that lapsed but is not yet recorded as expired is counted out, as the sweep
     * of every seat-relevant use case expires them all (ADR 0004), so this agrees with
     * `listInvitations` and `getWorkspace`. Costs a count in the store, not a load of the invitations.
     */
    seatUsage: (actor: ActorRef) =>
      reading(actor, null, async ({ workspace, version }) => {
        const swept = await asSwept(workspace, version);
        return swept && { ...seatUsage(swept), counts: swept.counts, policy: swept.seatPolicy };
      }).andThen(counted),
    /**
     * The admin's live dashboard: per department, who is online, away or inactive, their open
     * conversations and how many wait; plus the agents in no department, who get nothing routed.
     * With `{ departmentId }`, that department's board alone, reading only its agents, itself and
     * its queue (a supervisor's poll of one department costs that department, not the team): its
     * single row, `withoutDepartment` empty, `everyone` its members; `null` when the workspace has
     * no such department, as {@link routingQueue} answers.
     */
    availabilityBoard: board as {
      (actor: ActorRef, query?: Readonly<{ departmentId?: undefined }>): ResultAsync<AvailabilityBoardView, QueryError | domain.PermissionDenied>;
      (actor: ActorRef, query: Readonly<{ departmentId: string }>): ResultAsync<AvailabilityBoardView | null, QueryError | domain.PermissionDenied>;
      (actor: ActorRef, query?: Readonly<{ departmentId?: string | undefined }>): ResultAsync<AvailabilityBoardView | null, QueryError | domain.PermissionDenied>;
    },
    /** A routing queue as it stands: members, open conversations, who waits. Admins only. */
    routingQueue: (actor: ActorRef, departmentId: string | null) =>
      parse(queueRefSchema, { departmentId }).andThen((ref) =>
        reading(actor, 'viewStatistics', async ({ workspace }) => (await store.loadRoutingStates(workspace.id, [ref.departmentId]))[0]?.value ?? null),
      ),
    /** The workspace's event log, for audit views and projections. Admins only. */
    events: (actor: ActorRef): ResultAsync<readonly WorkspaceEvent[], QueryError | domain.PermissionDenied> =>
      reading(actor, 'viewStatistics', ({ workspace }) => store.events(workspace.id)),
    /**
     * The event log a page at a time, for projections and integrations that follow it: up to
     * `limit` events (100 unless said, 1,000 at most) after `after`, in commit order. Keep the
     * page's `cursor` and ask again later for what was committed since; nothing is skipped or
     * repeated. Admins only.
     */
    eventPage: (actor: ActorRef, query: EventPageQuery = {}) =>
      parse(eventPageSchema, query).andThen(({ after, limit = DEFAULT_PAGE_SIZE }) =>
        paging(actor, 'viewStatistics', after, async (workspace, position, tag): Promise<Page<WorkspaceEvent>> => {
          const from = position ?? '0';
          const rows = store.eventsAfter
            ? await store.eventsAfter(workspace.id, from, limit + 1)
            : positionedSlice(await store.events(workspace.id), from, limit + 1);
          return eventPageOf(rows, position, tag, limit);
        }),
      ),
    /**
     * Outbox messages and their delivery state (`pending`, `delivered`, or `withdrawn`: not sent,
     * its invitation closed or its link lapsed first), by `createdAt`, then id, as `outboxPage`
     * lists them, whatever order the store lists them in. Admins
     * only. Bodies are left out: an undelivered invitation's body holds its live link, which is
     * for the invitee alone. It reads the whole outbox, and delivered and withdrawn messages
     * stay in it (one per invitation email): for a busy workspace, read it with `outboxPage`.
     */
    outbox: (actor: ActorRef, status?: OutboxStatus) =>
      parseArg('status', outboxStatusSchema, status).andThen((s) =>
        // The port lets a store list in any order without a page: sorted here, as every listing is.
        reading(actor, 'manageAgents', async ({ workspace }) => firstInOrder(await store.listOutbox(workspace.id, s), BY_CREATION, undefined).map(withoutBody)),
      ),
    /**
     * One page of `outbox`, bodies left out as there, for an outbox too long to read at once: by
     * `createdAt` (then by id), `limit` of them (100 unless said, 1,000 at most), after the
     * `cursor` of the previous page, `status` filtering as in `outbox`. A message keeps its place
     * as it is delivered or withdrawn, so a walk lists every message there when it began once;
     * one enqueued while you page is stamped later and comes after them (unless stamped before
     * the last message read and committed after it). Admins only.
     */
    outboxPage: (actor: ActorRef, query: OutboxPageQuery = {}) =>
      parse(outboxPageSchema, query).andThen(({ after, limit = DEFAULT_PAGE_SIZE, status }) =>
        paging(actor, 'manageAgents', after, async (workspace, place, tag) => {
          const page = pageOf(
            await store.listOutbox(workspace.id, status, { after: place && { createdAt: place[0], id: place[1] }, limit: limit + 1 }),
            BY_CREATION,
            place,
            tag,
            limit,
          );
          return { ...page, items: page.items.map(withoutBody) };
        }),
      ),
    /** Delivers due emails; run it on a timer if `deliverImmediately` is off or a mailer was down. */
    deliverOutbox,
  });
  return {
    ...useCases,
    /**
     * Resolves `true` once every email send a command left running in the background has ended
     * and its outcome is recorded (or the store failed to record it), or `false` when
     * `timeoutMs` (0 to 2³¹ − 1; no limit by default) runs out first. With `deliverImmediately` (the
     * default) a command waits at most `deliveryWaitMs` for its own emails, and the send goes on
     * after it answers: stop the process or end the store's pool before it ends, and the message
     * stays pending and leased though the email went out, so it is sent again once the lease
     * ends. Await this at shutdown, after you stop taking requests and before you end the pool.
     * It waits for sends started while it waits too, and for nothing else (`deliverOutbox` runs
     * are yours to await). Never rejects: a failed send is left to `deliverOutbox`, as always. A
     * mailer that never answers holds it until the send is given up, 45 s (three quarters of the
     * 60 s lease) after it began, and a store that never answers holds it for good: give a
     * `timeoutMs` to bound the wait (a `Promise.race` of your own would leave the wait, and the
     * process, held). Whether it timed out or not, it holds nothing once it has answered.
     *
     * @example
     * process.once('SIGTERM', () => server.close(async () => {
     *   if (!(await roster.idle(10_000))) console.warn('emails still sending: the outbox will retry them after their lease');
     *   await pool.end();
     * }));
     */
    idle,
  };
}

/**
 * An invitation as the roster shows it at `at`: one still stored as pending past its expiry is
 * `expired`, closed at its expiry, as the next sweep will record it (ADR 0004); any other is as
 * stored.
 */
const asOf =
  (at: Date) =>
  (invitation: Invitation): Invitation =>
    domain.statusAt(invitation, at) === invitation.status ? invitation : Object.freeze({ ...invitation, status: 'expired', closedAt: invitation.expiresAt });

/**
 * An outbox message as queries show it: without its body, which may hold an invitation's live
 * link, and with that link redacted from `lastError` too: delivery redacts before it stores, and
 * this covers an error stored before it did, or by a store of the host's own.
 */
const withoutBody = (m: OutboxMessage): OutboxMessage => ({
  ...m,
  text: '',
  html: null,
  lastError: typeof m.lastError === 'string' ? redactLinks(m.lastError, m) : m.lastError,
});

/** Each use case as it is, or, in place of one whose error type lacks `ServiceUnavailable`, a type error saying so. */
type DeclaringServiceUnavailable<R> = {
  [K in keyof R]: R[K] extends (...args: never[]) => ResultAsync<unknown, infer E>
    ? ServiceUnavailable extends E
      ? R[K]
      : 'must declare ServiceUnavailable: a failing clock or random source is answered with it'
    : R[K];
};

/**
 * Every use case of a roster, answering a failed clock or random source (a {@link PortFailure},
 * thrown wherever the use case read them) as the `ServiceUnavailable` it carries, so that no use
 * case's `ResultAsync` rejects for a host port. Each must declare `ServiceUnavailable` already
 * (most get it from `transact`, `call` or a port they ask); their types are kept as written, so
 * editors and the API reference show each signature as it is. Anything else that rejects is a
 * bug of ours and is left to reject.
 */
function answeredAll<R extends Record<string, (...args: never[]) => ResultAsync<unknown, unknown>>>(useCases: R & DeclaringServiceUnavailable<R>): R {
  const answered =
    (useCase: (...args: unknown[]) => ResultAsync<unknown, unknown>) =>
    (...args: unknown[]) => {
      try {
        return new ResultAsync(Promise.resolve(useCase(...args)).catch(answerPortFailure));
      } catch (e) {
        return new ResultAsync(Promise.resolve(answerPortFailure(e)));
      }
    };
  return Object.fromEntries(Object.entries(useCases).map(([name, useCase]) => [name, answered(useCase as never)])) as unknown as R;
}

/**
 * Refuses options no roster can run with, when the roster is built: they are the host's
 * configuration, so a mistake there is a bug to fix at startup, not an error for each request
 * (ADR 0021). Each message names the option.
 */
function checkOptions(options: RosterOptions): void {
  const refuse = (message: string) => {
    throw new TypeError(`createRoster: ${message}`);
  };
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) refuse(checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  // A workspace asking for plan `free` must get plan `free`: an entry is found by its key and
  // stored by its id, so the two must agree. An entry that is not a plan (a pricing table's row
  // with a `name`, `seats: 0`) would answer PlanNotFound for a plan plainly in the catalog.
  for (const [key, entry] of Object.entries(options.plans ?? {})) {
    const id = (entry as { id?: unknown } | null)?.id;
    if (id !== undefined && id !== key) refuse(`plans.${key}: has id "${String(id)}"; a catalog entry's id must be its key`);
    const plan = typeof entry === 'object' && entry !== null ? domain.inlinePlanSchema.safeParse(entry) : undefined;
    if (!plan?.success) {
      const why = plan ? plan.error.issues.map((i) => `${['plans', key, ...i.path].join('.')}: ${i.message}`).join('; ') : `plans.${key}: is not an object`;
      refuse(`${why}. A catalog entry is { id, seats, departments } and nothing else.`);
    }
  }
  const { acceptUrl, passwordPolicy: policy } = options;
  if (acceptUrl !== undefined && typeof acceptUrl !== 'string' && typeof acceptUrl !== 'function') {
    refuse('acceptUrl: must be a string (the link\'s base) or a function of the token');
  }
  // The token is appended to the string, so a fragment would swallow it (a browser never sends a
  // fragment to the server) and a token parameter already there would be the one read.
  if (typeof acceptUrl === 'string' && /#|[?&]token(?:[=&]|$)/.test(acceptUrl)) {
    refuse('acceptUrl: has a fragment (#…) or a token parameter, which the appended ?token= would land behind. Pass a function of the token to place it yourself.');
  }
  // A policy must be one passwordPolicy() could have built: with a second factor the floor is 8.
  if (policy !== undefined) {
    if (typeof policy?.minLength !== 'number' || typeof policy.maxLength !== 'number') refuse('passwordPolicy: needs minLength and maxLength. Build it with passwordPolicy().');
    const valid = domain.passwordPolicy({ secondFactor: true, minLength: policy.minLength, maxLength: policy.maxLength });
    if (valid.isErr()) refuse(`passwordPolicy: ${valid.error} Build it with passwordPolicy().`);
  }
}

/** Every use case of a roster, as {@link buildRoster} infers them. */
type RosterMethods = ReturnType<typeof buildRoster>;
/**
 * A roster built by {@link createRoster}: its use cases, each documented where it is defined.
 * An interface rather than an alias, so that editors and type errors name it `Roster` instead of
 * spelling out every method.
 */
export interface Roster extends RosterMethods {}
/** Used only to keep the type of identifiers readable in editors. */
export type { AgentId };
