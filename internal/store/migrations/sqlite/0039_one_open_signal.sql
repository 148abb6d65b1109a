-- At most one open signal of a kind per log source: two nodes checking
-- for silent sources at once (during a takeover of the job's lease)
-- raised the same silence twice. Duplicates raised so are dropped (the
-- earliest stays; the audit log keeps what was raised), then a partial
-- unique index lets the check raise with ON CONFLICT DO NOTHING.
DELETE FROM source_signals WHERE cleared_at = 0 AND EXISTS (SELECT 1 FROM source_signals o
    WHERE o.source_id = source_signals.source_id AND o.kind = source_signals.kind AND o.cleared_at = 0 AND o.id < source_signals.id);
CREATE UNIQUE INDEX source_signals_one_open ON source_signals (source_id, kind) WHERE cleared_at = 0;
