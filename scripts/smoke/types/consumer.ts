/**
 * A user's program, typechecked against the packed tarball's declarations (never run): every
 * subpath imported, a few schemas, commands and roster calls used, under `strict` and
 * `skipLibCheck: false`. scripts/smoke/types.ts copies it into the consumer project as
 * `consumer.mts` and `consumer.cts` (moduleResolution node16: the .d.ts and the .d.cts) and as
 * `consumer.ts` (moduleResolution bundler), and runs the repository's `tsc` over them, once with
 * the peers at their floors and once at the pinned versions.
 *
 * The `@ts-expect-error` lines are the point: each is a misuse that must be a type error. If a
 * peer's declarations cannot express ours (zod 4.1 and `$ZodBranded<…, "out">`) and
 * `skipLibCheck: true` turns a schema into `any`, the misuse compiles, the directive is unused,
 * and tsc fails with TS2578.
 */
import type { Result } from 'neverthrow';
import * as z from 'zod';
import {
  createRoster,
  emailSchema,
  inviteAgentSchema,
  ManualClock,
  MemoryRosterStore,
  workspaceIdSchema,
  type Email,
  type WorkspaceId,
} from 'agent-roster';
import { aWorkspace, emailArb } from 'agent-roster/testing';
import { describeStoreContract } from 'agent-roster/testing/store-contract';
import { migrate, PostgresRosterStore } from 'agent-roster/postgres';

const workspaceId: WorkspaceId = workspaceIdSchema.parse('ws_a');
// @ts-expect-error a WorkspaceId is a string: a schema typed `any` would let this through
const notANumber: number = workspaceIdSchema.parse('ws_a');
// @ts-expect-error an Email is branded: a plain string is not one
const notAnEmail: Email = 'ana@acme.com';
const email: Email = emailSchema.parse('ana@acme.com');
const invite: z.infer<typeof inviteAgentSchema> = inviteAgentSchema.parse({ email: 'bob@acme.com' });
// @ts-expect-error the role is 'admin' | 'agent'
const badRole: typeof invite.role = 'owner';

export async function useRoster(): Promise<string> {
  const roster = createRoster({ clock: new ManualClock('2026-11-23T09:00:00Z'), store: new MemoryRosterStore(), acceptUrl: 'https://app.example.com/join' });
  const opened = await roster.createWorkspace({
    name: 'Acme Support',
    plan: 'pro',
    owner: { email, name: 'Ana', password: 'correct horse battery staple' },
  });
  if (opened.isErr()) return opened.error.type;
  const ana = { workspaceId: opened.value.state.workspace.id, agentId: opened.value.state.owner.id };
  const invited = await roster.inviteAgent(ana, { email: invite.email, role: invite.role });
  // @ts-expect-error the name is a string
  void roster.createWorkspace({ name: 42, plan: 'pro', owner: { email, name: 'Ana', password: 'x' } });
  const outcome: Result<unknown, { type: string }> = invited;
  return outcome.isOk() ? 'ok' : outcome.error.type;
}

export const used = [workspaceId, notANumber, notAnEmail, badRole, aWorkspace, emailArb, describeStoreContract, migrate, PostgresRosterStore, z.string()];
