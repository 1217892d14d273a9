import * as z from 'zod';
import { agentIdSchema, conversationIdSchema, departmentIdSchema } from '../ids';
import { pure } from '../pure';
import { MAX_DEPARTMENTS_PER_AGENT, type ReadonlyLists } from '../schemas';
import { CAPACITY_KEY_MESSAGE } from './messages';

/** One conversation, by id. */
const conversationTarget = /* @__PURE__ */ z.strictObject({ conversationId: conversationIdSchema });

/** Input of `routeConversation`. @example { conversationId: 'conv_42' } */
export const routeConversationSchema = conversationTarget;
/** Input of `closeConversation`. @example { conversationId: 'conv_42' } */
export const closeConversationSchema = conversationTarget;

const TO_MESSAGE = 'must be an agent id like "agt_…" or "queue"';

/**
 * Input of `transferConversation`: `to` is an agent id, or `'queue'` to put the conversation back
 * at the front of the queue.
 *
 * Every refusal of `to` names both choices. The union's message covers a value of neither kind
 * (`5`); for a string that is neither (`'bob'`) zod answers with the agent id branch's message
 * alone (a pattern that does not match stops nothing, a wrong literal does, so zod takes that
 * branch for the one meant), dropping `or "queue"`. The refinement's `when`, which zod calls
 * whatever the issues so far (see `planSchema`), gives every issue of `to` the one message.
 *
 * @example { conversationId: 'conv_42', to: 'agt_bob' }
 */
export const transferConversationSchema = /* @__PURE__ */ pure(() => z.strictObject({
  conversationId: conversationIdSchema,
  to: z.union([agentIdSchema, z.literal('queue')], TO_MESSAGE).refine(() => true, {
    when: (payload) => {
      payload.issues = payload.issues.map((issue) => ({ ...issue, message: TO_MESSAGE }));
      return false;
    },
  }),
}));

/**
 * Input of `syncAgent`: an agent's current facts from the roster, or `deleted: true` once it is
 * gone. An inactive agent is never online (invariant 5 of the rules, docs/domain.md), so that pair is refused: it
 * means the caller read the roster wrong.
 * @example { agentId: 'agt_bob', active: true, online: true, departmentIds: ['dep_sales'] }
 * @example { agentId: 'agt_bob', deleted: true }
 */
export const syncAgentSchema = /* @__PURE__ */ pure(() => z
  .strictObject({
    agentId: agentIdSchema,
    active: z.boolean().optional(),
    online: z.boolean().optional(),
    departmentIds: z.array(departmentIdSchema).max(MAX_DEPARTMENTS_PER_AGENT).optional(),
    deleted: z.literal(true).optional(),
  })
  .superRefine((i, ctx) => {
    const facts = (['active', 'online', 'departmentIds'] as const).filter((k) => i[k] !== undefined);
    if (i.deleted) {
      for (const k of facts) ctx.addIssue({ code: 'custom', path: [k], message: 'give either deleted: true or the facts, not both' });
      return;
    }
    for (const k of ['active', 'online', 'departmentIds'] as const) {
      if (i[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required unless deleted: true' });
    }
    if (i.online === true && i.active === false) {
      ctx.addIssue({ code: 'custom', path: ['online'], message: 'an inactive agent is never online' });
    }
  })
  // The refinement in the JSON Schema's words, so a form or an OpenAPI validator refuses what it
  // refuses: `deleted: true` alone, or the three facts without `deleted`; never inactive and online.
  .meta({
    oneOf: [
      { required: ['deleted'], not: { anyOf: [{ required: ['active'] }, { required: ['online'] }, { required: ['departmentIds'] }] } },
      { required: ['active', 'online', 'departmentIds'], not: { required: ['deleted'] } },
    ],
    not: { required: ['active', 'online'], properties: { active: { const: false }, online: { const: true } } },
  }));

/** How many open conversations an agent may hold; `null` is no limit, 0 pauses the agent. */
const capacitySchema = /* @__PURE__ */ z.number().int().min(0).max(10_000).nullable();

/**
 * Input of `configureRouting`: what changes. `capacities` replaces the per-agent overrides
 * as a whole (`{}` clears them); every key is an agent id. A `__proto__` key is no agent id
 * either, but zod's record skips it without a word, and a refinement cannot see it (refinements
 * read the parsed record, where it is already gone): `configureRouting` refuses it beside this
 * schema (see there). The JSON Schema refuses it on its own (`propertyNames`' pattern).
 * @example { strategy: 'least-busy', capacity: 3, capacities: { agt_ana: 5 } }
 */
export const configureRoutingSchema = /* @__PURE__ */ pure(() => z
  .strictObject({
    strategy: z.enum(['round-robin', 'least-busy']).optional(),
    capacity: capacitySchema.optional(),
    capacities: z
      .record(agentIdSchema, capacitySchema, { error: (issue) => (issue.code === 'invalid_key' ? CAPACITY_KEY_MESSAGE : undefined) })
      .refine((r) => Object.keys(r).length <= 10_000, { message: 'at most 10000 overrides' })
      .meta({ maxProperties: 10_000 })
      .optional(),
  })
  .refine((i) => i.strategy !== undefined || i.capacity !== undefined || i.capacities !== undefined, {
    message: 'give at least one of strategy, capacity, capacities',
  })
  // The two refinements in the JSON Schema's words (`maxProperties` above, `anyOf` here), so a form
  // or an OpenAPI validator refuses `{}` and 10,001 overrides too.
  .meta({ anyOf: [{ required: ['strategy'] }, { required: ['capacity'] }, { required: ['capacities'] }] }));

/** Input accepted by `routeConversation`. */
export type RouteConversationInput = z.input<typeof routeConversationSchema>;
/** Input accepted by `closeConversation`. */
export type CloseConversationInput = z.input<typeof closeConversationSchema>;
/** Input accepted by `transferConversation`. */
export type TransferConversationInput = z.input<typeof transferConversationSchema>;
/** Input accepted by `syncAgent`. */
export type SyncAgentInput = ReadonlyLists<z.input<typeof syncAgentSchema>>;
/** Input accepted by `configureRouting`. */
export type ConfigureRoutingInput = z.input<typeof configureRoutingSchema>;
