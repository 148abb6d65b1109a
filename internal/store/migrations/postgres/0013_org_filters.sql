-- Meta-filters an organisation keeps for its own tuning (0: for everybody).
ALTER TABLE detection_rules ADD COLUMN org_id BIGINT NOT NULL DEFAULT 0;
