-- HTTP ingest without a token is an explicit choice per address-range
-- source (it was allowed from any address; issue 14).
ALTER TABLE log_sources ADD COLUMN http_without_token BOOLEAN NOT NULL DEFAULT FALSE;
