-- On-call: teams of an organisation with their members, rotations (layers
-- per escalation level, handoffs at local wall-clock time), overrides,
-- handover notes, escalation policies per severity, and the escalations
-- themselves with every step they took. Times are UTC.
CREATE TABLE oncall_teams (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE INDEX oncall_teams_org ON oncall_teams (org_id);

CREATE TABLE oncall_members (
    team_id  INTEGER NOT NULL REFERENCES oncall_teams (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    added_at DATETIME NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- A rotation's shifts begin at start_at's wall-clock time in
-- Europe/Copenhagen every period_count days (or hours); restrict_days
-- (Go weekdays, "1,2,3,4,5") with restrict_from/restrict_to (minutes
-- after local midnight) limit it to windows.
CREATE TABLE oncall_rotations (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES oncall_teams (id) ON DELETE CASCADE,
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    name          TEXT NOT NULL DEFAULT '',
    period_unit   TEXT NOT NULL CHECK (period_unit IN ('day', 'hour')),
    period_count  INTEGER NOT NULL CHECK (period_count > 0),
    start_at      DATETIME NOT NULL,
    end_at        DATETIME,
    restrict_days TEXT NOT NULL DEFAULT '',
    restrict_from INTEGER NOT NULL DEFAULT 0,
    restrict_to   INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX oncall_rotations_team ON oncall_rotations (team_id, level, id);

CREATE TABLE oncall_rotation_members (
    rotation_id INTEGER NOT NULL REFERENCES oncall_rotations (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (rotation_id, position)
);

CREATE TABLE oncall_overrides (
    id         INTEGER PRIMARY KEY,
    team_id    INTEGER NOT NULL REFERENCES oncall_teams (id) ON DELETE CASCADE,
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    starts_at  DATETIME NOT NULL,
    ends_at    DATETIME NOT NULL,
    created_at DATETIME NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX oncall_overrides_team ON oncall_overrides (team_id, ends_at);

CREATE TABLE oncall_handovers (
    id      INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES oncall_teams (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id),
    author  TEXT NOT NULL,
    at      DATETIME NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX oncall_handovers_team ON oncall_handovers (team_id, id);

-- A policy's steps are JSON ([{"level":1,"wait_minutes":10}, …]); an
-- escalation copies them when it starts, so editing a policy does not
-- change escalations under way.
CREATE TABLE oncall_policies (
    team_id    INTEGER NOT NULL REFERENCES oncall_teams (id) ON DELETE CASCADE,
    severity   TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    steps      TEXT NOT NULL,
    repeats    INTEGER NOT NULL CHECK (repeats BETWEEN 0 AND 9),
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (team_id, severity)
);

-- next_at is when the sweep next acts on an escalation (the next step, or
-- the end of a snooze); NULL once acknowledged, resolved or out of steps.
-- version changes with every change, so a sweep's claim is conditional.
CREATE TABLE oncall_escalations (
    id            INTEGER PRIMARY KEY,
    team_id       INTEGER NOT NULL REFERENCES oncall_teams (id),
    org_id        INTEGER NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    kind          TEXT NOT NULL CHECK (kind IN ('alert', 'case')),
    subject_id    INTEGER NOT NULL,
    title         TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'acknowledged', 'snoozed', 'resolved')),
    policy        TEXT NOT NULL,
    step          INTEGER NOT NULL DEFAULT 0,
    round         INTEGER NOT NULL DEFAULT 0,
    next_at       DATETIME,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    acked_at      DATETIME,
    acked_by      TEXT NOT NULL DEFAULT '',
    snoozed_until DATETIME,
    resolved_at   DATETIME,
    resolved_by   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX oncall_escalations_due ON oncall_escalations (next_at) WHERE next_at IS NOT NULL;
CREATE INDEX oncall_escalations_team ON oncall_escalations (team_id, state, id);
CREATE INDEX oncall_escalations_org ON oncall_escalations (org_id, state, id);
CREATE UNIQUE INDEX oncall_escalations_open ON oncall_escalations (kind, subject_id) WHERE state <> 'resolved';

-- Every step an escalation took: whom it notified (action notify, one row
-- a person, channel as queued: inbox, inbox+email, …) and who
-- acknowledged, snoozed or resolved it.
CREATE TABLE oncall_escalation_steps (
    id            INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES oncall_escalations (id),
    at            DATETIME NOT NULL,
    action        TEXT NOT NULL CHECK (action IN ('notify', 'ack', 'snooze', 'wake', 'resolve')),
    step          INTEGER NOT NULL,
    round         INTEGER NOT NULL,
    level         INTEGER NOT NULL DEFAULT 0,
    user_id       INTEGER REFERENCES users (id),
    username      TEXT NOT NULL DEFAULT '',
    channel       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX oncall_escalation_steps_escalation ON oncall_escalation_steps (escalation_id, id);

ALTER TABLE notifications ADD COLUMN escalation_id INTEGER;
