-- agent-roster migration 0010: an expired invitation is closed when it lapsed.
--
-- Until this release an invitation's closedAt, once a sweep recorded it expired, was the time of
-- that sweep, which came a minute or a month after the expiry, whenever a use case or the expiry
-- job first looked; the listings showed the same invitation closed at its expiresAt before the
-- sweep, so its closedAt jumped. Now the sweep and the fold of InvitationExpired close it at the
-- instant it lapsed, the event's expiredAt, which is the invitation's expiresAt (nothing changes
-- an expired invitation's expiresAt but a resend, which opens it again). This gives every stored
-- expired invitation that closedAt, so the rows equal a replay of their events, and bumps its
-- version, so a command that read the old row cannot write it back.
--
-- It reads the expired invitations once, through invitations_by_status_sending, and rewrites only
-- those whose closedAt differs (a row without an expiresAt, which no release writes, is left as it
-- is rather than given a NULL data). An instance of the previous release keeps working on the migrated
-- rows; the invitations it expires meanwhile get the sweep's time again, which running this file
-- again by hand, once the last such instance has stopped, sets right.

UPDATE invitations
   SET data = jsonb_set(data, '{closedAt}', data->'expiresAt'), version = version + 1
 WHERE status = 'expired'
   AND data ? 'expiresAt'
   AND data->'closedAt' IS DISTINCT FROM data->'expiresAt';
