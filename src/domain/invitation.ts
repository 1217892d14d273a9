import { err, ok, type Result } from 'neverthrow';
import { created, refuseTakenEmail, type Agent, type EmailStatus, type Now, type Role } from './agent';
import { decided, parseInput, type Decision } from './command';
import { existingDepartments, requireDepartments, type Department } from './department';
import type {
  DepartmentNotFound,
  EmailAlreadyExists,
  InvalidToken,
  InvitationAlreadyAccepted,
  InvitationHasExpired,
  InvitationNotFound,
  InvitationNotPending,
  InvitationWasRevoked,
  PermissionDenied,
  SeatLimitReached,
  SignedInAsDifferentEmail,
  ValidationFailed,
  WeakPassword,
} from './errors';
import * as fail from './failures';
import { event, type InvitationResent, type InvitationSent, type RosterEvent } from './events';
import { sameTokenHash, type AgentId, type DepartmentId, type InvitationId, type TokenHash, type WorkspaceId } from './ids';
import { authorizeMember } from './access';
import {
  acceptInvitationSchema,
  invitationTargetSchema,
  inviteAgentSchema,
  type AcceptInvitationInput,
  type InvitationTargetInput,
  type InviteAgentInput,
} from './schemas';
import { hasPassed, isoTime, type IsoTime } from './time';
import { DEFAULT_PASSWORD_POLICY, type Email, type PasswordPolicy } from './values';
import { invitationAccepted, invitationOpened, invitationsClosed, joined } from './transitions';
import { requireOneSeat } from './seats';
import { passwordLengthRefusal } from './lengths';
import type { Workspace } from './workspace';

/**
 * `pending` until accepted, revoked or expired. A pending invitation past `expiresAt` is already
 * unusable; `expireInvitations` records that, and frees its seat.
 */
export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

/** An offer, sent by email, to join a workspace with a role and departments. */
export interface Invitation extends Readonly<{
  kind: 'invitation';
  id: InvitationId;
  workspaceId: WorkspaceId;
  email: Email;
  role: Role;
  departmentIds: readonly DepartmentId[];
  invitedBy: AgentId;
  /** SHA-256 of the link's token; the token itself is never stored. */
  tokenHash: TokenHash;
  status: InvitationStatus;
  sentAt: IsoTime;
  expiresAt: IsoTime;
  resendCount: number;
  /** The agent the invitation became, once accepted. */
  agentId: AgentId | null;
  /**
   * When it was accepted or revoked, or, once expired, the instant it lapsed (its `expiresAt`):
   * the same whether a sweep recorded the expiry a minute or a month later, and as every listing
   * shows a lapsed invitation before any sweep.
   */
  closedAt: IsoTime | null;
}> {}

/** Applies one event to an invitation; `null` before it was sent. */
export function evolveInvitation(invitation: Invitation | null, e: RosterEvent): Invitation | null {
  if (e.type === 'InvitationSent') return created<Invitation>(invitation, sentBy(e));
  if (invitation === null) return null;
  if (e.type === 'DepartmentDeleted') {
    return e.data.invitationIds.includes(invitation.id)
      ? { ...invitation, departmentIds: invitation.departmentIds.filter((d) => d !== e.data.departmentId) }
      : invitation;
  }
  if (!('invitationId' in e.data) || e.data.invitationId !== invitation.id) return invitation;
  switch (e.type) {
    case 'InvitationResent':
      return resentBy(invitation, e);
    case 'InvitationRevoked':
      return closed(invitation, 'revoked', e.occurredAt);
    case 'InvitationExpired':
      // Closed when it lapsed, not when a sweep noticed (0.1.0 wrote the sweep's time; see migration 0010).
      return closed(invitation, 'expired', e.data.expiredAt);
    case 'InvitationAccepted':
      return closed(invitation, 'accepted', e.occurredAt, e.data.agentId);
    default:
      return invitation;
  }
}

/**
 * The invitation an `InvitationSent` creates. Its own function, like {@link resentBy} and
 * {@link closed}, so that a command makes its one transition without carrying the whole of
 * `evolveInvitation` into a bundle (transitions.ts says why); the fold calls the same functions.
 */
function sentBy(e: InvitationSent): Invitation {
  const d = e.data;
  return {
    kind: 'invitation',
    id: d.invitationId,
    workspaceId: e.workspaceId,
    email: d.email,
    role: d.role,
    departmentIds: d.departmentIds,
    invitedBy: d.invitedBy,
    tokenHash: d.tokenHash,
    status: 'pending',
    sentAt: e.occurredAt,
    expiresAt: d.expiresAt,
    resendCount: 0,
    agentId: null,
    closedAt: null,
  };
}

