-- A source registered by an administrator or the SOC with allow_overlap
-- takes senders that an earlier, weaker identity of another organisation
-- matches; any other source does not (see Registry.Attribute).
ALTER TABLE log_sources ADD COLUMN moves_senders BOOLEAN NOT NULL DEFAULT FALSE;
