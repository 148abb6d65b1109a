package intel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/intel/misp"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// clock is a settable clock for the service.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func feedCursor(t *testing.T, db *store.DB, id int64) string {
	t.Helper()
	var c string
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT cursor FROM intel_feeds WHERE id = $1`, id).Scan(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func change(name, kind, u string) intel.FeedChange {
	return intel.FeedChange{Name: &name, Kind: &kind, URL: &u}
}

// TestAddFeed: what a feed must say, and who may add one.
func TestAddFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		certSc := w.Scope(t, "demo-cert")
		s := func(v string) *string { return &v }
		n := func(v int) *int { return &v }
		cases := []struct {
			name  string
			c     intel.FeedChange
			field string // "" = accepted
		}{
			{"no url", intel.FeedChange{Name: s("No URL"), Kind: s("stix")}, "name"},
			{"ftp", change("FTP", "stix", "ftp://partner.example/bundle.json"), "url"},
			{"file", change("File", "misp", "file:///etc/passwd"), "url"},
			{"no host", change("No host", "stix", "https:///bundle.json"), "url"},
			{"not a url", change("Not a URL", "stix", "partner.example/bundle.json"), "url"},
			{"unknown kind", change("RSS", "rss", "https://partner.example/feed.xml"), "kind"},
			{"taxii without collection", change("TAXII", "taxii", "https://partner.example/taxii2/api/"), "collection"},
			{"token_env lower case", func() intel.FeedChange {
				c := change("Token", "stix", "https://partner.example/b.json")
				c.TokenEnv = s("partner_token")
				return c
			}(), "token_env"},
			{"token_env a command", func() intel.FeedChange {
				c := change("Token", "stix", "https://partner.example/b.json")
				c.TokenEnv = s("$(cat /etc/passwd)")
				return c
			}(), "token_env"},
			{"token_env from a digit", func() intel.FeedChange {
				c := change("Token", "stix", "https://partner.example/b.json")
				c.TokenEnv = s("1TOKEN")
				return c
			}(), "token_env"},
			{"tlp white", func() intel.FeedChange {
				c := change("White", "stix", "https://partner.example/b.json")
				c.TLP = s("white")
				return c
			}(), "tlp"},
			{"every 4 minutes", func() intel.FeedChange {
				c := change("Fast", "stix", "https://partner.example/b.json")
				c.Interval = n(4)
				return c
			}(), "interval_minutes"},
			{"every 7 days and a minute", func() intel.FeedChange {
				c := change("Slow", "stix", "https://partner.example/b.json")
				c.Interval = n(10081)
				return c
			}(), "interval_minutes"},
			{"every 5 minutes", func() intel.FeedChange {
				c := change("Every five", "stix", "https://partner.example/b.json")
				c.Interval = n(5)
				return c
			}(), ""},
			{"every 7 days", func() intel.FeedChange {
				c := change("Weekly", "taxii", "https://partner.example/taxii2/api/")
				c.Interval, c.Collection, c.TokenEnv, c.TLP = n(10080), s("91a7b528-80eb-42ed-a74d-c6fbd5a26116"), s("SAMDRIFT_FEED_PARTNER_TOKEN"), s("AMBER+STRICT")
				return c
			}(), ""},
		}
		for _, c := range cases {
			f, err := svc.AddFeed(ctx, certSc, c.c)
			switch e := errs.As(err); {
			case c.field == "" && err != nil:
				t.Errorf("AddFeed(%s) = %v; want it added", c.name, err)
			case c.field != "" && (e == nil || e.Code != errs.Invalid || e.Field != c.field):
				t.Errorf("AddFeed(%s) = %+v, %v; want %s on %s", c.name, f, err, errs.Invalid, c.field)
			}
		}
		fs, err := svc.Feeds(ctx, certSc)
		if err != nil || len(fs) != 2 || fs[0].Name != "Every five" || fs[0].Interval != 5 || fs[0].TLP != "amber" || !fs[0].Enabled ||
			fs[1].Name != "Weekly" || fs[1].Interval != 10080 || fs[1].TLP != "amber+strict" || fs[1].TokenEnv != "SAMDRIFT_FEED_PARTNER_TOKEN" {
			t.Errorf("Feeds(CERT) = %+v, %v; want the 5-minute and the weekly feed", fs, err)
		}
		if _, err := svc.AddFeed(ctx, certSc, change("Weekly", "stix", "https://other.example/b.json")); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("AddFeed(a second %q) = %v; want %s", "Weekly", err, errs.Conflict)
		}

		for _, who := range []struct {
			user string
			code errs.Code // "" = may add
		}{
			{"demo-cert", ""}, {"demo-admin", ""},
			{"demo-soc-analyst", errs.Forbidden}, {"demo-ciso", errs.Forbidden}, {"demo-governance", errs.Forbidden},
			{"demo-unit-manager", errs.Forbidden}, {"demo-kommune-it", errs.Forbidden},
		} {
			_, err := svc.AddFeed(ctx, w.Scope(t, who.user), change("Feed of "+who.user, "stix", "https://partner.example/"+who.user+".json"))
			if errs.CodeOf(err) != who.code {
				t.Errorf("AddFeed by %s = %v; want %q", who.user, err, who.code)
			}
		}
		// UpdateFeed checks the same way; others cannot find the feed.
		if _, err := svc.UpdateFeed(ctx, certSc, fs[0].ID, intel.FeedChange{Interval: n(1)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("UpdateFeed(interval 1) = %v; want %s", err, errs.Invalid)
		}
		if _, err := svc.UpdateFeed(ctx, w.Scope(t, "demo-ciso"), fs[0].ID, intel.FeedChange{Interval: n(60)}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("UpdateFeed by a CISO = %v; want %s", err, errs.NotFound)
		}
		if _, err := svc.Feeds(ctx, w.Scope(t, "demo-ciso")); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("Feeds(CISO) = %v; want %s", err, errs.Forbidden)
		}
	})
}

// TestPollSTIXFeed polls a partner's STIX bundle: it is imported under
// the feed's TLP and recorded; a failing partner is recorded without
// moving the cursor; two nodes polling at once fetch a due feed once.
func TestPollSTIXFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		bundle := readTestdata(t, "partner-bundle.json")
		var requests atomic.Int32
		var failing atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			time.Sleep(50 * time.Millisecond) // a partner takes its time: two pollers overlap
			if failing.Load() {
				http.Error(rw, "partner database is down", http.StatusServiceUnavailable)
				return
			}
			rw.Header().Set("Content-Type", "application/json")
			rw.Write(bundle)
		}))
		defer srv.Close()
		clk := &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		node := func() *intel.Service {
			s := newService(db, nil)
			s.Client, s.Clock = srv.Client(), clk.Now
			return s
		}
		svc := node()
		f, err := svc.AddFeed(ctx, w.Scope(t, "demo-cert"), change("Nordic Partner", "stix", srv.URL+"/bundle.json"))
		if err != nil {
			t.Fatal(err)
		}

		n, err := svc.Poll(ctx)
		if err != nil || n != 1 || requests.Load() != 1 {
			t.Fatalf("Poll() = %d, %v with %d requests; want the new feed polled once", n, err, requests.Load())
		}
		got, _ := svc.Feeds(ctx, system)
		f = got[0]
		// 4 indicators, the report and the advisory.
		if f.LastStatus != "ok" || f.LastError != "" || f.Imported != 6 || f.PolledAt == nil || !f.PolledAt.Equal(clk.Now()) ||
			!f.NextPollAt.Equal(clk.Now().Add(time.Hour)) {
			t.Errorf("the feed after a poll = %+v; want ok, 6 imported, polled now, next in an hour", f)
		}
		if c := feedCursor(t, db, f.ID); c != "2026-12-01T10:00:00Z" {
			t.Errorf("cursor after a poll = %q; want %q", c, "2026-12-01T10:00:00Z")
		}
		for _, in := range allIndicators(t, db) {
			if in.FeedID != f.ID || (in.TLP != "amber" && in.TLP != "red") || in.OrgID != w.Org(t, "faelles-soc-cert").ID {
				t.Errorf("indicator from the feed = %+v; want feed %d, at least AMBER, the CERT's organisation", in, f.ID)
			}
		}
		if rs := allReports(t, svc); len(rs) != 1 || rs[0].FeedID != f.ID || rs[0].TLP != "amber" {
			t.Errorf("reports from the feed = %+v; want one, AMBER, of feed %d", rs, f.ID)
		}

		// Not due: nothing happens.
		if n, err := svc.Poll(ctx); n != 0 || err != nil || requests.Load() != 1 {
			t.Errorf("Poll() before the feed is due = %d, %v (%d requests); want 0", n, err, requests.Load())
		}
		// A new interval counts from the last poll: longer, then back.
		for _, minutes := range []int{180, 60} {
			g, err := svc.UpdateFeed(ctx, w.Scope(t, "demo-cert"), f.ID, intel.FeedChange{Interval: &minutes})
			if want := f.PolledAt.Add(time.Duration(minutes) * time.Minute); err != nil || !g.NextPollAt.Equal(want) {
				t.Errorf("the feed every %d minutes = %+v, %v; want the next poll at %v", minutes, g, err, want)
			}
		}

		// The partner fails: recorded, the cursor stays.
		clk.Add(time.Hour)
		failing.Store(true)
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Errorf("Poll() of a failing feed = %d, %v; want 1 polled, no error", n, err)
		}
		got, _ = svc.Feeds(ctx, system)
		if f := got[0]; f.LastStatus != "failed" || !strings.Contains(f.LastError, "503") || !strings.Contains(f.LastError, "partner database is down") ||
			f.Imported != 6 || !f.NextPollAt.Equal(clk.Now().Add(time.Hour)) {
			t.Errorf("the feed after a failed poll = %+v; want failed naming the 503, still 6 imported, next in an hour", f)
		}
		if c := feedCursor(t, db, f.ID); c != "2026-12-01T10:00:00Z" {
			t.Errorf("cursor after a failed poll = %q; want it kept, %q", c, "2026-12-01T10:00:00Z")
		}

		// Two nodes poll the due feed at the same moment: one fetches it.
		failing.Store(false)
		clk.Add(time.Hour)
		before := requests.Load()
		nodes := []*intel.Service{node(), node()}
		polled := make([]int, len(nodes))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, s := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var err error
				if polled[i], err = s.Poll(ctx); err != nil {
					t.Errorf("node %d: Poll() = %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if r := requests.Load() - before; r != 1 || polled[0]+polled[1] != 1 {
			t.Errorf("two nodes polling a due feed: %d requests, polled %v; want 1 request, one node polling", r, polled)
		}
		got, _ = svc.Feeds(ctx, system)
		if f := got[0]; f.LastStatus != "ok" || f.LastError != "" {
			t.Errorf("the feed after it recovered = %+v; want ok", f)
		}

		// PollNow polls whatever the schedule (the CERT only).
		before = requests.Load()
		if _, err := svc.PollNow(ctx, w.Scope(t, "demo-ciso"), f.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("PollNow by a CISO = %v; want %s", err, errs.NotFound)
		}
		if f, err := svc.PollNow(ctx, w.Scope(t, "demo-cert"), f.ID); err != nil || f.LastStatus != "ok" || requests.Load() != before+1 {
			t.Errorf("PollNow by the CERT = %+v, %v (%d requests); want polled once more", f, err, requests.Load()-before)
		}
	})
}

// taxiiServer is a small TAXII 2.1 collection: objects with the time
// each was added; a page holds at most pageSize objects, and next is the
// offset into what added_after selects, as TAXII allows.
type taxiiServer struct {
	t        *testing.T
	pageSize int
	mu       sync.Mutex
	objects  []json.RawMessage
	added    []time.Time
	auth     []string // the Authorization of each request
	queries  []url.Values
	redirect string // when set, requests with next go there
	fail     bool   // answer 503
}

func (s *taxiiServer) add(obj string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects, s.added = append(s.objects, json.RawMessage(obj)), append(s.added, at)
}

func (s *taxiiServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	q := r.URL.Query()
	s.queries = append(s.queries, q)
	if s.fail {
		http.Error(rw, "overloaded", http.StatusServiceUnavailable)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Accept"), "application/taxii+json") {
		http.Error(rw, "want TAXII", http.StatusNotAcceptable)
		return
	}
	if r.URL.Path != "/taxii2/api/collections/91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/" {
		http.NotFound(rw, r)
		return
	}
	if s.redirect != "" && q.Get("next") != "" {
		http.Redirect(rw, r, s.redirect+r.URL.RequestURI(), http.StatusFound)
		return
	}
	var after time.Time
	if a := q.Get("added_after"); a != "" {
		var err error
		if after, err = time.Parse(time.RFC3339Nano, a); err != nil {
			http.Error(rw, "bad added_after", http.StatusBadRequest)
			return
		}
	}
	var sel []int
	for i, at := range s.added {
		if at.After(after) {
			sel = append(sel, i)
		}
	}
	off, _ := strconv.Atoi(q.Get("next"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	n := min(s.pageSize, limit, max(len(sel)-off, 0))
	env := map[string]any{"more": off+n < len(sel)}
	if off+n < len(sel) {
		env["next"] = strconv.Itoa(off + n)
	}
	objs := []json.RawMessage{}
	for _, i := range sel[off : off+n] {
		objs = append(objs, s.objects[i])
	}
	if n > 0 {
		env["objects"] = objs
		rw.Header().Set("X-TAXII-Date-Added-First", s.added[sel[off]].Format("2006-01-02T15:04:05.000000Z"))
		rw.Header().Set("X-TAXII-Date-Added-Last", s.added[sel[off+n-1]].Format("2006-01-02T15:04:05.000000Z"))
	}
	rw.Header().Set("Content-Type", "application/taxii+json;version=2.1")
	json.NewEncoder(rw).Encode(env)
}

func taxiiIndicator(i int) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--7d1c3b9e-2f4a-4c6b-8e1d-%012d","created":"2026-11-01T00:00:00.000Z",
		"modified":"2026-11-01T00:00:00.000Z","name":"Partner indicator %d","pattern":"[ipv4-addr:value = '198.18.0.%d']","pattern_type":"stix",
		"valid_from":"2026-11-01T00:00:00Z","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}`, i, i, i)
}

