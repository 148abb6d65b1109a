package detect_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/loadgen"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

const (
	ruleSudoShell = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c04"
	ruleBrute     = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c02"
	ruleFailedPw  = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c01"
)

func syslogEvent(t *testing.T, tenant int64, line string, at time.Time, id string) event.Event {
	t.Helper()
	e := event.NewParser(time.UTC).ParseSyslog([]byte(line), at, "10.101.1.5")
	e.Tenant, e.ID = tenant, id
	return e
}

// failedLogins is ten failed sshd passwords from one address, a second
// apart from from: enough for the demo's brute-force correlation.
func failedLogins(t *testing.T, tenant int64, idPrefix string, from time.Time) []event.Event {
	t.Helper()
	var evs []event.Event
	for i := 0; i < 10; i++ {
		at := from.Add(time.Duration(i) * time.Second)
		line := fmt.Sprintf("<38>1 %s srv02 sshd - - - Failed password for bo from 198.51.100.7 port %d ssh2", at.Format(time.RFC3339), 40000+i)
		evs = append(evs, syslogEvent(t, tenant, line, at, fmt.Sprintf("%s%d", idPrefix, i)))
	}
	return evs
}

func TestDetectAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		kk, fb := env.Org(t, "101").ID, env.Org(t, "147").ID
		soc, ciso101, ciso147 := env.Scope(t, "demo-soc-analyst"), env.Scope(t, "demo-ciso"), env.Scope(t, "ciso-147")

		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, ciso101); err == nil {
			t.Fatal("a CISO imported rules; only the SOC, the CERT or an administrator may")
		}
		rep, err := d.Library().ImportOwn(ctx, soc)
		if err != nil || rep.Added < 8 || len(rep.Rejected) > 0 {
			t.Fatalf("ImportOwn = %v, %v", rep, err)
		}
		if rep, err := d.Library().ImportOwn(ctx, soc); err != nil || rep.Unchanged == 0 || rep.Added+rep.Updated != 0 {
			t.Fatalf("second ImportOwn = %v, %v; want all unchanged", rep, err)
		}

		now := time.Now().UTC().Truncate(time.Second)
		shell := "<86>1 " + now.Format(time.RFC3339) + " web01 sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash"
		b1 := detect.Batch{ID: "b1", Events: []event.Event{syslogEvent(t, kk, shell, now, "e1")}}
		if err := d.Handle(ctx, []detect.Batch{b1}); err != nil {
			t.Fatal(err)
		}
		// A replay of the same batch changes nothing.
		if err := d.Handle(ctx, []detect.Batch{b1}); err != nil {
			t.Fatal(err)
		}
		// A replayed batch beside a new one: the new one counts alone.
		b2 := detect.Batch{ID: "b2", Events: []event.Event{syslogEvent(t, kk, shell, now.Add(time.Minute), "e2")}}
		if err := d.Handle(ctx, []detect.Batch{b1, b2}); err != nil {
			t.Fatal(err)
		}
		as, total, err := d.Alerts(ctx, ciso101, detect.Filter{RuleID: ruleSudoShell})
		if err != nil || total != 1 || len(as) != 1 {
			t.Fatalf("København's alerts = %v (total %d), %v; want one grouped alert", as, total, err)
		}
		a := as[0]
		if a.Count != 2 || a.Tenant != kk || a.Key != "web01" || a.Level != "medium" || len(a.EventIDs) != 2 || len(a.Tags) == 0 {
			t.Errorf("alert = %+v; want count 2 for web01 of København with both events", a)
		}
		if _, total, _ := d.Alerts(ctx, ciso147, detect.Filter{}); total != 0 {
			t.Errorf("Frederiksberg's CISO sees %d alerts of København", total)
		}
		if _, total, _ := d.Alerts(ctx, soc, detect.Filter{Tenant: kk}); total != 1 {
			t.Errorf("the SOC sees %d alerts of København; want 1", total)
		}

		// A CISO disables the rule for their own organisation only.
		if err := d.Library().SetForOrg(ctx, ciso147, kk, ruleSudoShell, detect.Setting{Enabled: false}); err == nil {
			t.Error("Frederiksberg's CISO tuned København's rules")
		}
		if err := d.Library().SetForOrg(ctx, ciso147, fb, ruleSudoShell, detect.Setting{Enabled: false}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond) // the detector reloads at most every 2 s
		b3 := detect.Batch{ID: "b3", Events: []event.Event{
			syslogEvent(t, fb, shell, now.Add(2*time.Minute), "e3"),
			syslogEvent(t, kk, shell, now.Add(2*time.Minute), "e4")}}
		if err := d.Handle(ctx, []detect.Batch{b3}); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := d.Alerts(ctx, soc, detect.Filter{Tenant: fb}); total != 0 {
			t.Errorf("a rule disabled for Frederiksberg still alerted there (%d)", total)
		}
		if as, _, _ := d.Alerts(ctx, soc, detect.Filter{Tenant: kk, RuleID: ruleSudoShell}); len(as) != 1 || as[0].Count != 3 {
			t.Errorf("København's alert after the setting = %+v; want count 3", as)
		}

		// Ten failed passwords from one address: the correlation alerts,
		// the single failures (used by it, without generate) do not.
		if err := d.Handle(ctx, []detect.Batch{{ID: "b4", Events: failedLogins(t, kk, "f", now)}}); err != nil {
			t.Fatal(err)
		}
		if as, _, _ := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute}); len(as) != 1 || as[0].Kind != "correlation" || as[0].Level != "high" || as[0].Key != "source.ip=198.51.100.7" {
			t.Errorf("brute-force alerts = %+v; want one correlation alert for 198.51.100.7", as)
		}
		if _, total, _ := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleFailedPw}); total != 0 {
			t.Errorf("single failed passwords made %d alerts; they only feed the correlation", total)
		}
		rules, err := d.Library().List(ctx, soc, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if r.RuleID == ruleSudoShell && r.Hits[29] != 3 {
				t.Errorf("rule hits today = %d; want 3 (København)", r.Hits[29])
			}
		}
	})
}

func TestDetectLiveStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		kk := env.Org(t, "101").ID
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, env.Scope(t, "demo-soc-analyst")); err != nil {
			t.Fatal(err)
		}
		socSub, err := d.Subscribe(ctx, env.Scope(t, "demo-soc-analyst"))
		if err != nil {
			t.Fatal(err)
		}
		defer socSub.Close()
		otherSub, err := d.Subscribe(ctx, env.Scope(t, "ciso-147"))
		if err != nil {
			t.Fatal(err)
		}
		defer otherSub.Close()
		now := time.Now().UTC()
		line := "<86>1 " + now.Format(time.RFC3339) + " web01 sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/sh"
		if err := d.Handle(ctx, []detect.Batch{{ID: "s1", Events: []event.Event{syslogEvent(t, kk, line, now, "x1")}}}); err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-socSub.C:
			if a.RuleID != ruleSudoShell || a.Tenant != kk {
				t.Errorf("streamed %+v", a)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("the SOC's stream got nothing")
		}
		select {
		case a := <-otherSub.C:
			t.Errorf("another municipality's stream got %+v", a)
		default:
		}
	})
}

func TestIndicatorAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		kk := env.Org(t, "101").ID
		cert, ciso := env.Scope(t, "demo-cert"), env.Scope(t, "demo-ciso")
		d := detect.New(db, nil)
		if _, err := d.AddIndicators(ctx, ciso, "x", []indicator.Indicator{{Value: "198.51.100.7"}}, nil); err == nil {
			t.Fatal("a CISO added indicators; only the CERT, SOC or an administrator may")
		}
		rep, err := d.AddIndicators(ctx, cert, "cert-dk", []indicator.Indicator{
			{Value: "198.51.100.7", Description: "C2 server"}, {Value: "evil.example", Level: "critical"}, {Type: "sha256", Value: "nothex"}}, nil)
		if err != nil || rep.Added != 2 || len(rep.Rejected) != 1 {
			t.Fatalf("AddIndicators = %+v, %v; want 2 added, 1 rejected", rep, err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		ssh := syslogEvent(t, kk, "<38>1 "+now.Format(time.RFC3339)+" srv1 sshd - - - Accepted publickey for anna from 198.51.100.7 port 5022 ssh2", now, "i1")
		if err := d.Handle(ctx, []detect.Batch{{ID: "i1", Events: []event.Event{ssh}}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := d.Alerts(ctx, ciso, detect.Filter{})
		if err != nil || len(as) != 1 || as[0].Kind != "indicator" || as[0].Level != "high" {
			t.Fatalf("alerts = %+v, %v; want one indicator alert", as, err)
		}
		// Added while the detector runs: picked up without a restart.
		if _, err := d.AddIndicators(ctx, cert, "cert-dk", []indicator.Indicator{{Value: "192.0.2.0/24"}}, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		fw := syslogEvent(t, kk, "<134>1 "+now.Format(time.RFC3339)+" fw01 - - - - srcip=10.1.1.1 dstip=192.0.2.55 dstport=443 action=accept", now, "i2")
		if err := d.Handle(ctx, []detect.Batch{{ID: "i2", Events: []event.Event{fw}}}); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := d.Alerts(ctx, ciso, detect.Filter{}); total != 2 {
			t.Errorf("alerts after a new range = %d; want 2", total)
		}
		list, total, err := d.Indicators(ctx, ciso, detect.IndicatorFilter{Limit: 10})
		if err != nil || total != 3 || len(list) != 3 {
			t.Errorf("Indicators = %d %d %v", len(list), total, err)
		}
		// Sightings are counted back per indicator; a replayed batch is
		// not counted again.
		if err := d.Handle(ctx, []detect.Batch{{ID: "i1", Events: []event.Event{ssh}}}); err != nil {
			t.Fatal(err)
		}
		sighted, _, err := d.Indicators(ctx, ciso, detect.IndicatorFilter{Sighted: true})
		if err != nil || len(sighted) != 2 {
			t.Fatalf("sighted indicators = %+v, %v; want the address and the range", sighted, err)
		}
		for _, in := range sighted {
			if in.Sightings != 1 || in.LastSightedAt == nil || !in.LastSightedAt.Equal(now) {
				t.Errorf("indicator %s: %d sightings, last %v; want 1 at %v", in.Value, in.Sightings, in.LastSightedAt, now)
			}
		}
		// An expired indicator is kept but matches no more.
		past := time.Now().Add(-time.Hour)
		if _, err := d.AddIndicators(ctx, cert, "cert-dk", []indicator.Indicator{{Value: "203.0.113.99", ValidUntil: &past}}, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		old := syslogEvent(t, kk, "<134>1 "+now.Format(time.RFC3339)+" fw01 - - - - srcip=10.1.1.2 dstip=203.0.113.99 dstport=443 action=accept", now, "i3")
		if err := d.Handle(ctx, []detect.Batch{{ID: "i3", Events: []event.Event{old}}}); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := d.Alerts(ctx, ciso, detect.Filter{}); total != 2 {
			t.Errorf("alerts after an expired indicator's address = %d; want still 2", total)
		}
	})
}

func TestPlaceholderRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		kk, fb := env.Org(t, "101").ID, env.Org(t, "147").ID
		soc := env.Scope(t, "demo-soc-analyst")
		d := detect.New(db, nil)
		rule := `title: Logon by a break-glass account
id: 9f4c2d1e-0000-4000-8000-0000000000b1
level: high
logsource: {product: linux, service: sshd}
detection:
  sel: {message|expand|contains: 'Accepted password for %breakglass% '}
  condition: sel
`
		rep, err := d.Library().Import(ctx, soc, "test", []detect.File{{Name: "bg.yml", Data: []byte(rule)}})
		if err != nil || rep.Added != 1 {
			t.Fatalf("import of a placeholder rule = %+v, %v; want it kept for organisations to resolve", rep, err)
		}
		if err := d.Library().SetPlaceholder(ctx, env.Scope(t, "ciso-147"), kk, "breakglass", []string{"x"}); err == nil {
			t.Error("Frederiksberg's CISO set København's placeholder")
		}
		if err := d.Library().SetPlaceholder(ctx, env.Scope(t, "ciso-147"), fb, "breakglass", []string{"nødadmin", "bg-admin"}); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		line := "<38>1 " + now.Format(time.RFC3339) + " srv9 sshd - - - Accepted password for nødadmin from 10.0.0.5 port 22 ssh2"
		evs := []event.Event{syslogEvent(t, fb, line, now, "p1"), syslogEvent(t, kk, line, now, "p2")}
		if err := d.Handle(ctx, []detect.Batch{{ID: "p", Events: evs}}); err != nil {
			t.Fatal(err)
		}
		as, _, _ := d.Alerts(ctx, soc, detect.Filter{RuleID: "9f4c2d1e-0000-4000-8000-0000000000b1"})
		if len(as) != 1 || as[0].Tenant != fb {
			t.Fatalf("alerts = %+v; want one, for Frederiksberg, whose placeholder resolves the rule", as)
		}
		ph, err := d.Library().Placeholders(ctx, env.Scope(t, "ciso-147"), fb)
		if err != nil || len(ph["breakglass"]) != 2 {
			t.Errorf("placeholders = %v, %v", ph, err)
		}
	})
}

func TestOrganisationFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		kk, fb := env.Org(t, "101").ID, env.Org(t, "147").ID
		soc, ciso101 := env.Scope(t, "demo-soc-analyst"), env.Scope(t, "demo-ciso")
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		filter := `title: Our backup job opens a root shell on purpose
id: 3b9e7a55-0000-4000-8000-0000000000f1
logsource: {product: linux, service: sudo}
filter:
  rules: [` + ruleSudoShell + `]
  backup:
    message|contains: 'svc_backup :'
  condition: not backup
`
		if _, err := d.Library().ImportFor(ctx, env.Scope(t, "ciso-147"), kk, "local", []detect.File{{Name: "f.yml", Data: []byte(filter)}}); err == nil {
			t.Error("Frederiksberg's CISO added a filter for København")
		}
		rep, err := d.Library().ImportFor(ctx, ciso101, kk, "local", []detect.File{{Name: "f.yml", Data: []byte(filter + "---\n" + strings.SplitN(filter, "filter:", 2)[0] + "detection: {s: {a: b}, condition: s}\n")}})
		if err != nil || rep.Added != 1 || len(rep.Rejected) != 1 {
			t.Fatalf("org filter import = %+v, %v; want the filter added and the rule refused", rep, err)
		}
		now := time.Now().UTC()
		line := "<86>1 " + now.Format(time.RFC3339) + " bk01 sudo - - - svc_backup : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/bash"
		evs := []event.Event{syslogEvent(t, kk, line, now, "o1"), syslogEvent(t, fb, line, now, "o2")}
		if err := d.Handle(ctx, []detect.Batch{{ID: "o", Events: evs}}); err != nil {
			t.Fatal(err)
		}
		as, _, _ := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleSudoShell})
		if len(as) != 1 || as[0].Tenant != fb {
			t.Fatalf("alerts = %+v; want only Frederiksberg's (København filters its backup job)", as)
		}
		rules, err := d.Library().List(ctx, env.Scope(t, "ciso-147"), now)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rules {
			if r.Kind == "filter" {
				t.Errorf("Frederiksberg sees København's filter %s", r.RuleID)
			}
		}
	})
}

