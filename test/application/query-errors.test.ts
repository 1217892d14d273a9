/**
 * The error types the queries declare are the ones they can answer: a query any agent may read
 * declares no `PermissionDenied`, and only the two reads that count lapsed invitations declare
 * `ConcurrencyConflict`. Checked by the compiler (`npm test` typechecks this file); the runtime
 * half, that members read these, is in team.test.ts and queries.test.ts.
 */
import type { ResultAsync } from 'neverthrow';
import { describe, expectTypeOf, it } from 'vitest';
import { createRoster, type ActorRef, type AvailabilityBoardView, type QueryError, type Roster, type RosterStore } from 'agent-roster';

type ErrorTypeOf<K extends keyof Roster> = Roster[K] extends (...args: never[]) => ResultAsync<unknown, infer E> ? (E extends { type: infer T } ? T : never) : never;

type Read = 'ValidationFailed' | 'StoreUnavailable' | 'ServiceUnavailable' | 'WorkspaceNotFound' | 'UnknownActor';

expectTypeOf<QueryError['type']>().toEqualTypeOf<Read>();

describe('the errors a query declares', () => {
  it('leave out PermissionDenied where any agent may read', () => {
    expectTypeOf<ErrorTypeOf<'listAgents'>>().toEqualTypeOf<Read>();
    expectTypeOf<ErrorTypeOf<'getAgent'>>().toEqualTypeOf<Read>();
    expectTypeOf<ErrorTypeOf<'agentPage'>>().toEqualTypeOf<Read>();
    expectTypeOf<ErrorTypeOf<'listDepartments'>>().toEqualTypeOf<Read>();
  });

  it('have ConcurrencyConflict only where a count of lapsed invitations must belong to one version', () => {
    expectTypeOf<ErrorTypeOf<'getWorkspace'>>().toEqualTypeOf<Read | 'ConcurrencyConflict'>();
    expectTypeOf<ErrorTypeOf<'seatUsage'>>().toEqualTypeOf<Read | 'ConcurrencyConflict'>();
  });

  it('have PermissionDenied on the admin reads, and nothing else beyond a read', () => {
    expectTypeOf<ErrorTypeOf<'listInvitations'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'invitationPage'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'availabilityBoard'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'routingQueue'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'events'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'eventPage'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'outbox'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
    expectTypeOf<ErrorTypeOf<'outboxPage'>>().toEqualTypeOf<Read | 'PermissionDenied'>();
  });

  it('give the whole board as a board, and one department\'s as a board or null, however the query is held', () => {
    // Type-checked only: the calls are never made.
    const typed = (roster: Roster, actor: ActorRef, fromUrl: string | undefined, query: { departmentId: string } | undefined) => {
      type Whole = ResultAsync<AvailabilityBoardView, QueryError | { type: 'PermissionDenied' }>;
      expectTypeOf(roster.availabilityBoard(actor)).toMatchTypeOf<Whole>();
      expectTypeOf(roster.availabilityBoard(actor, {})).toMatchTypeOf<Whole>();
      expectTypeOf(roster.availabilityBoard(actor, { departmentId: 'dep_sales' })).toMatchTypeOf<ResultAsync<AvailabilityBoardView | null, unknown>>();
      expectTypeOf(roster.availabilityBoard(actor, { departmentId: 'dep_sales' })).not.toMatchTypeOf<ResultAsync<AvailabilityBoardView, unknown>>();
      // An optional query held in a variable, and a department id that may be missing (exactOptionalPropertyTypes is on).
      expectTypeOf(roster.availabilityBoard(actor, query)).toMatchTypeOf<ResultAsync<AvailabilityBoardView | null, unknown>>();
      expectTypeOf(roster.availabilityBoard(actor, { departmentId: fromUrl })).toMatchTypeOf<ResultAsync<AvailabilityBoardView | null, unknown>>();
    };
    expectTypeOf(typed).toBeFunction();
  });

  it('take ids from a URL as plain strings, and filters and options that may be undefined (exactOptionalPropertyTypes is on)', () => {
    // Type-checked only: the calls are never made. Each compiled only with a cast before.
    const typed = (roster: Roster, actor: ActorRef, fromUrl: string, maybe: string | undefined, store: RosterStore | undefined) => {
      roster.listAgents(actor, { departmentId: fromUrl });
      roster.listAgents(actor, { departmentId: maybe, status: undefined });
      roster.agentPage(actor, { departmentId: maybe, limit: 20 });
      createRoster({ store, clock: undefined, rateLimiter: undefined });
    };
    expectTypeOf(typed).toBeFunction();
  });
});
