import * as z from 'zod';
import { agentIdSchema, departmentIdSchema, invitationIdSchema } from './ids';
import { planSchema } from './plans';
import { departmentNameSchema, descriptionSchema, emailSchema, passwordSchema, personNameSchema } from './values';
import { pure } from './pure';
import { PROFILE } from './transitions';

/**
 * Every command input has a strict schema: unknown keys (`__proto__`, `isAdmin`, typos) are
 * refused rather than silently dropped, so a caller learns about a mistake instead of shipping it.
 * The JSON Schema of each is available through zod's `z.toJSONSchema(schema, { io: 'input' })`:
 * the input side, what a caller sends. Without `io: 'input'` zod describes the output side (what a
 * parse returns), which is not the request shape: it throws "Transforms cannot be represented in
 * JSON Schema" for every schema that canonicalises (emails, names, department id lists), and
 * lists a field with a default as required (`transferOwnershipSchema`'s `formerOwnerRole`).
 */

/** `admin` ("Full access") or `agent` ("Limited access"). */
export const roleSchema = /* @__PURE__ */ z.enum(['admin', 'agent']);
/** `online` or `away`. */
export const availabilitySchema = /* @__PURE__ */ z.enum(['online', 'away']);

/**
 * The most departments one agent is in, and one invitation or one call names: an
 * `assignAgentToDepartments` that would take an agent past it is `ValidationFailed` at
 * `departmentIds`.
 */
export const MAX_DEPARTMENTS_PER_AGENT = 100;

const departmentIdsSchema = /* @__PURE__ */ z
  .array(departmentIdSchema)
  .max(MAX_DEPARTMENTS_PER_AGENT)
  .transform((ids) => [...new Set(ids)]);

/** Input of `createWorkspace`. @example { name: 'Shop', plan: 'pro', owner: { email: 'ana@shop.com', name: 'Ana' } } */
export const createWorkspaceSchema = /* @__PURE__ */ pure(() => z.strictObject({
  name: personNameSchema,
  plan: planSchema.default('free'),
  owner: z.strictObject({ email: emailSchema, name: personNameSchema }),
  seatPolicy: z
    .strictObject({ countInactiveAgents: z.boolean().optional(), reserveSeatsForInvitations: z.boolean().optional() })
    .optional(),
  invitationTtlHours: z.number().int().min(1).max(24 * 90).optional(),
}));

/** Input of `changePlan`. @example { plan: 'enterprise' } */
export const changePlanSchema = /* @__PURE__ */ z.strictObject({ plan: planSchema });

/** Input of `changeSettings`. @example { seatPolicy: { countInactiveAgents: false } } */
export const changeSettingsSchema = /* @__PURE__ */ pure(() => z.strictObject({
  name: personNameSchema.optional(),
  seatPolicy: z
    .strictObject({ countInactiveAgents: z.boolean().optional(), reserveSeatsForInvitations: z.boolean().optional() })
    .optional(),
  invitationTtlHours: z.number().int().min(1).max(24 * 90).optional(),
}));

/** Input of `inviteAgent`. @example { email: 'bob@shop.com', role: 'agent', departmentIds: ['dep_sales'] } */
export const inviteAgentSchema = /* @__PURE__ */ pure(() => z.strictObject({
  email: emailSchema,
  role: roleSchema.default('agent'),
  departmentIds: departmentIdsSchema.default([]),
}));

/** Input of commands that name one invitation. @example { invitationId: 'inv_1' } */
export const invitationTargetSchema = /* @__PURE__ */ z.strictObject({ invitationId: invitationIdSchema });

/** Input of `acceptInvitation` (the token travels separately, as its hash). @example { name: 'Bob', password: 'correct horse battery staple' } */
export const acceptInvitationSchema = /* @__PURE__ */ z.strictObject({ name: personNameSchema, password: passwordSchema });

/** Input of commands that name one agent. @example { agentId: 'agt_2' } */
export const agentTargetSchema = /* @__PURE__ */ z.strictObject({ agentId: agentIdSchema });

/** Input of `editAgent`: at least one of name, email, description. @example { agentId: 'agt_2', name: 'Bob B.' } */
export const editAgentSchema = /* @__PURE__ */ pure(() => z
  .strictObject({
    agentId: agentIdSchema,
    name: personNameSchema.optional(),
    email: emailSchema.optional(),
    description: descriptionSchema.optional(),
  })
  .refine((i) => PROFILE.some((key) => i[key] !== undefined), `give at least one of ${PROFILE.join(', ')}`)
  // The refinement in the JSON Schema's words, so a form or an OpenAPI validator refuses `{ agentId }` alone too.
  .meta({ anyOf: PROFILE.map((key) => ({ required: [key] })) }));

