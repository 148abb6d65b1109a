// Package notify tells people what needs them: an in-app inbox per user,
// filled inside the transaction of the change it reports, and held back
// until a given instant (service hours) where that matters, and each
// user's delivery choices. It must not know tickets or the web layer
// (callers describe the notice), nor how notices leave the platform:
// e-mail and webhooks are package delivery, an adapter.
package notify

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// Notice is one thing to tell the users of an organisation who hold one
// of Roles.
type Notice struct {
	OrgID    int64
	Roles    []access.Role
	Kind     string // e.g. "ticket.escalated", "sla.warning", "sla.breach", "alert.high"
	TicketID int64
	AlertID  int64
	CaseID   int64
	// NeedID is the need (package needs) the notice is about.
	NeedID int64
	// EscalationID ties the notice to an on-call escalation, so that
	// delivery can put a signed acknowledge link in it.
	EscalationID int64
	Subject      string
	Body         string
	At           time.Time
	NotBefore    time.Time // zero: at once
}

// Queue adds n to the inbox of every enabled user it concerns, inside tx,
// and returns how many users it reached.
func Queue(ctx context.Context, tx *sql.Tx, n Notice) (int, error) {
	if n.NotBefore.IsZero() || n.NotBefore.Before(n.At) {
		n.NotBefore = n.At
	}
	var a store.Args
	nb := a.Add(n.NotBefore)
	q := `INSERT INTO notifications (user_id, created_at, not_before, kind, ticket_id, alert_id, case_id, need_id, escalation_id, subject, body, email_state, webhook_state, next_attempt)
		SELECT u.id, ` + a.Add(n.At) + `, ` + nb + `, ` + a.Add(n.Kind) + `, ` + a.Add(nullID(n.TicketID)) + `, ` + a.Add(nullID(n.AlertID)) + `, ` + a.Add(nullID(n.CaseID)) + `, ` +
		a.Add(nullID(n.NeedID)) + `, ` + a.Add(nullID(n.EscalationID)) + `, ` + a.Add(n.Subject) + `, ` + a.Add(n.Body) + `,
		CASE WHEN COALESCE(p.email, TRUE) AND u.email <> '' THEN 'pending' ELSE 'none' END,
		CASE WHEN COALESCE(p.webhook_url, '') <> '' THEN 'pending' ELSE 'none' END, ` + nb + `
		FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id WHERE u.org_id = ` + a.Add(n.OrgID) + ` AND NOT u.disabled`
	if len(n.Roles) > 0 {
		var ps []string
		for _, r := range n.Roles {
			ps = append(ps, a.Add(string(r)))
		}
		q += ` AND u.role IN (` + strings.Join(ps, ", ") + `)`
	}
	res, err := tx.ExecContext(ctx, q, a.Values()...)
	if err != nil {
		return 0, errs.Wrap(err, "cannot queue notification %s", n.Kind)
	}
	c, _ := res.RowsAffected()
	return int(c), nil
}

// Each is one organisation's share of a notice queued to many
// (QueueEach): the organisation and the body it is told.
type Each struct {
	OrgID int64
	Body  string
}

// eachBatch bounds the organisations of one QueueEach statement.
const eachBatch = 200

