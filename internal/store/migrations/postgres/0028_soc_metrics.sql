-- The SOC's metrics, kept as they happen so that a dashboard over
-- millions of alerts reads a few hundred rows: durations (time to
-- acknowledge, to resolve) as log-scaled histograms per metric, month and
-- organisation (package timing), alerts per rule and month with their
-- triage outcomes (false-positive rate; tenant -1 holds every tenant's
-- sum, for those who see them all), the open alerts per tenant and level,
-- and when an alert or case was first taken.
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
CREATE INDEX alert_rule_stats_tenant ON alert_rule_stats (tenant, month);

ALTER TABLE alerts ADD COLUMN acked_at BIGINT;
ALTER TABLE cases ADD COLUMN acked_at TIMESTAMPTZ;

CREATE TABLE alert_open_counts (
    tenant BIGINT NOT NULL,
    level  TEXT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (tenant, level)
);

-- The alerts stored before: their counts.
INSERT INTO alert_open_counts (tenant, level, n) SELECT tenant, level, COUNT(*) FROM alerts WHERE status <> 'closed' GROUP BY tenant, level;
INSERT INTO alert_rule_stats (rule_id, tenant, month, title, alerts, closed, false_positive)
    SELECT rule_id, tenant, to_char(to_timestamp(created_at / 1000000.0) AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM'), MAX(title), COUNT(*),
        SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'closed' AND resolution = 'false-positive' THEN 1 ELSE 0 END)
    FROM alerts GROUP BY rule_id, tenant, to_char(to_timestamp(created_at / 1000000.0) AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM');
INSERT INTO alert_rule_stats (rule_id, tenant, month, title, alerts, closed, false_positive)
    SELECT rule_id, -1, month, MAX(title), SUM(alerts), SUM(closed), SUM(false_positive) FROM alert_rule_stats GROUP BY rule_id, month;
