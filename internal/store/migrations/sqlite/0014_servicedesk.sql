-- The service desk: sites (where on-site work happens), tickets with their
-- SLA clocks, timeline, on-site visits and attachments, units' extra
-- closing days, and the in-app inbox of notifications.
CREATE TABLE sites (
    id              INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    address         TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    UNIQUE (municipality_id, name)
);

CREATE TABLE unit_closures (
    unit_id INTEGER NOT NULL REFERENCES organizations (id),
    closure TEXT NOT NULL,
    PRIMARY KEY (unit_id, closure)
);

CREATE TABLE tickets (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL CHECK (kind IN ('incident', 'request', 'problem', 'change')),
    municipality_id      INTEGER REFERENCES organizations (id),
    unit_id              INTEGER NOT NULL REFERENCES organizations (id),
    subscription_id      INTEGER REFERENCES orders (id),
    site_id              INTEGER REFERENCES sites (id),
    title                TEXT NOT NULL,
    description          TEXT NOT NULL,
    impact               INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 3),
    urgency              INTEGER NOT NULL CHECK (urgency BETWEEN 1 AND 3),
    priority             TEXT NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4')),
    status               TEXT NOT NULL CHECK (status IN ('open', 'escalated', 'in_progress', 'pending', 'resolved', 'closed')),
    tier                 INTEGER NOT NULL CHECK (tier IN (1, 2)),
    assignee             TEXT NOT NULL DEFAULT '',
    requester            TEXT NOT NULL DEFAULT '',
    handover             TEXT NOT NULL DEFAULT '{}',
    resolution           TEXT NOT NULL DEFAULT '',
    breach_reason        TEXT NOT NULL DEFAULT '',
    satisfaction         INTEGER CHECK (satisfaction BETWEEN 1 AND 5),
    satisfaction_comment TEXT NOT NULL DEFAULT '',
    created_by           TEXT NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    escalated_at         DATETIME,
    resolved_at          DATETIME,
    closed_at            DATETIME,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_municipality_queue ON tickets (municipality_id, status, id);
CREATE INDEX tickets_unit_queue ON tickets (unit_id, status, id);
CREATE INDEX tickets_municipality_id ON tickets (municipality_id, id);
CREATE INDEX tickets_unit_id ON tickets (unit_id, id);
CREATE INDEX tickets_status ON tickets (status, id);
CREATE INDEX tickets_created ON tickets (created_at);

-- Full-text search over title, description and resolution (kept in step
-- by triggers; unicode61 folds case and diacritics).
CREATE VIRTUAL TABLE tickets_fts USING fts5 (title, description, resolution, content = 'tickets', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, title, description, resolution) VALUES (new.id, new.title, new.description, new.resolution);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title, description, resolution ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, title, description, resolution) VALUES ('delete', old.id, old.title, old.description, old.resolution);
    INSERT INTO tickets_fts (rowid, title, description, resolution) VALUES (new.id, new.title, new.description, new.resolution);
END;

-- SLA and OLA clocks: business time on a calendar, paused while waiting
-- for the customer. elapsed counts business time before since (in ns).
CREATE TABLE ticket_clocks (
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    name        TEXT NOT NULL CHECK (name IN ('first_line', 'response', 'resolution')),
    calendar    TEXT NOT NULL,
    target      BIGINT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
    started_at  DATETIME NOT NULL,
    since       DATETIME,
    elapsed     BIGINT NOT NULL DEFAULT 0,
    warn_at     DATETIME,
    deadline    DATETIME,
    warned_at   DATETIME,
    breached_at DATETIME,
    stopped_at  DATETIME,
    PRIMARY KEY (ticket_id, name)
);
CREATE INDEX ticket_clocks_warn ON ticket_clocks (warn_at) WHERE state = 'running' AND warned_at IS NULL;
CREATE INDEX ticket_clocks_due ON ticket_clocks (deadline) WHERE state = 'running' AND breached_at IS NULL;

-- The timeline: every step, comment and change. Internal entries are seen
-- only by the author's organisation.
CREATE TABLE ticket_entries (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    at           DATETIME NOT NULL,
    actor        TEXT NOT NULL,
    actor_org_id INTEGER,
    kind         TEXT NOT NULL,
    internal     BOOLEAN NOT NULL DEFAULT FALSE,
    body         TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX ticket_entries_ticket ON ticket_entries (ticket_id, id);

CREATE TABLE ticket_visits (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    site_id    INTEGER REFERENCES sites (id),
    address    TEXT NOT NULL,
    starts_at  DATETIME NOT NULL,
    ends_at    DATETIME NOT NULL,
    technician TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL CHECK (status IN ('planned', 'done', 'cancelled')),
    created_by TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX ticket_visits_ticket ON ticket_visits (ticket_id);
CREATE INDEX ticket_visits_starts ON ticket_visits (starts_at);

CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    entry_id     INTEGER NOT NULL REFERENCES ticket_entries (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id);

-- The in-app inbox. not_before holds a notice back until the calendar of
-- the level it concerns is open (no escalation mails at night for 8–16).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at DATETIME NOT NULL,
    not_before DATETIME NOT NULL,
    kind       TEXT NOT NULL,
    ticket_id  INTEGER,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    read_at    DATETIME
);
CREATE INDEX notifications_user ON notifications (user_id, id);
