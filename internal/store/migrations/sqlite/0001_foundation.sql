-- Foundation: organisations, users and access, audit trail, settings.
-- Organisation ids start at 1000 so that they never look like a
-- three-digit municipality code: a numeric reference is unambiguous.
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('unit', 'municipality', 'soc', 'secretariat')),
    slug        TEXT NOT NULL UNIQUE,
    code        TEXT UNIQUE,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL DEFAULT '',
    supplier_id INTEGER REFERENCES organizations (id),
    created_at  DATETIME NOT NULL
);
CREATE INDEX organizations_supplier ON organizations (supplier_id);
INSERT INTO sqlite_sequence (name, seq) VALUES ('organizations', 999);

CREATE TABLE organization_owners (
    unit_id         INTEGER NOT NULL REFERENCES organizations (id),
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (unit_id, municipality_id)
);
CREATE INDEX organization_owners_municipality ON organization_owners (municipality_id);

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE,
    display_name        TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    org_id              INTEGER NOT NULL REFERENCES organizations (id),
    role                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret         TEXT NOT NULL DEFAULT '',
    totp_pending        TEXT NOT NULL DEFAULT '',
    totp_enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step      BIGINT NOT NULL DEFAULT 0,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        DATETIME,
    created_at          DATETIME NOT NULL,
    password_changed_at DATETIME NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME NOT NULL,
    last_seen_at DATETIME NOT NULL,
    mfa_done     BOOLEAN NOT NULL DEFAULT FALSE,
    remote_addr  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME,
    revoked_at   DATETIME,
    last_used_at DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    seq           BIGINT PRIMARY KEY,
    at            DATETIME NOT NULL,
    actor_user_id BIGINT,
    actor         TEXT NOT NULL,
    actor_org_id  BIGINT,
    remote_addr   TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL DEFAULT '',
    target_id     TEXT NOT NULL DEFAULT '',
    org_id        BIGINT,
    detail        TEXT NOT NULL DEFAULT '{}',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_actor_org ON audit_log (actor_org_id, seq);

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
