package soc_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/servicedesk"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

const (
	ruleSudoShell = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c04"
	ruleBrute     = "5a3e9a1c-6f0b-4b6e-9d4e-0c1f2a3b4c02"
)

type fixture struct {
	env    *demotest.Env
	cases  *soc.Service
	desk   *servicedesk.Service
	det    *detect.Detector
	kk, fb int64
}

func syslogEvent(tenant int64, line string, at time.Time, id string) event.Event {
	e := event.NewParser(time.UTC).ParseSyslog([]byte(line), at, "10.101.1.5")
	e.Tenant, e.ID = tenant, id
	return e
}

// setup loads the demo and makes alerts: a root shell on web01 and a
// brute force from 198.51.100.7 in København (101), a root shell on
// web01 in Frederiksberg (147).
func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	env := demotest.New(t, db, false)
	env.AddUser(t, "ciso-147", "147", access.RoleCISO)
	f := &fixture{env: env, kk: env.Org(t, "101").ID, fb: env.Org(t, "147").ID, det: detect.New(db, nil)}
	f.desk = servicedesk.NewService(db, catalog.NewStore(db))
	f.cases = soc.New(db)
	f.cases.Desk = f.desk
	if _, err := f.det.Library().ImportOwn(ctx, env.Scope(t, "demo-soc-analyst")); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	shell := func(tenant int64, id string) event.Event {
		return syslogEvent(tenant, "<86>1 "+now.Format(time.RFC3339)+" web01 sudo - - - anna : TTY=pts/0 ; PWD=/home/anna ; USER=root ; COMMAND=/bin/bash", now, id)
	}
	evs := []event.Event{shell(f.kk, "k-shell"), shell(f.fb, "f-shell")}
	for i := 0; i < 10; i++ {
		at := now.Add(time.Duration(i) * time.Second)
		line := fmt.Sprintf("<38>1 %s srv02 sshd - - - Failed password for bo from 198.51.100.7 port %d ssh2", at.Format(time.RFC3339), 40000+i)
		evs = append(evs, syslogEvent(f.kk, line, at, fmt.Sprintf("k-fail-%d", i)))
	}
	if err := f.det.Handle(ctx, []detect.Batch{{ID: "b1", Events: evs}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) alerts(t *testing.T, tenant int64, rule string) []int64 {
	t.Helper()
	as, _, err := f.det.Alerts(context.Background(), access.System("test"), detect.Filter{Tenant: tenant, RuleID: rule})
	if err != nil || len(as) == 0 {
		t.Fatalf("alerts of %d for %s = %v, %v", tenant, rule, as, err)
	}
	var ids []int64
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Errorf("%s: err = %v; want %s", what, err, code)
	}
}

