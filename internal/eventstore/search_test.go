package eventstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// queryCorpusBase is when the query corpus's events happened.
var queryCorpusBase = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// queryCorpus is the events every event store's query language runs
// over (tenant 1001), and queryCases what each query must find.
func queryCorpus() []event.Event {
	base := queryCorpusBase
	mk := func(id string, minute int, host, app string, sev int, msg string, kv ...string) event.Event {
		e := event.Event{ID: id, Tenant: 1001, Time: base.Add(time.Duration(minute) * time.Minute), Received: base,
			Host: host, App: app, Severity: sev, Message: msg}
		for i := 0; i+1 < len(kv); i += 2 {
			e.Set(kv[i], kv[i+1])
		}
		return e
	}
	corpus := []event.Event{
		mk("a", 0, "dc01.kk.dk", "sshd", 6, "Accepted password for root from 10.1.2.3", "user.name", "root", "source.ip", "10.1.2.3", "destination.port", "22"),
		mk("b", 1, "dc02.kk.dk", "sshd", 5, "Failed password for admin from 10.1.2.4", "user.name", "admin", "source.ip", "10.1.2.4", "destination.port", "22"),
		mk("c", 2, "fw1", "", 4, "deny tcp", "source.ip", "192.168.1.9", "destination.port", "3389", "event.action", "deny"),
		mk("d", 3, "WS-17", "", 6, "A new process has been created", "event.code", "4688", "process.command_line", `C:\Windows\System32\cmd.exe /c whoami`, "user.name", "Søren"),
		mk("e", 4, "WS-18", "", 6, "An account was successfully logged on", "event.code", "4624", "user.name", "sys|admin", "winlog.channel", "Security"),
		mk("f", 5, "router", "", 2, "Interface Gi0/1 down 100% loss", "event.code", "4625"),
	}
	// A document from Elasticsearch's _bulk with arrays: each value is a
	// field of its own and terms match any of them.
	g := event.ParseJSON([]byte(`{"@timestamp":"2026-11-28T12:06:00Z","message":"flow","event":{"category":["network","authentication"]},`+
		`"tags":["beats","kk"],"related":{"ip":["10.9.9.9","192.0.2.50"]},"http":{"status":[200,503]}}`), base, "")
	g.ID, g.Tenant, g.Severity = "g", 1001, 7
	corpus = append(corpus, g)
	return corpus
}

// queryCase is a query and the ids of the corpus's events it finds.
type queryCase struct {
	q    string
	want string
}

var queryCases = []queryCase{
	{``, "a b c d e f g"},
	{`user.name:root`, "a"},
	{`user.name:ROOT`, "a"},
	{`user.name:adm*`, "b"},
	{`user.name:*admin`, "b e"},
	{`user.name:?oot`, "a"},
	{`user.name:sys\|admin`, "e"},
	{`user.name:søren`, "d"},
	{`password`, "a b"},
	{`"failed password"`, "b"},
	{`password AND NOT root`, "b"},
	{`password -user.name:root`, "b"},
	{`sshd OR deny`, "c"}, // sshd is not in any message; deny is
	{`app:sshd OR event.action:deny`, "a b c"},
	{`app:sshd AND (user.name:root OR source.ip:10.1.2.4)`, "a b"},
	{`event.code:(4624 OR 4688)`, "d e"},
	{`destination.port:[1 TO 1023]`, "a b"},
	{`destination.port:>1023`, "c"},
	{`destination.port:{22 TO 3389]`, "c"},
	{`severity:<=4`, "c f"},
	{`severity:[5 TO 6]`, "a b d e"},
	{`host.name:dc*`, "a b"},
	{`host.name:ws-17`, "d"},
	{`host:router`, "f"},
	{`process.command_line:*`, "d"},
	{`process.command_line:*whoami*`, "d"},
	{`process.command_line:C\:\\Windows*`, "d"},
	{`winlog.channel:security`, "e"},
	{`100%`, "f"},
	{`message:*gi0/1*`, "f"},
	{`@timestamp:[2026-11-28T12:01:00Z TO 2026-11-28T12:03:00Z}`, "b c"},
	{`NOT event.code:*`, "a b c g"},
	{`event.category:network`, "g"},
	{`event.category:authentication`, "g"},
	{`event.category:auth*`, "g"},
	{`tags:kk AND tags:beats`, "g"},
	{`related.ip:192.0.2.50`, "g"},
	{`http.status:[500 TO 599]`, "g"},
	{`http.status:>600`, ""},
	{`event.category:"network, authentication"`, ""},
	{`tenant:1001 AND severity:7`, "g"},
	{`tenant:1002 OR host:router`, "f"},
}

