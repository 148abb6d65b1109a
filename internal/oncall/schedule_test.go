package oncall_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/locale"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// local is a wall-clock time in Copenhagen.
func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, locale.Copenhagen)
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// socTeam loads the demo, adds four SOC analysts and makes team "soc" of
// the shared SOC with them, as the SOC's demo analyst.
func socTeam(t testing.TB, db *store.DB) (*demotest.Env, *oncall.Service, access.Scope) {
	t.Helper()
	e := demotest.New(t, db, false)
	for _, n := range []string{"anna", "bo", "carl", "dina"} {
		e.AddUser(t, n, demo.SOCSlug, access.RoleSOCAnalyst)
	}
	svc := oncall.New(db)
	sc := e.Scope(t, "demo-soc-analyst")
	if _, err := svc.CreateTeam(context.Background(), sc, oncall.NewTeam{OrgID: e.Org(t, demo.SOCSlug).ID, Slug: "soc", Name: "SOC-vagt", Default: true,
		Members: []string{"anna", "bo", "carl", "dina"}}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	return e, svc, sc
}

func TestWhoIsOnCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, svc, sc := socTeam(t, db)
		add := func(n oncall.NewRotation) oncall.Rotation {
			t.Helper()
			r, err := svc.AddRotation(ctx, sc, "soc", n)
			if err != nil {
				t.Fatalf("AddRotation(%+v): %v", n, err)
			}
			return r
		}
		// Level 1, 24/7: weekly turns from Monday 2 March 2026 08:00.
		weekly := add(oncall.NewRotation{Level: 1, Name: "Uge", Members: []string{"anna", "bo", "carl"}, Period: oncall.Weekly, Start: local(2026, 3, 2, 8, 0)})
		// Level 2: daily turns from Saturday 24 October 09:00.
		daily := add(oncall.NewRotation{Level: 2, Members: []string{"bo", "carl"}, Period: oncall.Daily, Start: local(2026, 10, 24, 9, 0)})
		type want struct {
			level       int
			user        string
			rotation    int64
			from, until string // RFC 3339 UTC; "" not checked
		}
		check := func(name string, at time.Time, wants ...want) {
			t.Helper()
			got, err := svc.WhoIsOnCall(ctx, sc, "soc", at)
			if err != nil {
				t.Fatalf("%s: WhoIsOnCall: %v", name, err)
			}
			if len(got) != len(wants) {
				t.Fatalf("%s: WhoIsOnCall(%s) = %+v; want %d levels", name, at.UTC().Format(time.RFC3339), got, len(wants))
			}
			for i, w := range wants {
				g := got[i]
				ok := g.Level == w.level && g.User == w.user && (w.rotation == 0 || g.RotationID == w.rotation)
				if w.from != "" && !g.From.Equal(utc(w.from)) {
					ok = false
				}
				if w.until != "" && (g.Until == nil || !g.Until.Equal(utc(w.until))) {
					ok = false
				}
				if !ok {
					until := "nil"
					if g.Until != nil {
						until = g.Until.Format(time.RFC3339)
					}
					t.Errorf("%s: WhoIsOnCall(%s)[%d] = level %d %s (rotation %d, override %d) %s–%s; want %+v", name, at.UTC().Format(time.RFC3339), i,
						g.Level, g.User, g.RotationID, g.OverrideID, g.From.Format(time.RFC3339), until, w)
				}
			}
		}
		// Spring forward (29 March): Monday 30 March's handoff is at 08:00
		// CEST (06:00 UTC), not 07:00 as 168 hours after 08:00 CET would be.
		check("before the first handoff", local(2026, 3, 2, 7, 59))
		check("first turn", local(2026, 3, 2, 8, 0), want{1, "anna", weekly.ID, "2026-03-02T07:00:00Z", "2026-03-09T07:00:00Z"})
		check("spring 07:59", local(2026, 3, 30, 7, 59), want{1, "anna", weekly.ID, "2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z"})
		check("spring 07:59 as UTC", utc("2026-03-30T05:59:00Z"), want{1, "anna", weekly.ID, "", ""})
		check("spring 08:00", utc("2026-03-30T06:00:00Z"), want{1, "bo", weekly.ID, "2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z"})
		// Fall back (25 October): Monday 26 October at 08:00 CET is 07:00 UTC.
		check("autumn 07:59", utc("2026-10-26T06:59:00Z"), want{1, "anna", weekly.ID, "2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z"},
			want{2, "carl", daily.ID, "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"})
		check("autumn 08:00", local(2026, 10, 26, 8, 0), want{1, "bo", weekly.ID, "2026-10-26T07:00:00Z", ""},
			want{2, "carl", daily.ID, "", ""})
		// The daily turn spanning the change lasts 25 hours: 09:00 CEST to 09:00 CET.
		check("daily over the change", local(2026, 10, 25, 8, 59), want{1, "anna", weekly.ID, "", ""},
			want{2, "bo", daily.ID, "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"})
		check("daily after the change", local(2026, 10, 25, 9, 0), want{1, "anna", weekly.ID, "", ""}, want{2, "carl", daily.ID, "", ""})

		// A day layer (Mon–Fri 08:00–16:00) over the 24/7 layer: it wins in
		// its windows, the weekly layer shows through outside them.
		day := add(oncall.NewRotation{Level: 1, Name: "Dag", Members: []string{"dina"}, Period: oncall.Daily, Start: local(2026, 3, 2, 8, 0),
			Restriction: &oncall.Restriction{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, From: "08:00", To: "16:00"}})
		check("day layer", local(2026, 3, 31, 10, 0), want{1, "dina", day.ID, "2026-03-31T06:00:00Z", "2026-03-31T14:00:00Z"})
		check("evening shows the 24/7 layer", local(2026, 3, 31, 17, 0), want{1, "bo", weekly.ID, "2026-03-31T14:00:00Z", "2026-04-01T06:00:00Z"})
		check("Saturday shows the 24/7 layer", local(2026, 4, 4, 10, 0), want{1, "bo", weekly.ID, "2026-04-03T14:00:00Z", "2026-04-06T06:00:00Z"})

		// "I take Thursday night": carl overrides level 1.
		ov, err := svc.AddOverride(ctx, sc, "soc", oncall.NewOverride{Level: 1, User: "carl", From: local(2026, 4, 2, 16, 0), Until: local(2026, 4, 3, 8, 0)})
		if err != nil {
			t.Fatalf("AddOverride: %v", err)
		}
		got, _ := svc.WhoIsOnCall(ctx, sc, "soc", local(2026, 4, 2, 20, 0))
		if len(got) != 1 || got[0].User != "carl" || got[0].OverrideID != ov.ID || !got[0].Until.Equal(utc("2026-04-03T06:00:00Z")) {
			t.Errorf("WhoIsOnCall on Thursday night = %+v; want carl by override %d until 06:00 UTC", got, ov.ID)
		}
		check("Friday morning after the override", local(2026, 4, 3, 8, 30), want{1, "dina", day.ID, "", ""})

		// The week view: Monday 30 March to Monday 6 April, local.
		shifts, err := svc.Shifts(ctx, sc, "soc", local(2026, 3, 30, 0, 0), local(2026, 4, 6, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		var seq []string
		for _, s := range shifts {
			seq = append(seq, s.User+"@"+s.From.Format("02T15"))
		}
		wantSeq := []string{"anna@29T22", "dina@30T06", "bo@30T14", "dina@31T06", "bo@31T14", "dina@01T06", "bo@01T14", "dina@02T06", "carl@02T14",
			"dina@03T06", "bo@03T14"}
		if len(seq) != len(wantSeq) {
			t.Fatalf("Shifts = %v; want %v", seq, wantSeq)
		}
		for i := range seq {
			if seq[i] != wantSeq[i] {
				t.Fatalf("Shifts = %v; want %v", seq, wantSeq)
			}
		}
		if last := shifts[len(shifts)-1]; !last.Until.Equal(local(2026, 4, 6, 0, 0)) {
			t.Errorf("the last shift ends %v; want the end of the period", last.Until)
		}
		if _, err := svc.Shifts(ctx, sc, "soc", local(2026, 3, 1, 0, 0), local(2026, 5, 1, 0, 0)); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("Shifts over two months = %v; want EINVALID", err)
		}
	})
}

func TestScheduleInputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e, svc, sc := socTeam(t, db)
		start := local(2026, 3, 2, 8, 0)
		for _, c := range []struct {
			name  string
			n     oncall.NewRotation
			field string
		}{
			{"level 0", oncall.NewRotation{Level: 0, Members: []string{"anna"}, Period: oncall.Daily, Start: start}, "level"},
			{"no members", oncall.NewRotation{Level: 1, Period: oncall.Daily, Start: start}, "members"},
			{"a stranger", oncall.NewRotation{Level: 1, Members: []string{"anna", "demo-spoc"}, Period: oncall.Daily, Start: start}, "members[1]"},
			{"twice", oncall.NewRotation{Level: 1, Members: []string{"anna", "anna"}, Period: oncall.Daily, Start: start}, "members[1]"},
			{"no period", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Start: start}, "period"},
			{"no start", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Period: oncall.Daily}, "start"},
			{"end before start", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Period: oncall.Daily, Start: start, End: start}, "end"},
			{"bad window", oncall.NewRotation{Level: 1, Members: []string{"anna"}, Period: oncall.Daily, Start: start,
				Restriction: &oncall.Restriction{Days: []time.Weekday{time.Monday}, From: "8", To: "16:00"}}, "restriction"},
		} {
			_, err := svc.AddRotation(ctx, sc, "soc", c.n)
			if er := errs.As(err); er == nil || er.Code != errs.Invalid || er.Field != c.field {
				t.Errorf("AddRotation with %s = %v; want EINVALID on %s", c.name, err, c.field)
			}
		}
		for in, want := range map[string]string{"daily": "daily", "weekly": "weekly", "3d": "3d", "12h": "12h", "0d": "", "200h": "", "fortnightly": ""} {
			p, err := oncall.ParsePeriod("period", in)
			if (want == "") != (err != nil) || (err == nil && p.String() != want) {
				t.Errorf("ParsePeriod(%q) = %v, %v; want %q", in, p, err, want)
			}
		}
		r, err := oncall.ParseRestriction("restriction", "mon-fri 16:00-08:00")
		if err != nil || len(r.Days) != 5 || r.String() != "mon,tue,wed,thu,fri 16:00-08:00" {
			t.Errorf("ParseRestriction = %v, %v", r, err)
		}
		if r, err := oncall.ParseRestriction("restriction", "fri-mon 00:00-00:00"); err != nil || len(r.Days) != 4 {
			t.Errorf("ParseRestriction(fri-mon) = %v, %v; want four days", r, err)
		}
		// A night layer (16:00–08:00, wrapping midnight) on level 2.
		night, err := svc.AddRotation(ctx, sc, "soc", oncall.NewRotation{Level: 2, Members: []string{"bo"}, Period: oncall.Weekly, Start: start, Restriction: r})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			at   time.Time
			want string
		}{{local(2026, 3, 3, 7, 59), "bo"}, {local(2026, 3, 3, 8, 0), ""}, {local(2026, 3, 6, 23, 0), "bo"}, {local(2026, 3, 7, 7, 0), "bo"},
			{local(2026, 3, 7, 8, 0), ""}, {local(2026, 3, 8, 23, 0), ""}, {local(2026, 3, 2, 7, 0), ""}} {
			got, err := svc.WhoIsOnCall(ctx, sc, "soc", c.at)
			user := ""
			if len(got) > 0 {
				user = got[0].User
				if got[0].RotationID != night.ID {
					t.Errorf("at %v: rotation %d; want %d", c.at, got[0].RotationID, night.ID)
				}
			}
			if err != nil || user != c.want {
				t.Errorf("night layer at %v = %q, %v; want %q", c.at, user, err, c.want)
			}
		}
		// A member in a rotation cannot leave the team.
		if _, err := svc.EditTeam(ctx, sc, "soc", oncall.TeamChange{Members: []string{"anna"}}); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("removing bo, who is in a rotation = %v; want ECONFLICT", err)
		}
		// Overrides: a member who may not manage the team (a CISO of the
		// SOC) takes a shift themselves; not someone else's.
		e.AddUser(t, "eva", demo.SOCSlug, access.RoleCISO)
		e.AddUser(t, "frank", demo.SOCSlug, access.RoleCISO)
		if _, err := svc.EditTeam(ctx, sc, "soc", oncall.TeamChange{Members: []string{"anna", "bo", "carl", "dina", "eva"}}); err != nil {
			t.Fatal(err)
		}
		eva := e.Scope(t, "eva")
		if _, err := svc.AddOverride(ctx, eva, "soc", oncall.NewOverride{Level: 1, User: "eva", From: start, Until: start.Add(12 * time.Hour)}); err != nil {
			t.Errorf("a member taking a shift: %v", err)
		}
		if _, err := svc.AddOverride(ctx, eva, "soc", oncall.NewOverride{Level: 1, User: "bo", From: start, Until: start.Add(time.Hour)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a member giving bo a shift = %v; want EINVALID", err)
		}
		if _, err := svc.AddOverride(ctx, sc, "soc", oncall.NewOverride{Level: 1, User: "bo", From: start, Until: start.Add(40 * 24 * time.Hour)}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a 40-day override = %v; want EINVALID", err)
		}
		// Handover notes: newest first, bounded.
		for _, b := range []string{"Intet åbent.", "Hold øje med alarm 42 (Frederiksberg)."} {
			if _, err := svc.AddHandover(ctx, eva, "soc", b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.AddHandover(ctx, eva, "soc", string(make([]rune, 4001))); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a 4001-character note = %v; want EINVALID", err)
		}
		if _, err := svc.AddHandover(ctx, e.Scope(t, "frank"), "soc", "x"); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("a note by a non-member who may not manage = %v; want EFORBIDDEN", err)
		}
		notes, err := svc.Handovers(ctx, e.Scope(t, "bo"), "soc", 1)
		if err != nil || len(notes) != 1 || notes[0].Author != "eva" || notes[0].Body != "Hold øje med alarm 42 (Frederiksberg)." {
			t.Errorf("the latest handover = %+v, %v", notes, err)
		}
	})
}
