/**
 * The object mothers refuse data no command would store, as `ids` and `anEmail` already did: a
 * test that builds an agent named "" or a department named with a control character has a bug,
 * and a state built from it would pass for one the library made.
 */
import { describe, expect, it } from 'vitest';
import { aDepartment, anAgent, aWorkspace } from 'agent-roster/testing';

describe('the object mothers', () => {
  it.each([
    ['an empty agent name', () => anAgent({ id: 'agt_x', email: 'x@shop.com', name: '' }), /is not a name/],
    ['an agent name with a control character', () => anAgent({ id: 'agt_x', email: 'x@shop.com', name: 'Bo\u0007b' }), /is not a name/],
    ['an agent description of 501 code points', () => anAgent({ description: 'x'.repeat(501) }), /is not a description/],
    ['an empty department name', () => aDepartment({ id: 'dep_x', name: '   ' }), /is not a department name/],
    ['a department name with a line break', () => aDepartment({ id: 'dep_x', name: 'Sa\nles' }), /is not a department name/],
    ['a workspace name of spaces', () => aWorkspace({ name: ' \t ' }), /is not a workspace name/],
  ])('throw on %s, naming what it is not', (_, build, message) => {
    expect(build).toThrow(message);
  });

  it('give names and descriptions back as a command stores them: trimmed and NFC', () => {
    const agent = anAgent({ id: 'agt_jose', email: 'jose@shop.com', name: '  Jose\u0301 ', description: 'Refunds.\r\nEU.\n' });
    expect(agent.name).toBe('José');
    expect(agent.description).toBe('Refunds.\nEU.');
    const department = aDepartment({ name: ' Billing ' });
    expect(department).toMatchObject({ id: 'dep_billing', name: 'Billing', nameKey: 'billing' });
    expect(aWorkspace({ name: ' Shop ' }).name).toBe('Shop');
  });
});
