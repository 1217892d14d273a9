/**
 * Every exported `*Schema` can be handed to zod 4's `z.toJSONSchema`, so a host can publish the
 * command inputs in an OpenAPI document or validate a form with them.
 *
 * The input side (`io: 'input'`: what a caller sends) must convert as it is. The output side
 * cannot, for every schema that canonicalises with a transform (emails, names, descriptions,
 * department id lists): JSON Schema has no word for "trimmed and NFC-normalised", so there zod
 * needs `unrepresentable: 'any'`, which leaves the transformed value unconstrained.
 */
import * as api from 'agent-roster';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: unknown;
  pattern?: string;
};

const exported: [string, unknown][] = Object.entries(api).filter(([name]) => name.endsWith('Schema'));
const schemas = new Map<string, z.ZodType>();
for (const [name, value] of exported) if (value instanceof z.ZodType) schemas.set(name, value);
const names = [...schemas.keys()];
const schemaNamed = (name: string): z.ZodType => schemas.get(name)!;

describe('the JSON Schema of every exported zod schema', () => {
  it('finds the schemas to check, and every export named *Schema is one', () => {
    expect(exported.map(([name]) => name)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['createWorkspaceSchema', 'inviteAgentSchema', 'acceptInvitationSchema', 'emailSchema']));
  });

  it.each(names)('%s converts on its input side as it is', (name) => {
    const json = z.toJSONSchema(schemaNamed(name), { io: 'input' }) as JsonSchema;
    expect(json).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
  });

  it.each(names)('%s converts on its output side once unrepresentable parts may be "any"', (name) => {
    expect(() => z.toJSONSchema(schemaNamed(name), { io: 'output', unrepresentable: 'any' })).not.toThrow();
  });

  it('keeps command inputs strict: an unknown key is refused by the JSON Schema as by zod', () => {
    const objects = names
      .map((name) => [name, z.toJSONSchema(schemaNamed(name), { io: 'input' }) as JsonSchema] as const)
      .filter(([, json]) => json.type === 'object');
    expect(objects.length).toBeGreaterThan(10);
    const loose = objects.filter(([, json]) => json.additionalProperties !== false).map(([name]) => name);
    expect(loose).toEqual([]);
  });

  it("describes the roster's accept request whole: name and password are strings it requires, as the token is", () => {
    const json = z.toJSONSchema(api.acceptInvitationRequestSchema, { io: 'input' }) as JsonSchema & { required?: string[] };
    expect(json.required).toEqual(['token', 'name', 'password']);
    expect([json.properties!.name!.type, json.properties!.password!.type]).toEqual(['string', 'string']);
  });

  it('refuses an edit that changes nothing, as zod does: at least one of name, email, description', () => {
    const json = z.toJSONSchema(api.editAgentSchema, { io: 'input' }) as JsonSchema & { anyOf?: { required: string[] }[] };
    expect(json.anyOf).toEqual([{ required: ['name'] }, { required: ['email'] }, { required: ['description'] }]);
    expect(api.editAgentSchema.safeParse({ agentId: 'agt_bob' }).success).toBe(false);
  });

  it('refuses a routing change that changes nothing, or over 10,000 overrides, as zod does', () => {
    const json = z.toJSONSchema(api.configureRoutingSchema, { io: 'input' }) as JsonSchema & { anyOf?: unknown };
    expect(json.anyOf).toEqual([{ required: ['strategy'] }, { required: ['capacity'] }, { required: ['capacities'] }]);
    expect(json.properties!.capacities).toMatchObject({ type: 'object', maxProperties: 10_000 });
    const capacities = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`agt_${i}`, 1]));
    expect(api.configureRoutingSchema.safeParse({}).success).toBe(false);
    expect(api.configureRoutingSchema.safeParse({ capacities: capacities(10_000) }).success).toBe(true);
    expect(api.configureRoutingSchema.safeParse({ capacities: capacities(10_001) }).success).toBe(false);
  });

  it("publishes syncAgent's rules, as zod refuses: deleted alone or the three facts, never inactive and online", () => {
    const json = z.toJSONSchema(api.syncAgentSchema, { io: 'input' }) as JsonSchema & { oneOf?: unknown; not?: unknown };
    expect(json.oneOf).toEqual([
      { required: ['deleted'], not: { anyOf: [{ required: ['active'] }, { required: ['online'] }, { required: ['departmentIds'] }] } },
      { required: ['active', 'online', 'departmentIds'], not: { required: ['deleted'] } },
    ]);
    expect(json.not).toEqual({ required: ['active', 'online'], properties: { active: { const: false }, online: { const: true } } });
    const refused = [
      { agentId: 'agt_x' },
      { agentId: 'agt_x', deleted: true, active: true },
      { agentId: 'agt_x', active: false, online: true, departmentIds: [] },
    ];
    for (const input of refused) expect(api.syncAgentSchema.safeParse(input).success, JSON.stringify(input)).toBe(false);
    expect(api.syncAgentSchema.safeParse({ agentId: 'agt_x', deleted: true }).success).toBe(true);
    expect(api.syncAgentSchema.safeParse({ agentId: 'agt_x', active: false, online: false, departmentIds: [] }).success).toBe(true);
  });

  it('offers a plan by id alone, for a roster without allowInlinePlans: no inline plan in its JSON Schema', () => {
    const json = z.toJSONSchema(api.changePlanSchema.extend({ plan: api.planIdSchema }), { io: 'input' }) as JsonSchema;
    expect(json.properties!.plan).toEqual({ type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' });
    expect(api.planIdSchema.safeParse('pro').success).toBe(true);
    expect(api.planIdSchema.safeParse({ id: 'team-12', seats: 12, departments: 3 }).success).toBe(false);
    // The same ids as planSchema takes.
    for (const id of ['pro', 'team-12', 'Pro', '-x', 'a'.repeat(41)]) expect(api.planIdSchema.safeParse(id).success, id).toBe(api.planSchema.safeParse(id).success);
  });

  it("publishes a visitor's token's length bound, counted in code points as zod counts it", () => {
    for (const schema of [api.acceptInvitationRequestSchema, api.previewInvitationRequestSchema]) {
      const json = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema & { properties: Record<string, { maxLength?: number }> };
      expect(json.properties['token']!.maxLength).toBe(200);
      const refusedAt = (token: string) => (schema.safeParse({ token }).error?.issues ?? []).map((i) => i.path[0]);
      expect(refusedAt('🔒'.repeat(200))).not.toContain('token');
      expect(refusedAt('🔒'.repeat(201))).toContain('token');
    }
  });

  it('carries the id prefixes, so an invitation id is refused where an agent id belongs', () => {
    const json = z.toJSONSchema(api.agentTargetSchema, { io: 'input' }) as JsonSchema;
    const pattern = new RegExp(json.properties!.agentId!.pattern!, 'u');
    expect(pattern.test('agt_ana')).toBe(true);
    expect(pattern.test('inv_1')).toBe(false);
  });
});
