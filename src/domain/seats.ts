/**
 * Seat arithmetic shared by the commands that take seats. Internal: not re-exported from the
 * package; `seatUsage` and `requireSeats` in workspace.ts are the public face of these rules.
 *
 * @module
 */
import { err, ok, type Result } from 'neverthrow';
import type { SeatLimitReached } from './errors';
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

/**
 * `requireSeats` for a change that takes at most one seat (an invitation sent or revived, an
 * invitation accepted, an agent activated: one counter +1, any other −1). Same rule and same
 * error; its own function so that those commands do not carry the message for a change that
 * needs several seats, which only a seat-policy change can.
 */
export function requireOneSeat(before: Workspace, after: Workspace): Result<void, SeatLimitReached> {
  const used = seatsUsed(before);
  const requested = seatsUsed(after);
  const limit = after.plan.seats;
  if (limit === null || requested <= used || requested <= limit) return ok(undefined);
  return err(noSeatLeft({ limit, used, requested }));
}
