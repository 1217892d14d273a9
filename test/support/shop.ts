/**
 * The shop most use-case tests start from: a roster on a ManualClock with Ana as owner of
 * "Acme Support", helpers to grow the team, a store snapshot, and `failure` to check an error.
 */
import type { Result } from 'neverthrow';
import { expect } from 'vitest';
import {
  CapturingMailer,
  createRoster,
  ManualClock,
  MemoryAccountDirectory,
  MemoryIdentity,
  MemoryRosterStore,
  type ActorRef,
  type InviteAgentInput,
  type RosterOptions,
} from 'agent-roster';

export const PASSWORD = 'correct horse battery staple';

export type ShopOptions = RosterOptions & Readonly<{ plan?: string | Readonly<{ id: string; seats: number | null; departments: number | null }>; standalone?: readonly string[] }>;

/** A roster on a ManualClock with Ana as owner of "Acme Support", and helpers to grow the team. */
export async function aShop(options: ShopOptions = {}) {
  const { plan = 'pro', standalone = [], ...rosterOptions } = options;
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  const mailer = new CapturingMailer();
  const identity = new MemoryIdentity();
  const accounts = new MemoryAccountDirectory(standalone);
  const store = options.store ?? new MemoryRosterStore();
  const roster = createRoster({ clock, mailer, identity, accounts, ...rosterOptions, store });
  const opened = (
    await roster.createWorkspace({ name: 'Acme Support', plan, owner: { email: 'ana@acme.com', name: 'Ana', password: PASSWORD } })
  )._unsafeUnwrap();
  const workspaceId = opened.state.workspace.id;
  const ana: ActorRef = { workspaceId, agentId: opened.state.owner.id };
  const invite = async (email: string, input: Omit<InviteAgentInput, 'email'> = {}) =>
    (await roster.inviteAgent(ana, { email, ...input }))._unsafeUnwrap().state.invitation;
  const tokenFor = (email: string) => mailer.lastTokenFor(email) ?? 'no-token-was-sent';
  /** Invites `name@acme.com` and accepts as them; returns their actor ref. */
  const join = async (name: string, input: Omit<InviteAgentInput, 'email'> = {}): Promise<ActorRef> => {
    const email = `${name.toLowerCase()}@acme.com`;
    await invite(email, input);
    const accepted = (await roster.acceptInvitation({ token: tokenFor(email), name, password: PASSWORD }))._unsafeUnwrap();
    return { workspaceId, agentId: accepted.state.agent.id };
  };
  /** Everything the store holds for the workspace: equal snapshots mean nothing changed. */
  const snapshot = async () => ({
    workspace: await store.loadWorkspace(workspaceId),
    agents: await store.listAgents(workspaceId),
    invitations: await store.listInvitations(workspaceId),
    departments: await store.listDepartments(workspaceId),
    events: await store.events(workspaceId),
    outbox: await store.listOutbox(workspaceId),
  });
  return { clock, mailer, identity, accounts, store, roster, workspaceId, ana, invite, tokenFor, join, snapshot };
}

/** The error of a failed use case, checked to be of `type`. */
export async function failure<V, E extends { type: string }, T extends E['type']>(
  outcome: PromiseLike<Result<V, E>>,
  type: T,
): Promise<Extract<E, { type: T }>> {
  const result = await outcome;
  if (result.isOk()) throw new Error(`Expected ${type}, but the use case succeeded.`);
  expect(result.error.type).toBe(type);
  return result.error as Extract<E, { type: T }>;
}