func TestCaseFromAlertsToClosure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		analyst, ciso101, ciso147 := f.env.Scope(t, "demo-soc-analyst"), f.env.Scope(t, "demo-ciso"), f.env.Scope(t, "ciso-147")
		spoc := f.env.Scope(t, "demo-spoc")
		kkShell, kkBrute, fbShell := f.alerts(t, f.kk, ruleSudoShell), f.alerts(t, f.kk, ruleBrute), f.alerts(t, f.fb, ruleSudoShell)

		// Bad input first: each names what is wrong.
		for _, bad := range []soc.NewCase{
			{Org: "101", Title: "x", Severity: "high"},
			{Org: "101", Title: "Root shell", Severity: "urgent"},
			{Org: "101", Title: "Root shell", Severity: "high", Kind: "aliens"},
			{Org: "", Title: "Root shell", Severity: "high"},
		} {
			if _, err := f.cases.Create(ctx, analyst, bad); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("Create(%+v) = %v; want Invalid", bad, err)
			}
		}
		_, err := f.cases.Create(ctx, spoc, soc.NewCase{Org: "101", Title: "Root shell", Severity: "high"})
		wantCode(t, "a SPOC opening a case", err, errs.Forbidden)
		// Frederiksberg's CISO cannot open a case on København, nor link its alerts.
		_, err = f.cases.Create(ctx, ciso147, soc.NewCase{Org: "101", Title: "Root shell", Severity: "high"})
		wantCode(t, "CISO 147 opening a case for 101", err, errs.Invalid)
		_, err = f.cases.Create(ctx, analyst, soc.NewCase{Org: "101", Title: "Root shell", Severity: "high", Alerts: fbShell})
		wantCode(t, "linking Frederiksberg's alert to København's case", err, errs.Invalid)

		// The SOC opens a case from two alerts.
		c, err := f.cases.Create(ctx, analyst, soc.NewCase{Org: "101", Title: "Root shell after brute force", Severity: "high",
			Kind: "account-compromise", Alerts: append(slices.Clone(kkShell), kkBrute...)})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "new" || c.Owner != "demo-soc-analyst" || c.Alerts != 2 || c.OpenTasks != 5 || c.OrgID != f.kk {
			t.Errorf("new case = %+v; want new, owned by the analyst, 2 alerts, 5 template tasks", c)
		}
		d, err := f.cases.Detail(ctx, ciso101, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var obs []string
		for _, o := range d.Observables {
			obs = append(obs, o.Kind+":"+o.Value)
		}
		for _, want := range []string{"host:web01", "ip:198.51.100.7"} {
			if !slices.Contains(obs, want) {
				t.Errorf("observables = %v; want %s taken from the alerts", obs, want)
			}
		}
		if len(d.AlertList) != 2 || len(d.EventIDs()) == 0 {
			t.Errorf("detail alerts = %d, events %v; want 2 alerts with their events", len(d.AlertList), d.EventIDs())
		}
		kinds := map[string]int{}
		for _, e := range d.Timeline {
			kinds[e.Kind]++
		}
		if kinds["created"] != 1 || kinds["alert"] != 2 || kinds["alert_first_seen"] != 2 {
			t.Errorf("timeline kinds = %v; want created, two linked alerts and when each was first seen", kinds)
		}
		for i := 1; i < len(d.Timeline); i++ {
			if d.Timeline[i].At.Before(d.Timeline[i-1].At) {
				t.Fatalf("timeline out of order at %d: %v then %v", i, d.Timeline[i-1].At, d.Timeline[i].At)
			}
		}

		// Out of reach answers like unknown, in every read.
		for _, fn := range []func() error{
			func() error { _, err := f.cases.Get(ctx, ciso147, c.ID); return err },
			func() error { _, err := f.cases.Detail(ctx, ciso147, c.ID); return err },
			func() error { _, err := f.cases.Similar(ctx, ciso147, c.ID, 10); return err },
			func() error { _, err := f.cases.Note(ctx, ciso147, c.ID, "hello"); return err },
			func() error { _, err := f.cases.Reporting(ctx, ciso147, c.ID); return err },
		} {
			err := fn()
			if errs.CodeOf(err) != errs.NotFound || err.Error() != fmt.Sprintf("ENOTFOUND: no case %d", c.ID) {
				t.Errorf("Frederiksberg's CISO on København's case: %v; want the answer for an unknown case", err)
			}
		}
		if _, err := f.cases.Get(ctx, spoc, c.ID); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("the SPOC reads a security case: %v", err)
		}
		if _, total, _ := f.cases.List(ctx, ciso147, soc.Filter{}); total != 0 {
			t.Errorf("Frederiksberg's CISO lists %d cases", total)
		}

		// Frederiksberg's own case shares the host name: similar cases
		// stay within reach.
		fc, err := f.cases.Create(ctx, ciso147, soc.NewCase{Org: "147", Title: "Root shell on web01", Severity: "medium", Alerts: fbShell})
		if err != nil {
			t.Fatal(err)
		}
		if sim, err := f.cases.Similar(ctx, ciso147, fc.ID, 10); err != nil || len(sim) != 0 {
			t.Errorf("similar to Frederiksberg's case, as its CISO = %+v, %v; want none (København's is out of reach)", sim, err)
		}
		if sim, err := f.cases.Similar(ctx, analyst, fc.ID, 10); err != nil || len(sim) != 1 || sim[0].ID != c.ID || sim[0].Shared < 1 {
			t.Errorf("similar to Frederiksberg's case, as the SOC = %+v, %v; want København's case sharing web01", sim, err)
		}
		if fd, _ := f.cases.Detail(ctx, ciso147, fc.ID); len(fd.Observables) == 0 || fd.Observables[0].Cases != 0 {
			t.Errorf("Frederiksberg's observables = %+v; want no count of cases out of reach", fd.Observables)
		}

		// A second case in København on the same address merges into the first.
		c2, err := f.cases.Create(ctx, ciso101, soc.NewCase{Org: "101", Title: "Odd logins from 198.51.100.7", Severity: "low"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.AddObservable(ctx, ciso101, c2.ID, "ip", "198.051.100.7", ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a malformed address: %v; want Invalid", err)
		}
		if _, err := f.cases.AddObservable(ctx, ciso101, c2.ID, "ip", " 198.51.100.7 ", "seen in the VPN log"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.Note(ctx, ciso101, c2.ID, "VPN log shows the same address"); err != nil {
			t.Fatal(err)
		}
		if sim, _ := f.cases.Similar(ctx, ciso101, c2.ID, 10); len(sim) != 1 || sim[0].ID != c.ID {
			t.Errorf("similar to case %d = %+v; want case %d", c2.ID, sim, c.ID)
		}
		if _, err := f.cases.Merge(ctx, analyst, c.ID, []int64{fc.ID}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("merging Frederiksberg's case into København's: %v; want refused", err)
		}
		if _, err := f.cases.Merge(ctx, ciso147, c.ID, []int64{fc.ID}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg's CISO merging into København's case: %v; want NotFound", err)
		}
		if _, err := f.cases.Merge(ctx, analyst, c.ID, []int64{c2.ID}); err != nil {
			t.Fatal(err)
		}
		merged, _ := f.cases.Get(ctx, analyst, c2.ID)
		if merged.Status != "closed" || merged.Resolution != "merged" || merged.MergedInto != c.ID {
			t.Errorf("merged case = %+v; want closed as merged into %d", merged, c.ID)
		}
		d, _ = f.cases.Detail(ctx, analyst, c.ID)
		var viaNote bool
		for _, e := range d.Timeline {
			if e.Kind == "note" && e.ViaCase == c2.ID {
				viaNote = true
			}
		}
		if !viaNote || !slices.Contains(d.MergedFrom, c2.ID) {
			t.Errorf("after the merge the timeline has the merged case's note: %v, merged from %v", viaNote, d.MergedFrom)
		}
		if _, err := f.cases.Note(ctx, analyst, c2.ID, "late"); err != nil {
			t.Errorf("a note on a merged case (its history stays open to notes): %v", err)
		}
		if _, err := f.cases.Update(ctx, analyst, c2.ID, soc.Update{Severity: ptr("high")}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("changing a merged case: %v; want Conflict naming the case it went into", err)
		}

		// A ticket to the unit on the way: "isolate web01".
		tk, err := f.cases.RaiseTicket(ctx, analyst, c.ID, soc.TicketRequest{To: "unit", Title: "Isolate web01 from the network"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != "escalated" || tk.Tier != 2 || tk.Priority != "P1" {
			t.Errorf("ticket = %+v; want escalated to the unit as P1", tk)
		}
		desk := f.env.Scope(t, "demo-servicedesk")
		got, err := f.desk.Get(ctx, desk, tk.ID)
		if err != nil || got.CaseID != c.ID || got.MunicipalityID != f.kk {
			t.Fatalf("the unit's service desk reads the ticket: %+v, %v", got, err)
		}
		if _, err := f.cases.RaiseTicket(ctx, ciso147, c.ID, soc.TicketRequest{To: "unit", Title: "Isolate web01"}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg's CISO raising a ticket on København's case: %v", err)
		}

		// Worked to closure.
		_, err = f.cases.Update(ctx, analyst, c.ID, soc.Update{Status: ptr("closed")})
		wantCode(t, "closing without a resolution", err, errs.Invalid)
		_, err = f.cases.Update(ctx, analyst, c.ID, soc.Update{Status: ptr("closed"), Resolution: ptr("resolved")})
		wantCode(t, "closing with open tasks", err, errs.Conflict)
		cur, _ := f.cases.Get(ctx, analyst, c.ID)
		_, err = f.cases.Update(ctx, analyst, c.ID, soc.Update{Version: cur.Version - 1, Status: ptr("contained")})
		wantCode(t, "a stale version", err, errs.Conflict)
		for _, st := range []string{"in_progress", "contained", "eradicated", "recovered"} {
			if _, err := f.cases.Update(ctx, analyst, c.ID, soc.Update{Status: ptr(st)}); err != nil {
				t.Fatalf("to %s: %v", st, err)
			}
		}
		d, _ = f.cases.Detail(ctx, analyst, c.ID)
		for _, task := range d.Tasks {
			if task.Status == "open" {
				if _, err := f.cases.UpdateTask(ctx, analyst, c.ID, task.ID, soc.TaskUpdate{Status: ptr("done")}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := f.cases.UpdateTask(ctx, ciso147, c.ID, d.Tasks[0].ID, soc.TaskUpdate{Status: ptr("open")}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg's CISO on København's task: %v", err)
		}
		closed, err := f.cases.Update(ctx, analyst, c.ID, soc.Update{Status: ptr("closed"), Resolution: ptr("resolved"), Comment: "Account reset, host rebuilt"})
		if err != nil || closed.Status != "closed" || closed.ClosedAt == nil {
			t.Fatalf("closing = %+v, %v", closed, err)
		}
		_, err = f.cases.Update(ctx, analyst, c.ID, soc.Update{Status: ptr("in_progress")})
		wantCode(t, "reopening without a reason", err, errs.Invalid)

		// Every change is in the audit trail.
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE target_type = 'case' AND target_id = $1`, fmt.Sprint(c.ID)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 10 {
			t.Errorf("audit records for case %d = %d; want every change", c.ID, n)
		}
		if list, total, err := f.cases.List(ctx, analyst, soc.Filter{Status: "open"}); err != nil || total != 1 || list[0].ID != fc.ID {
			t.Errorf("open cases for the SOC = %v (%d), %v; want Frederiksberg's only", list, total, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestReportingClocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		ciso, ciso147 := f.env.Scope(t, "demo-ciso"), f.env.Scope(t, "ciso-147")
		c, err := f.cases.Create(ctx, ciso, soc.NewCase{Org: "101", Title: "Ransomware on file servers", Severity: "critical", Kind: "ransomware"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.Submit(ctx, ciso, c.ID, soc.NewSubmission{Kind: soc.NIS2EarlyWarning}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a NIS2 report before the case is marked: %v; want Invalid", err)
		}
		if _, err := f.cases.SetReporting(ctx, ciso, c.ID, soc.ReportingRequest{NIS2Significant: true, NIS2Criteria: []string{"severe-disruption"}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("marking without the time of awareness: %v; want Invalid", err)
		}
		if _, err := f.cases.SetReporting(ctx, ciso, c.ID, soc.ReportingRequest{NIS2Significant: true, AwareAt: ptr(time.Now())}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("marking significant without criteria: %v; want Invalid", err)
		}
		aware := time.Now().UTC().Truncate(time.Second).Add(-80 * time.Hour)
		if _, err := f.cases.SetReporting(ctx, ciso147, c.ID, soc.ReportingRequest{PersonalDataBreach: true, AwareAt: &aware}); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Frederiksberg's CISO marking København's case: %v", err)
		}
		r, err := f.cases.SetReporting(ctx, ciso, c.ID, soc.ReportingRequest{NIS2Significant: true, NIS2Criteria: []string{"severe-disruption", "financial-loss"},
			PersonalDataBreach: true, AwareAt: &aware, Malicious: "yes", CrossBorder: "no", Impact: "File servers encrypted", Mitigations: "Isolated"})
		if err != nil {
			t.Fatal(err)
		}
		due := func(r soc.Reporting) map[string]soc.Deadline {
			m := map[string]soc.Deadline{}
			for _, d := range r.Deadlines {
				m[d.Kind] = d
			}
			return m
		}
		ds := due(r)
		check := func(kind string, want *time.Time, state string) {
			t.Helper()
			d, ok := ds[kind]
			switch {
			case !ok:
				t.Errorf("no %s deadline in %+v", kind, r.Deadlines)
			case (want == nil) != (d.Due == nil) || (want != nil && !d.Due.Equal(*want)):
				t.Errorf("%s due %v; want %v", kind, d.Due, want)
			case d.State != state:
				t.Errorf("%s state %s; want %s", kind, d.State, state)
			}
		}
		check(soc.NIS2EarlyWarning, ptr(aware.Add(24*time.Hour)), "overdue")
		check(soc.NIS2Notification, ptr(aware.Add(72*time.Hour)), "overdue")
		check(soc.NIS2FinalReport, nil, "waiting")
		check(soc.GDPRNotification, ptr(aware.Add(72*time.Hour)), "overdue")

		// The early warning went out in time; the notification late,
		// which needs the reasons.
		if r, err = f.cases.Submit(ctx, ciso, c.ID, soc.NewSubmission{Kind: soc.NIS2EarlyWarning, SubmittedAt: ptr(aware.Add(20 * time.Hour)), Reference: "EW-1"}); err != nil {
			t.Fatal(err)
		}
		late := aware.Add(74 * time.Hour)
		_, err = f.cases.Submit(ctx, ciso, c.ID, soc.NewSubmission{Kind: soc.NIS2Notification, SubmittedAt: &late})
		if errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "late_reason" {
			t.Errorf("a late notification without reasons: %v; want Invalid on late_reason", err)
		}
		_, err = f.cases.Submit(ctx, ciso, c.ID, soc.NewSubmission{Kind: soc.NIS2FinalReport, SubmittedAt: &late})
		wantCode(t, "a final report before the notification", err, errs.Invalid)
		if r, err = f.cases.Submit(ctx, ciso, c.ID, soc.NewSubmission{Kind: soc.NIS2Notification, SubmittedAt: &late, Reference: "N-7",
			LateReason: "The scope was unclear until the backups were checked"}); err != nil {
			t.Fatal(err)
		}
		ds = due(r)
		check(soc.NIS2EarlyWarning, ptr(aware.Add(24*time.Hour)), "submitted")
		check(soc.NIS2Notification, ptr(aware.Add(72*time.Hour)), "submitted-late")
		final := late.In(locale.Copenhagen).AddDate(0, 1, 0).UTC()
		check(soc.NIS2FinalReport, &final, "pending")
		sub := r.Submissions[len(r.Submissions)-1]
		if sub.Reference != "N-7" || sub.SubmittedBy != "demo-ciso" || len(sub.Content) == 0 {
			t.Errorf("the recorded notification = %+v; want who, reference and the content as submitted", sub)
		}

		// The case list shows the earliest deadline not met.
		if list, _, err := f.cases.List(ctx, ciso, soc.Filter{}); err != nil || len(list) != 1 || list[0].NextDeadline == nil ||
			list[0].NextDeadline.Kind != soc.GDPRNotification || list[0].NextDeadline.State != "overdue" {
			t.Errorf("the case list's next deadline = %+v, %v; want the overdue GDPR notification", list, err)
		}
		// Warnings: the GDPR notification is overdue; it is told once,
		// however many nodes sweep at once.
		var wg sync.WaitGroup
		results := make([]soc.SweepResult, 3)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := f.cases.Sweep(ctx, time.Now())
				if err != nil {
					t.Error(err)
				}
				results[i] = res
			}()
		}
		wg.Wait()
		overdue := 0
		for _, r := range results {
			overdue += r.Overdue
		}
		if overdue != 1 {
			t.Errorf("overdue notices from three concurrent sweeps = %d (%v); want 1 (the GDPR notification)", overdue, results)
		}
		msgs, _, err := notify.NewInbox(db).List(ctx, ciso, time.Now(), 50)
		if err != nil {
			t.Fatal(err)
		}
		var told bool
		for _, m := range msgs {
			if m.Kind == "case.deadline.overdue" {
				told = true
			}
		}
		if !told {
			t.Errorf("the CISO's inbox = %+v; want the overdue GDPR notification", msgs)
		}
		// A draft holds what the report must say.
		dr, err := f.cases.Draft(ctx, ciso, c.ID, soc.GDPRNotification)
		if err != nil || dr.Malicious != "yes" || dr.Impact != "File servers encrypted" || dr.Due == nil || dr.Organisation == "" {
			t.Errorf("draft = %+v, %v", dr, err)
		}
		// Unmarking after a NIS2 report is refused.
		_, err = f.cases.SetReporting(ctx, ciso, c.ID, soc.ReportingRequest{PersonalDataBreach: true, AwareAt: &aware})
		wantCode(t, "unmarking NIS2 after reports", err, errs.Invalid)
	})
}
