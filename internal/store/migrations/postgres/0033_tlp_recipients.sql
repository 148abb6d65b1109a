-- TLP:RED to named people (package tlp): the users a RED advisory or
-- threat report (and the indicators that came with it) is shared with,
-- besides the shared SOC and CERT.
CREATE TABLE tlp_recipients (
    kind     TEXT NOT NULL CHECK (kind IN ('advisory', 'report')),
    ref_id   BIGINT NOT NULL,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (kind, ref_id, user_id)
);
CREATE INDEX tlp_recipients_user ON tlp_recipients (user_id);
