-- agent-roster migration 0003: routing queues stored in chunks (ADR 0026).
--
-- A large queue's members and conversations (hash tries of arrays) are cut into subtrees of at
-- most 128 records, one row each, so a command writes the root row and the few chunks it changed
-- instead of the whole queue. routing_states.data keeps the rest of the queue, with each chunked
-- table as null; a queue written before this migration keeps its whole document there, is read
-- as it is, and is cut into chunks by its next write. Every chunk row is written in the same
-- transaction as its root row, whose version and stamp cover them.
-- (Written beside 0002, the outbox withdrawal of the same release.)

CREATE TABLE routing_chunks (
  -- Deleting a queue, or erasing a workspace's queues, deletes its chunks with it.
  routing_id text NOT NULL REFERENCES routing_states (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  -- m or c (members, conversations), then the slot taken at each level of branches: m.3.17.
  path       text NOT NULL,
  -- The stamp of the write that stored this chunk (routing_states.stamp at that write): an
  -- instance that knows the chunk under that stamp does not need it sent again.
  stamp      text NOT NULL,
  data       jsonb NOT NULL,
  PRIMARY KEY (routing_id, path)
);
