package delivery_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/delivery"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestEscalationCarriesAckLink pages an on-call analyst by e-mail and
// webhook and acknowledges with the link each carries.
func TestEscalationCarriesAckLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		e.AddUser(t, "anna", demo.SOCSlug, access.RoleSOCAnalyst)
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET email = 'anna@soc.example.dk' WHERE username = 'anna'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		anna := e.Scope(t, "anna")
		oc := oncall.New(db)
		soc := e.Scope(t, "demo-soc-analyst")
		if _, err := oc.CreateTeam(ctx, soc, oncall.NewTeam{OrgID: e.Org(t, demo.SOCSlug).ID, Slug: "soc", Name: "SOC-vagt", Default: true,
			Members: []string{"anna"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := oc.AddRotation(ctx, soc, "soc", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Period: oncall.Weekly,
			Start: time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}

		box, addr := startSMTP(t)
		var mu sync.Mutex
		var hooks []delivery.Webhook
		hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var h delivery.Webhook
			if err := jsonUnmarshal(body, &h); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			mu.Lock()
			hooks = append(hooks, h)
			mu.Unlock()
		}))
		defer hook.Close()
		if _, err := notify.NewInbox(db).SetPreferences(ctx, anna, true, hook.URL, false); err != nil {
			t.Fatal(err)
		}

		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		var id int64
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			var err error
			id, err = oncall.Start(ctx, tx, oncall.Subject{OrgID: e.Org(t, "101").ID, Severity: "critical", Kind: oncall.KindAlert, SubjectID: 77,
				Title: "Ransomware på KK-FIL-01", At: now})
			return err
		}); err != nil || id == 0 {
			t.Fatalf("Start = %d, %v", id, err)
		}

		d := delivery.NewDeliverer(db, true)
		d.SMTP = &delivery.SMTP{Addr: addr, From: "samdrift@drift.example.dk", Security: "none"}
		d.PublicURL = "https://samdrift.example.dk"
		d.AckURL = oc.AckURL(d.PublicURL)
		if res, err := d.Deliver(ctx, now); err != nil || res.Emails != 1 || res.Webhooks != 1 {
			t.Fatalf("Deliver = %+v, %v; want one e-mail and one webhook", res, err)
		}
		link := regexp.MustCompile(`https://samdrift\.example\.dk/oncall/ack/([A-Za-z0-9_-]+)`)
		box.mu.Lock()
		if len(box.msgs) != 1 {
			t.Fatalf("mailbox holds %d messages; want 1", len(box.msgs))
		}
		subject := box.msgs[0].Header.Get("Subject")
		body, _ := io.ReadAll(box.msgs[0].Body)
		box.mu.Unlock()
		m := link.FindStringSubmatch(string(body))
		if m == nil || !strings.Contains(string(body), "https://samdrift.example.dk/alerts/77") {
			t.Fatalf("the e-mail lacks the acknowledge link or the alert's link:\n%s", body)
		}
		if !strings.Contains(subject, "Ransomware") {
			t.Errorf("subject = %q; want the alert's title", subject)
		}
		mu.Lock()
		if len(hooks) != 1 || hooks[0].EscalationID != id || link.FindStringSubmatch(hooks[0].AckURL) == nil || hooks[0].AlertID != 77 {
			t.Fatalf("webhooks = %+v; want escalation %d with an acknowledge link", hooks, id)
		}
		hookTok := link.FindStringSubmatch(hooks[0].AckURL)[1]
		mu.Unlock()

		// The links work: the e-mail's acknowledges as anna; the webhook's
		// is genuine too, and then answers that it is acknowledged.
		if c, err := oc.CheckToken(ctx, hookTok, now); err != nil || c.UserID != anna.UserID || c.EscalationID != id {
			t.Errorf("the webhook's link = %+v, %v", c, err)
		}
		got, err := oc.AckByToken(ctx, m[1], now.Add(time.Minute))
		if err != nil || got.State != oncall.StateAcknowledged || got.AckedBy != "anna" {
			t.Fatalf("acknowledging with the e-mail's link = %+v, %v", got, err)
		}
		if _, err := oc.AckByToken(ctx, hookTok, now.Add(2*time.Minute)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("the webhook's link after the e-mail's = %v; want ECONFLICT", err)
		}
		if _, err := oc.AckByToken(ctx, m[1], now.Add(25*time.Hour)); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("the link after 25 hours = %v; want EUNAUTHORIZED (expired)", err)
		}
	})
}
