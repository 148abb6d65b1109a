// Package delivery sends the notices of the in-app inbox (package notify)
// by e-mail (SMTP) and to users' webhooks (HMAC-signed), with retries and a
// lease per notice so that two nodes do not send one twice. It is an
// adapter: domain packages queue notices through notify and never import
// it.
package delivery

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

// SMTP says how to send e-mail.
type SMTP struct {
	Addr     string // host:port
	From     string
	Username string // empty: no authentication
	Password string
	// Security is "starttls" (default: upgrade, and refuse a server that
	// cannot), "tls" (implicit TLS, port 465) or "none" (a trusted relay on
	// the local network).
	Security string
	// TLS configures certificate checks (nil: the system's roots).
	TLS *tls.Config
}

// Deliverer sends due notifications by e-mail and webhook, with retries.
type Deliverer struct {
	db   *store.DB
	SMTP *SMTP // nil: no e-mail
	// HTTP posts webhooks (nil: a client with a 10 s timeout).
	HTTP *http.Client
	// PublicURL is how users reach samdrift, for links ("" : none).
	PublicURL string
	// Describe turns a notice kind into a sentence for people (nil: the kind).
	Describe func(kind string) string
	// AckURL returns the signed link with which userID acknowledges
	// on-call escalation escalationID, put into that escalation's notices
	// (nil, or an error: the notice goes out without it). The on-call
	// package provides it; delivery does not know escalations.
	AckURL func(ctx context.Context, escalationID, userID int64, now time.Time) (string, error)
}