// TestPollTAXIIFeed polls a partner's TAXII collection page by page: the
// paging follows next under the same added_after, the cursor moves on to
// the last date added, and the feed's token goes to the feed's host only,
// not to another host the feed sends it to.
func TestPollTAXIIFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		feedHost := &taxiiServer{t: t, pageSize: 2}
		other := &taxiiServer{t: t, pageSize: 2}
		srv, otherSrv := httptest.NewServer(feedHost), httptest.NewServer(other)
		defer srv.Close()
		defer otherSrv.Close()
		feedHost.redirect = otherSrv.URL // the later pages are served elsewhere
		base := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
		for i := 1; i <= 5; i++ {
			at := base.Add(time.Duration(i) * time.Second)
			feedHost.add(taxiiIndicator(i), at)
			other.add(taxiiIndicator(i), at)
		}

		clk := &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		env := map[string]string{"SAMDRIFT_FEED_PARTNER_TOKEN": "s3cret-token"}
		svc := newService(db, func(k string) string { return env[k] })
		svc.Clock = clk.Now
		c := change("Partner TAXII", "taxii", srv.URL+"/taxii2/api/")
		col, tokenEnv, tlp := "91a7b528-80eb-42ed-a74d-c6fbd5a26116", "SAMDRIFT_FEED_PARTNER_TOKEN", "green"
		c.Collection, c.TokenEnv, c.TLP = &col, &tokenEnv, &tlp
		f, err := svc.AddFeed(ctx, w.Scope(t, "demo-cert"), c)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Fatalf("Poll() = %d, %v; want the feed polled", n, err)
		}
		got, _ := svc.Feeds(ctx, system)
		if f := got[0]; f.LastStatus != "ok" || f.Imported != 5 {
			t.Errorf("the TAXII feed after a poll = %+v; want ok, 5 imported", f)
		}
		var values []string
		for _, in := range allIndicators(t, db) {
			values = append(values, in.Value)
			if in.FeedID != f.ID || in.TLP != "green" {
				t.Errorf("indicator from the TAXII feed = %+v; want GREEN of feed %d", in, f.ID)
			}
		}
		if want := []string{"198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4", "198.18.0.5"}; strings.Join(values, " ") != strings.Join(want, " ") {
			t.Errorf("indicators from the TAXII feed = %q; want %q", values, want)
		}
		last := "2026-11-01T12:00:05.000000Z"
		if c := feedCursor(t, db, f.ID); c != last {
			t.Errorf("cursor after the TAXII poll = %q; want %q", c, last)
		}
		// The feed's host was asked once, with the token; the other host
		// served pages 2 and 3 and never saw it.
		if len(feedHost.auth) != 3 || len(other.auth) != 2 {
			t.Errorf("requests: %d to the feed's host, %d to the other; want 3 and 2", len(feedHost.auth), len(other.auth))
		}
		for i, a := range feedHost.auth {
			if a != "Bearer s3cret-token" {
				t.Errorf("request %d to the feed's host had Authorization %q; want the feed's token", i, a)
			}
		}
		for i, a := range other.auth {
			if a != "" {
				t.Errorf("request %d to another host had Authorization %q; want none", i, a)
			}
		}
		for i, q := range append(feedHost.queries, other.queries...) {
			if q.Get("added_after") != "" {
				t.Errorf("request %d of the first poll sent added_after=%q; want none", i, q.Get("added_after"))
			}
		}

		// The next poll asks for what was added after the cursor.
		clk.Add(time.Hour)
		feedHost.auth, other.auth, feedHost.queries = nil, nil, nil
		feedHost.add(taxiiIndicator(6), base.Add(6*time.Second))
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Fatalf("Poll() an hour later = %d, %v", n, err)
		}
		if len(feedHost.queries) != 1 || feedHost.queries[0].Get("added_after") != last {
			t.Errorf("the second poll asked %v; want one request with added_after=%s", feedHost.queries, last)
		}
		if n := count(t, db, "indicators"); n != 6 {
			t.Errorf("indicators after the second poll = %d; want 6", n)
		}
		if c := feedCursor(t, db, f.ID); c != "2026-11-01T12:00:06.000000Z" {
			t.Errorf("cursor after the second poll = %q; want %q", c, "2026-11-01T12:00:06.000000Z")
		}

		// The host of the later pages fails: what came before it stays
		// imported, and the cursor moves on as far as that.
		other.mu.Lock()
		other.fail = true
		other.mu.Unlock()
		for i := 7; i <= 9; i++ {
			feedHost.add(taxiiIndicator(i), base.Add(time.Duration(i)*time.Second))
			other.add(taxiiIndicator(i), base.Add(time.Duration(i)*time.Second))
		}
		clk.Add(time.Hour)
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Fatalf("Poll() with a failing host = %d, %v", n, err)
		}
		got, _ = svc.Feeds(ctx, system)
		if f := got[0]; f.LastStatus != "failed" || !strings.Contains(f.LastError, "503") || count(t, db, "indicators") != 8 {
			t.Errorf("the feed after its second page failed = %+v with %d indicators; want failed (503), 8 indicators", f, count(t, db, "indicators"))
		}
		if c := feedCursor(t, db, f.ID); c != "2026-11-01T12:00:08.000000Z" {
			t.Errorf("cursor after the second page failed = %q; want %q", c, "2026-11-01T12:00:08.000000Z")
		}
		other.mu.Lock()
		other.fail = false
		other.mu.Unlock()
		clk.Add(time.Hour)
		if n, err := svc.Poll(ctx); n != 1 || err != nil || count(t, db, "indicators") != 9 || feedCursor(t, db, f.ID) != "2026-11-01T12:00:09.000000Z" {
			t.Errorf("Poll() after the host recovered = %d, %v: %d indicators, cursor %q; want 9, 2026-11-01T12:00:09.000000Z", n, err,
				count(t, db, "indicators"), feedCursor(t, db, f.ID))
		}

		// Pointed at another collection, the feed starts over there.
		other2 := "0e5b2d3c-6a7f-4e8d-9c1b-2a3f4e5d6c7b"
		if _, err := svc.UpdateFeed(ctx, w.Scope(t, "demo-cert"), f.ID, intel.FeedChange{Collection: &other2}); err != nil {
			t.Fatal(err)
		}
		if c := feedCursor(t, db, f.ID); c != "" {
			t.Errorf("cursor after pointing the feed at another collection = %q; want it reset", c)
		}
	})
}

