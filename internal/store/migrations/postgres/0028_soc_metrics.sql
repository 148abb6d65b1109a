-- The SOC's metrics, kept as they happen so that a dashboard over
-- millions of alerts reads a few hundred rows: durations (time to
-- acknowledge, to resolve) as log-scaled histograms per metric, month and
-- organisation (package timing), alerts per rule and month with their
-- triage outcomes (false-positive rate), and when an alert or case was
-- first taken.
CREATE TABLE timings (
    metric TEXT NOT NULL,
    month  TEXT NOT NULL,
    org_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (metric, month, org_id, bucket)
);

CREATE TABLE alert_rule_stats (
    rule_id        TEXT NOT NULL,
    tenant         BIGINT NOT NULL,
    month          TEXT NOT NULL,
    title          TEXT NOT NULL,
    alerts         INTEGER NOT NULL DEFAULT 0,
    closed         INTEGER NOT NULL DEFAULT 0,
    false_positive INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule_id, tenant, month)
);
CREATE INDEX alert_rule_stats_month ON alert_rule_stats (month);

ALTER TABLE alerts ADD COLUMN acked_at BIGINT;
CREATE INDEX alerts_open_level ON alerts (level, tenant) WHERE status <> 'closed';
ALTER TABLE cases ADD COLUMN acked_at TIMESTAMPTZ;
