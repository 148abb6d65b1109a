-- Values of Sigma placeholders (%name% with the expand modifier) per
-- organisation (org 0: every organisation).
CREATE TABLE detection_placeholders (
    org_id     INTEGER NOT NULL,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (org_id, name, value)
);
