-- agent-roster migration 0002: an outbox message can be withdrawn (ADR 0025).
--
-- An invitation email still pending when its invitation is revoked, resent, accepted or expired
-- is withdrawn by that commit instead of being sent with a dead link; one whose link lapses
-- before it goes out is withdrawn by delivery. topic says what a message is about
-- ('invitation:<id>'), expires_at when its link stops working; both are NULL on rows enqueued
-- before this migration, which are then delivered as before. Adding the two columns rewrites
-- nothing; the new status check and the index each read the outbox once.

ALTER TABLE outbox
  ADD COLUMN topic text,
  ADD COLUMN expires_at timestamptz,
  DROP CONSTRAINT outbox_status_check,
  -- Withdrawn, like delivered, is final and keeps no body (outbox_delivered_has_no_body already
  -- requires that of every status but pending).
  ADD CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'delivered', 'withdrawn'));

-- What a commit's withdraw finds: the pending messages of a workspace's topic.
CREATE INDEX outbox_pending_by_topic ON outbox (workspace_id, topic) WHERE status = 'pending' AND topic IS NOT NULL;
