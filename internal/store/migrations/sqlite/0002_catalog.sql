-- The common service catalog: published versions, and units' offerings.
CREATE TABLE catalog_versions (
    id           INTEGER PRIMARY KEY,
    version      TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    effective    TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,
    content      TEXT NOT NULL,
    published_at DATETIME NOT NULL,
    published_by TEXT NOT NULL
);

-- An offering is one unit offering one service level of one catalog
-- version from a date, at a price, delivered in-house or by a named
-- sub-supplier. Dates are YYYY-MM-DD (Europe/Copenhagen calendar days).
CREATE TABLE offerings (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES organizations (id),
    catalog_version TEXT NOT NULL REFERENCES catalog_versions (version),
    service_id      TEXT NOT NULL,
    level_id        TEXT NOT NULL,
    valid_from      TEXT NOT NULL,
    withdrawn_from  TEXT,
    price_ore       BIGINT NOT NULL CHECK (price_ore >= 0),
    delivery        TEXT NOT NULL CHECK (delivery IN ('in-house', 'sub-supplier')),
    sub_supplier    TEXT NOT NULL DEFAULT '',
    attested_by     TEXT NOT NULL,
    attested_at     DATETIME NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE INDEX offerings_unit ON offerings (unit_id, service_id, level_id);
