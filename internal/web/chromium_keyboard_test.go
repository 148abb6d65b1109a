package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// TestAlertTriageByKeyboard: København's CISO logs in, takes an alert and
// notes why with the keyboard alone — Tab to the status, arrow keys to
// "acknowledged", Tab to the comment, type, Tab to the button, Enter —
// and the alert is acknowledged with the note.
func TestAlertTriageByKeyboard(t *testing.T) {
	exe := chromium(t)
	db := storetest.SQLite(t)
	denv := demotest.New(t, db, false)
	det := detect.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := det.Library().ImportOwn(context.Background(), denv.Scope(t, "demo-soc-analyst")); err != nil {
		t.Fatal(err)
	}
	cfg := webConfig(db, denv.Orgs, denv.Access)
	cfg.Detect, cfg.Version = det, "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	now := time.Now().UTC()
	ev := event.NewParser(time.UTC).ParseSyslog([]byte("<86>1 "+now.Format(time.RFC3339)+" web01 sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash"), now, "127.0.0.1")
	ev.Tenant, ev.ID = denv.Org(t, "101").ID, "k1"
	if err := det.Handle(context.Background(), []detect.Batch{{ID: "k1", Events: []event.Event{ev}}}); err != nil {
		t.Fatal(err)
	}
	alerts, _, err := det.Alerts(context.Background(), access.System("test"), detect.Filter{})
	if err != nil || len(alerts) == 0 {
		t.Fatalf("no alert to triage: %v", err)
	}
	id := alerts[0].ID

	ctx := browse(t, exe)
	if err := keyboardLogin(ctx, hs.URL, "demo-ciso", denv.Passwords["demo-ciso"]); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, open(fmt.Sprintf("%s/alerts/%d", hs.URL, id)), shown(`#triage`)); err != nil {
		t.Fatal(err)
	}
	// tabTo presses Tab until the element matching sel has the focus.
	tabTo := func(sel string) {
		t.Helper()
		for range 80 {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+fmt.Sprintf("%q", sel)+`)`))
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				return
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("%s cannot be reached with Tab", sel)
	}
	tabTo(`#triage select[name="status"]`)
	for range 5 {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.value`))
		if err != nil {
			t.Fatal(err)
		}
		if v == detect.StatusAcknowledged {
			break
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
			t.Fatal(err)
		}
	}
	tabTo(`#triage textarea[name="comment"]`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("Kigger på det")); err != nil {
		t.Fatal(err)
	}
	tabTo(`#triage button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if got := textAfter(ctx, `#alert-notes`, "Kigger på det"); got == "" {
		t.Fatal("the note did not appear after submitting with Enter")
	}
	d, err := det.Alert(context.Background(), access.System("test"), id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != detect.StatusAcknowledged {
		t.Errorf("alert %d after the keyboard triage: status %q; want acknowledged", id, d.Status)
	}
}