// NewDeliverer returns a deliverer over db whose webhooks may reach only
// public addresses: a user cannot point samdrift at its own network (the
// database, NATS, the cloud's metadata service). allowPrivate lifts that,
// for webhooks inside the operator's network (and tests).
func NewDeliverer(db *store.DB, allowPrivate bool) *Deliverer {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		dialer.Control = publicOnly
	}
	tr := &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second, MaxIdleConns: 10,
		IdleConnTimeout: 90 * time.Second, Proxy: nil}
	return &Deliverer{db: db, HTTP: &http.Client{Timeout: 10 * time.Second, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// publicOnly refuses connections to loopback, private, link-local and
// other non-public addresses. It runs on the address actually dialled, so
// a name that resolves to an internal address is refused too.
func publicOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() ||
		ip.IsMulticast() || ip.IsInterfaceLocalMulticast() || netip.MustParsePrefix("100.64.0.0/10").Contains(ip) {
		return fmt.Errorf("webhook address %s is not public; samdrift posts webhooks to public addresses only (serve --webhook-allow-private lifts this)", ip)
	}
	return nil
}

// maxAttempts bounds retries; a notice not delivered by then is marked
// failed (and stays in the inbox).
const maxAttempts = 8

// Result counts one delivery run.
type Result struct {
	Emails   int `json:"emails"`
	Webhooks int `json:"webhooks"`
	Retrying int `json:"retrying"`
	Failed   int `json:"failed"`
}

// due is one notification to deliver, with its user's address and
// webhook.
type due struct {
	id, ticket, alert, caseID int64
	need, escalation, user    int64
	ackURL                    string
	kind, subject, body       string
	at, next                  time.Time
	addr, name                string
	hookURL, hookSecret       string
	attempts                  int
	emailState, webhookState  string
}

// claimFor is how long a deliverer holds a notification it is sending:
// far longer than a send takes (the SMTP and HTTP timeouts), so that a
// node that died mid-send leaves it to another after that time, and not
// before.
const claimFor = 5 * time.Minute

// Deliver sends every notification due at now (up to 200 per call) over
// the channels its user chose. A failed channel is retried with backoff
// (1, 2, 4 … 60 minutes) up to maxAttempts, and its last error kept.
//
// Deliverers may run on several nodes at once (during a takeover of the
// job's lease). Each notification is claimed before it is sent, by moving
// its next attempt claimFor on in a conditional update that only one
// deliverer can win, and its outcome is recorded only while the claim
// holds: a deliverer that lost it (it took longer than claimFor, and
// another node sent the notification meanwhile) leaves the record to the
// other. A node that dies after sending but before recording leaves the
// notification to be sent again once the claim expires: delivery is at
// least once, and the webhook's id and the mail's Message-ID let
// receivers see a repeat.
func (d *Deliverer) Deliver(ctx context.Context, now time.Time) (Result, error) {
	var res Result
	// As stored (UTC, whole microseconds), so that the claim's time reads
	// back equal on both databases.
	now = now.UTC().Truncate(time.Microsecond)
	claimedUntil := now.Add(claimFor)
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT n.id, COALESCE(n.ticket_id, 0), COALESCE(n.alert_id, 0), COALESCE(n.case_id, 0), COALESCE(n.need_id, 0), COALESCE(n.escalation_id, 0), n.user_id, n.kind, n.subject, n.body, n.created_at, n.next_attempt,
		n.email_state, n.webhook_state, u.email, u.display_name, COALESCE(p.webhook_url, ''), COALESCE(p.webhook_secret, ''), n.attempts
		FROM notifications n JOIN users u ON u.id = n.user_id LEFT JOIN notification_prefs p ON p.user_id = n.user_id
		WHERE (n.email_state = 'pending' OR n.webhook_state = 'pending') AND n.next_attempt <= $1 ORDER BY n.next_attempt LIMIT 200`, now)
	if err != nil {
		return res, errs.Wrap(err, "cannot find due notifications")
	}
	var batch []due
	for rows.Next() {
		var x due
		if err := rows.Scan(&x.id, &x.ticket, &x.alert, &x.caseID, &x.need, &x.escalation, &x.user, &x.kind, &x.subject, &x.body, &x.at, &x.next, &x.emailState, &x.webhookState, &x.addr, &x.name,
			&x.hookURL, &x.hookSecret, &x.attempts); err != nil {
			rows.Close()
			return res, errs.Wrap(err, "cannot read notification")
		}
		batch = append(batch, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, errs.Wrap(err, "cannot find due notifications")
	}
	for _, x := range batch {
		claimed := false
		if err := d.db.Write(ctx, func(tx *sql.Tx) error {
			r, err := tx.ExecContext(ctx, `UPDATE notifications SET next_attempt = $1 WHERE id = $2 AND next_attempt = $3`, claimedUntil, x.id, x.next)
			if err != nil {
				return errs.Wrap(err, "cannot claim notification %d", x.id)
			}
			n, _ := r.RowsAffected()
			claimed = n == 1
			return nil
		}); err != nil {
			return res, err
		}
		if !claimed {
			continue // another deliverer has it
		}
		if x.escalation != 0 && d.AckURL != nil {
			if u, err := d.AckURL(ctx, x.escalation, x.user, now); err == nil {
				x.ackURL = u
			}
		}
		var problems []string
		if x.emailState == "pending" {
			if d.SMTP == nil {
				x.emailState = "none" // e-mail is not configured on this platform
			} else if err := d.sendEmail(ctx, x); err != nil {
				problems = append(problems, "e-mail: "+err.Error())
			} else {
				x.emailState = "sent"
				res.Emails++
			}
		}
		if x.webhookState == "pending" {
			if err := d.postWebhook(ctx, x, now); err != nil {
				problems = append(problems, "webhook: "+err.Error())
			} else {
				x.webhookState = "sent"
				res.Webhooks++
			}
		}
		attempts := x.attempts + 1
		next := now.Add(time.Duration(min(1<<min(attempts-1, 6), 60)) * time.Minute)
		if len(problems) > 0 {
			if attempts >= maxAttempts {
				for _, st := range []*string{&x.emailState, &x.webhookState} {
					if *st == "pending" {
						*st = "failed"
					}
				}
				res.Failed++
			} else {
				res.Retrying++
			}
		}
		if err := d.db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET email_state = $1, webhook_state = $2, attempts = $3, next_attempt = $4, last_error = $5
				WHERE id = $6 AND next_attempt = $7`,
				x.emailState, x.webhookState, attempts, next, truncate(strings.Join(problems, "; "), 1000), x.id, claimedUntil)
			return errs.Wrap(err, "cannot record delivery of notification %d", x.id)
		}); err != nil {
			return res, err
		}
	}
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (d *Deliverer) describe(kind string) string {
	if d.Describe != nil {
		return d.Describe(kind)
	}
	return kind
}

