-- The SQLite event store keeps events in blocks: each tenant's part of a
-- consumed spine batch as one row, the events in the binary batch form,
-- zstd-compressed. Inserting a block costs a few index entries instead of
-- two per event (measured: BenchmarkBlockLayoutCandidate, 4-6x faster);
-- search reads a tenant's blocks in the time range and filters in Go.
-- Rows of the former events table are moved into blocks at start.
CREATE TABLE event_blocks (
    id     INTEGER PRIMARY KEY,
    tenant INTEGER NOT NULL,
    ts_min INTEGER NOT NULL, -- Unix µs of the oldest event in the block
    ts_max INTEGER NOT NULL, -- and of the newest
    n      INTEGER NOT NULL,
    data   BLOB NOT NULL
);
CREATE INDEX event_blocks_tenant_ts ON event_blocks (tenant, ts_max);
CREATE INDEX event_blocks_ts ON event_blocks (ts_max);
-- Spine batches already stored (a batch delivered again after a crash is
-- skipped), and the ids of events that senders may retransmit (RELP,
-- HTTP with Idempotency-Key); both pruned after a week.
CREATE TABLE stored_batches (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE stored_event_ids (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
) WITHOUT ROWID;
