-- The detector checks every two seconds whether the rule library changed
-- (internal/detect/library.go, version); one of its sums read every
-- active rule's row, YAML included (tens of ms with all SigmaHQ rules).
-- With this index it reads the index alone.
CREATE INDEX detection_rules_enabled ON detection_rules (active, enabled);
