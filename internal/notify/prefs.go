package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Prefs are a user's delivery choices.
type Prefs struct {
	Email      bool   `json:"email"`
	WebhookURL string `json:"webhook_url"`
	// Secret is set only in the answer that creates or rotates it.
	Secret string `json:"webhook_secret,omitempty"`
}

// Preferences returns the caller's delivery choices (e-mail on by
// default, no webhook).
func (b *Inbox) Preferences(ctx context.Context, sc access.Scope) (Prefs, error) {
	if sc.UserID == 0 {
		return Prefs{}, errs.E(errs.Unauthorized, "log in first")
	}
	p := Prefs{Email: true}
	err := b.db.Reader().QueryRowContext(ctx, `SELECT email, webhook_url FROM notification_prefs WHERE user_id = $1`, sc.UserID).Scan(&p.Email, &p.WebhookURL)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Prefs{}, errs.Wrap(err, "cannot load notification preferences")
	}
	return p, nil
}

// SetPreferences stores the caller's delivery choices. A new webhook URL
// (or rotate) makes a new signing secret, returned once in Prefs.Secret.
func (b *Inbox) SetPreferences(ctx context.Context, sc access.Scope, email bool, webhookURL string, rotate bool) (Prefs, error) {
	if sc.UserID == 0 {
		return Prefs{}, errs.E(errs.Unauthorized, "log in first")
	}
	webhookURL = strings.TrimSpace(webhookURL)
	if webhookURL != "" {
		u, err := url.Parse(webhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(webhookURL) > 2000 {
			return Prefs{}, errs.Field("webhook_url", "want an http(s) URL such as https://chat.example.dk/hooks/123")
		}
	}
	p := Prefs{Email: email, WebhookURL: webhookURL}
	err := b.db.Write(ctx, func(tx *sql.Tx) error {
		var oldURL, secret string
		err := tx.QueryRowContext(ctx, `SELECT webhook_url, webhook_secret FROM notification_prefs WHERE user_id = $1`, sc.UserID).Scan(&oldURL, &secret)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return errs.Wrap(err, "cannot load notification preferences")
		}
		if webhookURL == "" {
			secret = ""
		} else if webhookURL != oldURL || rotate || secret == "" {
			buf := make([]byte, 32)
			if _, err := rand.Read(buf); err != nil {
				return errs.Wrap(err, "cannot make a webhook secret")
			}
			secret = hex.EncodeToString(buf)
			p.Secret = secret
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_prefs (user_id, email, webhook_url, webhook_secret, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret,
			updated_at = excluded.updated_at`, sc.UserID, email, webhookURL, secret, store.Now()); err != nil {
			return errs.Wrap(err, "cannot store notification preferences")
		}
		return audit.Append(ctx, tx, sc.Actor(), audit.Entry{Action: "notify.preferences", TargetType: "user", TargetID: strconv.FormatInt(sc.UserID, 10),
			OrgID: sc.OrgID, Before: map[string]any{"webhook_url": oldURL}, After: map[string]any{"email": email, "webhook_url": webhookURL,
				"secret_rotated": p.Secret != ""}})
	})
	return p, err
}
