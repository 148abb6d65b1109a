-- Spine batches already stored, on PostgreSQL too: an event store kept
-- outside the database (VictoriaLogs) cannot skip a batch delivered
-- again by its events' ids, so the batch's id is kept here for a week,
-- as SQLite keeps it since 0009.
CREATE TABLE IF NOT EXISTS stored_batches (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);
