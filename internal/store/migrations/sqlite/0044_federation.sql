-- Federated login (package federation, through access): a user provisioned
-- from an identity provider is linked to it by the provider's id and the
-- subject it names the person by; such a user has no password. Sessions
-- opened through a provider remember its session (OIDC sid, SAML
-- SessionIndex) so that single logout and back-channel logout can end them.
ALTER TABLE users ADD COLUMN idp TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN idp_subject TEXT NOT NULL DEFAULT '';
-- Why federation disabled the user ('unmapped', 'unseen'; '' when an
-- administrator did or nobody did): only such a user is enabled again when
-- the provider vouches for them with a valid mapping.
ALTER TABLE users ADD COLUMN idp_disabled TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_login_at DATETIME;
CREATE UNIQUE INDEX users_idp_subject ON users (idp, idp_subject) WHERE idp <> '';

ALTER TABLE sessions ADD COLUMN idp TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN idp_session TEXT NOT NULL DEFAULT '';
-- The SAML NameID the IdP named the person by in this session (its single
-- logout names them by it; the account may be linked by an attribute).
ALTER TABLE sessions ADD COLUMN idp_name_id TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_idp_session ON sessions (idp, idp_session) WHERE idp <> '';

-- A login begun at an identity provider and not yet finished: its state
-- (hashed), the address that began it (logins per address are bounded),
-- the nonce and PKCE verifier or SAML request id it must come
-- back with, the browser it was begun in (the pre-session cookie, hashed)
-- and where to go afterwards. Each is used once and lives ten minutes.
CREATE TABLE federation_flows (
    state_hash   TEXT PRIMARY KEY,
    provider     TEXT NOT NULL,
    kind         TEXT NOT NULL DEFAULT 'login' CHECK (kind IN ('login', 'logout')),
    browser_hash TEXT NOT NULL,
    remote_addr  TEXT NOT NULL DEFAULT '',
    nonce        TEXT NOT NULL DEFAULT '',
    verifier     TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    next         TEXT NOT NULL DEFAULT '/',
    created_at   DATETIME NOT NULL
);
CREATE INDEX federation_flows_created ON federation_flows (created_at);
CREATE INDEX federation_flows_addr ON federation_flows (remote_addr, created_at);

-- Assertion ids, logout request ids and logout token ids already accepted,
-- so that none is accepted twice, on any node, until it expires.
CREATE TABLE federation_replay (
    key        TEXT PRIMARY KEY,
    expires_at DATETIME NOT NULL
);
CREATE INDEX federation_replay_expires ON federation_replay (expires_at);
