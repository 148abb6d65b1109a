-- Needs and feedback (package needs): what a municipality's departments
-- need of the common solutions, or say about them; other municipalities'
-- "we need this too" (one vote per organisation), comments (some internal
-- to the units and the secretariat), the people who follow a need, and the
-- status the supplying unit or the secretariat sets. A need marked as a
-- duplicate points at its original, which never is a duplicate itself.

CREATE TABLE needs (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    kind          TEXT NOT NULL CHECK (kind IN ('need', 'feedback')),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    why           TEXT NOT NULL DEFAULT '',
    affected      TEXT NOT NULL DEFAULT '',
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    status        TEXT NOT NULL DEFAULT 'received'
                  CHECK (status IN ('received', 'under_consideration', 'planned', 'done', 'declined', 'duplicate')),
    status_reason TEXT NOT NULL DEFAULT '',
    status_by     TEXT NOT NULL DEFAULT '',
    status_at     DATETIME NOT NULL,
    duplicate_of  INTEGER REFERENCES needs (id),
    submitted_by  INTEGER REFERENCES users (id),
    submitter     TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL)),
    CHECK (duplicate_of IS NULL OR duplicate_of <> id)
);
CREATE INDEX needs_org ON needs (org_id);
CREATE INDEX needs_status ON needs (status, id);
CREATE INDEX needs_duplicate_of ON needs (duplicate_of);

CREATE TABLE need_votes (
    need_id  INTEGER NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    org_id   INTEGER NOT NULL REFERENCES organizations (id),
    voted_by TEXT NOT NULL,
    voted_at DATETIME NOT NULL,
    PRIMARY KEY (need_id, org_id)
);
CREATE INDEX need_votes_org ON need_votes (org_id);

CREATE TABLE need_comments (
    id         INTEGER PRIMARY KEY,
    need_id    INTEGER NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    author_id  INTEGER REFERENCES users (id),
    author     TEXT NOT NULL,
    body       TEXT NOT NULL,
    internal   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL
);
CREATE INDEX need_comments_need ON need_comments (need_id, id);

CREATE TABLE need_followers (
    need_id INTEGER NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    since   DATETIME NOT NULL,
    PRIMARY KEY (need_id, user_id)
);
CREATE INDEX need_followers_user ON need_followers (user_id);