/** The invitation pending again with the new link an `InvitationResent` carries. */
function resentBy(invitation: Invitation, e: InvitationResent): Invitation {
  return {
    ...invitation,
    status: 'pending',
    tokenHash: e.data.tokenHash,
    expiresAt: e.data.expiresAt,
    departmentIds: e.data.departmentIds,
    sentAt: e.occurredAt,
    resendCount: invitation.resendCount + 1,
    closedAt: null,
  };
}

/** The invitation accepted (by `agentId`), revoked or expired at `at`. */
function closed(invitation: Invitation, status: 'accepted' | 'revoked' | 'expired', at: IsoTime, agentId = invitation.agentId): Invitation {
  return { ...invitation, status, agentId, closedAt: at };
}

/**
 * The status a person sees at `now`: a pending invitation past its expiry is `expired` even
 * before anyone has recorded it.
 *
 * @example statusAt(invitation, new Date()) // 'pending' | 'accepted' | 'revoked' | 'expired'
 */
export function statusAt(invitation: Invitation, now: Date): InvitationStatus {
  return invitation.status === 'pending' && hasPassed(invitation.expiresAt, now) ? 'expired' : invitation.status;
}

function requireInvitation(
  workspace: Workspace,
  invitation: Invitation | null | undefined,
  invitationId: InvitationId,
): Result<Invitation, InvitationNotFound> {
  return invitation && invitation.id === invitationId && invitation.workspaceId === workspace.id
    ? ok(invitation)
    : err(fail.invitationNotFound(invitationId));
}

/** Errors of {@link inviteAgent}. */
export type InviteAgentError =
  | ValidationFailed
  | PermissionDenied
  | EmailAlreadyExists
  | DepartmentNotFound
  | SeatLimitReached;

/** What {@link inviteAgent} needs from its caller besides the input. */
export type InviteAgentContext = Now &
  Readonly<{
    invitationId: InvitationId;
    /** SHA-256 of the token that goes into the email. */
    tokenHash: TokenHash;
    /** Who holds the invited email already, if anyone. */
    emailStatus: EmailStatus;
  }>;

/**
 * Invites an agent by email, with a role (default `agent`) and departments. The invitation holds
 * a seat until accepted, revoked or expired (by the default seat policy).
 *
 * @example
 * inviteAgent(
 *   { workspace, actor: owner, departments: [sales] },
 *   { email: 'bob@shop.com', departmentIds: [sales.id] },
 *   { now, invitationId: invitationIdSchema.parse('inv_1'), tokenHash, emailStatus: 'available' },
 * )
 */
export function inviteAgent(
  state: Readonly<{ workspace: Workspace; actor: Agent; /** The departments the input names (missing ones are refused). */ departments: readonly Department[] }>,
  input: InviteAgentInput,
  context: InviteAgentContext,
): Result<Decision<{ workspace: Workspace; invitation: Invitation; departments: readonly Department[] }>, InviteAgentError> {
  // Straight-line rather than a neverthrow chain, as in changeRole: each step of a chain allocates
  // a closure and a Result (docs/performance.md). Same checks, same order.
  const parsed = parseInput(inviteAgentSchema, input);
  if (parsed.isErr()) return err(parsed.error);
  const i = parsed.value;
  const { workspace, actor } = state;
  const allowed = authorizeMember(actor, 'manageAgents', workspace);
  if (allowed.isErr()) return err(allowed.error);
  const free = refuseTakenEmail(i.email, context.emailStatus);
  if (free.isErr()) return err(free.error);
  const required = requireDepartments(workspace, state.departments, i.departmentIds);
  if (required.isErr()) return err(required.error);
  const departments = required.value;
  const sent = event('InvitationSent', workspace.id, isoTime(context.now), {
    invitationId: context.invitationId,
    email: i.email,
    role: i.role,
    departmentIds: i.departmentIds, // the departments found are these ids, in this order
    invitedBy: actor.id,
    tokenHash: context.tokenHash,
    expiresAt: expiryFrom(context.now, workspace.invitationTtlHours),
  });
  const next = invitationOpened(workspace);
  const seats = requireOneSeat(workspace, next);
  if (seats.isErr()) return err(seats.error);
  return ok(decided({ workspace: next, invitation: sentBy(sent), departments }, [sent]));
}

