-- Service levels measured (package availability): outages of subscribed
-- services, from samdrift's probes, the units' own monitoring (webhooks)
-- or entered by a unit. An open outage has no end. impact 1 is a full
-- outage, less a partial one. fingerprint is the monitoring's key for the
-- problem (Alertmanager's fingerprint): one open outage per subscription
-- and key, so a firing alert sent again joins it and its resolution ends
-- it.
CREATE TABLE outages (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES orders (id),
    unit_id         INTEGER NOT NULL REFERENCES organizations (id),
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    started_at      DATETIME NOT NULL,
    ended_at        DATETIME,
    impact          REAL NOT NULL CHECK (impact > 0 AND impact <= 1),
    source          TEXT NOT NULL CHECK (source IN ('probe', 'webhook', 'manual')),
    cause           TEXT NOT NULL DEFAULT '',
    fingerprint     TEXT NOT NULL DEFAULT '',
    ticket_id       INTEGER REFERENCES tickets (id),
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX outages_subscription ON outages (subscription_id, started_at);
CREATE INDEX outages_unit ON outages (unit_id, started_at);
CREATE INDEX outages_municipality ON outages (municipality_id, started_at);
CREATE UNIQUE INDEX outages_open_key ON outages (subscription_id, fingerprint) WHERE ended_at IS NULL AND fingerprint <> '';
