-- Registered log sources: how an event is attributed to a municipality or
-- unit. A source matches by sender address range (CIDR), by host name
-- pattern, or by an ingest token (HTTP Authorization); tokens are stored
-- hashed.
CREATE TABLE log_sources (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('cidr', 'hostname', 'token')),
    value      TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX log_sources_org ON log_sources (org_id);
