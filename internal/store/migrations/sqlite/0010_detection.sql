-- Detection: Sigma rules as imported (every version kept), per-organisation
-- settings, alerts grouped per tenant, rule and key, hits per rule and day,
-- and the spine batches the detect consumer has handled (replays are
-- ignored).
CREATE TABLE detection_rules (
    id          INTEGER PRIMARY KEY,
    rule_id     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('rule', 'correlation', 'filter')),
    title       TEXT NOT NULL,
    level       TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL,
    origin      TEXT NOT NULL,
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    enabled     INTEGER NOT NULL DEFAULT 1,
    imported_at INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (rule_id, version)
);
CREATE INDEX detection_rules_active ON detection_rules (active, rule_id);

CREATE TABLE detection_rule_settings (
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    rule_id    TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    level      TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (org_id, rule_id)
);

CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY,
    tenant     INTEGER NOT NULL,
    rule_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    level      TEXT NOT NULL,
    tags       TEXT NOT NULL DEFAULT '',
    group_key  TEXT NOT NULL,
    count      INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    event_ids  TEXT NOT NULL DEFAULT '',
    sample     TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'new',
    created_at INTEGER NOT NULL
);
CREATE INDEX alerts_group ON alerts (tenant, rule_id, group_key, last_seen);
CREATE INDEX alerts_recent ON alerts (last_seen);

CREATE TABLE rule_hits (
    rule_id TEXT NOT NULL,
    tenant  INTEGER NOT NULL,
    day     INTEGER NOT NULL,
    hits    INTEGER NOT NULL,
    PRIMARY KEY (rule_id, tenant, day)
);

CREATE TABLE detect_batches (
    batch_id TEXT PRIMARY KEY,
    done_at  INTEGER NOT NULL
);
