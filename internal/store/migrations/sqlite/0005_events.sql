-- The event store. Times are Unix microseconds (UTC). id makes replays
-- idempotent; tenant 0 is the quarantine. Fields are packed as
-- "|key=value|key=value|" (with '|', '\' and newlines escaped) so that a
-- field filter can be narrowed in SQL and checked exactly in Go.
CREATE TABLE events (
    id          TEXT NOT NULL UNIQUE,
    tenant      INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    received    INTEGER NOT NULL,
    host        TEXT NOT NULL DEFAULT '',
    app         TEXT NOT NULL DEFAULT '',
    severity    INTEGER NOT NULL DEFAULT -1,
    source_ip   TEXT NOT NULL DEFAULT '',
    format      TEXT NOT NULL DEFAULT '',
    product     TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '',
    raw         TEXT NOT NULL DEFAULT '',
    parse_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_tenant_ts ON events (tenant, ts);
