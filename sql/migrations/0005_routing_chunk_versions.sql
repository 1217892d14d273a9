-- agent-roster migration 0005: an instance catching up on a chunked routing queue reads only
-- what changed (ADR 0026, "Catch-up").
--
-- Each chunk row names the root version that wrote it, and each root row the write that began
-- its run of versions and how many chunk rows it has. An instance that holds a queue at version
-- v asks for the chunk rows written after v, and learns which of its paths are gone from the
-- count (and from the paths the new chunks replace), instead of receiving the list of every
-- chunk. Rows stored before this migration have NULLs, which mean "unknown": they are read by
-- listing every chunk, as before, and a queue's next write fills them in (it rewrites every chunk
-- once). Nothing else changes; no data is converted.

ALTER TABLE routing_chunks
  -- routing_states.version as of the write that stored this chunk; NULL if written before 0005.
  ADD COLUMN version integer;

ALTER TABLE routing_states
  -- The stamp of the write that created this row, or of its first write after 0005: versions
  -- count from 1 again when a queue is deleted and created again under the same id, and this
  -- tells the two runs apart. NULL until then.
  ADD COLUMN created_stamp text,
  -- How many routing_chunks rows the queue has after the write that set this version.
  ADD COLUMN chunk_count integer;