// QueueEach queues n (OrgID and Body aside) to each organisation in to,
// with its own body, in one statement per 200 organisations rather than
// one each, and returns how many users it reached.
func QueueEach(ctx context.Context, tx *sql.Tx, n Notice, to []Each) (int, error) {
	if n.NotBefore.IsZero() || n.NotBefore.Before(n.At) {
		n.NotBefore = n.At
	}
	total := 0
	for rest := to; len(rest) > 0; {
		batch := rest[:min(len(rest), eachBatch)]
		rest = rest[len(batch):]
		var a store.Args
		vals := make([]string, len(batch))
		for i, e := range batch {
			vals[i] = "(CAST(" + a.Add(e.OrgID) + " AS BIGINT), CAST(" + a.Add(e.Body) + " AS TEXT))"
		}
		nb := a.Add(n.NotBefore)
		q := `WITH v (org_id, body) AS (VALUES ` + strings.Join(vals, ", ") + `)
		INSERT INTO notifications (user_id, created_at, not_before, kind, ticket_id, alert_id, case_id, need_id, escalation_id, subject, body, email_state, webhook_state, next_attempt)
		SELECT u.id, ` + a.Add(n.At) + `, ` + nb + `, ` + a.Add(n.Kind) + `, ` + a.Add(nullID(n.TicketID)) + `, ` + a.Add(nullID(n.AlertID)) + `, ` + a.Add(nullID(n.CaseID)) + `, ` +
			a.Add(nullID(n.NeedID)) + `, ` + a.Add(nullID(n.EscalationID)) + `, ` + a.Add(n.Subject) + `, v.body,
		CASE WHEN COALESCE(p.email, TRUE) AND u.email <> '' THEN 'pending' ELSE 'none' END,
		CASE WHEN COALESCE(p.webhook_url, '') <> '' THEN 'pending' ELSE 'none' END, ` + nb + `
		FROM v JOIN users u ON u.org_id = v.org_id LEFT JOIN notification_prefs p ON p.user_id = u.id WHERE NOT u.disabled`
		if len(n.Roles) > 0 {
			var ps []string
			for _, r := range n.Roles {
				ps = append(ps, a.Add(string(r)))
			}
			q += ` AND u.role IN (` + strings.Join(ps, ", ") + `)`
		}
		res, err := tx.ExecContext(ctx, q, a.Values()...)
		if err != nil {
			return total, errs.Wrap(err, "cannot queue notification %s", n.Kind)
		}
		c, _ := res.RowsAffected()
		total += int(c)
	}
	return total, nil
}

// Queued is what QueueUser queued: the notification and the channels it
// goes out on besides the inbox (the user's delivery choices).
type Queued struct {
	ID      int64
	Email   bool
	Webhook bool
}

// Channels names the channels of q for people and records: "inbox",
// "inbox+email", "inbox+email+webhook" ….
func (q Queued) Channels() string {
	s := "inbox"
	if q.Email {
		s += "+email"
	}
	if q.Webhook {
		s += "+webhook"
	}
	return s
}

// QueueUser adds n to the inbox of one user, whatever their organisation
// and role (n.OrgID and n.Roles are ignored), inside tx: for notices
// addressed to a person, such as an on-call page. A disabled or unknown
// user is a NotFound error.
func QueueUser(ctx context.Context, tx *sql.Tx, userID int64, n Notice) (Queued, error) {
	if n.NotBefore.IsZero() || n.NotBefore.Before(n.At) {
		n.NotBefore = n.At
	}
	var q Queued
	var email, webhook string
	err := tx.QueryRowContext(ctx, `INSERT INTO notifications (user_id, created_at, not_before, kind, ticket_id, alert_id, case_id, need_id, escalation_id, subject, body, email_state, webhook_state, next_attempt)
		SELECT u.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
		CASE WHEN COALESCE(p.email, TRUE) AND u.email <> '' THEN 'pending' ELSE 'none' END,
		CASE WHEN COALESCE(p.webhook_url, '') <> '' THEN 'pending' ELSE 'none' END, $2
		FROM users u LEFT JOIN notification_prefs p ON p.user_id = u.id WHERE u.id = $11 AND NOT u.disabled
		RETURNING id, email_state, webhook_state`,
		n.At, n.NotBefore, n.Kind, nullID(n.TicketID), nullID(n.AlertID), nullID(n.CaseID), nullID(n.NeedID), nullID(n.EscalationID), n.Subject, n.Body, userID).Scan(&q.ID, &email, &webhook)
	if errors.Is(err, sql.ErrNoRows) {
		return Queued{}, errs.E(errs.NotFound, "no active user %d to notify", userID)
	}
	if err != nil {
		return Queued{}, errs.Wrap(err, "cannot queue notification %s for user %d", n.Kind, userID)
	}
	q.Email, q.Webhook = email == "pending", webhook == "pending"
	return q, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Message is one notification in a user's inbox.
type Message struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	TicketID int64     `json:"ticket_id,omitempty"`
	AlertID  int64     `json:"alert_id,omitempty"`
	CaseID   int64     `json:"case_id,omitempty"`
	// NeedID is the need (needs and feedback) it is about.
	NeedID    int64      `json:"need_id,omitempty"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body,omitempty"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
	NotBefore time.Time  `json:"-"`
}

// Inbox reads users' notifications.
type Inbox struct{ db *store.DB }

// NewInbox returns the inbox over db.
func NewInbox(db *store.DB) *Inbox { return &Inbox{db: db} }

// List returns the caller's notifications that are due at now, newest
// first by the time they were made (At; the order they were stored in
// differs when a loader or an import backdates them), at most limit
// (1–200), and how many are unread.
func (b *Inbox) List(ctx context.Context, sc access.Scope, now time.Time, limit int) ([]Message, int, error) {
	if sc.UserID == 0 {
		return nil, 0, errs.E(errs.Unauthorized, "log in first")
	}
	if limit <= 0 || limit > 200 {
		return nil, 0, errs.Field("limit", "must be between 1 and 200")
	}
	q := b.db.Reader()
	var unread int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND not_before <= $2 AND read_at IS NULL`,
		sc.UserID, now).Scan(&unread); err != nil {
		return nil, 0, errs.Wrap(err, "cannot count notifications")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+messageColumns+`
		FROM notifications WHERE user_id = $1 AND not_before <= $2 ORDER BY created_at DESC, id DESC LIMIT $3`, sc.UserID, now, limit)
	if err != nil {
		return nil, 0, errs.Wrap(err, "cannot list notifications")
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, 0, errs.Wrap(err, "cannot read notification")
		}
		out = append(out, m)
	}
	return out, unread, errs.Wrap(rows.Err(), "cannot list notifications")
}

