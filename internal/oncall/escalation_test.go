package oncall_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// pagingTeam is socTeam with anna on level 1 and bo on level 2 around
// the clock, and a critical policy: level 1, 5 minutes, level 2, 5
// minutes, once more.
func pagingTeam(t testing.TB, db *store.DB) (*demotest.Env, *oncall.Service) {
	t.Helper()
	ctx := context.Background()
	e, svc, sc := socTeam(t, db)
	for level, who := range map[int]string{1: "anna", 2: "bo"} {
		if _, err := svc.AddRotation(ctx, sc, "soc", oncall.NewRotation{Level: level, Members: []string{who}, Period: oncall.Weekly,
			Start: local(2026, 1, 5, 8, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.SetPolicy(ctx, sc, "soc", oncall.Policy{Severity: "critical", Repeats: 1,
		Steps: []oncall.Step{{Level: 1, WaitMinutes: 5}, {Level: 2, WaitMinutes: 5}}}); err != nil {
		t.Fatal(err)
	}
	return e, svc
}

// start escalates alert id of København (101) at now, in a transaction
// of its own.
func start(t *testing.T, e *demotest.Env, sub oncall.Subject) int64 {
	t.Helper()
	var id int64
	if sub.OrgID == 0 {
		sub.OrgID = e.Org(t, "101").ID
	}
	if sub.Kind == "" {
		sub.Kind = oncall.KindAlert
	}
	if sub.Severity == "" {
		sub.Severity = "critical"
	}
	if err := e.DB.Write(context.Background(), func(tx *sql.Tx) error {
		var err error
		id, err = oncall.Start(context.Background(), tx, sub)
		return err
	}); err != nil {
		t.Fatalf("Start(%+v): %v", sub, err)
	}
	return id
}

// pages returns the users escalation id paged, in order.
func pages(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	rows, err := db.Reader().QueryContext(context.Background(), `SELECT u.username FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.escalation_id = $1 ORDER BY n.id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

func TestEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, svc := pagingTeam(t, db)
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		svc.Clock = func() time.Time { return now }
		sweep := func(at time.Time, want int) {
			t.Helper()
			res, err := svc.Sweep(ctx, at)
			if err != nil || res.Paged != want {
				t.Fatalf("Sweep(%v) = %+v, %v; want %d paged", at, res, err, want)
			}
		}
		wantPages := func(id int64, want ...string) {
			t.Helper()
			if got := pages(t, db, id); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("escalation %d paged %v; want %v", id, got, want)
			}
		}

		// A critical alert without a team goes to the default team, and
		// level 1 is paged at once.
		id := start(t, e, oncall.Subject{SubjectID: 42, Title: "Mimikatz på KK-PC-17", At: now})
		wantPages(id, "anna")
		if again := start(t, e, oncall.Subject{SubjectID: 42, Title: "igen", At: now}); again != id {
			t.Errorf("Start for the same alert = %d; want the escalation under way, %d", again, id)
		}
		wantPages(id, "anna")
		sweep(now.Add(4*time.Minute), 0)
		sweep(now.Add(5*time.Minute), 1) // level 2
		wantPages(id, "anna", "bo")
		sweep(now.Add(10*time.Minute), 1) // the policy repeats once
		sweep(now.Add(15*time.Minute), 1)
		wantPages(id, "anna", "bo", "anna", "bo")
		sweep(now.Add(time.Hour), 0) // out of steps
		d, err := svc.Escalation(ctx, e.Scope(t, "anna"), id)
		if err != nil || d.State != oncall.StateActive || d.NextAt != nil || len(d.Steps) != 4 || d.Steps[3].Level != 2 || d.Steps[3].User != "bo" ||
			d.Steps[3].Round != 1 || d.Steps[0].Channel != "inbox" {
			t.Errorf("Escalation = %+v, %v; want active without a next step, four steps", d, err)
		}

		// Acknowledging stops it; twice is a conflict.
		id2 := start(t, e, oncall.Subject{SubjectID: 43, Title: "Ransomware", At: now})
		anna := e.Scope(t, "anna")
		if got, err := svc.Ack(ctx, anna, id2); err != nil || got.State != oncall.StateAcknowledged || got.AckedBy != "anna" {
			t.Fatalf("Ack = %+v, %v", got, err)
		}
		if _, err := svc.Ack(ctx, e.Scope(t, "bo"), id2); errs.CodeOf(err) != errs.Conflict || !strings.Contains(err.Error(), "acknowledged already (by anna)") {
			t.Errorf("a second Ack = %v; want ECONFLICT naming anna", err)
		}
		sweep(now.Add(30*time.Minute), 0)
		wantPages(id2, "anna")

		// Snoozing pauses it; it pages the same step again when the snooze ends.
		now = now.Add(time.Minute)
		id3 := start(t, e, oncall.Subject{SubjectID: 44, Kind: oncall.KindCase, Title: "Sag: DDoS", At: now})
		if _, err := svc.Snooze(ctx, anna, id3, now.Add(25*time.Hour)); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a 25-hour snooze = %v; want EINVALID", err)
		}
		if got, err := svc.Snooze(ctx, anna, id3, now.Add(30*time.Minute)); err != nil || got.State != oncall.StateSnoozed {
			t.Fatalf("Snooze = %+v, %v", got, err)
		}
		sweep(now.Add(29*time.Minute), 0)
		res, err := svc.Sweep(ctx, now.Add(30*time.Minute))
		if err != nil || res.Paged != 1 || res.Woken != 1 {
			t.Fatalf("Sweep at the end of the snooze = %+v, %v; want one woken", res, err)
		}
		wantPages(id3, "anna", "anna")
		sweep(now.Add(35*time.Minute), 1)
		wantPages(id3, "anna", "anna", "bo")
		if got, err := svc.Resolve(ctx, anna, id3); err != nil || got.State != oncall.StateResolved {
			t.Fatalf("Resolve = %+v, %v", got, err)
		}
		if _, err := svc.Snooze(ctx, anna, id3, now.Add(time.Hour)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("snoozing a resolved escalation = %v; want ECONFLICT", err)
		}
		sweep(now.Add(2*time.Hour), 0)

		// Listing, scoped: the SOC sees them; København's CISO those of
		// its alerts; a unit's service desk none.
		if l, err := svc.Escalations(ctx, anna, oncall.Filter{State: oncall.StateActive}); err != nil || len(l) != 1 || l[0].ID != id {
			t.Errorf("active escalations = %+v, %v; want %d", l, err, id)
		}
		if l, err := svc.Escalations(ctx, e.Scope(t, "demo-ciso"), oncall.Filter{}); err != nil || len(l) != 3 {
			t.Errorf("København's CISO's escalations = %d, %v; want 3", len(l), err)
		}
		if l, err := svc.Escalations(ctx, e.Scope(t, "demo-servicedesk"), oncall.Filter{}); err != nil || len(l) != 0 {
			t.Errorf("a service desk's escalations = %d, %v; want none", len(l), err)
		}
		// Resolving the alert resolves its escalation.
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			ok, err := oncall.ResolveSubject(ctx, tx, oncall.KindAlert, 42, now)
			if !ok && err == nil {
				t.Error("ResolveSubject found no escalation of alert 42")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// A new alert for a subject whose escalation was resolved starts anew.
		if again := start(t, e, oncall.Subject{SubjectID: 42, At: now}); again == id || again == 0 {
			t.Errorf("Start after resolving = %d; want a new escalation", again)
		}
		// An unknown team is refused; no default team means no escalation.
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: 1, Team: "nobody", Kind: oncall.KindAlert, SubjectID: 50, Severity: "high"})
			return err
		}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Start with an unknown team = %v; want EINVALID", err)
		}
		f := false
		if _, err := svc.EditTeam(ctx, e.Scope(t, "demo-soc-analyst"), "soc", oncall.TeamChange{Default: &f}); err != nil {
			t.Fatal(err)
		}
		if id := start(t, e, oncall.Subject{SubjectID: 51}); id != 0 {
			t.Errorf("Start without a default team = %d; want 0", id)
		}
	})
}

func TestAckLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, svc := pagingTeam(t, db)
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		id := start(t, e, oncall.Subject{SubjectID: 42, Title: "x", At: now})
		annaID := e.Scope(t, "anna").UserID
		tok, err := svc.AckToken(ctx, id, annaID, oncall.ActionAck, now.Add(time.Hour))
		if err != nil || len(tok) != 56 || strings.ContainsAny(tok, "+/=") {
			t.Fatalf("AckToken = %q, %v; want 56 URL-safe characters", tok, err)
		}
		// Another service over the same database (another node) accepts it.
		other := oncall.New(db)
		if c, err := other.CheckToken(ctx, tok, now); err != nil || c.EscalationID != id || c.UserID != annaID || c.Action != oncall.ActionAck {
			t.Errorf("CheckToken on another node = %+v, %v", c, err)
		}
		tampered := []byte(tok)
		tampered[20] ^= 1
		for name, c := range map[string]struct {
			tok  string
			at   time.Time
			want string
		}{
			"tampered":  {string(tampered), now, "not valid"},
			"truncated": {tok[:50], now, "not valid"},
			"expired":   {tok, now.Add(time.Hour), "expired"},
			"garbage":   {"../../etc/passwd", now, "not valid"},
		} {
			_, err := svc.AckByToken(ctx, c.tok, c.at)
			if errs.CodeOf(err) != errs.Unauthorized || !strings.Contains(err.Error(), c.want) {
				t.Errorf("AckByToken(%s) = %v; want EUNAUTHORIZED %q", name, err, c.want)
			}
		}
		got, err := svc.AckByToken(ctx, tok, now.Add(time.Minute))
		if err != nil || got.State != oncall.StateAcknowledged || got.AckedBy != "anna" {
			t.Fatalf("AckByToken = %+v, %v", got, err)
		}
		if _, err := svc.AckByToken(ctx, tok, now.Add(2*time.Minute)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("the link used twice = %v; want ECONFLICT", err)
		}
		// A disabled user's link, and a link of a user in another
		// organisation, are refused.
		id2 := start(t, e, oncall.Subject{SubjectID: 43, Title: "y", At: now})
		bo := e.Scope(t, "bo")
		boTok, _ := svc.AckToken(ctx, id2, bo.UserID, oncall.ActionAck, now.Add(time.Hour))
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE users SET disabled = TRUE WHERE id = $1`, bo.UserID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AckByToken(ctx, boTok, now); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("a disabled user's link = %v; want EUNAUTHORIZED", err)
		}
		spoc := e.Scope(t, "demo-spoc")
		spocTok, _ := svc.AckToken(ctx, id2, spoc.UserID, oncall.ActionAck, now.Add(time.Hour))
		if _, err := svc.AckByToken(ctx, spocTok, now); errs.CodeOf(err) != errs.Unauthorized {
			t.Errorf("a link for a user outside the team's organisation = %v; want EUNAUTHORIZED", err)
		}
		// A resolve link resolves.
		resTok, _ := svc.AckToken(ctx, id2, annaID, oncall.ActionResolve, now.Add(time.Hour))
		if got, err := svc.AckByToken(ctx, resTok, now); err != nil || got.State != oncall.StateResolved {
			t.Errorf("a resolve link = %+v, %v", got, err)
		}
		// The link for delivery.
		link, err := svc.AckURL("https://samdrift.example.dk/")(ctx, id, annaID, now)
		if err != nil || !strings.HasPrefix(link, "https://samdrift.example.dk"+oncall.AckPath) {
			t.Errorf("AckURL = %q, %v", link, err)
		}
	})
}

// TestSweepExactlyOnce sweeps from two goroutines at once (two nodes on
// one database, as during a takeover of the jobs' lease) and checks each
// step is paged, recorded and audited once.
func TestSweepExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, _ := pagingTeam(t, db)
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		const n = 300 // more than one claim of a sweep
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for i := range n {
				if _, err := oncall.Start(ctx, tx, oncall.Subject{OrgID: e.Org(t, "101").ID, Kind: oncall.KindAlert, SubjectID: int64(1000 + i),
					Severity: "critical", Title: "x", At: now}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{now.Add(5 * time.Minute), now.Add(10 * time.Minute)} {
			var wg sync.WaitGroup
			results := make([]oncall.SweepResult, 2)
			errors := make([]error, 2)
			nodes := []*oncall.Service{oncall.New(db), oncall.New(db)}
			begin := make(chan struct{})
			for i, node := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-begin
					results[i], errors[i] = node.Sweep(ctx, at)
				}()
			}
			close(begin)
			wg.Wait()
			if errors[0] != nil || errors[1] != nil || results[0].Paged+results[1].Paged != n {
				t.Fatalf("two concurrent sweeps = %+v, %v; want %d paged between them", results, errors, n)
			}
			t.Logf("sweeps at %v paged %d and %d", at, results[0].Paged, results[1].Paged)
		}
		var pagesN, dup int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE escalation_id IS NOT NULL`).Scan(&pagesN); err != nil {
			t.Fatal(err)
		}
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT escalation_id, step, round FROM oncall_escalation_steps
			WHERE action = 'notify' GROUP BY escalation_id, step, round HAVING COUNT(*) > 1) d`).Scan(&dup); err != nil {
			t.Fatal(err)
		}
		if pagesN != 3*n || dup != 0 {
			t.Errorf("%d pages, %d steps paged more than once; want %d and none", pagesN, dup, 3*n)
		}
		var audited int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'oncall.escalation.page'`).Scan(&audited); err != nil {
			t.Fatal(err)
		}
		if audited != 2*n {
			t.Errorf("%d steps paged in the audit log; want %d", audited, 2*n)
		}
	})
}

// TestOnCallScope checks who sees and manages which team.
func TestOnCallScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, svc := pagingTeam(t, db)
		hs := "enhed-hovedstaden"
		e.AddUser(t, "unit-sd", hs, access.RoleServiceDesk)
		mgr := e.Scope(t, "demo-unit-manager")
		if _, err := svc.CreateTeam(ctx, mgr, oncall.NewTeam{OrgID: e.Org(t, hs).ID, Slug: "hs-drift", Name: "Drift", Members: []string{"unit-sd"}}); err != nil {
			t.Fatalf("a unit manager creating a team of its unit: %v", err)
		}
		if _, err := svc.CreateTeam(ctx, mgr, oncall.NewTeam{OrgID: e.Org(t, hs).ID, Slug: "hs-2", Name: "x", Default: true}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a unit's default team = %v; want EINVALID", err)
		}
		if _, err := svc.CreateTeam(ctx, mgr, oncall.NewTeam{OrgID: e.Org(t, "751").ID, Slug: "aarhus", Name: "x"}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a unit manager creating a team in a municipality it does not supply = %v; want EINVALID on org_id", err)
		}
		if _, err := svc.CreateTeam(ctx, mgr, oncall.NewTeam{OrgID: e.Org(t, hs).ID, Slug: "hs-drift", Name: "x"}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("a second team hs-drift = %v; want ECONFLICT", err)
		}
		e.AddUser(t, "mgr-midt", "enhed-midtjylland", access.RoleUnitManager)
		midt := e.Scope(t, "mgr-midt")
		_, unknown := svc.Team(ctx, midt, "no-such-team")
		for name, err := range map[string]error{
			"Team": func() error { _, err := svc.Team(ctx, midt, "hs-drift"); return err }(),
			"WhoIsOnCall": func() error {
				_, err := svc.WhoIsOnCall(ctx, midt, "hs-drift", time.Now())
				return err
			}(),
			"EditTeam": func() error {
				n := "x"
				_, err := svc.EditTeam(ctx, midt, "hs-drift", oncall.TeamChange{Name: &n})
				return err
			}(),
			"Shifts": func() error {
				_, err := svc.Shifts(ctx, midt, "hs-drift", time.Now(), time.Now().Add(time.Hour))
				return err
			}(),
		} {
			if errs.CodeOf(err) != errs.NotFound || strings.Replace(err.Error(), "hs-drift", "no-such-team", 1) != unknown.Error() {
				t.Errorf("another unit's manager: %s = %v; want the answer for an unknown team (%v)", name, err, unknown)
			}
		}
		if l, err := svc.Teams(ctx, midt); err != nil || len(l) != 0 {
			t.Errorf("another unit's manager's teams = %d, %v; want none", len(l), err)
		}
		// A municipality's users cannot manage (or see) the SOC's team.
		for _, u := range []string{"demo-ciso", "demo-kommune-it"} {
			n := "x"
			if _, err := svc.EditTeam(ctx, e.Scope(t, u), "soc", oncall.TeamChange{Name: &n}); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("%s editing the SOC's team = %v; want ENOTFOUND", u, err)
			}
		}
		// The SOC and the CERT see every team, but manage only their own.
		for _, u := range []string{"demo-soc-analyst", "demo-cert"} {
			sc := e.Scope(t, u)
			if l, err := svc.Teams(ctx, sc); err != nil || len(l) != 2 {
				t.Errorf("%s's teams = %d, %v; want both", u, len(l), err)
			}
			if _, err := svc.WhoIsOnCall(ctx, sc, "hs-drift", time.Now()); err != nil {
				t.Errorf("%s asking who is on call for a unit: %v", u, err)
			}
			n := "x"
			if _, err := svc.EditTeam(ctx, sc, "hs-drift", oncall.TeamChange{Name: &n}); errs.CodeOf(err) != errs.Forbidden {
				t.Errorf("%s editing a unit's team = %v; want EFORBIDDEN", u, err)
			}
		}
		// The unit's service desk reads its own team but does not manage it.
		sd := e.Scope(t, "demo-servicedesk")
		if _, err := svc.Team(ctx, sd, "hs-drift"); err != nil {
			t.Errorf("the unit's service desk reading its team: %v", err)
		}
		if _, err := svc.SetPolicy(ctx, sd, "hs-drift", oncall.Policy{Severity: "high", Steps: []oncall.Step{{Level: 1, WaitMinutes: 5}}}); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("the service desk setting a policy = %v; want EFORBIDDEN", err)
		}
		// Policies: bounded.
		mgrPolicy := func(p oncall.Policy) error { _, err := svc.SetPolicy(ctx, mgr, "hs-drift", p); return err }
		if err := mgrPolicy(oncall.Policy{Severity: "high", Repeats: 10, Steps: []oncall.Step{{Level: 1, WaitMinutes: 5}}}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ten repeats = %v; want EINVALID", err)
		}
		if err := mgrPolicy(oncall.Policy{Severity: "high", Steps: make([]oncall.Step, 11)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("eleven steps = %v; want EINVALID", err)
		}
		if err := mgrPolicy(oncall.Policy{Severity: "high", Steps: []oncall.Step{{User: "unit-sd", WaitMinutes: 5}}}); err != nil {
			t.Errorf("a step paging a member: %v", err)
		}
		// Acknowledging: members and those who triage the tenant's alerts.
		now := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)
		id := start(t, e, oncall.Subject{SubjectID: 42, At: now})
		if _, err := svc.Ack(ctx, midt, id); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("another unit's manager acknowledging = %v; want ENOTFOUND", err)
		}
		if _, err := svc.Ack(ctx, e.Scope(t, "demo-kommune-it"), id); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("København's IT lead (no triage) acknowledging = %v; want ENOTFOUND", err)
		}
		if _, err := svc.Ack(ctx, e.Scope(t, "demo-governance"), id); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("governance (sees all, triages none) acknowledging = %v; want EFORBIDDEN", err)
		}
		if got, err := svc.Ack(ctx, e.Scope(t, "demo-ciso"), id); err != nil || got.AckedBy != "demo-ciso" {
			t.Errorf("København's CISO acknowledging its alert's escalation = %+v, %v", got, err)
		}
	})
}
