-- The ids of events a sender may send again (RELP frames, HTTP with an
-- Idempotency-Key, Elasticsearch _bulk documents with an _id), so that
-- PostgreSQL stores each once whatever its time says, as SQLite does
-- (stored_event_ids there since 0009). Pruned after a week.
CREATE TABLE stored_event_ids (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL
);