/**
 * When a link sent at `now` expires: `ttlHours` later, by epoch arithmetic (UTC has no daylight
 * saving to skip). `new Date(ms)` takes 0.11 µs here, against 0.28 µs for date-fns' generic
 * `addHours`, which the library used before it dropped the dependency.
 */
function expiryFrom(now: Date, ttlHours: number): IsoTime {
  return isoTime(new Date(now.getTime() + ttlHours * 3_600_000));
}

/** Errors of {@link resendInvitation}. */
export type ResendInvitationError =
  | ValidationFailed
  | PermissionDenied
  | InvitationNotFound
  | InvitationNotPending
  | EmailAlreadyExists
  | SeatLimitReached;

/**
 * Sends a new link with a new expiry; the old link stops working. An expired invitation pends
 * again, so it needs a free seat and an email nobody took meanwhile; departments deleted
 * meanwhile are dropped (pass the invitation's departments that still exist). Expired means as
 * {@link statusAt} reads it at `now`: a pending one past its expiry is revived too, and its
 * `InvitationExpired` comes first in the events.
 *
 * @example
 * resendInvitation(
 *   { workspace, actor, invitation, departments }, // departments: the invitation's that still exist
 *   { invitationId: invitation.id },
 *   { now, tokenHash, emailStatus: 'available' },
 * )
 */