// TestLoadgenMixFiresDemoRules: the load generator's Windows process
// events carry whoami among their commands, so a load run exercises
// the demo's rules instead of matching nothing.
func TestLoadgenMixFiresDemoRules(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	env := demotest.New(t, db, false)
	d := detect.New(db, nil)
	if _, err := d.Library().ImportOwn(ctx, env.Scope(t, "demo-soc-analyst")); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	var evs []event.Event
	for i, line := range loadgen.Sample(96, now) {
		e := event.NewParser(time.UTC).ParseSyslog(line, now, "127.0.0.1")
		e.Tenant, e.ID = env.Org(t, "101").ID, fmt.Sprintf("lg%d", i)
		evs = append(evs, e)
	}
	if err := d.Handle(ctx, []detect.Batch{{ID: "lg", Events: evs}}); err != nil {
		t.Fatal(err)
	}
	as, _, err := d.Alerts(ctx, env.Scope(t, "demo-soc-analyst"), detect.Filter{RuleID: "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c11"})
	if err != nil || len(as) == 0 {
		t.Errorf("whoami alerts from the loadgen mix = %d, %v; want at least one", len(as), err)
	}
}

// TestAlertTriage: a high alert reaches the SOC's and the municipality's
// inboxes (no other municipality's); the SOC acknowledges it, the CISO
// closes it as a false positive; every step is a note and an audit
// record; callers outside the alert's reach or without the permission are
// refused; and matches after the close open a new alert instead of
// hiding in the closed one.
func TestAlertTriage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		env.AddUser(t, "ciso-147", "147", access.RoleCISO)
		kk := env.Org(t, "101").ID
		soc, ciso101, ciso147, spoc := env.Scope(t, "demo-soc-analyst"), env.Scope(t, "demo-ciso"), env.Scope(t, "ciso-147"), env.Scope(t, "demo-spoc")
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		failures := func(batch string, from time.Time) {
			t.Helper()
			if err := d.Handle(ctx, []detect.Batch{{ID: batch, Events: failedLogins(t, kk, batch, from)}}); err != nil {
				t.Fatal(err)
			}
		}
		failures("t1", now)
		as, _, err := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 1 || as[0].Level != "high" || as[0].Status != detect.StatusNew {
			t.Fatalf("brute-force alerts = %+v, %v; want one new high alert", as, err)
		}
		id := as[0].ID

		inbox := notify.NewInbox(db)
		hasNotice := func(sc access.Scope) bool {
			ms, _, err := inbox.List(ctx, sc, now.Add(time.Hour), 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.AlertID == id && m.Kind == "alert.high" {
					return true
				}
			}
			return false
		}
		if !hasNotice(soc) || !hasNotice(ciso101) {
			t.Errorf("the SOC analyst (%v) and København's CISO (%v) were not both told of the high alert", hasNotice(soc), hasNotice(ciso101))
		}
		if hasNotice(ciso147) {
			t.Error("Frederiksberg's CISO was told of København's alert")
		}

		for _, c := range []struct {
			name string
			sc   access.Scope
			req  detect.TriageRequest
			code errs.Code
		}{
			{"a SPOC", spoc, detect.TriageRequest{Status: detect.StatusAcknowledged}, errs.Forbidden},
			{"another municipality's CISO", ciso147, detect.TriageRequest{Status: detect.StatusAcknowledged}, errs.NotFound},
			{"closing without a resolution", soc, detect.TriageRequest{Status: detect.StatusClosed}, errs.Invalid},
			{"a resolution without closing", soc, detect.TriageRequest{Status: detect.StatusAcknowledged, Resolution: "benign"}, errs.Invalid},
			{"an unknown status", soc, detect.TriageRequest{Status: "snoozed"}, errs.Invalid},
			{"nothing to change", soc, detect.TriageRequest{}, errs.Invalid},
		} {
			if _, err := d.Triage(ctx, c.sc, id, c.req, now); errs.CodeOf(err) != c.code {
				t.Errorf("%s: Triage = %v; want %s", c.name, err, c.code)
			}
		}

		got, err := d.Triage(ctx, soc, id, detect.TriageRequest{Status: detect.StatusAcknowledged, Comment: "looking at srv02"}, now)
		if err != nil || got.Status != detect.StatusAcknowledged || got.Assignee != "demo-soc-analyst" || len(got.Notes) != 1 || got.Notes[0].Body != "looking at srv02" {
			t.Fatalf("acknowledge = %+v, %v; want acknowledged, taken by the analyst, one note", got, err)
		}
		if _, err := d.Triage(ctx, soc, id, detect.TriageRequest{Status: detect.StatusAcknowledged}, now); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("acknowledging twice = %v; want a conflict", err)
		}
		got, err = d.Triage(ctx, ciso101, id, detect.TriageRequest{Status: detect.StatusClosed, Resolution: "false-positive", Comment: "our pentest"}, now)
		if err != nil || got.Status != detect.StatusClosed || got.Resolution != "false-positive" || len(got.Notes) != 2 || got.Notes[1].Author != "demo-ciso" {
			t.Fatalf("close = %+v, %v; want closed as a false positive by the CISO", got, err)
		}
		var audited int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'alert.triage' AND target_id = $1`, fmt.Sprint(id)).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("audit records of the triage = %d, %v; want 2", audited, err)
		}

		// Handing an alert to a colleague: København's CISO and a SOC
		// analyst may take it; Frederiksberg's CISO, a SPOC, a disabled
		// user and nobody may not — one answer for all of them.
		got, err = d.Triage(ctx, soc, id, detect.TriageRequest{Assign: "Demo-CISO"}, now)
		if err != nil || got.Assignee != "demo-ciso" || got.Notes[len(got.Notes)-1].Assignee != "demo-ciso" {
			t.Fatalf("assign to the CISO = %+v, %v; want demo-ciso", got, err)
		}
		env.AddUser(t, "soc-2", demo.SOCSlug, access.RoleSOCAnalyst)
		if got, err = d.Triage(ctx, ciso101, id, detect.TriageRequest{Assign: "soc-2", Comment: "please look"}, now); err != nil || got.Assignee != "soc-2" {
			t.Fatalf("the CISO hands it to a SOC analyst = %+v, %v", got, err)
		}
		gone := env.AddUser(t, "soc-gone", demo.SOCSlug, access.RoleSOCAnalyst)
		disabled := true
		if _, err := env.Access.UpdateUser(ctx, access.System("test"), gone.ID, access.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		var refusals []string
		for _, who := range []string{"ciso-147", "demo-spoc", "soc-gone", "nobody-here", "not a name"} {
			_, err := d.Triage(ctx, soc, id, detect.TriageRequest{Assign: who}, now)
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("assign to %s = %v; want refused as invalid", who, err)
			}
			if err != nil {
				refusals = append(refusals, strings.Replace(err.Error(), who, "X", 1))
			}
		}
		for _, r := range refusals[1:4] {
			if r != refusals[0] {
				t.Errorf("refusals differ (%q vs %q): they tell who exists", r, refusals[0])
			}
		}
		if a, _ := d.Triage(ctx, soc, id, detect.TriageRequest{Comment: "still soc-2"}, now); a.Assignee != "soc-2" {
			t.Errorf("after the refusals the assignee is %q; want soc-2", a.Assignee)
		}

		failures("t2", now.Add(5*time.Minute))
		as, _, err = d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 2 {
			t.Fatalf("alerts after the close = %+v, %v; want the closed one and a new one", as, err)
		}
		for _, a := range as {
			if a.ID == id && (a.Status != detect.StatusClosed || a.Count != got.Count) {
				t.Errorf("the closed alert changed: %+v", a)
			}
			if a.ID != id && a.Status != detect.StatusNew {
				t.Errorf("the new alert is %s; want new", a.Status)
			}
		}
		if open, _, _ := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute, Status: detect.StatusNew}); len(open) != 1 {
			t.Errorf("status filter new = %d alerts; want 1", len(open))
		}
	})
}

// TestBulkTriage: a list of alerts is triaged in one step, all or none:
// an alert out of the caller's reach refuses the whole request; alerts
// already as asked are reported, not refused; each change has its note
// and audit record.
func TestBulkTriage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		kk, frb := env.Org(t, "101").ID, env.Org(t, "147").ID
		soc, ciso101 := env.Scope(t, "demo-soc-analyst"), env.Scope(t, "demo-ciso")
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		if err := d.Handle(ctx, []detect.Batch{{ID: "b1", Events: append(failedLogins(t, kk, "b1", now), failedLogins(t, frb, "b1f", now)...)}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 2 {
			t.Fatalf("brute-force alerts = %+v, %v; want one per municipality", as, err)
		}
		ids := []int64{as[0].ID, as[1].ID}
		ack := detect.TriageRequest{Status: detect.StatusAcknowledged}

		if _, err := d.TriageMany(ctx, ciso101, ids, ack, now); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("København's CISO triaging Frederiksberg's alert too = %v; want not found", err)
		}
		if mine, _, _ := d.Alerts(ctx, ciso101, detect.Filter{RuleID: ruleBrute}); len(mine) != 1 || mine[0].Status != detect.StatusNew {
			t.Errorf("after the refused request København's alert is %+v; want still new (all or none)", mine)
		}
		for _, c := range []struct {
			name string
			ids  []int64
			req  detect.TriageRequest
		}{
			{"no alerts", nil, ack},
			{"too many alerts", make([]int64, detect.MaxBulk+1), ack},
			{"closing without a resolution", ids, detect.TriageRequest{Status: detect.StatusClosed}},
		} {
			if _, err := d.TriageMany(ctx, soc, c.ids, c.req, now); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%s: TriageMany = %v; want invalid", c.name, err)
			}
		}

		res, err := d.TriageMany(ctx, soc, append(ids, ids[0]), ack, now)
		if err != nil || len(res.Items) != 2 || len(res.Unchanged) != 0 {
			t.Fatalf("bulk acknowledge = %+v, %v; want both changed once", res, err)
		}
		for _, a := range res.Items {
			if a.Status != detect.StatusAcknowledged || a.Assignee != "demo-soc-analyst" {
				t.Errorf("after bulk acknowledge: %+v; want acknowledged and taken by the analyst", a)
			}
		}
		if _, err := d.Triage(ctx, soc, ids[1], detect.TriageRequest{Status: detect.StatusClosed, Resolution: "benign"}, now); err != nil {
			t.Fatal(err)
		}
		res, err = d.TriageMany(ctx, soc, ids, detect.TriageRequest{Status: detect.StatusClosed, Resolution: "benign", Comment: ""}, now)
		if err != nil || len(res.Items) != 1 || res.Items[0].ID != ids[0] || len(res.Unchanged) != 1 || res.Unchanged[0] != ids[1] {
			t.Fatalf("bulk close with one already closed = %+v, %v; want one changed, one unchanged", res, err)
		}
		for _, id := range ids {
			a, err := d.Alert(ctx, soc, id)
			if err != nil || a.Status != detect.StatusClosed || len(a.Notes) != 2 {
				t.Errorf("alert %d = %+v, %v; want closed with two notes", id, a, err)
			}
			var audited int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'alert.triage' AND target_id = $1`, fmt.Sprint(id)).Scan(&audited); err != nil || audited != 2 {
				t.Errorf("audit records of alert %d = %d, %v; want 2", id, audited, err)
			}
		}
	})
}

