-- The event store, partitioned by day on ts (Unix microseconds, UTC);
-- partitions are created by the store as days arrive and dropped by
-- retention. id (with ts) makes replays idempotent; tenant 0 is the
-- quarantine. Fields are packed as "|key=value|…|" (see the SQLite file).
CREATE TABLE events (
    id          TEXT NOT NULL,
    tenant      BIGINT NOT NULL,
    ts          BIGINT NOT NULL,
    received    BIGINT NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    app         TEXT NOT NULL DEFAULT '',
    severity    INTEGER NOT NULL DEFAULT -1,
    source_ip   TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',
    product     TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '',
    raw         TEXT NOT NULL DEFAULT '',
    parse_error TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX events_tenant_ts ON events (tenant, ts);
