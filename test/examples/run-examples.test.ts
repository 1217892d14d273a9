/**
 * The examples run as a reader would run them, so a change that breaks one fails the suite.
 * (The HTTP API and the property-testing example have test files of their own.)
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { postgresTarget } from '../support/postgres';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = (file: string, env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 });

describe('examples', () => {
  it('quickstart tells the whole story: refusals, routing, hand-over', async () => {
    const { stdout } = await tsx('examples/quickstart.ts');
    for (const line of [
      'EmailAlreadyExists',
      'SeatLimitReached',
      '→ assigned to Cy',
      '→ waiting: No agent of this department is online',
      'ConversationAssigned',
      'OwnerCannotBeDeleted',
      'OwnershipTransferred',
      'AgentDeleted',
    ]) {
      expect(stdout).toContain(line);
    }
  });

  it('domain-only runs invite → accept → seat limit → transfer on the pure domain', async () => {
    const { stdout } = await tsx('examples/domain-only.ts');
    expect(stdout).toContain('SeatLimitReached');
    expect(stdout).toContain('InvitationAlreadyAccepted');
    expect(stdout).toMatch(/Replaying \d+ events: owner agt_bob/);
  });

  it('domain-only draws a fresh random token for each invitation: no two token hashes alike, in a run or across runs', async () => {
    const hashes = async () => [...(await tsx('examples/domain-only.ts')).stdout.matchAll(/"tokenHash":"([0-9a-f]{64})"/g)].map((m) => m[1]);
    const [first, second] = await Promise.all([hashes(), hashes()]);
    expect(first).toHaveLength(2); // Bob's and Cy's: Di's invitation is refused at the seat limit
    expect(new Set([...first, ...second]).size).toBe(4);
  });

  it('postgres runs against the real server npm test started (or says it needs one)', async () => {
    const target = postgresTarget();
    if (target.kind === 'server') {
      const { stdout } = await tsx('examples/postgres.ts', { DATABASE_URL: target.url });
      expect(stdout).toContain('Bob joined as admin');
    } else {
      // Only PGlite here: the example needs a server, and says how to get one.
      await expect(tsx('examples/postgres.ts', { DATABASE_URL: '' })).rejects.toMatchObject({ code: 2 });
    }
  });
});