// TestCorrelationSurvivesTuning: a CISO turning a rule off recompiles the
// rules; the brute-force window open at that moment carries on, so five
// failures before and five after still make an alert.
func TestCorrelationSurvivesTuning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		soc, ciso := env.Scope(t, "demo-soc-analyst"), env.Scope(t, "demo-ciso")
		kk := env.Org(t, "101").ID
		d := detect.New(db, nil)
		if _, err := d.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		evs := failedLogins(t, kk, "tune", time.Now().UTC().Truncate(time.Second))
		if err := d.Handle(ctx, []detect.Batch{{ID: "tune1", Events: evs[:5]}}); err != nil {
			t.Fatal(err)
		}
		if err := d.Library().SetForOrg(ctx, ciso, kk, ruleSudoShell, detect.Setting{Enabled: false}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond) // the detector looks for changes every 2 s
		if err := d.Handle(ctx, []detect.Batch{{ID: "tune2", Events: evs[5:]}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := d.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 1 {
			t.Fatalf("brute-force alerts = %+v, %v; want one, from failures on both sides of the recompile", as, err)
		}
	})
}

// TestCorrelationSurvivesRestart: the windows a detector saves at shutdown
// are loaded by the next one, once: five failures before a restart and
// five after make the brute-force alert; the saved state is gone after.
func TestCorrelationSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		soc := env.Scope(t, "demo-soc-analyst")
		kk := env.Org(t, "101").ID
		first := detect.New(db, nil)
		if _, err := first.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		evs := failedLogins(t, kk, "restart", time.Now().UTC().Truncate(time.Second))
		if err := first.Handle(ctx, []detect.Batch{{ID: "restart1", Events: evs[:5]}}); err != nil {
			t.Fatal(err)
		}
		if n, err := first.SaveState(ctx); err != nil || n == 0 {
			t.Fatalf("SaveState = %d, %v; want the open windows saved", n, err)
		}
		next := detect.New(db, nil)
		if err := next.Handle(ctx, []detect.Batch{{ID: "restart2", Events: evs[5:]}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := next.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil || len(as) != 1 || as[0].Count < 1 {
			t.Fatalf("brute-force alerts = %+v, %v; want one, from failures on both sides of the restart", as, err)
		}
		var left int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM detect_state`).Scan(&left); err != nil || left != 0 {
			t.Errorf("saved state rows after loading = %d, %v; want 0", left, err)
		}
	})
}
