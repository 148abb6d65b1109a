-- PostgreSQL gains stored_batches (for the VictoriaLogs event store);
-- SQLite has had it since 0009.
CREATE TABLE IF NOT EXISTS stored_batches (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
) WITHOUT ROWID;
-- The batch that claimed a retransmittable event's id (see PostgreSQL's
-- 0040).
ALTER TABLE stored_event_ids ADD COLUMN batch TEXT NOT NULL DEFAULT '';
