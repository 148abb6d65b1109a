-- The addresses each host-name source was recently seen sending from, so
-- that an address range registered later by another organisation cannot
-- silently take that traffic (ranges win over host names in attribution).
CREATE TABLE log_source_senders (
    source_id INTEGER NOT NULL REFERENCES log_sources (id) ON DELETE CASCADE,
    addr      TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (source_id, addr)
);
