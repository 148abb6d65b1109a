-- Spine batches already stored, on PostgreSQL too: an event store kept
-- outside the database (VictoriaLogs) cannot skip a batch delivered
-- again by its events' ids, so the batch's id is kept here for a week,
-- as SQLite keeps it since 0009.
CREATE TABLE IF NOT EXISTS stored_batches (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);
-- The batch that claimed a retransmittable event's id: on VictoriaLogs the
-- claim is written before the events, so that a sender's retransmission
-- in a later batch is skipped while the claiming batch, which the spine
-- delivers until it is stored, fills in what did not arrive.
ALTER TABLE stored_event_ids ADD COLUMN batch TEXT NOT NULL DEFAULT '';
