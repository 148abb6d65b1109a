-- Probes (package availability): checks samdrift runs against a
-- subscription's service on a schedule. next_due is Unix milliseconds;
-- failures counts failed checks in a row since first_failed_at, and
-- failures_to_open of them open an outage from first_failed_at.
CREATE TABLE probes (
    id               INTEGER PRIMARY KEY,
    subscription_id  INTEGER NOT NULL REFERENCES orders (id),
    unit_id          INTEGER NOT NULL REFERENCES organizations (id),
    municipality_id  INTEGER NOT NULL REFERENCES organizations (id),
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('http', 'tcp', 'dns')),
    target           TEXT NOT NULL,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds BETWEEN 1 AND 3600),
    timeout_ms       INTEGER NOT NULL CHECK (timeout_ms BETWEEN 100 AND 30000),
    expect_status    INTEGER NOT NULL DEFAULT 0,
    expect_body      TEXT NOT NULL DEFAULT '',
    failures_to_open INTEGER NOT NULL DEFAULT 2,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    state            TEXT NOT NULL DEFAULT 'unknown' CHECK (state IN ('unknown', 'up', 'down')),
    failures         INTEGER NOT NULL DEFAULT 0,
    first_failed_at  DATETIME,
    last_checked_at  DATETIME,
    last_error       TEXT NOT NULL DEFAULT '',
    tls_expires_at   DATETIME,
    next_due         INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    created_at       DATETIME NOT NULL
);
CREATE INDEX probes_due ON probes (enabled, next_due);
CREATE INDEX probes_subscription ON probes (subscription_id);

-- Each probe's checks per day (UTC): kept compactly for the reporting
-- period; the outages carry the periods.
CREATE TABLE probe_days (
    probe_id   INTEGER NOT NULL REFERENCES probes (id),
    day        TEXT NOT NULL,
    checks     INTEGER NOT NULL,
    failures   INTEGER NOT NULL,
    latency_ms INTEGER NOT NULL,
    PRIMARY KEY (probe_id, day)
);