/** Input of `changeRole`. @example { agentId: 'agt_2', role: 'admin' } */
export const changeRoleSchema = /* @__PURE__ */ z.strictObject({ agentId: agentIdSchema, role: roleSchema });

/** Input of `setAvailability`. @example { agentId: 'agt_2', availability: 'online' } */
export const setAvailabilitySchema = /* @__PURE__ */ z.strictObject({ agentId: agentIdSchema, availability: availabilitySchema });

/** Input of `transferOwnership`. @example { toAgentId: 'agt_2', formerOwnerRole: 'admin' } */
export const transferOwnershipSchema = /* @__PURE__ */ pure(() => z.strictObject({
  toAgentId: agentIdSchema,
  formerOwnerRole: roleSchema.default('admin'),
}));

/** Input of `createDepartment`. @example { name: 'Sales' } */
export const createDepartmentSchema = /* @__PURE__ */ z.strictObject({ name: departmentNameSchema });
/** Input of `renameDepartment`. @example { departmentId: 'dep_1', name: 'Sales EU' } */
export const renameDepartmentSchema = /* @__PURE__ */ z.strictObject({ departmentId: departmentIdSchema, name: departmentNameSchema });
/** Input of commands that name one department. @example { departmentId: 'dep_1' } */
export const departmentTargetSchema = /* @__PURE__ */ z.strictObject({ departmentId: departmentIdSchema });
/** Input of `assignAgentToDepartments`. @example { agentId: 'agt_2', departmentIds: ['dep_1'] } */
export const assignAgentSchema = /* @__PURE__ */ z.strictObject({ agentId: agentIdSchema, departmentIds: departmentIdsSchema });
/** Input of `removeAgentFromDepartment`. @example { agentId: 'agt_2', departmentId: 'dep_1' } */
export const removeAgentFromDepartmentSchema = /* @__PURE__ */ z.strictObject({ agentId: agentIdSchema, departmentId: departmentIdSchema });

/**
 * An input type whose lists may be read-only. The library never writes to an input (it reads a
 * copy), and it hands out read-only lists (`Agent.departmentIds`), which must go back in as they
 * are: `inviteAgent(actor, { email, departmentIds: bob.departmentIds })`.
 *
 * @example type T = ReadonlyLists<{ ids?: string[] }> // { ids?: readonly string[] }
 */
export type ReadonlyLists<T> = T extends readonly (infer U)[] ? readonly ReadonlyLists<U>[] : T extends object ? { [K in keyof T]: ReadonlyLists<T[K]> } : T;

/** Input accepted by `createWorkspace`. */
export type CreateWorkspaceInput = z.input<typeof createWorkspaceSchema>;
/** Input accepted by `changePlan`. */
export type ChangePlanInput = z.input<typeof changePlanSchema>;
/** Input accepted by `changeSettings`. */
export type ChangeSettingsInput = z.input<typeof changeSettingsSchema>;
/** Input accepted by `inviteAgent`. */
export type InviteAgentInput = ReadonlyLists<z.input<typeof inviteAgentSchema>>;
/** Input accepted by invitation commands that name one invitation. */
export type InvitationTargetInput = z.input<typeof invitationTargetSchema>;
/** Input accepted by `acceptInvitation`. */
export type AcceptInvitationInput = z.input<typeof acceptInvitationSchema>;
/** Input accepted by agent commands that name one agent. */
export type AgentTargetInput = z.input<typeof agentTargetSchema>;
/** Input accepted by `editAgent`. */
export type EditAgentInput = z.input<typeof editAgentSchema>;
/** Input accepted by `changeRole`. */
export type ChangeRoleInput = z.input<typeof changeRoleSchema>;
/** Input accepted by `setAvailability`. */
export type SetAvailabilityInput = z.input<typeof setAvailabilitySchema>;
/** Input accepted by `transferOwnership`. */
export type TransferOwnershipInput = z.input<typeof transferOwnershipSchema>;
/** Input accepted by `createDepartment`. */
export type CreateDepartmentInput = z.input<typeof createDepartmentSchema>;
/** Input accepted by `renameDepartment`. */
export type RenameDepartmentInput = z.input<typeof renameDepartmentSchema>;
/** Input accepted by department commands that name one department. */
export type DepartmentTargetInput = z.input<typeof departmentTargetSchema>;
/** Input accepted by `assignAgentToDepartments`. */
export type AssignAgentInput = ReadonlyLists<z.input<typeof assignAgentSchema>>;
/** Input accepted by `removeAgentFromDepartment`. */
export type RemoveAgentFromDepartmentInput = z.input<typeof removeAgentFromDepartmentSchema>;