const messageColumns = `id, created_at, kind, COALESCE(ticket_id, 0), COALESCE(alert_id, 0), COALESCE(case_id, 0), COALESCE(need_id, 0), subject, body, read_at, not_before`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var read sql.NullTime
	if err := row.Scan(&m.ID, &m.At, &m.Kind, &m.TicketID, &m.AlertID, &m.CaseID, &m.NeedID, &m.Subject, &m.Body, &read, &m.NotBefore); err != nil {
		return Message{}, err
	}
	m.At, m.NotBefore = m.At.UTC(), m.NotBefore.UTC()
	if read.Valid {
		t := read.Time.UTC()
		m.ReadAt = &t
	}
	return m, nil
}

// Open returns the caller's notification id as it is after being opened:
// read from now on, if it was not already (opening it twice changes
// nothing). Another user's notification, or one not yet due at now, is
// a NotFound error.
func (b *Inbox) Open(ctx context.Context, sc access.Scope, id int64, now time.Time) (Message, error) {
	if sc.UserID == 0 {
		return Message{}, errs.E(errs.Unauthorized, "log in first")
	}
	var m Message
	err := b.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL AND not_before <= $1`,
			now, id, sc.UserID); err != nil {
			return errs.Wrap(err, "cannot mark notification %d read", id)
		}
		var err error
		m, err = scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM notifications WHERE id = $1 AND user_id = $2 AND not_before <= $3`,
			id, sc.UserID, now))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "you have no notification %d", id)
		}
		return errs.Wrap(err, "cannot read notification %d", id)
	})
	return m, err
}

// MarkRead marks the caller's notification id read (0: all of them).
func (b *Inbox) MarkRead(ctx context.Context, sc access.Scope, id int64, now time.Time) error {
	if sc.UserID == 0 {
		return errs.E(errs.Unauthorized, "log in first")
	}
	return b.db.Write(ctx, func(tx *sql.Tx) error {
		q := `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND not_before <= $1`
		args := []any{now, sc.UserID}
		if id != 0 {
			q += ` AND id = $3`
			args = append(args, id)
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return errs.Wrap(err, "cannot mark notifications read")
		}
		if n, _ := res.RowsAffected(); id != 0 && n == 0 {
			return errs.E(errs.NotFound, "no unread notification %d of yours", id)
		}
		return nil
	})
}
