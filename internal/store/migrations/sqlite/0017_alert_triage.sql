-- Alert triage: who works an alert, how it was closed, and the notes on
-- the way. A closed alert no longer gathers new matches (they open a new
-- alert), so a wrong "false positive" cannot hide fresh activity.
ALTER TABLE alerts ADD COLUMN assignee_id INTEGER REFERENCES users (id);
ALTER TABLE alerts ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_open ON alerts (tenant, rule_id, group_key, last_seen) WHERE status <> 'closed';

CREATE TABLE alert_notes (
    id         INTEGER PRIMARY KEY,
    alert_id   INTEGER NOT NULL REFERENCES alerts (id),
    at         INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users (id),
    author     TEXT NOT NULL,
    status     TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT '',
    assignee   TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);

ALTER TABLE notifications ADD COLUMN alert_id INTEGER;
