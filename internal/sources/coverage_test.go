package sources_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/logstd"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestCoverageAndSilentSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		reg := sources.New(db)
		sys := access.System("t")
		cph := e.Org(t, "101").ID
		add := func(typ, cidr string, silent time.Duration) sources.Source {
			s, _, err := reg.Add(ctx, sys, sources.NewSource{OrgID: cph, Name: typ, Kind: sources.KindCIDR, Value: cidr, Type: typ, SilentAfter: silent})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		dc := add("domain-controller", "10.1.1.0/24", 0)
		fw := add("firewall", "10.1.2.0/24", 30*time.Minute)
		now := time.Now().UTC()
		// The domain controllers sent a minute ago; the firewall two hours ago.
		if err := reg.RecordSeen(ctx, map[int64]sources.Seen{dc.ID: {Last: now.Add(-time.Minute), Events: 10}, fw.ID: {Last: now.Add(-2 * time.Hour), Events: 3}}); err != nil {
			t.Fatal(err)
		}
		// An older batch arriving late does not move last_seen back.
		if err := reg.RecordSeen(ctx, map[int64]sources.Seen{dc.ID: {Last: now.Add(-time.Hour), Events: 1}}); err != nil {
			t.Fatal(err)
		}
		cov, err := reg.Coverage(ctx, e.Scope(t, "demo-kommune-it"), cph, now)
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]sources.CoverageItem{}
		for _, it := range cov.Items {
			status[it.Type.ID] = it
		}
		if it := status["domain-controller"]; it.Status != sources.StatusSending || it.Sources[0].Events != 11 || !it.LastSeen.Equal(now.Add(-time.Minute).Truncate(time.Microsecond)) {
			t.Errorf("domain controllers = %s, %d events, last %v; want sending, 11, a minute ago", it.Status, it.Sources[0].Events, it.LastSeen)
		}
		if it := status["firewall"]; it.Status != sources.StatusSilent {
			t.Errorf("firewall = %s; want silent (nothing for 2 h, threshold 30 min)", it.Status)
		}
		if it := status["vpn"]; it.Status != sources.StatusMissing || !it.Required {
			t.Errorf("vpn = %s (required %v); want missing", it.Status, it.Required)
		}
		if it := status["network-device"]; it.Status != sources.StatusNone || it.Required {
			t.Errorf("network devices = %s (required %v); want none, not required of a municipality", it.Status, it.Required)
		}
		wantRequired := 0
		for _, ty := range logstd.Default().SourceTypes {
			if ty.Required("municipality") {
				wantRequired++
			}
		}
		if cov.Required != wantRequired || cov.Sending != 1 {
			t.Errorf("coverage %d of %d; want 1 of %d", cov.Sending, cov.Required, wantRequired)
		}
		// Other municipalities' coverage is not København's to see.
		if _, err := reg.Coverage(ctx, e.Scope(t, "demo-kommune-it"), e.Org(t, "147").ID, now); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("København reads Frederiksberg's coverage: %v", err)
		}
		// The silence watch raises one signal for the firewall, once.
		for i := 0; i < 2; i++ {
			raised, cleared, err := reg.CheckSilent(ctx, now)
			if err != nil || raised != 1-i || cleared != 0 {
				t.Fatalf("CheckSilent #%d = %d raised, %d cleared, %v", i+1, raised, cleared, err)
			}
		}
		sig, err := reg.Signals(ctx, e.Scope(t, "demo-kommune-it"), false)
		if err != nil || len(sig) != 1 || sig[0].SourceID != fw.ID || sig[0].Since == nil {
			t.Fatalf("signals = %+v, %v; want the firewall's", sig, err)
		}
		e.AddUser(t, "it-odense", "461", access.RoleKommuneIT)
		if other, _ := reg.Signals(ctx, e.Scope(t, "it-odense"), false); len(other) != 0 {
			t.Errorf("Odense sees København's signals")
		}
		// The firewall sends again: the signal clears.
		if err := reg.RecordSeen(ctx, map[int64]sources.Seen{fw.ID: {Last: now, Events: 1}}); err != nil {
			t.Fatal(err)
		}
		if raised, cleared, err := reg.CheckSilent(ctx, now.Add(time.Second)); err != nil || raised != 0 || cleared != 1 {
			t.Errorf("CheckSilent after sending = %d raised, %d cleared, %v; want 0, 1", raised, cleared, err)
		}
		if open, _ := reg.Signals(ctx, sys, false); len(open) != 0 {
			t.Errorf("%d signals still open", len(open))
		}
		if all, _ := reg.Signals(ctx, sys, true); len(all) != 1 || all[0].ClearedAt == nil {
			t.Errorf("history = %+v; want the one cleared signal", all)
		}
	})
}
