/**
 * Names the rules refuse (empty, whitespace only, over 100 characters, a line break, a hidden
 * character): generated accepts and edits use one now and then, the model expects
 * `ValidationFailed` or any other refusal the step earns (never ok), and the kit checks that the
 * refusal changed nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEAT_POLICY } from 'agent-roster';
import { ConcurrentCommands, EMAIL_POOL, REFUSED_NAMES, RosterCommand, rosterDriver, rosterStepArb, runRosterCommands, type RosterDriver, type RosterStep, type WorkspaceSetup } from 'agent-roster/testing';

const email = (address: string) => EMAIL_POOL.find((e) => e.address === address)!;
const setup: WorkspaceSetup = { name: 'Shop', plan: 'pro', seatPolicy: DEFAULT_SEAT_POLICY, invitationTtlHours: 168, owner: { email: email('ana@shop.com'), name: 'Ana' } };

describe('refused names', () => {
  it('are drawn for about one accept or edit in twenty', () => {
    const steps = fc.sample(rosterStepArb({ without: ['invite', 'resend', 'revoke', 'changeRole', 'activate', 'deactivate', 'setAvailability', 'transferOwnership', 'deleteAgent', 'createDepartment', 'renameDepartment', 'deleteDepartment', 'assignDepartments', 'removeFromDepartment', 'changePlan', 'changeSeatPolicy', 'advanceTime', 'routeConversation', 'closeConversation'] }), { numRuns: 4000, seed: 1 });
    const named = steps.flatMap((s) => ((s.kind === 'accept' || s.kind === 'editAgent') && s.name !== undefined ? [s.name] : []));
    const refused = named.filter((n) => REFUSED_NAMES.includes(n));
    expect(refused.length / named.length).toBeGreaterThan(0.03);
    expect(refused.length / named.length).toBeLessThan(0.08);
    expect(new Set(refused)).toEqual(new Set(REFUSED_NAMES));
  });

  it('are expected to be refused as ValidationFailed, whatever link or agent the step names, and to change nothing', async () => {
    const labels: string[] = [];
    const steps: RosterStep[] = [
      { kind: 'invite', actor: 'owner', email: email('bob.smith@shop.com'), role: 'agent', departments: [] },
      ...REFUSED_NAMES.map((name): RosterStep => ({ kind: 'accept', invitation: { pending: 0 }, token: 'current', name, password: 'strong' })),
      // A made-up link and a weak password too: the name is refused first.
      { kind: 'accept', invitation: 0, token: 'made-up', name: '', password: 'weak' },
      { kind: 'accept', invitation: { pending: 0 }, token: 'current', name: 'Bob', password: 'strong' },
      ...REFUSED_NAMES.map((name): RosterStep => ({ kind: 'editAgent', actor: 'owner', agent: 0, name })),
      // Someone who may not edit the owner, with a refused name: still ValidationFailed.
      { kind: 'editAgent', actor: 0, agent: 'owner', name: '   ' },
    ];
    await runRosterCommands(() => rosterDriver(), setup, steps.map((s) => new RosterCommand(s)), {
      onStep: ({ label, outcomes }) => void labels.push(`${label} → ${outcomes.join(', ')}`),
    });
    const refusals = labels.filter((l) => l.endsWith('→ ValidationFailed'));
    expect(refusals, labels.join('\n')).toHaveLength(2 * REFUSED_NAMES.length + 2);
    expect(labels.filter((l) => l.endsWith('→ ok')), labels.join('\n')).toHaveLength(2);
    // A hidden character is shown as its escape: the name does not read as an accepted one.
    expect(labels.filter((l) => l.includes('\\u200B'))).toHaveLength(2);
    expect(labels.join('\n')).not.toMatch(/\u200B/);
  });

  it('may also be answered with any other refusal the step earns, never ok: a host may check permission before the body', async () => {
    // A correct host whose middleware checks who may edit before it reads the body.
    const permissionFirst = (): RosterDriver => {
      const inner = rosterDriver();
      return {
        ...inner,
        editAgent: (actor, input) =>
          actor !== 'ana@shop.com' && actor !== input.email && input.name !== undefined && REFUSED_NAMES.includes(input.name)
            ? Promise.resolve({ ok: false, errorType: 'PermissionDenied' })
            : inner.editAgent(actor, input),
      };
    };
    const steps: RosterStep[] = [
      { kind: 'invite', actor: 'owner', email: email('bob.smith@shop.com'), role: 'agent', departments: [] },
      { kind: 'accept', invitation: { pending: 0 }, token: 'current', name: 'Bob', password: 'strong' },
      ...REFUSED_NAMES.map((name): RosterStep => ({ kind: 'editAgent', actor: 0, agent: 'owner', name })),
    ];
    const labels: string[] = [];
    await runRosterCommands(permissionFirst, setup, steps.map((s) => new RosterCommand(s)), {
      onStep: ({ label, outcomes }) => void labels.push(`${label} → ${outcomes.join(', ')}`),
    });
    expect(labels.filter((l) => l.endsWith('→ PermissionDenied'))).toHaveLength(REFUSED_NAMES.length);
  });

  it('is not failed when a deletion at the same time makes the edit answer AgentNotFound or UnknownActor', async () => {
    // A correct host whose edits arrive a little later (latency): the deletion runs first.
    const slowEdits = (): RosterDriver => {
      const inner = rosterDriver();
      return { ...inner, editAgent: async (actor, input) => (await new Promise((later) => setTimeout(later, 10)), inner.editAgent(actor, input)) };
    };
    const joined: RosterStep[] = [
      { kind: 'invite', actor: 'owner', email: email('bob.smith@shop.com'), role: 'admin', departments: [] },
      { kind: 'accept', invitation: { pending: 0 }, token: 'current', name: 'Bob', password: 'strong' },
    ];
    const deleteBob: RosterStep = { kind: 'deleteAgent', actor: 'owner', agent: 0 };
    for (const edit of [
      { kind: 'editAgent', actor: 'owner', agent: 0, name: '' },
      { kind: 'editAgent', actor: 0, agent: 'self', name: '   ' },
    ] satisfies RosterStep[]) {
      const outcomes: string[] = [];
      await runRosterCommands(slowEdits, setup, [...joined.map((s) => new RosterCommand(s)), new ConcurrentCommands(deleteBob, edit)], {
        onStep: ({ outcomes: answered }) => void outcomes.push(answered.join(', ')),
      });
      expect(outcomes.at(-1)).toMatch(/AgentNotFound|UnknownActor/);
    }
  });
});
