-- The transition plan: for each municipality and basic (mandatory) service,
-- where it comes from today and when it moves to the unit. Rows exist only
-- where a municipality has said something; a subscription overrides them.
CREATE TABLE transition_plan (
    municipality_id BIGINT NOT NULL REFERENCES organizations (id),
    service_id      TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('unit', 'self', 'external', 'none')),
    supplier        TEXT NOT NULL DEFAULT '',
    planned_date    TEXT,
    status          TEXT NOT NULL CHECK (status IN ('not_started', 'planned', 'in_progress', 'done')),
    note            TEXT NOT NULL DEFAULT '',
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (municipality_id, service_id)
);
