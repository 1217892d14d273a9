/**
 * Editors and type errors name the package's types: a roster is `Roster`, an error
 * `ServiceUnavailable`, an aggregate `Workspace`, an id `WorkspaceId`, rather than spelling out
 * their members (`{ createWorkspace: (input: {…`, `Readonly<{ type: "ServiceUnavailable" } & {…}>`,
 * `string & $brand<"WorkspaceId">`). Two proofs, with the TypeScript compiler itself:
 *   1. the declaration emitted for `createRoster` returns `Roster` by name (tsup bundles these
 *      declarations into dist/*.d.ts, so a host's editor reads the same);
 *   2. a host's deliberate type errors name each type, and the host hands each of them to a
 *      function taking a plain record without an error, as the `Readonly<…>` aliases they
 *      replace could be.
 * Also checked by the compiler (`npm run typecheck` compiles this file): what `createRoster`
 * returns is a `Roster` and the other way round, and each id type is what its schema parses to.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { z } from 'zod';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  agentIdSchema,
  conversationIdSchema,
  createRoster,
  departmentIdSchema,
  invitationIdSchema,
  tokenHashSchema,
  workspaceIdSchema,
  type AgentId,
  type ConversationId,
  type DepartmentId,
  type InvitationId,
  type Roster,
  type TokenHash,
  type WorkspaceId,
} from 'agent-roster';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** A host's module, compiled with the package's own settings; it never exists on disk. */
const HOST = `${root}test/packaging/__host__.ts`;
const HOST_SOURCE = `
import { createRoster, appFail, fail, type Roster, type Workspace, type Agent, type Invitation, type Department, type WorkspaceId, type AgentId, type ActorRef, type RosterError, type NoAgentAvailable } from 'agent-roster';
declare const roster: Roster;
declare const actor: ActorRef;
declare const workspace: Workspace;
declare const agent: Agent;
declare const invitation: Invitation;
declare const department: Department;
declare const workspaceId: WorkspaceId;
declare const agentId: AgentId;
declare const rosterError: RosterError;
declare const noAgent: NoAgentAvailable;
const asRecord = (value: Readonly<Record<string, unknown>>) => value;
export const records = [roster, workspace, agent, invitation, department, rosterError, appFail.service('clock', 'x'), noAgent].map(asRecord);
export const built: number = createRoster();
export const declared: number = roster;
export const serviceUnavailable: number = appFail.service('clock', new Error('down'));
export const seatLimitReached: number = fail.seatLimitReached({ limit: 1, used: 1, requested: 2 });
export const aWorkspace: number = workspace;
export const anAgent: number = agent;
export const anInvitation: number = invitation;
export const aDepartment: number = department;
export const aWorkspaceId: number = workspaceId;
export const anAgentId: number = agentId;
export const anOwnerId: number = workspace.ownerId;
export async function listed(): Promise<number> {
  const agents = await roster.listAgents(actor);
  return agents.isOk() ? agents.value[0]! : 0;
}
`;

let program: ts.Program;

beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const options: ts.CompilerOptions = { ...config.options, noEmit: false, declaration: true, emitDeclarationOnly: true, noUnusedLocals: false };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === HOST ? ts.createSourceFile(name, HOST_SOURCE, language) : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === HOST || fileExists(name);
  program = ts.createProgram([HOST], options, host);
});

/** The type each error line of the host says is not a number, by the variable it assigned. */
const named = () =>
  new Map(
    program.getSemanticDiagnostics(program.getSourceFile(HOST)).map((d) => {
      const line = d.file!.getLineAndCharacterOfPosition(d.start!).line;
      const above = HOST_SOURCE.split('\n').slice(0, line + 1).reverse();
      const name = above.map((l) => /^export (?:const|async function) (\w+)/.exec(l)?.[1]).find(Boolean) ?? `line ${line}`;
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      return [name, /^Type '(.*?)' is not assignable/.exec(message)?.[1] ?? message];
    }),
  );

describe('createRoster', () => {
  it('returns a Roster, and a Roster is what it returns', () => {
    expectTypeOf(createRoster()).toEqualTypeOf<Roster>();
    const built: Roster = createRoster();
    const back: ReturnType<typeof createRoster> = built;
    expect(typeof back.createWorkspace).toBe('function');
  });

  it('is declared as returning Roster by name, not as an inlined object type', () => {
    let declaration = '';
    const emitted = program.emit(
      program.getSourceFile(`${root}src/application/roster.ts`),
      (name, text) => {
        if (name.endsWith('roster.d.ts')) declaration = text;
      },
      undefined,
      true,
    );
    expect(emitted.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    expect(declaration).toMatch(/export declare function createRoster\(options\?: RosterOptions\): Roster;/);
    expect(declaration).toMatch(/export interface Roster extends RosterMethods \{\s*\}/);
  });
});

describe("a host's type errors", () => {
  it('name the roster, errors, aggregates and ids', () => {
    expect(Object.fromEntries(named())).toEqual({
      built: 'Roster',
      declared: 'Roster',
      serviceUnavailable: 'ServiceUnavailable',
      seatLimitReached: 'SeatLimitReached',
      aWorkspace: 'Workspace',
      anAgent: 'Agent',
      anInvitation: 'Invitation',
      aDepartment: 'Department',
      aWorkspaceId: 'WorkspaceId',
      anAgentId: 'AgentId',
      anOwnerId: 'AgentId',
      listed: 'Agent',
    });
  });
});

describe('id types', () => {
  it('are what their schemas parse to', () => {
    expectTypeOf<z.output<typeof workspaceIdSchema>>().toEqualTypeOf<WorkspaceId>();
    expectTypeOf<z.output<typeof agentIdSchema>>().toEqualTypeOf<AgentId>();
    expectTypeOf<z.output<typeof invitationIdSchema>>().toEqualTypeOf<InvitationId>();
    expectTypeOf<z.output<typeof departmentIdSchema>>().toEqualTypeOf<DepartmentId>();
    expectTypeOf<z.output<typeof conversationIdSchema>>().toEqualTypeOf<ConversationId>();
    expectTypeOf<z.output<typeof tokenHashSchema>>().toEqualTypeOf<TokenHash>();
    expect(workspaceIdSchema.parse('ws_1')).toBe('ws_1');
  });
});

describe('the named types', () => {
  it('still go where a plain record does', () => {
    // The host hands a roster, each aggregate and each kind of error to a function taking a
    // record (`records`): an interface that lost that would be a compile error on that line.
    expect(named().get('records')).toBeUndefined();
  });
});