// TestPollMISPFeed polls a partner's MISP feed (laid out by
// misp.FeedFiles): its events become reports with their indicators, and
// an event the partner adds to its feed after our poll, though it changed
// before, is fetched by the next (the cursor is the partner's timestamp,
// not our clock).
func TestPollMISPFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		event := func(uuid, info string, at time.Time, inds ...string) misp.Event {
			var ins []indicator.Indicator
			for _, v := range inds {
				ins = append(ins, indicator.Indicator{Type: "domain", Value: v, TLP: "green", Level: "high"})
			}
			e, err := misp.EventFromIndicators(misp.Event{UUID: uuid, Info: info, OrgName: "CIRCL-like partner", Timestamp: at}, ins)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		t0 := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		events := []misp.Event{
			event("5b8e7c1a-0f5d-4e2b-9a3c-1d2e3f4a5b01", "Phishing kit", t0, "kit.example", "kit2.example"),
			event("5b8e7c1a-0f5d-4e2b-9a3c-1d2e3f4a5b02", "Botnet C2", t0.Add(time.Hour), "c2.botnet.example"),
		}
		var mu sync.Mutex
		files, err := misp.FeedFiles(events)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			data, ok := files[strings.TrimPrefix(r.URL.Path, "/feed/")]
			if !ok {
				http.NotFound(rw, r)
				return
			}
			rw.Write(data)
		}))
		defer srv.Close()

		clk := &clock{now: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
		svc := newService(db, nil)
		svc.Client, svc.Clock = srv.Client(), clk.Now
		f, err := svc.AddFeed(ctx, w.Scope(t, "demo-cert"), change("Partner MISP", "misp", srv.URL+"/feed/"))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Fatalf("Poll() = %d, %v", n, err)
		}
		got, _ := svc.Feeds(ctx, system)
		if f := got[0]; f.LastStatus != "ok" || f.Imported != 5 {
			t.Errorf("the MISP feed after a poll = %+v; want ok, 2 reports and 3 indicators imported", f)
		}
		reps := allReports(t, svc)
		if len(reps) != 2 || reps[0].Title != "Botnet C2" || reps[1].Title != "Phishing kit" || reps[0].Source != "misp" || reps[0].FeedID != f.ID ||
			reps[0].TLP != "amber" || reps[0].Level != "high" || reps[0].Origin != "CIRCL-like partner" || reps[1].Indicators != 2 {
			t.Errorf("reports from the MISP feed = %+v; want Botnet C2 and Phishing kit (2 indicators), AMBER, high, from the partner", reps)
		}

		// The partner writes its feed now and then: an event changed at
		// 09:30 appears after our poll at 10:00.
		mu.Lock()
		events = append(events, event("5b8e7c1a-0f5d-4e2b-9a3c-1d2e3f4a5b03", "Late event", t0.Add(90*time.Minute), "late.example"))
		files, err = misp.FeedFiles(events)
		mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Hour)
		if n, err := svc.Poll(ctx); n != 1 || err != nil {
			t.Fatalf("the second Poll() = %d, %v", n, err)
		}
		if reps := allReports(t, svc); len(reps) != 3 {
			t.Errorf("reports after the partner added one = %d; want 3", len(reps))
		}
		if n := count(t, db, "indicators"); n != 4 {
			t.Errorf("indicators after the partner added an event = %d; want 4", n)
		}
	})
}

