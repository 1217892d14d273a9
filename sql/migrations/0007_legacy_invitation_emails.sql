-- agent-roster migration 0007: invitation emails queued by 0.1.0 can be withdrawn (ADR 0025,
-- "Upgrading from 0.1.0").
--
-- 0.1.0 queued each invitation email with no topic and no expiry (0002 added both), so an email it
-- left pending was never withdrawn: the dispatcher sent it even when its invitation had been
-- revoked, accepted or expired, or resent (whose first link is dead), and a later revoke, resend
-- or accept did not withdraw it. Such a message is recognised by its idempotency key,
-- 'invitation:<invitationId>:<n>', where n is the invitation's resendCount when the email was
-- queued (0 for the first send, 1 for the first resend, ...); the invitation's current send is
-- the one whose n is its current resendCount (invitations.data->>'resendCount').
--
-- First, every such message still pending whose invitation is no longer pending, or whose n is
-- below the invitation's resendCount (a superseded link), is withdrawn as a commit withdraws
-- one: final, body dropped, lease ended. Then every such message of an invitation's current
-- send gets the topic 'invitation:<invitationId>' and the invitation's expires_at, as this
-- release writes them, so the commit that closes the invitation withdraws it and delivery
-- withdraws it once its link lapses. A message whose invitation is not stored is left as it was.
--
-- The first statement looks at every pending message of that form, topic or not: running the
-- file again by hand once the last 0.1.0 instance has stopped also withdraws what those instances
-- closed meanwhile (during a rolling deploy) without withdrawing anything (a 0.1.0 revoke, resend
-- or accept withdraws nothing). The second gives topics to pending messages only, so the history
-- of delivered ones is not rewritten. Each reads the outbox once and looks its invitations up by
-- primary key. A key that does not have that form matches no invitation (the substrings are
-- NULL), so no cast can fail.

UPDATE outbox AS o
   SET status = 'withdrawn', body_text = '', body_html = NULL, lease_until = NULL
  FROM invitations AS i
 WHERE o.status = 'pending'
   AND i.id = substring(o.idempotency_key FROM '^invitation:([^:]+):[0-9]{1,9}$')
   AND i.workspace_id = o.workspace_id
   AND (i.status <> 'pending'
        OR substring(o.idempotency_key FROM ':([0-9]{1,9})$')::integer < (i.data->>'resendCount')::integer);

UPDATE outbox AS o
   SET topic = 'invitation:' || i.id, expires_at = i.expires_at
  FROM invitations AS i
 WHERE o.topic IS NULL
   AND o.status = 'pending'
   AND i.id = substring(o.idempotency_key FROM '^invitation:([^:]+):[0-9]{1,9}$')
   AND i.workspace_id = o.workspace_id
   AND substring(o.idempotency_key FROM ':([0-9]{1,9})$')::integer = (i.data->>'resendCount')::integer;
