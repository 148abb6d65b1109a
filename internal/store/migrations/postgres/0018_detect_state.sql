-- Detection state kept across a restart: the correlator's open windows,
-- saved at shutdown and loaded (then deleted) by the next start.
CREATE TABLE detect_state (
    name     TEXT PRIMARY KEY,
    saved_at BIGINT NOT NULL,
    groups   INTEGER NOT NULL,
    data     BYTEA NOT NULL
);