// TestQueryLanguage runs the query language over a small corpus on every
// dialect; each query lists the events it must find.
func TestQueryLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := eventstore.New(db)
		base := queryCorpusBase
		corpus := queryCorpus()
		if _, err := es.Append(ctx, corpus); err != nil {
			t.Fatal(err)
		}
		soc := access.System("test")
		for _, c := range queryCases {
			r, err := es.Search(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Q: c.q})
			if err != nil {
				t.Errorf("%q: %v", c.q, err)
				continue
			}
			var got []string
			for _, e := range r.Items {
				got = append(got, e.ID)
			}
			slices.Sort(got)
			if strings.Join(got, " ") != c.want || r.Total != len(got) || !r.TotalExact {
				t.Errorf("%q found %v (total %d); want %s", c.q, got, r.Total, c.want)
			}
		}
		_, err := es.Search(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Q: `user.name:(root`})
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "position 11") {
			t.Errorf("a bad query = %v; want EINVALID at position 11", err)
		}
		// Histogram: seven events in the first seven minutes of a
		// one-hour, 60-bucket window land one per bucket.
		h, width, err := es.Histogram(ctx, soc, eventstore.Query{From: base, To: base.Add(time.Hour)}, 60)
		if err != nil || width != time.Minute || len(h) != 60 {
			t.Fatalf("Histogram = %d buckets of %v, %v", len(h), width, err)
		}
		for i, b := range h {
			want := 0
			if i < 7 {
				want = 1
			}
			if b.Count != want {
				t.Errorf("bucket %d (%s) = %d; want %d", i, b.Start, b.Count, want)
			}
		}
		f, n, err := es.Facets(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Q: "app:sshd"}, 10, 5)
		if err != nil || n != 2 {
			t.Fatalf("Facets sampled %d, %v", n, err)
		}
		found := false
		for _, fc := range f {
			if fc.Field == "destination.port" {
				found = len(fc.Values) == 1 && fc.Values[0] == eventstore.FacetValue{Value: "22", Count: 2}
			}
		}
		if !found {
			t.Errorf("facets %+v lack destination.port 22 ×2", f)
		}
	})
}

// TestRareValueSkipsBlocks: a SOC search for a value one tenant's block
// holds finds it and, on SQLite, reads that block and skips the others by
// their gram filters; a term every block holds reads them all.
func TestRareValueSkipsBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := eventstore.New(db)
		base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		var even []event.Event
		for tenant := int64(1); tenant <= 40; tenant++ {
			var evs []event.Event
			for i := range 50 {
				e := event.Event{ID: fmt.Sprintf("t%d-%d", tenant, i), Tenant: tenant, Time: base.Add(time.Duration(i) * time.Second), Received: base,
					Host: fmt.Sprintf("srv%02d", tenant), App: "sshd", Message: fmt.Sprintf("Failed password for user%d from 10.0.%d.%d port 22", i, tenant, i)}
				if tenant == 17 && i == 7 {
					e.Message = "Accepted password for svc-backup from 198.51.100.77 port 22"
					e.Set("source.ip", "198.51.100.77")
				}
				evs = append(evs, e)
			}
			// Odd tenants arrive as a batch each (stored whole), even ones
			// in one batch of them all (stored event by event).
			if tenant%2 == 1 {
				if _, err := es.AppendBatches(ctx, []eventstore.Batch{{ID: fmt.Sprint("b", tenant), Events: evs}}); err != nil {
					t.Fatal(err)
				}
			} else {
				even = append(even, evs...)
			}
		}
		if _, err := es.Append(ctx, even); err != nil {
			t.Fatal(err)
		}
		soc := access.System("test")
		read0, skipped0 := es.BlocksRead.Load(), es.BlocksSkipped.Load()
		for _, q := range []string{`"198.51.100.77"`, `source.ip:198.51.100.77`, `svc-backup AND port`} {
			res, err := es.Search(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Q: q})
			if err != nil || len(res.Items) != 1 || res.Items[0].ID != "t17-7" {
				t.Fatalf("%s: %+v, %v; want t17-7", q, res.Items, err)
			}
		}
		if db.Dialect() == store.SQLite {
			read, skipped := es.BlocksRead.Load()-read0, es.BlocksSkipped.Load()-skipped0
			if read > 3*2 || skipped < 3*38 {
				t.Errorf("three rare searches read %d blocks and skipped %d; want about one read and 39 skipped each", read, skipped)
			}
			read0 = es.BlocksRead.Load()
			res, err := es.Search(ctx, soc, eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour), Q: `"failed password"`, Limit: 1000})
			if err != nil || res.Total != 40*50-1 {
				t.Fatalf("failed password: %d, %v; want %d", res.Total, err, 40*50-1)
			}
			if read := es.BlocksRead.Load() - read0; read != 40 {
				t.Errorf("a term in every block read %d blocks; want all 40", read)
			}
		}
	})
}
