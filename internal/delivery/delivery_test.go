package delivery_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/delivery"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// mailbox is a real SMTP server on 127.0.0.1 that keeps what it receives.
type mailbox struct {
	mu   sync.Mutex
	msgs []*mail.Message
	rcpt []string
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{m: m}, nil }

type session struct {
	m  *mailbox
	to []string
}

func (s *session) Reset()                                    {}
func (s *session) Logout() error                             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(msg.Body)
	msg.Body = strings.NewReader(string(body))
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, msg)
	s.m.rcpt = append(s.m.rcpt, s.to...)
	s.m.mu.Unlock()
	return nil
}

func startSMTP(t *testing.T) (*mailbox, string) {
	m := &mailbox{}
	srv := smtp.NewServer(m)
	srv.Domain = "localhost"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return m, ln.Addr().String()
}

func TestDeliverByEmailAndSignedWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		spoc := e.Scope(t, "demo-spoc")
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET email = 'spoc@kk.dk' WHERE username = 'demo-spoc'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		box, addr := startSMTP(t)

		var mu sync.Mutex
		var hooks []delivery.Webhook
		var secret string
		calls := 0
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			body, _ := io.ReadAll(r.Body)
			ts, _ := strconv.ParseInt(r.Header.Get("X-Samdrift-Timestamp"), 10, 64)
			if r.Header.Get("X-Samdrift-Signature") != delivery.Sign(secret, ts, body) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			if calls == 1 { // the receiver is down once
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			var h delivery.Webhook
			if err := jsonUnmarshal(body, &h); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			hooks = append(hooks, h)
		}))
		defer hook.Close()

		inbox := notify.NewInbox(db)
		_, err := inbox.SetPreferences(ctx, spoc, true, "ftp://x", false)
		if errs.CodeOf(err) != errs.Invalid {
			t.Errorf("an ftp webhook = %v; want EINVALID", err)
		}
		p, err := inbox.SetPreferences(ctx, spoc, true, hook.URL+"/samdrift", false)
		if err != nil || len(p.Secret) != 64 {
			t.Fatalf("SetPreferences = %+v, %v; want a 64-hex secret", p, err)
		}
		secret = p.Secret
		if again, _ := inbox.Preferences(ctx, spoc); again.Secret != "" || again.WebhookURL != hook.URL+"/samdrift" {
			t.Errorf("Preferences = %+v; the secret must not be shown again", again)
		}

		now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
		kk := e.Org(t, "101").ID
		queue := func(n notify.Notice) {
			if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := notify.Queue(ctx, tx, n); return err }); err != nil {
				t.Fatal(err)
			}
		}
		queue(notify.Notice{OrgID: kk, Roles: []access.Role{access.RoleSPOC}, Kind: "sla.breach.first_line", TicketID: 42, Subject: "Printeren", At: now})
		queue(notify.Notice{OrgID: kk, Roles: []access.Role{access.RoleSPOC}, Kind: "sla.warning.first_line", TicketID: 43, Subject: "Senere", At: now,
			NotBefore: now.Add(23 * time.Hour)})

		// A deliverer for public addresses refuses the test's 127.0.0.1.
		strict := delivery.NewDeliverer(db, false)
		if res, err := strict.Deliver(ctx, now); err != nil || res.Webhooks != 0 || res.Retrying != 1 {
			t.Fatalf("a webhook to 127.0.0.1 without allowPrivate = %+v, %v; want it refused and retried", res, err)
		}
		var lastErr string
		if err := db.Reader().QueryRowContext(ctx, `SELECT last_error FROM notifications WHERE ticket_id = 42`).Scan(&lastErr); err != nil || !strings.Contains(lastErr, "not public") {
			t.Errorf("last error = %q, %v; want it to say the address is not public", lastErr, err)
		}
		if err := db.Write(ctx, func(tx *sql.Tx) error { // undo the strict attempt
			_, err := tx.ExecContext(ctx, `UPDATE notifications SET attempts = 0, next_attempt = $1, webhook_state = 'pending', email_state = 'pending', last_error = '' WHERE ticket_id = 42`, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		d := delivery.NewDeliverer(db, true)
		d.SMTP = &delivery.SMTP{Addr: addr, From: "samdrift@drift.example.dk", Security: "none"}
		d.PublicURL = "https://samdrift.example.dk"
		d.Describe = func(kind string) string { return "Frist overskredet (" + kind + ")" }
		res, err := d.Deliver(ctx, now)
		if err != nil || res.Emails != 1 || res.Webhooks != 0 || res.Retrying != 1 {
			t.Fatalf("first Deliver = %+v, %v; want 1 e-mail, the webhook retrying", res, err)
		}
		if res, _ := d.Deliver(ctx, now.Add(30*time.Second)); res != (delivery.Result{}) {
			t.Errorf("Deliver before the backoff = %+v; want nothing", res)
		}
		res, err = d.Deliver(ctx, now.Add(time.Minute))
		if err != nil || res.Webhooks != 1 || res.Emails != 0 {
			t.Fatalf("Deliver after the backoff = %+v, %v; want the webhook alone (the e-mail is sent already)", res, err)
		}
		box.mu.Lock()
		if len(box.msgs) != 1 || box.rcpt[0] != "spoc@kk.dk" {
			t.Fatalf("mailbox = %d messages to %v", len(box.msgs), box.rcpt)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(box.msgs[0].Header.Get("Subject"))
		body, _ := io.ReadAll(box.msgs[0].Body)
		box.mu.Unlock()
		if !strings.Contains(subject, "#42: Printeren") || !strings.Contains(subject, "Frist overskredet") {
			t.Errorf("subject = %q", subject)
		}
		if !strings.Contains(string(body), "https://samdrift.example.dk/tickets/42") {
			t.Errorf("body lacks the ticket link:\n%s", body)
		}
		mu.Lock()
		if len(hooks) != 1 || hooks[0].TicketID != 42 || hooks[0].Kind != "sla.breach.first_line" {
			t.Errorf("webhooks = %+v", hooks)
		}
		mu.Unlock()
		// The held notice goes out when its time comes.
		if res, _ := d.Deliver(ctx, now.Add(22*time.Hour)); res.Emails != 0 {
			t.Errorf("a held notice went out early: %+v", res)
		}
		if res, _ := d.Deliver(ctx, now.Add(23*time.Hour)); res.Emails != 1 || res.Webhooks != 1 {
			t.Errorf("Deliver when the held notice is due = %+v; want one of each", res)
		}
	})
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// TestNeedNoticeLinks: a notice about a need reaches the webhook and the
// mail with the need's id and a link to its page.
func TestNeedNoticeLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		spoc := e.Scope(t, "demo-spoc")
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET email = 'spoc@kk.dk' WHERE username = 'demo-spoc'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		box, addr := startSMTP(t)
		got := make(chan delivery.Webhook, 1)
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var h delivery.Webhook
			body, _ := io.ReadAll(r.Body)
			if err := json.Unmarshal(body, &h); err == nil {
				got <- h
			}
		}))
		defer hook.Close()
		if _, err := notify.NewInbox(db).SetPreferences(ctx, spoc, true, hook.URL, false); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := notify.Queue(ctx, tx, notify.Notice{OrgID: e.Org(t, "101").ID, Roles: []access.Role{access.RoleSPOC}, Kind: "need.status",
				NeedID: 7, Subject: "Fælles MDM-løsning", At: now})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		d := delivery.NewDeliverer(db, true)
		d.SMTP = &delivery.SMTP{Addr: addr, From: "samdrift@drift.example.dk", Security: "none"}
		d.PublicURL = "https://samdrift.example.dk/"
		if res, err := d.Deliver(ctx, now); err != nil || res.Emails != 1 || res.Webhooks != 1 {
			t.Fatalf("Deliver = %+v, %v; want one e-mail and one webhook", res, err)
		}
		select {
		case h := <-got:
			if h.NeedID != 7 || h.URL != "https://samdrift.example.dk/needs/7" {
				t.Errorf("webhook = %+v; want need 7 and its link", h)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no webhook")
		}
		box.mu.Lock()
		defer box.mu.Unlock()
		body, _ := io.ReadAll(box.msgs[0].Body)
		if !strings.Contains(string(body), "https://samdrift.example.dk/needs/7") {
			t.Errorf("mail body lacks the need's link:\n%s", body)
		}
	})
}
