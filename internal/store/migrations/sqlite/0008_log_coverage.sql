-- Log sources gain TLS client certificates as a kind, a source type from
-- the logging standard, a silence threshold, and what was last received
-- (kept by the store consumer). SQLite cannot change a CHECK constraint,
-- so the table is rebuilt.
CREATE TABLE log_sources_new (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('cidr', 'hostname', 'token', 'certificate')),
    value        TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL DEFAULT '',
    source_type  TEXT NOT NULL DEFAULT '',
    silent_after INTEGER NOT NULL DEFAULT 0, -- seconds; 0: the standard's for the type
    last_seen    INTEGER NOT NULL DEFAULT 0, -- Unix µs of the newest event received
    events       INTEGER NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    created_by   TEXT NOT NULL
);
INSERT INTO log_sources_new (id, org_id, name, kind, value, token_hash, created_at, created_by)
    SELECT id, org_id, name, kind, value, token_hash, created_at, created_by FROM log_sources;
DROP TABLE log_sources;
ALTER TABLE log_sources_new RENAME TO log_sources;
CREATE INDEX log_sources_org ON log_sources (org_id);

-- Silent-source signals: raised when a registered source has sent nothing
-- for longer than its threshold, cleared when it sends again.
CREATE TABLE source_signals (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES log_sources (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    kind       TEXT NOT NULL DEFAULT 'silent',
    since      INTEGER NOT NULL, -- Unix µs: the last event before the silence (0: never sent)
    raised_at  INTEGER NOT NULL,
    cleared_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX source_signals_open ON source_signals (source_id, cleared_at);

-- Log retention per organisation, overriding the logging standard's.
CREATE TABLE log_retention (
    org_id     INTEGER PRIMARY KEY REFERENCES organizations (id),
    days       INTEGER NOT NULL CHECK (days BETWEEN 1 AND 3650),
    updated_at DATETIME NOT NULL,
    updated_by TEXT NOT NULL
);
