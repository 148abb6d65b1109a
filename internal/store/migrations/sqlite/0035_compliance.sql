-- Compliance (package compliance): frameworks as data (libraries in CISO
-- Assistant's format: frameworks, requirement trees, reference controls,
-- mappings between frameworks), assessments per organisation and
-- framework, evidence (files, links, and live checks samdrift computes),
-- and the register of common standards and procedures.

CREATE TABLE compliance_libraries (
    id          INTEGER PRIMARY KEY,
    urn         TEXT NOT NULL UNIQUE,
    ref_id      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    locale      TEXT NOT NULL,
    provider    TEXT NOT NULL DEFAULT '',
    builtin     BOOLEAN NOT NULL DEFAULT FALSE,
    sha256      TEXT NOT NULL,
    source      TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at DATETIME NOT NULL
);

CREATE TABLE frameworks (
    id           INTEGER PRIMARY KEY,
    library_id   INTEGER NOT NULL REFERENCES compliance_libraries (id) ON DELETE CASCADE,
    urn          TEXT NOT NULL UNIQUE,
    slug         TEXT NOT NULL UNIQUE,
    ref_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    translations TEXT NOT NULL DEFAULT '{}',
    assessable   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE requirements (
    id           INTEGER PRIMARY KEY,
    framework_id INTEGER NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    urn          TEXT NOT NULL UNIQUE,
    ref_id       TEXT NOT NULL DEFAULT '',
    parent_id    INTEGER REFERENCES requirements (id) ON DELETE CASCADE,
    section_id   INTEGER REFERENCES requirements (id) ON DELETE CASCADE,
    depth        INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    assessable   BOOLEAN NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    annotation   TEXT NOT NULL DEFAULT '',
    groups       TEXT NOT NULL DEFAULT '',
    translations TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX requirements_framework ON requirements (framework_id, position);

CREATE TABLE reference_controls (
    id           INTEGER PRIMARY KEY,
    library_id   INTEGER NOT NULL REFERENCES compliance_libraries (id) ON DELETE CASCADE,
    urn          TEXT NOT NULL UNIQUE,
    ref_id       TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL DEFAULT '',
    translations TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE requirement_controls (
    requirement_id INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    control_id     INTEGER NOT NULL REFERENCES reference_controls (id) ON DELETE CASCADE,
    PRIMARY KEY (requirement_id, control_id)
);

-- A mapping says how answering source tells about target: equal, subset
-- (source covers part of target), superset, intersect.
CREATE TABLE requirement_mappings (
    id           INTEGER PRIMARY KEY,
    library_id   INTEGER NOT NULL REFERENCES compliance_libraries (id) ON DELETE CASCADE,
    source_id    INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    target_id    INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    relationship TEXT NOT NULL CHECK (relationship IN ('equal', 'subset', 'superset', 'intersect', 'not_related')),
    strength     INTEGER NOT NULL DEFAULT 0,
    rationale    TEXT NOT NULL DEFAULT '',
    UNIQUE (source_id, target_id)
);
CREATE INDEX requirement_mappings_target ON requirement_mappings (target_id);

CREATE TABLE assessments (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    framework_id INTEGER NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (org_id, framework_id)
);

CREATE TABLE assessment_answers (
    assessment_id  INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    requirement_id INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('not_assessed', 'not_met', 'partial', 'met', 'not_applicable')),
    maturity       INTEGER CHECK (maturity BETWEEN 0 AND 5),
    owner          TEXT NOT NULL DEFAULT '',
    due            DATETIME,
    controls       TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    live_check     TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    updated_by     TEXT NOT NULL,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (assessment_id, requirement_id)
);
CREATE INDEX assessment_answers_requirement ON assessment_answers (requirement_id);

-- One row per organisation, framework and quarter: the figures as they
-- stood, for the trend.
CREATE TABLE assessment_snapshots (
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    framework_id INTEGER NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    period       TEXT NOT NULL,
    met          INTEGER NOT NULL,
    partial      INTEGER NOT NULL,
    not_met      INTEGER NOT NULL,
    not_assessed INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    taken_at     DATETIME NOT NULL,
    PRIMARY KEY (org_id, framework_id, period)
);

CREATE TABLE evidence (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    kind         TEXT NOT NULL CHECK (kind IN ('file', 'link')),
    title        TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    file_name    TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL DEFAULT 0,
    data         BLOB,
    sha256       TEXT NOT NULL DEFAULT '',
    owner        TEXT NOT NULL DEFAULT '',
    valid_from   DATETIME,
    expires_at   DATETIME,
    reminded_at  DATETIME,
    created_by   TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX evidence_org ON evidence (org_id, id);
CREATE INDEX evidence_expiry ON evidence (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE evidence_requirements (
    evidence_id    INTEGER NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    requirement_id INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    PRIMARY KEY (evidence_id, requirement_id)
);

-- Live evidence: each named check's result per organisation over time.
CREATE TABLE compliance_check_results (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    check_name   TEXT NOT NULL,
    result       TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'unknown')),
    value        REAL,
    detail       TEXT NOT NULL DEFAULT '',
    evaluated_at DATETIME NOT NULL
);
CREATE INDEX compliance_check_results_latest ON compliance_check_results (org_id, check_name, evaluated_at);

CREATE TABLE standards (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('standard', 'procedure', 'best-practice')),
    owner           TEXT NOT NULL DEFAULT '',
    version         TEXT NOT NULL DEFAULT '1.0',
    status          TEXT NOT NULL CHECK (status IN ('draft', 'consultation', 'approved', 'retired')),
    url             TEXT NOT NULL DEFAULT '',
    review_due      DATETIME,
    consultation_until DATETIME,
    approved_at     DATETIME,
    approved_by     TEXT NOT NULL DEFAULT '',
    approval_record TEXT NOT NULL DEFAULT '',
    version_no      INTEGER NOT NULL DEFAULT 1,
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

CREATE TABLE standard_requirements (
    standard_id    INTEGER NOT NULL REFERENCES standards (id) ON DELETE CASCADE,
    requirement_id INTEGER NOT NULL REFERENCES requirements (id) ON DELETE CASCADE,
    PRIMARY KEY (standard_id, requirement_id)
);

-- Each unit's (or municipality's) acknowledgement of an approved
-- standard and how far it has implemented it.
CREATE TABLE standard_acks (
    standard_id INTEGER NOT NULL REFERENCES standards (id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    status      TEXT NOT NULL CHECK (status IN ('acknowledged', 'implementing', 'implemented', 'not_applicable')),
    note        TEXT NOT NULL DEFAULT '',
    version     TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  DATETIME NOT NULL,
    PRIMARY KEY (standard_id, org_id)
);

-- Periodic jobs claimed by one node at a time: a job runs when its row's
-- next_at has passed and one conditional update moves it on.
CREATE TABLE job_claims (
    name    TEXT PRIMARY KEY,
    next_at INTEGER NOT NULL
);
