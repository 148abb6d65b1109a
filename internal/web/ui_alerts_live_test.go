package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
	"github.com/samdrift/samdrift/internal/web"
)

// startDetect serves the demo with samdrift's own detection rules.
func startDetect(t *testing.T, db *store.DB) (*env, *detect.Detector) {
	t.Helper()
	e := &env{Env: demotest.New(t, db, false), t: t}
	det := detect.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := det.Library().ImportOwn(context.Background(), e.Scope(t, "demo-soc-analyst")); err != nil {
		t.Fatal(err)
	}
	cfg := webConfig(db, e.Orgs, e.Access)
	cfg.Detect, cfg.Version = det, "test"
	srv, err := web.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.url = hs.URL
	return e, det
}

// sudoShell makes the detector raise "Interactive root shell through
// sudo" for tenant on host.
func sudoShell(t *testing.T, det *detect.Detector, tenant int64, host, id string) {
	t.Helper()
	now := time.Now().UTC()
	ev := event.NewParser(time.UTC).ParseSyslog([]byte("<86>1 "+now.Format(time.RFC3339)+" "+host+" sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash"), now, "127.0.0.1")
	ev.Tenant, ev.ID = tenant, id
	if err := det.Handle(context.Background(), []detect.Batch{{ID: id, Events: []event.Event{ev}}}); err != nil {
		t.Fatal(err)
	}
}

type liveRow struct {
	ID    int64  `json:"id"`
	HTML  string `json:"html"`
	Total string `json:"total"`
}

// openRows opens /alerts/live?query as b and returns its rows as they come.
func openRows(t *testing.T, b *browser, query string) <-chan liveRow {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/alerts/live"+query, nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /alerts/live%s = %d %s", query, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan liveRow, 8)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "row":
				var r liveRow
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &r) == nil {
					out <- r
				}
			}
		}
	}()
	return out
}

func nextRow(t *testing.T, rows <-chan liveRow) liveRow {
	t.Helper()
	select {
	case r := <-rows:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no live row within 10 s")
	}
	return liveRow{}
}

var isoTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT|\d\d:\d\d:\d\d`)

// TestAlertRowsLive: a row streamed to an open /alerts page is the row
// the page renders: the level's Danish name, the organisation's name, the
// local time written as everywhere else, the tick box for triage; with
// the list's new total. A page filtered to other alerts gets the total
// and no row.
func TestAlertRowsLive(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, det := startDetect(t, db)
		b := newBrowser(t, e.url)
		b.login("demo-ciso", e.Passwords["demo-ciso"])
		rows := openRows(t, b, "")
		critical := openRows(t, b, "?level=critical")
		time.Sleep(200 * time.Millisecond) // both subscribed
		sudoShell(t, det, e.Org(t, "101").ID, "web01", "l1")

		r := nextRow(t, rows)
		for _, want := range []string{`class="level-medium fresh"`, "<td>Middel</td>", "Interactive root shell through sudo", "<td>København Kommune</td>",
			`<code>web01</code>`, `name="id" value="`, "<td>Ny</td>"} {
			if !strings.Contains(r.HTML, want) {
				t.Errorf("live row lacks %s:\n%s", want, r.HTML)
			}
		}
		if isoTime.MatchString(r.HTML) || !regexp.MustCompile(`<td class="nowrap">\d{1,2}\. [a-zæø]{3}\.? \d{4} \d\d:\d\d</td>`).MatchString(r.HTML) {
			t.Errorf("live row's times are not local and Danish:\n%s", r.HTML)
		}
		if r.Total != "1 alarmer i alt." {
			t.Errorf("live total = %q; want 1 alarmer i alt.", r.Total)
		}
		// The page renders the same row (but for being fresh).
		_, page := b.get("/alerts")
		if row := strings.Replace(r.HTML, " fresh", "", 1); !strings.Contains(page, row) {
			t.Errorf("the page's row differs from the live one:\nlive: %s\npage: %s", row, page)
		}
		if c := nextRow(t, critical); c.HTML != "" || c.Total != "0 alarmer i alt." {
			t.Errorf("a page of critical alerts got %+v; want no row and 0", c)
		}
	})
}

// TestAlertStreamEndsAtLogout: a live alert stream stops when its session
// ends (logout, or an administrator disabling the user), not when the
// client happens to close it.
func TestAlertStreamEndsAtLogout(t *testing.T) {
	defer web.SetStreamKeepAlive(100 * time.Millisecond)()
	e, _ := startDetect(t, storetest.SQLite(t))
	b := newBrowser(t, e.url)
	b.login("demo-ciso", e.Passwords["demo-ciso"])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/alerts/live", nil)
	resp, err := b.c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /alerts/live = %v, %v", resp, err)
	}
	defer resp.Body.Close()
	_, page := b.get("/")
	if r, _ := b.post("/logout", url.Values{"csrf": {csrfOf(t, page)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout = %d", r.StatusCode)
	}
	body, err := io.ReadAll(resp.Body) // ends when the server ends the stream
	if err != nil {
		t.Fatalf("the stream did not end after logout: %v (read %q)", err, body)
	}
	if !strings.Contains(string(body), "event: end") {
		t.Errorf("the stream ended without saying so: %q", body)
	}
}
