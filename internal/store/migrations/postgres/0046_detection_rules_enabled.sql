-- The detector checks every two seconds whether the rule library changed
-- (internal/detect/library.go, version): an index that answers its sum of
-- the enabled rules' ids without reading the rules.
CREATE INDEX detection_rules_enabled ON detection_rules (active, enabled, id);