func (d *Deliverer) link(x due) string {
	base := strings.TrimSuffix(d.PublicURL, "/")
	switch {
	case base == "":
		return ""
	case x.ticket != 0:
		return base + "/tickets/" + strconv.FormatInt(x.ticket, 10)
	case x.alert != 0:
		return base + "/alerts/" + strconv.FormatInt(x.alert, 10)
	case x.caseID != 0:
		return base + "/cases/" + strconv.FormatInt(x.caseID, 10)
	case x.need != 0:
		return base + "/needs/" + strconv.FormatInt(x.need, 10)
	}
	return ""
}

// sendEmail sends one notice as a plain-text mail.
func (d *Deliverer) sendEmail(ctx context.Context, x due) error {
	cfg := d.SMTP
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	var c *smtp.Client
	switch cfg.Security {
	case "tls":
		conn, err := tls.DialWithDialer(dialer, "tcp", cfg.Addr, cfg.TLS)
		if err != nil {
			return err
		}
		c = smtp.NewClient(conn)
	default:
		conn, err := dialer.DialContext(ctx, "tcp", cfg.Addr)
		if err != nil {
			return err
		}
		if cfg.Security == "none" {
			c = smtp.NewClient(conn)
		} else if c, err = smtp.NewClientStartTLS(conn, cfg.TLS); err != nil {
			return err
		}
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = 30*time.Second, 60*time.Second
	if cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", cfg.Username, cfg.Password)); err != nil {
			return err
		}
	}
	subject := "[samdrift] " + d.describe(x.kind)
	if x.ticket != 0 {
		subject += fmt.Sprintf(" #%d: %s", x.ticket, x.subject)
	} else if x.escalation != 0 {
		subject += ": " + x.subject
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <notice-%d@samdrift>\r\n", cfg.From, x.addr,
		mime.QEncoding.Encode("utf-8", subject), x.at.Format(time.RFC1123Z), x.id)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n")
	body := d.describe(x.kind) + "\n\n" + x.subject + "\n"
	if x.body != "" {
		body += "\n" + x.body + "\n"
	}
	if l := d.link(x); l != "" {
		body += "\n" + l + "\n"
	}
	if x.ackURL != "" {
		body += "\nAcknowledge (stops the escalation):\n" + x.ackURL + "\n"
	}
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	if err := c.SendMail(cfg.From, []string{x.addr}, &b); err != nil {
		return err
	}
	return c.Quit()
}

// Webhook is the JSON body a webhook receives.
type Webhook struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`
	Text     string    `json:"text"`
	TicketID int64     `json:"ticket_id,omitempty"`
	AlertID  int64     `json:"alert_id,omitempty"`
	CaseID   int64     `json:"case_id,omitempty"`
	NeedID   int64     `json:"need_id,omitempty"`
	Subject  string    `json:"subject"`
	At       time.Time `json:"at"`
	URL      string    `json:"url,omitempty"`
	// EscalationID and AckURL are set on an on-call escalation's notice:
	// opening AckURL acknowledges it as the notified user.
	EscalationID int64  `json:"escalation_id,omitempty"`
	AckURL       string `json:"ack_url,omitempty"`
}

// Sign returns the signature header value for body sent at ts with
// secret: "sha256=" and the hex HMAC-SHA256 of "ts.body". Receivers
// compute the same and compare in constant time, and refuse old ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (d *Deliverer) postWebhook(ctx context.Context, x due, now time.Time) error {
	body, _ := json.Marshal(Webhook{ID: x.id, Kind: x.kind, Text: d.describe(x.kind), TicketID: x.ticket, AlertID: x.alert, CaseID: x.caseID, NeedID: x.need, Subject: x.subject, At: x.at.UTC(), URL: d.link(x),
		EscalationID: x.escalation, AckURL: x.ackURL})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.hookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "samdrift-webhook/1")
	req.Header.Set("X-Samdrift-Event", x.kind)
	req.Header.Set("X-Samdrift-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Samdrift-Signature", Sign(x.hookSecret, ts, body))
	resp, err := d.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s", x.hookURL, resp.Status)
	}
	return nil
}
