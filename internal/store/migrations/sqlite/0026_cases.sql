-- Security incident cases (package soc): a case belongs to the
-- organisation hit, gathers alerts, observables, tasks, files and a
-- timeline, may raise service-desk tickets, and runs the NIS2 and GDPR
-- reporting clocks once marked reportable.
CREATE TABLE cases (
    id                   INTEGER PRIMARY KEY,
    org_id               INTEGER NOT NULL REFERENCES organizations (id),
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    kind                 TEXT NOT NULL,
    severity             TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    status               TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'contained', 'eradicated', 'recovered', 'closed')),
    resolution           TEXT NOT NULL DEFAULT '',
    owner_id             INTEGER REFERENCES users (id),
    merged_into          INTEGER REFERENCES cases (id),
    created_by           TEXT NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    closed_at            DATETIME,
    version              INTEGER NOT NULL DEFAULT 1,
    nis2_significant     BOOLEAN NOT NULL DEFAULT FALSE,
    nis2_criteria        TEXT NOT NULL DEFAULT '',
    personal_data_breach BOOLEAN NOT NULL DEFAULT FALSE,
    aware_at             DATETIME,
    intermediate_due     DATETIME,
    malicious            TEXT NOT NULL DEFAULT 'unknown',
    cross_border         TEXT NOT NULL DEFAULT 'unknown',
    impact               TEXT NOT NULL DEFAULT '',
    mitigations          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_org ON cases (org_id, id);
CREATE INDEX cases_open ON cases (status, severity, id);
CREATE INDEX cases_reportable ON cases (aware_at) WHERE aware_at IS NOT NULL;

CREATE TABLE case_members (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    added_at DATETIME NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

CREATE TABLE case_alerts (
    case_id   INTEGER NOT NULL REFERENCES cases (id),
    alert_id  INTEGER NOT NULL REFERENCES alerts (id),
    linked_at DATETIME NOT NULL,
    linked_by TEXT NOT NULL,
    via_case  INTEGER REFERENCES cases (id),
    PRIMARY KEY (case_id, alert_id)
);
CREATE INDEX case_alerts_alert ON case_alerts (alert_id);

CREATE TABLE case_observables (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    UNIQUE (case_id, kind, value)
);
CREATE INDEX case_observables_value ON case_observables (kind, value);

CREATE TABLE case_tasks (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    template_key TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL,
    owner_id     INTEGER REFERENCES users (id),
    due_at       DATETIME,
    status       TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')),
    done_at      DATETIME,
    position     INTEGER NOT NULL,
    via_case     INTEGER REFERENCES cases (id)
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, position);

CREATE TABLE case_entries (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases (id),
    at       DATETIME NOT NULL,
    actor    TEXT NOT NULL,
    kind     TEXT NOT NULL,
    body     TEXT NOT NULL DEFAULT '',
    detail   TEXT NOT NULL DEFAULT '{}',
    via_case INTEGER REFERENCES cases (id)
);
CREATE INDEX case_entries_case ON case_entries (case_id, id);

CREATE TABLE case_files (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  TEXT NOT NULL,
    at           DATETIME NOT NULL
);
CREATE INDEX case_files_case ON case_files (case_id, id);

CREATE TABLE case_reports (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES cases (id),
    kind         TEXT NOT NULL,
    submitted_at DATETIME NOT NULL,
    submitted_by TEXT NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',
    late_reason  TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL,
    recorded_at  DATETIME NOT NULL
);
CREATE INDEX case_reports_case ON case_reports (case_id, kind);

-- One row per warning sent, so that each is sent once across nodes.
CREATE TABLE case_deadline_notices (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    kind    TEXT NOT NULL,
    stage   TEXT NOT NULL,
    due     DATETIME NOT NULL,
    sent_at DATETIME NOT NULL,
    PRIMARY KEY (case_id, kind, stage, due)
);

ALTER TABLE tickets ADD COLUMN case_id INTEGER REFERENCES cases (id);
CREATE INDEX tickets_case ON tickets (case_id) WHERE case_id IS NOT NULL;
ALTER TABLE notifications ADD COLUMN case_id INTEGER;
