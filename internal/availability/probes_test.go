package availability_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/availability"
	"github.com/samdrift/samdrift/internal/calendar"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// service is an HTTP server and a TCP listener on 127.0.0.1 that can be
// stopped and started again on the same addresses.
type service struct {
	t              *testing.T
	httpAddr, tcp  string
	srv            *http.Server
	httpLn, tcpLn  net.Listener
	stopped, begun time.Time
}

func (s *service) start() {
	s.t.Helper()
	var err error
	if s.httpLn, err = net.Listen("tcp", s.httpAddr); err != nil {
		s.t.Fatal(err)
	}
	if s.tcpLn, err = net.Listen("tcp", s.tcp); err != nil {
		s.t.Fatal(err)
	}
	s.httpAddr, s.tcp = s.httpLn.Addr().String(), s.tcpLn.Addr().String()
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "status: ok") })}
	go s.srv.Serve(s.httpLn)
	go func(ln net.Listener) {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}(s.tcpLn)
	s.begun = time.Now()
}

func (s *service) stop() {
	s.srv.Close()
	s.tcpLn.Close()
	s.stopped = time.Now()
}

// TestProbesMeasureAnOutage: an HTTP and a TCP probe every second
// against servers the test starts; the servers stop for three seconds:
// each probe opens an outage from its first failed check and ends it at
// its first good one, and the month's downtime is exactly the outages'
// union, within a probe interval of the time the servers were down.
func TestProbesMeasureAnOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("stops servers for seconds")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		env := demotest.New(t, db, true)
		svc := availability.New(db, env.Catalog)
		sub := subscribe(t, env, "101", "server-virtual-windows", "udvidet", time.Now().AddDate(0, -2, 0))
		srv := &service{t: t, httpAddr: "127.0.0.1:0", tcp: "127.0.0.1:0"}
		srv.start()
		defer srv.stop()
		desk := env.Scope(t, "demo-servicedesk")
		var probes []availability.Probe
		for _, n := range []availability.NewProbe{
			{Subscription: sub.ID, Name: "web", Kind: availability.ProbeHTTP, Target: "http://" + srv.httpAddr + "/health", ExpectBody: "ok",
				Interval: time.Second, Timeout: 500 * time.Millisecond, FailuresToOpen: 1},
			{Subscription: sub.ID, Name: "port", Kind: availability.ProbeTCP, Target: srv.tcp, Interval: time.Second, Timeout: 500 * time.Millisecond, FailuresToOpen: 1},
		} {
			p, err := svc.AddProbe(ctx, desk, n)
			if err != nil {
				t.Fatal(err)
			}
			probes = append(probes, p)
		}
		// Refused: another unit, a bad target, an interval too short.
		env.AddUser(t, "desk-syd", "enhed-syddanmark", access.RoleServiceDesk)
		if _, err := svc.AddProbe(ctx, env.Scope(t, "desk-syd"), availability.NewProbe{Subscription: sub.ID, Name: "x", Kind: "tcp", Target: "10.0.0.1:22"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("another unit's probe: %v; want answered as an unknown subscription", err)
		}
		for _, n := range []availability.NewProbe{
			{Subscription: sub.ID, Name: "x", Kind: "http", Target: "ftp://x"},
			{Subscription: sub.ID, Name: "x", Kind: "icmp", Target: "10.0.0.1"},
			{Subscription: sub.ID, Name: "x", Kind: "tcp", Target: "10.0.0.1:22", Interval: 500 * time.Millisecond},
		} {
			if _, err := svc.AddProbe(ctx, desk, n); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%+v: %v; want refused", n, err)
			}
		}
		prober := svc.NewProber(16, true)
		go func() {
			for ctx.Err() == nil {
				if _, err := prober.RunDue(ctx); err != nil && ctx.Err() == nil {
					t.Error(err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		states := func() string {
			ps, err := svc.Probes(ctx, desk, sub.ID)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, p := range ps {
				s = append(s, p.State)
			}
			return strings.Join(s, ",")
		}
		waitFor := func(what, want string) {
			t.Helper()
			for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				if states() == want {
					return
				}
			}
			t.Fatalf("%s: probes %s; want %s", what, states(), want)
		}
		waitFor("at first", "up,up")
		srv.stop()
		waitFor("with the servers stopped", "down,down")
		time.Sleep(time.Until(srv.stopped.Add(3 * time.Second)))
		srv.start()
		waitFor("after the servers came back", "up,up")
		down := srv.begun.Sub(srv.stopped)
		outages, err := svc.Outages(ctx, desk, availability.Filter{Subscription: sub.ID})
		if err != nil || len(outages) != 2 {
			t.Fatalf("outages = %+v, %v; want one per probe", outages, err)
		}
		var spans []availability.Span
		for _, o := range outages {
			if o.Source != "probe" || o.EndedAt == nil {
				t.Fatalf("outage %+v", o)
			}
			// Whole seconds: the start may be up to a second before the
			// first failed check's instant, the end the same.
			if o.StartedAt.Before(srv.stopped.Add(-time.Second)) || o.StartedAt.After(srv.stopped.Add(1500*time.Millisecond)) ||
				o.EndedAt.Before(srv.begun.Add(-time.Second)) || o.EndedAt.After(srv.begun.Add(1500*time.Millisecond)) {
				t.Errorf("outage %s–%s; the servers were down %s–%s", o.StartedAt.Format(time.StampMilli), o.EndedAt.Format(time.StampMilli),
					srv.stopped.Format(time.StampMilli), srv.begun.Format(time.StampMilli))
			}
			spans = append(spans, availability.Span{From: o.StartedAt, To: *o.EndedAt, Impact: 1})
		}
		now := time.Now().In(calendar.Copenhagen)
		from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, calendar.Copenhagen)
		if outages[0].StartedAt.Before(from) {
			t.Skip("the outage straddles a month's start")
		}
		items, err := svc.Month(ctx, desk, from, from.AddDate(0, 1, 0), env.Org(t, "101").ID)
		if err != nil {
			t.Fatal(err)
		}
		always, _ := calendar.Lookup("always")
		want := availability.Measure(always, from, time.Now().Add(time.Hour), spans, nil, false).Down
		for _, it := range items {
			if it.SubscriptionID != sub.ID {
				continue
			}
			if it.DowntimeSeconds != int64(want/time.Second) || it.Outages != 2 {
				t.Errorf("downtime %d s in %d outages; want %s, the outages' union", it.DowntimeSeconds, it.Outages, want)
			}
			if d := time.Duration(it.DowntimeSeconds) * time.Second; d < down-time.Second || d > down+2*time.Second {
				t.Errorf("downtime %s; the servers were down %s", d, down.Round(time.Millisecond))
			}
			t.Logf("servers down %s; measured %d s", down.Round(time.Millisecond), it.DowntimeSeconds)
		}
		// Without allowLocal a probe may not reach this host.
		strict := svc.NewProber(4, false)
		if _, err := db.Reader().ExecContext(ctx, `UPDATE probes SET next_due = 0`); err != nil {
			t.Fatal(err)
		}
		cancel()
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		if _, err := strict.RunDue(sctx); err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			ps, _ := svc.Probes(sctx, desk, sub.ID)
			if len(ps) == 2 && strings.Contains(ps[1].LastError, "local address") {
				return
			}
		}
		ps, _ := svc.Probes(sctx, desk, sub.ID)
		t.Errorf("a strict prober reached 127.0.0.1: %+v", ps)
	})
}