export function resendInvitation(
  state: Readonly<{
    workspace: Workspace;
    actor: Agent;
    invitation: Invitation | null | undefined;
    /** The invitation's departments that still exist. */
    departments: readonly Department[];
  }>,
  input: InvitationTargetInput,
  context: Now & Readonly<{ tokenHash: TokenHash; /** Who holds the invitation's email; read only on a revival. */ emailStatus: EmailStatus }>,
): Result<Decision<{ workspace: Workspace; invitation: Invitation; departments: readonly Department[] }>, ResendInvitationError> {
  const { workspace, actor } = state;
  return parseInput(invitationTargetSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageAgents', workspace))
    .andThen((i) => requireInvitation(workspace, state.invitation, i.invitationId))
    .andThen((invitation) => {
      // As revokeInvitation and listInvitations see it: one past its expiry is expired, recorded by a sweep or not yet.
      const status = statusAt(invitation, context.now);
      if (status === 'accepted' || status === 'revoked') return err(fail.invitationNotPending(invitation.id, status));
      const revived = status === 'expired';
      // A pending invitation is the email's only holder, so only a revival can collide.
      const taken = revived ? refuseTakenEmail(invitation.email, context.emailStatus) : ok(undefined);
      const departments = existingDepartments(workspace, state.departments, invitation.departmentIds);
      const at = isoTime(context.now);
      // A lapse no sweep recorded still holds a seat in the counters: it is recorded first, in this
      // decision, so the revival's seat check is the real one and the fold counts the seat once.
      const lapsed = revived && invitation.status === 'pending';
      const before = lapsed ? invitationsClosed(workspace, 1) : workspace;
      const resent = event('InvitationResent', workspace.id, at, {
        invitationId: invitation.id,
        tokenHash: context.tokenHash,
        expiresAt: expiryFrom(context.now, workspace.invitationTtlHours),
        departmentIds: revived ? departments.map((d) => d.id) : invitation.departmentIds,
        resentBy: actor.id,
        revived,
      });
      const next = revived ? invitationOpened(before) : workspace;
      const events = lapsed ? [event('InvitationExpired', workspace.id, at, { invitationId: invitation.id, expiredAt: invitation.expiresAt }), resent] : [resent];
      return taken
        .andThen(() => requireOneSeat(before, next))
        .map(() => decided({ workspace: next, invitation: resentBy(invitation, resent), departments }, events));
    });
}

/** Errors of {@link revokeInvitation}. */
export type RevokeInvitationError = ValidationFailed | PermissionDenied | InvitationNotFound | InvitationNotPending;

/**
 * Withdraws a pending invitation; its link stops working and its seat is free again.
 *
 * @example revokeInvitation({ workspace, actor, invitation }, { invitationId: invitation.id }, { now })
 */
export function revokeInvitation(
  state: Readonly<{ workspace: Workspace; actor: Agent; invitation: Invitation | null | undefined }>,
  input: InvitationTargetInput,
  context: Now,
): Result<Decision<{ workspace: Workspace; invitation: Invitation }>, RevokeInvitationError> {
  const { workspace, actor } = state;
  return parseInput(invitationTargetSchema, input)
    .andThrough(() => authorizeMember(actor, 'manageAgents', workspace))
    .andThen((i) => requireInvitation(workspace, state.invitation, i.invitationId))
    .andThen((invitation) => {
      // As listInvitations shows it: one past its expiry is expired, recorded by a sweep or not yet.
      const status = statusAt(invitation, context.now);
      if (status !== 'pending') return err(fail.invitationNotPending(invitation.id, status));
      const at = isoTime(context.now);
      const events = [event('InvitationRevoked', workspace.id, at, { invitationId: invitation.id, revokedBy: actor.id })];
      return ok(
        decided({ workspace: invitationsClosed(workspace, 1), invitation: closed(invitation, 'revoked', at) }, events),
      );
    });
}

/**
 * Records that pending invitations passed their expiry, which frees their seats. Invitations
 * given that are not pending or not yet expired are left alone, so a caller may pass any batch.
 *
 * @example expireInvitations({ workspace, invitations: lapsed }, { now })
 */
export function expireInvitations(
  state: Readonly<{ workspace: Workspace; invitations: readonly Invitation[] }>,
  context: Now,
): Result<Decision<{ workspace: Workspace; invitations: readonly Invitation[] }>, never> {
  const { workspace } = state;
  const at = isoTime(context.now);
  // Each once: a batch joined from two reads may name an invitation twice, and counting it twice
  // would take a pending invitation off the counters that is still there (invariant 2).
  const seen = new Set<string>();
  const lapsed = state.invitations.filter(
    (inv) => inv.workspaceId === workspace.id && inv.status === 'pending' && hasPassed(inv.expiresAt, context.now) && !seen.has(inv.id) && !!seen.add(inv.id),
  );
  const events = lapsed.map((inv) =>
    event('InvitationExpired', workspace.id, at, { invitationId: inv.id, expiredAt: inv.expiresAt }),
  );
  return ok(
    decided(
      {
        workspace: events.length === 0 ? workspace : invitationsClosed(workspace, events.length),
        invitations: lapsed.map((inv) => closed(inv, 'expired', inv.expiresAt)),
      },
      events,
    ),
  );
}

/** Why a token leads nowhere usable. */
export type TokenError = InvalidToken | InvitationHasExpired | InvitationAlreadyAccepted | InvitationWasRevoked;

/** The invitation a presented token opens, if it is still usable at `now`. */
function openInvitation(
  workspace: Workspace | null | undefined,
  invitation: Invitation | null | undefined,
  presentedTokenHash: string,
  now: Date,
): Result<Readonly<{ workspace: Workspace; invitation: Invitation }>, TokenError> {
  const refused = tokenRefusal(workspace, invitation, presentedTokenHash, now);
  return refused === undefined ? ok({ workspace: workspace!, invitation: invitation! }) : err(refused);
}

/** Why a presented token opens nothing usable at `now`, or `undefined` when it opens a pending invitation. */
function tokenRefusal(
  workspace: Workspace | null | undefined,
  invitation: Invitation | null | undefined,
  presentedTokenHash: string,
  now: Date,
): TokenError | undefined {
  if (!workspace || !invitation || invitation.workspaceId !== workspace.id || !sameTokenHash(invitation.tokenHash, presentedTokenHash)) {
    return fail.invalidToken();
  }
  const status = statusAt(invitation, now);
  return status === 'pending'
    ? undefined
    : status === 'accepted'
      ? fail.invitationAlreadyAccepted()
      : status === 'revoked'
        ? fail.invitationRevoked()
        : fail.invitationExpired(invitation.expiresAt);
}

/** What the person opening an invitation link sees before accepting. */
export type InvitationPreview = Readonly<{
  workspaceName: string;
  inviterName: string | null;
  email: Email;
  role: Role;
  expiresAt: IsoTime;
}>;

/**
 * Shows workspace, inviter and role for a link without using it up: mail scanners open links too.
 *
 * @example previewInvitation({ workspace, invitation, inviter }, { now, presentedTokenHash })
 */
export function previewInvitation(
  state: Readonly<{ workspace: Workspace | null | undefined; invitation: Invitation | null | undefined; inviter?: Agent | null | undefined }>,
  context: Now & Readonly<{ presentedTokenHash: string }>,
): Result<InvitationPreview, TokenError> {
  return openInvitation(state.workspace, state.invitation, context.presentedTokenHash, context.now).map(
    ({ workspace, invitation }) => ({
      workspaceName: workspace.name,
      inviterName: state.inviter && state.inviter.id === invitation.invitedBy ? state.inviter.name : null,
      email: invitation.email,
      role: invitation.role,
      expiresAt: invitation.expiresAt,
    }),
  );
}

/** Errors of {@link acceptInvitation}. */
export type AcceptInvitationError =
  | ValidationFailed
  | TokenError
  | SignedInAsDifferentEmail
  | EmailAlreadyExists
  | WeakPassword
  | SeatLimitReached;

/** What {@link acceptInvitation} needs from its caller besides the input. */
export type AcceptInvitationContext = Now &
  Readonly<{
    presentedTokenHash: string;
    /** Id for the new agent. */
    agentId: AgentId;
    /** Who holds the invitation's email now, besides the invitation itself. */
    emailStatus: EmailStatus;
    /** The email the visitor is signed in as, or `null` when signed out. */
    signedInEmail?: Email | null | undefined;
    passwordPolicy?: PasswordPolicy | undefined;
    /** Result of the host's optional breached-password check. */
    passwordBreached?: boolean | undefined;
  }>;

/** A decision of {@link acceptInvitation}, plus the password for the caller's identity port only. */
export type AcceptDecision = Decision<{
  workspace: Workspace;
  invitation: Invitation;
  agent: Agent;
  departments: readonly Department[];
}> &
  Readonly<{ password: string }>;

/**
 * Accepts an invitation: exactly one active agent joins with the invitation's role and the
 * departments that still exist. The password is checked against the policy and handed back to
 * the caller only; it never enters state or events.
 *
 * @example
 * acceptInvitation(
 *   { workspace, invitation, departments },
 *   { name: 'Bob', password: 'correct horse battery staple' },
 *   { now, presentedTokenHash, agentId: agentIdSchema.parse('agt_2'), emailStatus: 'available' },
 * )
 */
export function acceptInvitation(
  state: Readonly<{
    workspace: Workspace | null | undefined;
    invitation: Invitation | null | undefined;
    /** The invitation's departments that still exist. */
    departments: readonly Department[];
  }>,
  input: AcceptInvitationInput,
  context: AcceptInvitationContext,
): Result<AcceptDecision, AcceptInvitationError> {
  // Straight-line rather than a neverthrow chain, like inviteAgent; checks run in the same order.
  const parsed = parseInput(acceptInvitationSchema, input);
  if (parsed.isErr()) return err(parsed.error);
  const i = parsed.value;
  // Typed as present: tokenRefusal refuses a missing workspace or invitation before either is used.
  const { workspace, invitation } = state as Readonly<{ workspace: Workspace; invitation: Invitation }>;
  const refused = tokenRefusal(workspace, invitation, context.presentedTokenHash, context.now);
  if (refused !== undefined) return err(refused);
  if (context.signedInEmail != null && context.signedInEmail !== invitation.email) {
    return err(fail.signedInAsDifferentEmail());
  }
  const policy = context.passwordPolicy ?? DEFAULT_PASSWORD_POLICY;
  const departments = existingDepartments(workspace, state.departments, invitation.departmentIds);
  const accepted = event('InvitationAccepted', workspace.id, isoTime(context.now), {
    invitationId: invitation.id,
    agentId: context.agentId,
    email: invitation.email,
    name: i.name,
    role: invitation.role,
    departmentIds: departments.map((d) => d.id),
  });
  const next = invitationAccepted(workspace);
  const free = refuseTakenEmail(invitation.email, context.emailStatus);
  if (free.isErr()) return err(free.error);
  const short = passwordLengthRefusal(i.password, policy);
  if (short !== undefined || context.passwordBreached) {
    // The policy's bounds either way: checkPassword reports exactly those.
    return err(fail.weakPassword({ reason: short ?? 'breached', minLength: policy.minLength, maxLength: policy.maxLength }));
  }
  const seats = requireOneSeat(workspace, next);
  if (seats.isErr()) return err(seats.error);
  return ok({
    state: {
      workspace: next,
      invitation: closed(invitation, 'accepted', accepted.occurredAt, context.agentId),
      agent: joined(workspace.id, accepted.occurredAt, accepted.data),
      departments,
    },
    events: [accepted],
    password: i.password,
  });
}
