/**
 * Seat arithmetic shared by the commands that take seats. Internal: not re-exported from the
 * package; `seatUsage` and `requireSeats` in workspace.ts are the public face of these rules.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { DataOf, SeatLimitReached } from './errors';
import { noSeatLeft } from './failures';
import type { Workspace } from './workspace';

/** Seats in use under the workspace's seat policy. */
export function seatsUsed({ counts, seatPolicy }: Pick<Workspace, 'counts' | 'seatPolicy'>): number {
  return (
    counts.activeAgents +
    (seatPolicy.countInactiveAgents ? counts.inactiveAgents : 0) +
    (seatPolicy.reserveSeatsForInvitations ? counts.pendingInvitations : 0)
  );
}

/** Builds the refusal of a change that needs more seats than the plan has. */
export type SeatRefusal = (d: DataOf<SeatLimitReached>) => SeatLimitReached;

/**
 * The seat rule behind `requireSeats` and `requireOneSeat`: a change that takes seats beyond the
 * plan is refused, with the error `refuse` builds; a change that takes no new seat always passes,
 * so freeing seats works even on a workspace that is over its plan.
 *
 * `requireOneSeat` is this function with its default builder, `noSeatLeft`, for a change that
 * takes at most one seat (an invitation sent or revived, an invitation accepted, an agent
 * activated: one counter +1, any other −1): those commands then do not carry the message for a
 * change that needs several seats, which only a seat-policy change can. `requireSeats` passes
 * `fail.seatLimitReached`, which has both messages. One body, so the two cannot decide apart; an
 * alias rather than a wrapper, so a bundle ships the body once and no call in between.
 */
function seatsFor(before: Workspace, after: Workspace, refuse: SeatRefusal = noSeatLeft): Result<void, SeatLimitReached> {
  const used = seatsUsed(before);
  const requested = seatsUsed(after);
  const limit = after.plan.seats;
  if (limit === null || requested <= used || requested <= limit) return ok(undefined);
  return err(refuse({ limit, used, requested }));
}

export { seatsFor, seatsFor as requireOneSeat };
