-- The shared CERT (package cert): what each organisation runs (assets),
-- advisories from CISA's KEV catalogue, CSAF documents and the CERT's own,
-- the products they name, and the vulnerabilities matching gives each
-- organisation, with their status and due date.
CREATE TABLE assets (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    vendor     TEXT NOT NULL DEFAULT '',
    product    TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    cpe        TEXT NOT NULL DEFAULT '',
    purl       TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    owner      TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT 'api',
    created_by TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX assets_org ON assets (org_id, id);
CREATE INDEX assets_product ON assets (product);

CREATE TABLE advisories (
    id                 INTEGER PRIMARY KEY,
    source             TEXT NOT NULL CHECK (source IN ('kev', 'csaf', 'cert')),
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
    UNIQUE (source, ref)
);

CREATE TABLE advisory_products (
    id          INTEGER PRIMARY KEY,
    advisory_id INTEGER NOT NULL REFERENCES advisories (id),
    vendor      TEXT NOT NULL DEFAULT '',
    product     TEXT NOT NULL DEFAULT '',
    cpe         TEXT NOT NULL DEFAULT '',
    purl        TEXT NOT NULL DEFAULT '',
    versions    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX advisory_products_advisory ON advisory_products (advisory_id);

CREATE TABLE vulnerabilities (
    id             INTEGER PRIMARY KEY,
    advisory_id    INTEGER NOT NULL REFERENCES advisories (id),
    asset_id       INTEGER NOT NULL REFERENCES assets (id),
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    status         TEXT NOT NULL CHECK (status IN ('open', 'mitigated', 'patched', 'accepted', 'not-affected')),
    reason         TEXT NOT NULL DEFAULT '',
    accepted_until DATETIME,
    due            DATETIME,
    matched_by     TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    UNIQUE (advisory_id, asset_id)
);
CREATE INDEX vulnerabilities_org ON vulnerabilities (org_id, status, due);
CREATE INDEX vulnerabilities_asset ON vulnerabilities (asset_id);
