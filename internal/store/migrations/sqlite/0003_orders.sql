-- Orders of catalog services by municipalities from their supplying unit.
-- An order that has become active is a subscription: the link used for SLA
-- targets on tickets and availability.
CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    municipality_id INTEGER NOT NULL REFERENCES organizations (id),
    unit_id         INTEGER NOT NULL REFERENCES organizations (id),
    offering_id     INTEGER NOT NULL REFERENCES offerings (id),
    catalog_version TEXT NOT NULL,
    service_id      TEXT NOT NULL,
    level_id        TEXT NOT NULL,
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    requirements    TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'rejected', 'cancelled', 'in_delivery',
                                                    'active', 'termination_requested', 'terminated')),
    reason          TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    activated_at    DATETIME,
    terminated_at   DATETIME
);
CREATE INDEX orders_municipality ON orders (municipality_id, status);
CREATE INDEX orders_unit ON orders (unit_id, status);
CREATE INDEX orders_offering ON orders (offering_id, status);

-- Every step of an order, shown as its timeline.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id),
    at          DATETIME NOT NULL,
    actor       TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX order_events_order ON order_events (order_id, id);
