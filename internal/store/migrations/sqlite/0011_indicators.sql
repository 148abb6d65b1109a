-- The CERT's indicators of compromise, matched against every event.
CREATE TABLE indicators (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL CHECK (type IN ('ip', 'domain', 'url', 'md5', 'sha1', 'sha256', 'email')),
    value       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL DEFAULT 'high',
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    UNIQUE (type, value)
);
