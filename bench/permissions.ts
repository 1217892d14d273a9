/**
 * Section 3: permission checks, `can()` against @casl/ability holding the same matrix
 * (`PERMISSIONS`: owner/admin/agent × active/inactive).
 *
 * Goals (issue 7): ≥ 3× faster than CASL with abilities built once; ≥ 10× faster than CASL with
 * an ability built per request, as hosts usually do (`defineAbility` in a request handler).
 */
import { readFileSync } from 'node:fs';
import { createMongoAbility, defineAbility, subject, type MongoAbility } from '@casl/ability';
import {
  agentIdSchema,
  can,
  CAPABILITIES,
  PERMISSIONS,
  workspaceIdSchema,
  type Agent,
  type Capability,
  type Role,
  type Status,
  type Workspace,
} from 'agent-roster';
import { batchFor, compare, loop, type Stats } from './measure';
import { duration, heading, ratio, table, verdict } from './report';

/** Options of {@link permissionSection}. @example { samples: 30, warmupMs: 500, sampleMs: 5 } */
export type PermissionOptions = Readonly<{ samples: number; warmupMs: number; sampleMs: number }>;

type Actor = Pick<Agent, 'id' | 'workspaceId' | 'role' | 'status'>;
type Rule = Readonly<{ action: Capability; subject: 'Workspace'; conditions?: Readonly<{ id: string }> }>;

/** One check of the mix, with everything each contender needs prepared ahead of the timed loop. */
type Check = Readonly<{
  actor: Actor;
  capability: Capability;
  /** What the actor may do, as a host keeps it next to its users. */
  capabilities: readonly Capability[];
  rules: readonly Rule[];
  ability: MongoAbility;
  scopedAbility: MongoAbility;
}>;

const workspaceId = workspaceIdSchema.parse('ws_bench');
const workspace: Pick<Workspace, 'id' | 'ownerId'> = { id: workspaceId, ownerId: agentIdSchema.parse('agt_owner') };
// CASL finds a plain object's type through a hidden field that `subject()` sets; tagged once,
// outside the loop, as a host would tag the record it loaded.
const workspaceSubject = subject('Workspace', { ...workspace });

/** The same matrix as CASL rules: the role's row for the status, plus transferOwnership for the owner. */
function capabilitiesOf(actor: Actor): readonly Capability[] {
  const row = PERMISSIONS[actor.role][actor.status];
  return actor.id === workspace.ownerId ? [...row, 'transferOwnership'] : row;
}

function checks(): readonly Check[] {
  const actors: Actor[] = [
    { id: workspace.ownerId, workspaceId, role: 'admin', status: 'active' },
    ...(['admin', 'agent'] as Role[]).flatMap((role) =>
      (['active', 'inactive'] as Status[]).map((status) => ({ id: agentIdSchema.parse(`agt_${role}_${status}`), workspaceId, role, status })),
    ),
    { id: workspace.ownerId, workspaceId, role: 'admin', status: 'inactive' },
  ];
  return actors.flatMap((actor) => {
    const capabilities = capabilitiesOf(actor);
    const rules = capabilities.map((action): Rule => ({ action, subject: 'Workspace' }));
    const scoped = capabilities.map((action): Rule => ({ action, subject: 'Workspace', conditions: { id: actor.workspaceId } }));
    return CAPABILITIES.map((capability) => ({
      actor,
      capability,
      capabilities,
      rules,
      ability: createMongoAbility(rules as Rule[]),
      scopedAbility: createMongoAbility(scoped as Rule[]),
    }));
  });
}

/** Every contender must give the same answer as `can()` on every check, or the race means nothing. */
function checkSameAnswers(mix: readonly Check[]): void {
  for (const c of mix) {
    const expected = can(c.actor, c.capability, workspace);
    const answers = [
      c.ability.can(c.capability, 'Workspace'),
      c.scopedAbility.can(c.capability, workspaceSubject),
      createMongoAbility(c.rules as Rule[]).can(c.capability, 'Workspace'),
    ];
    if (answers.some((a) => a !== expected)) {
      throw new Error(`benchmark setup: CASL and can() disagree on ${c.actor.role}/${c.actor.status} ${c.capability}`);
    }
  }
}

/**
 * Measures and prints section 3.
 *
 * @example permissionSection({ samples: 30, warmupMs: 300, sampleMs: 5 })
 */
export function permissionSection(options: PermissionOptions): void {
  const mix = checks();
  checkSameAnswers(mix);
  const n = mix.length;
  const ops = {
    // What every row below pays besides the check itself: picking the next check of the mix.
    'loop overhead (picks the check, checks nothing)': (i: number) => mix[i % n]!.capability,
    'can()': (i: number) => {
      const c = mix[i % n]!;
      return can(c.actor, c.capability, workspace);
    },
    'CASL, ability built once': (i: number) => {
      const c = mix[i % n]!;
      return c.ability.can(c.capability, 'Workspace');
    },
    'CASL, built once, scoped to the workspace': (i: number) => {
      const c = mix[i % n]!;
      return c.scopedAbility.can(c.capability, workspaceSubject);
    },
    'CASL, defineAbility per check': (i: number) => {
      const c = mix[i % n]!;
      const ability = defineAbility((allow) => {
        for (const capability of c.capabilities) allow(capability, 'Workspace');
      });
      return ability.can(c.capability, 'Workspace');
    },
    'CASL, createMongoAbility(rules) per check': (i: number) => {
      const c = mix[i % n]!;
      return createMongoAbility(c.rules as Rule[]).can(c.capability, 'Workspace');
    },
  };
  type Name = keyof typeof ops;
  const names = Object.keys(ops) as Name[];
  const samplers = Object.fromEntries(names.map((name) => [name, loop(ops[name], batchFor(ops[name], options.sampleMs))])) as Record<Name, () => number>;
  const stats: Record<Name, Stats> = compare(samplers, options);
  const overhead = stats['loop overhead (picks the check, checks nothing)'].median;
  const ours = stats['can()'].median;
  const goals: Partial<Record<Name, number>> = {
    'CASL, ability built once': 3,
    'CASL, built once, scoped to the workspace': 3,
    'CASL, defineAbility per check': 10,
    'CASL, createMongoAbility(rules) per check': 10,
  };

  heading(`3. Permission checks: can() vs @casl/ability ${caslVersion()} (same matrix, ${n} checks cycled)`);
  table(
    ['check', 'median', 'p95', 'can() faster by', 'net of loop overhead', 'goal', 'met'],
    names.map((name) => {
      const s = stats[name];
      const goal = goals[name];
      if (goal === undefined) return [name, duration(s.median), duration(s.p95), '—', '—', '—', '—'];
      const speedup = s.median / ours;
      const net = (s.median - overhead) / (ours - overhead);
      return [name, duration(s.median), duration(s.p95), ratio(speedup), ratio(net), `≥ ${goal}×`, verdict(speedup >= goal)];
    }),
  );
  console.log(
    '\n"can() faster by" compares whole loop iterations; "net" first subtracts the loop overhead row from both sides. ' +
      'The verdict uses the whole-iteration ratio, the more conservative of the two.',
  );
}

/** The installed CASL version, read from its package.json (its exports map does not expose it). */
function caslVersion(): string {
  try {
    const manifest = readFileSync(new URL('../node_modules/@casl/ability/package.json', import.meta.url), 'utf8');
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return '(version unknown)';
  }
}
