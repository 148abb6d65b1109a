-- Threat intelligence exchange (package intel): threat reports (MISP
-- events, STIX reports) with their indicators, partners' feeds polled on a
-- schedule (TAXII 2.1 collections, MISP feeds, CSAF providers), TAXII
-- status resources, and what every shared object needs for paging by the
-- time it was added (added_at, unix microseconds). Indicators gain an
-- expiry, a stable STIX id, their report and feed, and the sightings
-- detection counts back. Advisories may come from STIX bundles and name
-- whom they came from (origin).

CREATE TABLE intel_feeds (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('taxii', 'misp', 'csaf', 'stix')),
    url            TEXT NOT NULL,
    collection     TEXT NOT NULL DEFAULT '',
    token_env      TEXT NOT NULL DEFAULT '',
    tlp            TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    org_id         INTEGER REFERENCES organizations (id),
    interval_s     INTEGER NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    cursor         TEXT NOT NULL DEFAULT '',
    next_poll_at   INTEGER NOT NULL DEFAULT 0,
    polled_at      INTEGER,
    last_status    TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT '',
    imported       INTEGER NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE intel_reports (
    id           INTEGER PRIMARY KEY,
    uuid         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    level        TEXT NOT NULL DEFAULT 'medium',
    tlp          TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    org_id       INTEGER REFERENCES organizations (id),
    source       TEXT NOT NULL,
    origin       TEXT NOT NULL DEFAULT '',
    feed_id      INTEGER REFERENCES intel_feeds (id),
    published_at INTEGER NOT NULL,
    added_at     INTEGER NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX intel_reports_added ON intel_reports (added_at, id);

CREATE TABLE taxii_status (
    id         TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    success    INTEGER NOT NULL,
    failure    INTEGER NOT NULL,
    details    TEXT NOT NULL DEFAULT '[]'
);

ALTER TABLE indicators ADD COLUMN valid_until INTEGER;
ALTER TABLE indicators ADD COLUMN stix_id TEXT;
ALTER TABLE indicators ADD COLUMN report_id INTEGER REFERENCES intel_reports (id);
ALTER TABLE indicators ADD COLUMN feed_id INTEGER REFERENCES intel_feeds (id);
ALTER TABLE indicators ADD COLUMN sightings INTEGER NOT NULL DEFAULT 0;
ALTER TABLE indicators ADD COLUMN first_sighted_at INTEGER;
ALTER TABLE indicators ADD COLUMN last_sighted_at INTEGER;
ALTER TABLE indicators ADD COLUMN added_at INTEGER NOT NULL DEFAULT 0;
UPDATE indicators SET added_at = created_at;
CREATE INDEX indicators_added ON indicators (added_at, id);
CREATE INDEX indicators_report ON indicators (report_id);
CREATE INDEX indicators_stix ON indicators (stix_id);

-- SQLite cannot change a CHECK constraint: the table is rebuilt, its
-- rows copied back before the transaction commits (deferred foreign keys
-- let the products and vulnerabilities that reference them wait).
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE advisories_old AS SELECT * FROM advisories;
DROP TABLE advisories;
CREATE TABLE advisories (
    id                 INTEGER PRIMARY KEY,
    source             TEXT NOT NULL CHECK (source IN ('kev', 'csaf', 'cert', 'stix')),
    ref                TEXT NOT NULL,
    title              TEXT NOT NULL,
    summary            TEXT NOT NULL DEFAULT '',
    severity           TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    cves               TEXT NOT NULL DEFAULT '',
    action             TEXT NOT NULL DEFAULT '',
    tlp                TEXT NOT NULL CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    published_at       DATETIME NOT NULL,
    due_at             DATETIME,
    known_ransomware   BOOLEAN NOT NULL DEFAULT FALSE,
    created_by         TEXT NOT NULL,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL,
    origin             TEXT NOT NULL DEFAULT '',
    stix_id            TEXT,
    feed_id            INTEGER REFERENCES intel_feeds (id),
    added_at           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (source, ref)
);
INSERT INTO advisories (id, source, ref, title, summary, severity, cves, action, tlp, published_at, due_at, known_ransomware, created_by, created_at, updated_at)
    SELECT id, source, ref, title, summary, severity, cves, action, tlp, published_at, due_at, known_ransomware, created_by, created_at, updated_at FROM advisories_old;
DROP TABLE advisories_old;
UPDATE advisories SET added_at = COALESCE(CAST(strftime('%s', substr(updated_at, 1, 19)) AS INTEGER) * 1000000, 0);
CREATE INDEX advisories_added ON advisories (added_at, id);
