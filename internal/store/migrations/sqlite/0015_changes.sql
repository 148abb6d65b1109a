-- Network cooperation and the change and problem practices: network
-- connections between sites, changes with their window, approval, what
-- they touch and the affected municipalities' acknowledgements, and
-- problems with root cause, workaround and linked incidents.
CREATE TABLE network_connections (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('fiber', 'mpls', 'sd-wan', 'radio', 'internet', 'vpn', 'other')),
    bandwidth_mbps INTEGER NOT NULL CHECK (bandwidth_mbps > 0),
    provider       TEXT NOT NULL DEFAULT '',
    unit_id        INTEGER NOT NULL REFERENCES organizations (id),
    site_a         INTEGER NOT NULL REFERENCES sites (id),
    site_b         INTEGER REFERENCES sites (id),
    created_at     DATETIME NOT NULL
);
CREATE INDEX network_connections_unit ON network_connections (unit_id);
CREATE INDEX network_connections_a ON network_connections (site_a);
CREATE INDEX network_connections_b ON network_connections (site_b);

CREATE TABLE ticket_changes (
    ticket_id     INTEGER PRIMARY KEY REFERENCES tickets (id),
    change_type   TEXT NOT NULL CHECK (change_type IN ('standard', 'normal', 'emergency')),
    risk          TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
    plan          TEXT NOT NULL,
    rollback      TEXT NOT NULL,
    window_start  DATETIME NOT NULL,
    window_end    DATETIME NOT NULL,
    approval      TEXT NOT NULL CHECK (approval IN ('pending', 'approved', 'rejected')),
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    DATETIME,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ticket_changes_window ON ticket_changes (window_start, window_end);

CREATE TABLE change_targets (
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id),
    site_id       INTEGER REFERENCES sites (id),
    connection_id INTEGER REFERENCES network_connections (id)
);
CREATE INDEX change_targets_ticket ON change_targets (ticket_id);

CREATE TABLE change_acks (
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id),
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acknowledged', 'objected')),
    answered_by     TEXT NOT NULL DEFAULT '',
    answered_at     DATETIME,
    note            TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (ticket_id, municipality_id)
);
CREATE INDEX change_acks_municipality ON change_acks (municipality_id, ticket_id);

CREATE TABLE ticket_problems (
    ticket_id   INTEGER PRIMARY KEY REFERENCES tickets (id),
    root_cause  TEXT NOT NULL DEFAULT '',
    workaround  TEXT NOT NULL DEFAULT '',
    known_error BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE problem_links (
    problem_id  INTEGER NOT NULL REFERENCES tickets (id),
    incident_id INTEGER NOT NULL REFERENCES tickets (id),
    PRIMARY KEY (problem_id, incident_id)
);
CREATE INDEX problem_links_incident ON problem_links (incident_id);
