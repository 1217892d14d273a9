-- agent-roster migration 0004: the outbox, a page at a time.
--
-- Delivered and withdrawn messages stay in the outbox (one per invitation email), so a
-- workspace's outbox grows without bound and is read a page at a time (roster.outboxPage): by
-- created_at, then id compared code unit by code unit (COLLATE "C", as JavaScript compares
-- strings). Each index holds that order whole, so a page is one index range scan from its
-- cursor, with no sort: the first for the whole outbox, the second for one status (a few pending
-- messages among many delivered ones). Neither column changes while a message is stored.
-- Building them reads the outbox once each.

CREATE INDEX outbox_by_creation ON outbox (workspace_id, created_at, id COLLATE "C");
CREATE INDEX outbox_by_status_and_creation ON outbox (workspace_id, status, created_at, id COLLATE "C");
