-- The TLS client certificates each organisation's traffic arrived with
-- (fingerprint and subject name), so that a certificate identity
-- registered later by another organisation cannot take that traffic
-- (certificates win over ranges and host names in attribution).
CREATE TABLE log_cert_sightings (
    fingerprint TEXT NOT NULL,
    cn          TEXT NOT NULL,
    org_id      BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    PRIMARY KEY (fingerprint, org_id)
);
CREATE INDEX log_cert_sightings_cn ON log_cert_sightings (cn);
