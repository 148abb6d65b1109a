-- Named leases: at most one node holds each at a time (the SLA sweep, the
-- silent-source check, retention, notification delivery, a detection
-- partition). A holder renews its lease before it expires; another node
-- takes an expired lease over. epoch grows with every change of holder,
-- so work done under an old holder can be told from the new one's.
-- Times are Unix milliseconds (nodes' clocks are kept by NTP; the TTL is
-- seconds, far above their skew).
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    acquired_at BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

-- The nodes of a deployment: each writes its roles and a heartbeat, so
-- that operators see who is alive and detection partitions can be shared
-- out among the live detect nodes.
CREATE TABLE nodes (
    id         TEXT PRIMARY KEY,
    host       TEXT NOT NULL,
    roles      TEXT NOT NULL,
    version    TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
