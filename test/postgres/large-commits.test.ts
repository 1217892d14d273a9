/**
 * Commits that touch tens of thousands of rows: the sweep of a large backlog of lapsed invitations
 * (ADR 0004) writes one row per invitation. Preparing such a commit must cost time linear in its
 * size, and locking its rows must go through the primary key whatever the size of the table.
 */
import { describe, expect, it } from 'vitest';
import type { Invitation } from 'agent-roster';
import { writeCommit } from '../../src/adapters/postgres/commit';
import type { SqlClient } from '../../src/adapters/postgres/sql-pool';
import type { Commit } from '../../src/ports/store';
import { anInvitation, aWorkspace } from '../../src/testing/mothers';

type Statement = Readonly<{ text: string; values: readonly unknown[] }>;

const invitations = (workspaceId: string, from: number, count: number, overrides: Parameters<typeof anInvitation>[0] = {}): Invitation[] =>
  Array.from({ length: count }, (_, n) =>
    anInvitation({ workspaceId, id: `inv_${workspaceId}_${from + n}`, email: `p${from + n}@${workspaceId.replace('_', '-')}.com`, ...overrides }),
  );

describe('a commit of tens of thousands of aggregates', () => {
  it('is prepared in time linear in its size: 10,000 rows updated and 10,000 created, in two statements', async () => {
    const N = 10_000;
    const WS = 'ws_sweep';
    const swept = invitations(WS, 0, N, { status: 'expired' });
    const created = invitations(WS, N, N);
    const workspace = aWorkspace({ id: WS });
    const commit: Commit = {
      workspaceId: workspace.id,
      expected: [
        { kind: 'workspace', id: workspace.id, version: 3 },
        ...swept.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 1 })),
        ...created.map((i) => ({ kind: 'invitation' as const, id: i.id, version: 0 })),
      ],
      writes: [workspace, ...swept, ...created],
      removals: [],
      events: [],
      outbox: [],
    };
    // The database, answered by hand: the lock finds the workspace and the swept rows at the
    // versions expected, and the write touches every row it names (the workspace, the created,
    // the updated, in the order the write statement lists its parts).
    const sent: Statement[] = [];
    const client: SqlClient = {
      query: async (text, values = []) => {
        sent.push({ text, values });
        const rows =
          sent.length === 1
            ? [{ kind: 'workspace', id: WS, version: 3 }, ...swept.map((i) => ({ kind: 'invitation', id: i.id, version: 1 }))]
            : [{ w0: 1, w1: N, w2: N }];
        return { rows, rowCount: rows.length };
      },
      release: () => undefined,
    };
    const started = performance.now();
    const end = await writeCommit(client, commit);
    const elapsed = performance.now() - started;
    expect(end).toEqual({ commit: true, value: { committed: true } });
    expect(sent).toHaveLength(2);
    // About 0.1 s of linear work (JSON for the write statement, mostly); grouping the writes by
    // copying each kind's list per aggregate and searching them once per aggregate created took 30 s.
    expect(elapsed).toBeLessThan(2_000);
  });
});