// TestPollCSAFFeed polls a provider's ROLIE feed. The cursor is the
// newest update the provider listed, in its clock, not ours: a document
// it lists later with an earlier time than our last poll is still read.
// A document refused is reported once and passed over until the
// provider updates it.
func TestPollCSAFFeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		docs := map[string][]byte{}
		for _, name := range []string{"tree.json", "scores.json", "amber.json", "invalid_schema.json"} {
			data, err := os.ReadFile("../cert/csaf/testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			docs["/"+name] = data
		}
		var mu sync.Mutex
		type listed struct{ doc, updated string }
		entries := []listed{{"tree.json", "2024-03-05T07:30:00Z"}, {"scores.json", "2024-05-02T12:00:00Z"}}
		fetched := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.URL.Path == "/feed.json" {
				var es []string
				for _, e := range entries {
					es = append(es, `{"id": "`+e.doc+`", "title": "`+e.doc+`", "link": [{"rel": "self", "href": "`+e.doc+`"}],
						"published": "`+e.updated+`", "updated": "`+e.updated+`", "content": {"type": "application/json", "src": "`+e.doc+`"}}`)
				}
				rw.Write([]byte(`{"feed": {"id": "test-feed", "title": "Test feed", "updated": "2026-12-01T00:00:00Z", "entry": [` + strings.Join(es, ", ") + `]}}`))
				return
			}
			data, ok := docs[r.URL.Path]
			if !ok {
				http.NotFound(rw, r)
				return
			}
			fetched[r.URL.Path]++
			rw.Write(data)
		}))
		defer srv.Close()
		clk := &clock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		svc := newService(db, nil)
		svc.Client, svc.Clock = srv.Client(), clk.Now
		f, err := svc.AddFeed(ctx, w.Scope(t, "demo-cert"), change("Vendor PSIRT", "csaf", srv.URL+"/feed.json"))
		if err != nil {
			t.Fatal(err)
		}
		poll := func(what string, wantStatus, wantCursor string, wantImported int64) intel.Feed {
			t.Helper()
			if n, err := svc.Poll(ctx); n != 1 || err != nil {
				t.Fatalf("%s: Poll() = %d, %v; want the feed polled", what, n, err)
			}
			got, _ := svc.Feeds(ctx, system)
			if g := got[0]; g.LastStatus != wantStatus || g.Imported != wantImported {
				t.Errorf("%s: the feed = %+v; want %s with %d imported", what, g, wantStatus, wantImported)
			}
			if c := feedCursor(t, db, f.ID); c != wantCursor {
				t.Errorf("%s: cursor = %q; want the provider's newest update, %q", what, c, wantCursor)
			}
			clk.Add(time.Hour)
			return got[0]
		}
		poll("the first poll", "ok", "2024-05-02T12:00:00Z", 2)

		// Listed late, with a time before our last poll but after the
		// provider's newest: read.
		mu.Lock()
		entries = append(entries, listed{"amber.json", "2026-11-30T00:00:00Z"})
		mu.Unlock()
		poll("a document listed late", "ok", "2026-11-30T00:00:00Z", 3)

		// A document the schema refuses: reported, then passed over.
		mu.Lock()
		entries = append(entries, listed{"invalid_schema.json", "2026-12-01T09:00:00Z"})
		mu.Unlock()
		g := poll("a bad document", "failed", "2026-12-01T09:00:00Z", 3)
		if !strings.Contains(g.LastError, "invalid_schema.json") {
			t.Errorf("the error of a refused document = %q; want it named", g.LastError)
		}
		poll("after the bad document", "ok", "2026-12-01T09:00:00Z", 3)
		mu.Lock()
		defer mu.Unlock()
		if fetched["/tree.json"] != 1 || fetched["/amber.json"] != 1 || fetched["/invalid_schema.json"] != 1 {
			t.Errorf("documents fetched %v; want each once", fetched)
		}
	})
}
