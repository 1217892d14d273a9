import * as z from 'zod';

/**
 * Ids are prefixed, Stripe-style (`agt_…`, `inv_…`). The prefix makes an id say what it names,
 * so passing an invitation id where an agent id belongs is a validation error, and no id can ever
 * be `__proto__`, `constructor` or another key that plain-object lookups would trip over.
 */
const idSchema = <B extends string>(prefix: string, what: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[A-Za-z0-9_-]{1,64}$`), `must be ${what} id like "${prefix}_…"`)
    .brand<B>();

/** @example workspaceIdSchema.parse('ws_7fK2') */
export const workspaceIdSchema = /* @__PURE__ */ idSchema<'WorkspaceId'>('ws', 'a workspace');
/** @example agentIdSchema.parse('agt_ana') */
export const agentIdSchema = /* @__PURE__ */ idSchema<'AgentId'>('agt', 'an agent');
/** @example invitationIdSchema.parse('inv_1') */
export const invitationIdSchema = /* @__PURE__ */ idSchema<'InvitationId'>('inv', 'an invitation');
/** @example departmentIdSchema.parse('dep_sales') */
export const departmentIdSchema = /* @__PURE__ */ idSchema<'DepartmentId'>('dep', 'a department');
/** @example conversationIdSchema.parse('conv_42') */
export const conversationIdSchema = /* @__PURE__ */ idSchema<'ConversationId'>('conv', 'a conversation');

/** Id of a {@link Workspace}. */
export type WorkspaceId = string & z.$brand<'WorkspaceId'>;
/** Id of an {@link Agent}. */
export type AgentId = string & z.$brand<'AgentId'>;
/** Id of an {@link Invitation}. */
export type InvitationId = string & z.$brand<'InvitationId'>;
/** Id of a {@link Department}. */
export type DepartmentId = string & z.$brand<'DepartmentId'>;
/** Id of a routed conversation. */
export type ConversationId = string & z.$brand<'ConversationId'>;

/**
 * Hex SHA-256 of an invitation token. The domain only ever holds this hash; the plaintext token
 * exists in the outgoing email alone.
 */
export const tokenHashSchema = /* @__PURE__ */ z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a hex SHA-256 digest')
  .brand<'TokenHash'>();
/** Hex SHA-256 digest of an invitation token. */
export type TokenHash = string & z.$brand<'TokenHash'>;

/**
 * Compares two token hashes in time that depends only on their length, so response timing
 * says nothing about how much of a guessed hash matched.
 *
 * @example sameTokenHash(stored, presented) // true | false
 */
export function sameTokenHash(a: string, b: string): boolean {
  const length = a.length;
  // Lengths are not secret (a SHA-256 hex digest is always 64 characters).
  if (length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
