-- Delivery of notifications by e-mail and webhook, per user preference.
-- The webhook secret signs deliveries (HMAC-SHA256); it must be readable
-- to sign, so it is stored as given and shown to its owner only once.
CREATE TABLE notification_prefs (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    email          BOOLEAN NOT NULL DEFAULT TRUE,
    webhook_url    TEXT NOT NULL DEFAULT '',
    webhook_secret TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL
);

ALTER TABLE notifications ADD COLUMN email_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE notifications ADD COLUMN webhook_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE notifications ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN next_attempt TIMESTAMPTZ;
ALTER TABLE notifications ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_due ON notifications (next_attempt) WHERE email_state = 'pending' OR webhook_state = 'pending';
