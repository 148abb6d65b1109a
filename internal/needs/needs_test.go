package needs_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/needs"
	"github.com/samdrift/samdrift/internal/notify"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// fixture is the demo with a second municipality (Roskilde, under the
// Sjælland unit) and its people.
type fixture struct {
	env *demotest.Env
	svc *needs.Service
	db  *store.DB
	sc  map[string]access.Scope
}

func setup(t *testing.T, db *store.DB) *fixture {
	env := demotest.New(t, db, false)
	env.AddUser(t, "spoc-ros", "265", access.RoleSPOC)
	env.AddUser(t, "it-ros", "265", access.RoleKommuneIT)
	env.AddUser(t, "desk-sj", "enhed-sjaelland", access.RoleServiceDesk)
	f := &fixture{env: env, svc: needs.New(db), db: db, sc: map[string]access.Scope{}}
	for _, u := range []string{"demo-spoc", "demo-kommune-it", "demo-ciso", "demo-servicedesk", "demo-unit-manager", "demo-governance", "demo-admin",
		"demo-soc-analyst", "demo-cert", "spoc-ros", "it-ros", "desk-sj"} {
		f.sc[u] = env.Scope(t, u)
	}
	return f
}

func (f *fixture) create(t *testing.T, as string, n needs.NewNeed) needs.Detail {
	t.Helper()
	d, err := f.svc.Create(context.Background(), f.sc[as], n)
	if err != nil {
		t.Fatalf("Create as %s (%+v): %v", as, n, err)
	}
	return d
}

func (f *fixture) audits(t *testing.T, action string, id int64) int {
	t.Helper()
	var n int
	if err := f.db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target_type = 'need' AND target_id = $2`,
		action, strconv.FormatInt(id, 10)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// inbox returns as's notices whose kind begins with kind, newest first.
func (f *fixture) inbox(t *testing.T, as, kind string) []notify.Message {
	t.Helper()
	ms, _, err := notify.NewInbox(f.db).List(context.Background(), f.sc[as], time.Now().Add(time.Hour), 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []notify.Message
	for _, m := range ms {
		if strings.HasPrefix(m.Kind, kind) {
			out = append(out, m)
		}
	}
	return out
}

func code(err error) errs.Code { return errs.CodeOf(err) }

func fieldOf(err error) string {
	if e := errs.As(err); e != nil {
		return e.Field
	}
	return ""
}

// TestSubmitAndSee: a municipality submits for itself, a unit and
// governance for a municipality in reach; everyone reads every need, but
// the submitting person only those who reach the municipality.
func TestSubmitAndSee(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		d := f.create(t, "demo-spoc", needs.NewNeed{Title: "Fælles booking af mødelokaler", Description: "Borgerservice mangler et fælles bookingsystem.",
			Why: "Dobbeltbookinger hver uge", Affected: "Borgerservice, 40 medarbejdere", Priority: "high"})
		if d.Status != needs.Received || d.Kind != "need" || d.Priority != "high" || d.Org.Code != "101" || d.SubmittedBy != "demo-spoc" ||
			!d.Following || d.Version != 1 || d.Support != 1 || d.Votes != 0 {
			t.Fatalf("Create = %+v", d.Need)
		}
		if n := f.audits(t, "need.create", d.ID); n != 1 {
			t.Errorf("need.create audited %d times; want 1", n)
		}
		// Who sees whom.
		for as, person := range map[string]bool{"demo-spoc": true, "demo-ciso": true, "demo-servicedesk": true, "demo-governance": true, "demo-admin": true,
			"spoc-ros": false, "desk-sj": false, "demo-soc-analyst": false, "demo-cert": false} {
			got, err := f.svc.Get(ctx, f.sc[as], d.ID)
			if err != nil {
				t.Errorf("Get as %s: %v", as, err)
				continue
			}
			if (got.SubmittedBy != "") != person {
				t.Errorf("Get as %s shows submitter %q; want shown = %v", as, got.SubmittedBy, person)
			}
			if got.Org.Name == "" || got.Title != d.Title {
				t.Errorf("Get as %s = %+v; want the need and its municipality", as, got.Need)
			}
			list, total, err := f.svc.List(ctx, f.sc[as], needs.Filter{})
			if err != nil || total != 1 || len(list) != 1 || (list[0].SubmittedBy != "") != person {
				t.Errorf("List as %s = %+v, %d, %v", as, list, total, err)
			}
		}
		if _, err := f.svc.Get(ctx, access.Scope{}, d.ID); code(err) != errs.Unauthorized {
			t.Errorf("Get by no one = %v; want Unauthorized", err)
		}
		if _, err := f.svc.Get(ctx, f.sc["spoc-ros"], d.ID+100); code(err) != errs.NotFound {
			t.Errorf("Get of an unknown need = %v; want NotFound", err)
		}

		// Submitting for others.
		for _, c := range []struct {
			as, org string
			want    errs.Code
			field   string
		}{
			{"demo-spoc", "265", errs.Invalid, "org"},                      // another municipality: out of reach, as unknown
			{"demo-spoc", "999", errs.Invalid, "org"},                      // unknown
			{"desk-sj", "101", errs.Invalid, "org"},                        // a unit that does not supply it
			{"desk-sj", "", errs.Invalid, "org"},                           // a unit must name the municipality
			{"demo-governance", "", errs.Invalid, "org"},                   // so must governance
			{"demo-servicedesk", "enhed-hovedstaden", errs.Invalid, "org"}, // a unit is no municipality
			{"demo-soc-analyst", "101", errs.Forbidden, ""},                // the SOC reads
			{"demo-servicedesk", "147", "", ""},                            // Frederiksberg, supplied by Hovedstaden
			{"demo-governance", "265", "", ""},                             // governance for anyone
			{"it-ros", "", "", ""},                                         // any role of a municipality
		} {
			_, err := f.svc.Create(ctx, f.sc[c.as], needs.NewNeed{Title: "Behov", Description: "Beskrivelse", Org: c.org})
			if code(err) != c.want || fieldOf(err) != c.field {
				t.Errorf("Create as %s for %q = %v; want %q on %q", c.as, c.org, err, c.want, c.field)
			}
		}
		// Bounded, named inputs.
		for _, c := range []struct {
			n     needs.NewNeed
			field string
		}{
			{needs.NewNeed{Description: "x"}, "title"},
			{needs.NewNeed{Title: strings.Repeat("x", needs.MaxTitle+1), Description: "x"}, "title"},
			{needs.NewNeed{Title: "x"}, "description"},
			{needs.NewNeed{Title: "x", Description: "x", Why: strings.Repeat("y", needs.MaxWhy+1)}, "why"},
			{needs.NewNeed{Title: "x", Description: "x", Priority: "urgent"}, "priority"},
			{needs.NewNeed{Title: "x", Description: "x", Kind: "wish"}, "kind"},
			{needs.NewNeed{Title: "x\x00", Description: "x"}, "title"},
		} {
			if _, err := f.svc.Create(ctx, f.sc["demo-spoc"], c.n); code(err) != errs.Invalid || fieldOf(err) != c.field {
				t.Errorf("Create(%.60q) = %v; want Invalid on %s", c.n.Title, err, c.field)
			}
		}
		// The unit's managers were told of the new need.
		if ms := f.inbox(t, "demo-unit-manager", "need.submitted"); len(ms) < 1 || !strings.Contains(ms[len(ms)-1].Subject, "Fælles booking") {
			t.Errorf("the unit manager's notices = %+v; want the new need", ms)
		}
		// Filters.
		list, total, err := f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{OrgID: f.env.Org(t, "265").ID})
		if err != nil || total != 2 {
			t.Errorf("List of Roskilde's = %d, %v; want 2", total, err)
		}
		if list, total, err = f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{Query: "booking"}); err != nil || total != 1 || list[0].ID != d.ID {
			t.Errorf("List q=booking = %+v, %d, %v", list, total, err)
		}
		if list, _, err = f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{Limit: 2, Offset: 2, Sort: "oldest"}); err != nil || len(list) != 2 {
			t.Errorf("List page 2 = %d items, %v; want 2", len(list), err)
		}
		for _, bad := range []needs.Filter{{Statuses: []string{"open"}}, {Sort: "random"}, {Limit: 501}, {Kind: "wish"}} {
			if _, _, err := f.svc.List(ctx, f.sc["spoc-ros"], bad); code(err) != errs.Invalid {
				t.Errorf("List(%+v) = %v; want Invalid", bad, err)
			}
		}
	})
}

// TestVotes: one vote per municipality, idempotent, withdrawn again; the
// submitting municipality's support counts already.
func TestVotes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		d := f.create(t, "demo-spoc", needs.NewNeed{Title: "Single sign-on til fagsystemer", Description: "Færre logins."})
		for _, as := range []string{"spoc-ros", "it-ros", "spoc-ros"} { // two people, one municipality, one pressed twice
			got, err := f.svc.Vote(ctx, f.sc[as], d.ID, "")
			if err != nil || got.Votes != 1 || !got.Voted || got.Support != 2 || got.Voters[0].Code != "265" {
				t.Fatalf("Vote as %s = %+v, %v; want one vote from Roskilde", as, got.Need, err)
			}
		}
		if n := f.audits(t, "need.vote", d.ID); n != 1 {
			t.Errorf("need.vote audited %d times; want 1 (the repeats change nothing)", n)
		}
		if _, err := f.svc.Vote(ctx, f.sc["demo-kommune-it"], d.ID, ""); code(err) != errs.Invalid || fieldOf(err) != "org" {
			t.Errorf("the submitting municipality voting = %v; want Invalid on org", err)
		}
		// The unit votes on behalf of a municipality it supplies, not of others.
		if got, err := f.svc.Vote(ctx, f.sc["demo-servicedesk"], d.ID, "147"); err != nil || got.Votes != 2 {
			t.Errorf("the unit voting for Frederiksberg = %+v, %v", got.Need, err)
		}
		if _, err := f.svc.Vote(ctx, f.sc["desk-sj"], d.ID, "147"); code(err) != errs.Invalid {
			t.Errorf("another unit voting for Frederiksberg = %v; want Invalid (as unknown)", err)
		}
		if _, err := f.svc.Vote(ctx, f.sc["desk-sj"], d.ID, ""); code(err) != errs.Invalid || fieldOf(err) != "org" {
			t.Errorf("a unit voting without naming a municipality = %v; want Invalid on org", err)
		}
		if _, err := f.svc.Vote(ctx, f.sc["demo-cert"], d.ID, ""); code(err) != errs.Forbidden {
			t.Errorf("the CERT voting = %v; want Forbidden", err)
		}
		if _, err := f.svc.Vote(ctx, f.sc["spoc-ros"], d.ID+99, ""); code(err) != errs.NotFound {
			t.Errorf("voting on an unknown need = %v; want NotFound", err)
		}
		// The caller's own view: København sees Roskilde voted, not itself.
		if got, _ := f.svc.Get(ctx, f.sc["demo-spoc"], d.ID); got.Voted || got.Votes != 2 {
			t.Errorf("København's view = %+v; want 2 votes, not its own", got.Need)
		}
		// Sorting by support.
		other := f.create(t, "spoc-ros", needs.NewNeed{Title: "Nyt intranet", Description: "x"})
		if list, _, _ := f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{Sort: "votes"}); len(list) != 2 || list[0].ID != d.ID {
			t.Errorf("sort=votes = %+v; want the voted need first", list)
		}
		if list, _, _ := f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{}); list[0].ID != other.ID {
			t.Errorf("the default order = %d first; want the newest", list[0].ID)
		}
		// Taking a vote back, twice.
		for range 2 {
			if got, err := f.svc.Unvote(ctx, f.sc["it-ros"], d.ID, ""); err != nil || got.Votes != 1 || got.Voted {
				t.Errorf("Unvote = %+v, %v; want Roskilde's vote gone", got.Need, err)
			}
		}
		if n := f.audits(t, "need.unvote", d.ID); n != 1 {
			t.Errorf("need.unvote audited %d times; want 1", n)
		}
		// Concurrent votes from many municipalities all count.
		var wg sync.WaitGroup
		users := []string{}
		for i, c := range []string{"147", "151", "153", "155", "157"} {
			u := "k" + strconv.Itoa(i)
			f.env.AddUser(t, u, c, access.RoleSPOC)
			users = append(users, u)
		}
		scopes := make([]access.Scope, len(users))
		for i, u := range users {
			scopes[i] = f.env.Scope(t, u)
		}
		errc := make(chan error, len(users))
		for _, sc := range scopes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.svc.Vote(ctx, sc, other.ID, "")
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Errorf("a concurrent vote: %v", err)
			}
		}
		if got, _ := f.svc.Get(ctx, f.sc["spoc-ros"], other.ID); got.Votes != 5 {
			t.Errorf("after 5 concurrent votes: %d", got.Votes)
		}
	})
}

// TestStatusRules: who may set a need's status, declined needs a reason,
// a stale version is refused, and the followers are told.
func TestStatusRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		d := f.create(t, "demo-spoc", needs.NewNeed{Title: "Mobil MitID-login på skolernes iPads", Description: "Lærerne logger ind mange gange om dagen."})
		// Roskilde follows it; København's CISO does not.
		if got, err := f.svc.Follow(ctx, f.sc["spoc-ros"], d.ID); err != nil || !got.Following {
			t.Fatalf("Follow = %+v, %v", got.Need, err)
		}
		set := func(as string, c needs.StatusChange) (needs.Detail, error) {
			return f.svc.SetStatus(ctx, f.sc[as], d.ID, c)
		}
		for _, as := range []string{"demo-spoc", "demo-ciso", "demo-kommune-it", "spoc-ros", "desk-sj", "demo-soc-analyst", "demo-cert"} {
			if _, err := set(as, needs.StatusChange{Status: needs.Planned}); code(err) != errs.Forbidden {
				t.Errorf("SetStatus as %s = %v; want Forbidden", as, err)
			}
		}
		if _, err := f.svc.SetStatus(ctx, f.sc["demo-servicedesk"], d.ID+50, needs.StatusChange{Status: needs.Planned}); code(err) != errs.NotFound {
			t.Errorf("SetStatus on an unknown need = %v; want NotFound", err)
		}
		got, err := set("demo-servicedesk", needs.StatusChange{Status: needs.UnderConsideration, Version: d.Version})
		if err != nil || got.Status != needs.UnderConsideration || got.Version != 2 || !got.MayDecide {
			t.Fatalf("the supplying unit's service desk = %+v, %v", got.Need, err)
		}
		if _, err := set("demo-unit-manager", needs.StatusChange{Status: needs.Planned, Version: d.Version}); code(err) != errs.Conflict {
			t.Errorf("a status on a stale version = %v; want Conflict", err)
		}
		if _, err := set("demo-governance", needs.StatusChange{Status: needs.Declined, Reason: "  "}); code(err) != errs.Invalid || fieldOf(err) != "reason" {
			t.Errorf("declined without a reason = %v; want Invalid on reason", err)
		}
		for _, st := range []string{needs.Duplicate, "open", ""} {
			if _, err := set("demo-governance", needs.StatusChange{Status: st}); code(err) != errs.Invalid || fieldOf(err) != "status" {
				t.Errorf("status %q = %v; want Invalid on status", st, err)
			}
		}
		if got, err = set("demo-governance", needs.StatusChange{Status: needs.Declined, Reason: "Dækkes af den nationale løsning", Version: got.Version}); err != nil ||
			got.Status != needs.Declined || got.StatusReason != "Dækkes af den nationale løsning" {
			t.Fatalf("declined with a reason = %+v, %v", got.Need, err)
		}
		if again, err := set("demo-governance", needs.StatusChange{Status: needs.Declined, Reason: "Dækkes af den nationale løsning"}); err != nil || again.Version != got.Version {
			t.Errorf("the same status again = %+v, %v; want nothing changed", again.Need, err)
		}
		if x, _ := f.svc.Get(ctx, f.sc["spoc-ros"], d.ID); x.MayDecide {
			t.Error("Roskilde may decide on København's need")
		}
		if n := f.audits(t, "need.status", d.ID); n != 2 {
			t.Errorf("need.status audited %d times; want 2", n)
		}
		// The submitter and the follower were told of both, the one acting not.
		for _, as := range []string{"demo-spoc", "spoc-ros"} {
			ms := f.inbox(t, as, "need.status")
			if len(ms) != 2 || ms[0].Kind != "need.status.declined" || ms[0].Body != "Dækkes af den nationale løsning" || !strings.Contains(ms[0].Subject, "MitID") {
				t.Errorf("%s's status notices = %+v; want 2, the newest with the reason", as, ms)
			}
		}
		if ms := f.inbox(t, "demo-ciso", "need.status"); len(ms) != 0 {
			t.Errorf("the CISO, who does not follow, was told: %+v", ms)
		}
		if ms := f.inbox(t, "demo-servicedesk", "need.status"); len(ms) != 0 {
			t.Errorf("the one who set the status was told: %+v", ms)
		}
		// Unfollowing stops the notices.
		if _, err := f.svc.Unfollow(ctx, f.sc["spoc-ros"], d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := set("demo-governance", needs.StatusChange{Status: needs.Planned}); err != nil {
			t.Fatal(err)
		}
		if ms := f.inbox(t, "spoc-ros", "need.status"); len(ms) != 2 {
			t.Errorf("after unfollowing, %d status notices; want still 2", len(ms))
		}
		if n := f.audits(t, "need.follow", d.ID) + f.audits(t, "need.unfollow", d.ID); n != 2 {
			t.Errorf("follow and unfollow audited %d times; want 2", n)
		}
		if _, err := f.svc.Follow(ctx, access.System("t"), d.ID); code(err) != errs.Forbidden {
			t.Errorf("the platform following = %v; want Forbidden", err)
		}
	})
}

// TestComments: public comments are for all and told to followers;
// internal ones only the units and the secretariat write and read; the
// author is a person only within reach.
func TestComments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		d := f.create(t, "demo-spoc", needs.NewNeed{Title: "Fælles printløsning", Description: "Print fra alle enheder.", Kind: "feedback"})
		if _, err := f.svc.AddComment(ctx, f.sc["demo-spoc"], d.ID, needs.NewComment{Body: "hemmeligt", Internal: true}); code(err) != errs.Forbidden {
			t.Errorf("a SPOC's internal comment = %v; want Forbidden", err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["demo-cert"], d.ID, needs.NewComment{Body: "x"}); code(err) != errs.Forbidden {
			t.Errorf("the CERT commenting = %v; want Forbidden", err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["spoc-ros"], d.ID, needs.NewComment{Body: " "}); code(err) != errs.Invalid || fieldOf(err) != "body" {
			t.Errorf("an empty comment = %v; want Invalid on body", err)
		}
		pub, err := f.svc.AddComment(ctx, f.sc["spoc-ros"], d.ID, needs.NewComment{Body: "Vi har samme problem i Roskilde."})
		if err != nil || pub.Org.Code != "265" || pub.Author != "spoc-ros" {
			t.Fatalf("Roskilde's comment = %+v, %v", pub, err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["demo-unit-manager"], d.ID, needs.NewComment{Body: "Leverandøren er i udbud til efteråret.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		// Another unit neither writes nor reads the internal comments on a
		// municipality it does not supply; the secretariat does.
		if _, err := f.svc.AddComment(ctx, f.sc["desk-sj"], d.ID, needs.NewComment{Body: "Sjælland kigger med.", Internal: true}); code(err) != errs.Forbidden {
			t.Errorf("another unit's internal comment = %v; want Forbidden", err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["demo-governance"], d.ID, needs.NewComment{Body: "Sekretariatet overvejer det samme.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		for as, want := range map[string]int{"demo-spoc": 1, "spoc-ros": 1, "demo-soc-analyst": 1, "desk-sj": 1, "demo-servicedesk": 3, "demo-unit-manager": 3,
			"demo-governance": 3, "demo-admin": 3} {
			got, err := f.svc.Get(ctx, f.sc[as], d.ID)
			if err != nil || len(got.Comments) != want || got.CommentCount != want || got.SeesInternal != (want == 3) {
				t.Errorf("as %s: %d comments (count %d, sees internal %v), %v; want %d", as, len(got.Comments), got.CommentCount, got.SeesInternal, err, want)
				continue
			}
			list, _, err := f.svc.List(ctx, f.sc[as], needs.Filter{})
			if err != nil || len(list) != 1 || list[0].CommentCount != want {
				t.Errorf("List as %s = %+v, %v; want %d comments counted", as, list, err, want)
			}
			for _, c := range got.Comments {
				if c.Internal && want == 1 {
					t.Errorf("%s reads an internal comment", as)
				}
				if c.Org.Code == "265" && (c.Author != "") != (as == "spoc-ros" || as == "demo-governance" || as == "demo-admin" || as == "desk-sj") {
					t.Errorf("as %s, Roskilde's comment shows author %q", as, c.Author)
				}
			}
		}
		// The submitter was told of the public comment only.
		if ms := f.inbox(t, "demo-spoc", "need.comment"); len(ms) != 1 || ms[0].Body != "Vi har samme problem i Roskilde." {
			t.Errorf("the submitter's comment notices = %+v; want the public one", ms)
		}
		if ms := f.inbox(t, "spoc-ros", "need.comment"); len(ms) != 0 {
			t.Errorf("the commenter, who does not follow, was told: %+v", ms)
		}
		if n := f.audits(t, "need.comment", d.ID); n != 3 {
			t.Errorf("need.comment audited %d times; want 3", n)
		}
		// The municipality reads its need's audit trail: internal text stays out.
		var leaked int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'need.comment' AND (detail LIKE '%udbud%' OR detail LIKE '%overvejer%')`).Scan(&leaked); err != nil {
			t.Fatal(err)
		}
		if leaked != 0 {
			t.Errorf("%d audit records hold an internal comment's text", leaked)
		}
		// Sjælland's internal comment on Roskilde's need is for Sjælland
		// and the secretariat, not for Hovedstaden.
		r := f.create(t, "spoc-ros", needs.NewNeed{Title: "Roskildes behov", Description: "x"})
		if _, err := f.svc.AddComment(ctx, f.sc["desk-sj"], r.ID, needs.NewComment{Body: "Sjælland tager den.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["demo-servicedesk"], r.ID, needs.NewComment{Body: "Hovedstaden blander sig.", Internal: true}); code(err) != errs.Forbidden {
			t.Errorf("Hovedstaden's internal comment on Roskilde's need = %v; want Forbidden", err)
		}
		for as, want := range map[string]int{"desk-sj": 1, "demo-governance": 1, "demo-servicedesk": 0, "demo-unit-manager": 0, "spoc-ros": 0} {
			if got, err := f.svc.Get(ctx, f.sc[as], r.ID); err != nil || len(got.Comments) != want || got.CommentCount != want {
				t.Errorf("as %s, Roskilde's need: %d comments (count %d), %v; want %d", as, len(got.Comments), got.CommentCount, err, want)
			}
		}
	})
}

// TestInternalCommentsUnseen: an internal comment changes nothing a
// municipality sees: not the need's updated_at, so not its place in
// sort=updated, and not its comment count.
func TestInternalCommentsUnseen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		older := f.create(t, "demo-spoc", needs.NewNeed{Title: "Ældre behov", Description: "x"})
		newer := f.create(t, "spoc-ros", needs.NewNeed{Title: "Nyere behov", Description: "y"})
		if _, err := f.svc.AddComment(ctx, f.sc["demo-unit-manager"], older.ID, needs.NewComment{Body: "Kun for enheden.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		for _, as := range []string{"demo-spoc", "spoc-ros"} {
			list, _, err := f.svc.List(ctx, f.sc[as], needs.Filter{Sort: "updated"})
			if err != nil || len(list) != 2 || list[0].ID != newer.ID {
				t.Fatalf("sort=updated as %s = %+v, %v; want the newer need first", as, list, err)
			}
			if got := list[1]; !got.UpdatedAt.Equal(older.UpdatedAt) || got.CommentCount != 0 || got.Version != older.Version {
				t.Errorf("as %s, the older need = updated %v, %d comments, version %d; want %v, 0, %d", as, got.UpdatedAt, got.CommentCount, got.Version,
					older.UpdatedAt, older.Version)
			}
		}
		// A public comment does move it up.
		if _, err := f.svc.AddComment(ctx, f.sc["spoc-ros"], older.ID, needs.NewComment{Body: "Også i Roskilde."}); err != nil {
			t.Fatal(err)
		}
		if list, _, err := f.svc.List(ctx, f.sc["demo-spoc"], needs.Filter{Sort: "updated"}); err != nil || list[0].ID != older.ID {
			t.Errorf("sort=updated after a public comment = %+v, %v; want the older need first", list, err)
		}
	})
}

// TestPeopleStayOutOfOthersTrails: comments, votes and follows are
// audited under the organisation of the one who acts (a vote under the
// municipality it is cast for), so the need's municipality does not read
// in its audit trail who outside its reach commented, voted or followed;
// the commenter's own organisation does.
func TestPeopleStayOutOfOthersTrails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		f.env.AddUser(t, "ciso-ros", "265", access.RoleCISO)
		f.sc["ciso-ros"] = f.env.Scope(t, "ciso-ros")
		d := f.create(t, "demo-spoc", needs.NewNeed{Title: "Københavns behov", Description: "x"})
		if _, err := f.svc.AddComment(ctx, f.sc["spoc-ros"], d.ID, needs.NewComment{Body: "Også i Roskilde."}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddComment(ctx, f.sc["demo-governance"], d.ID, needs.NewComment{Body: "Sekretariatets note.", Internal: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Vote(ctx, f.sc["spoc-ros"], d.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Follow(ctx, f.sc["it-ros"], d.ID); err != nil {
			t.Fatal(err)
		}
		seen := func(as string) map[string]string {
			t.Helper()
			recs, _, err := audit.List(ctx, db.Reader(), f.sc[as], audit.Filter{Action: "need.", Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, r := range recs {
				out[r.Action+" "+r.Actor] = string(r.Detail)
			}
			return out
		}
		kbh := seen("demo-ciso")
		for k := range kbh {
			if !strings.HasSuffix(k, " demo-spoc") {
				t.Errorf("København's CISO reads %q in the audit trail; want only its own people's actions", k)
			}
		}
		ros := seen("ciso-ros")
		for _, k := range []string{"need.comment spoc-ros", "need.vote spoc-ros", "need.follow it-ros"} {
			if _, ok := ros[k]; !ok {
				t.Errorf("Roskilde's CISO does not read %q; has %v", k, ros)
			}
		}
		var orgID int64
		if err := db.Reader().QueryRowContext(ctx, `SELECT COALESCE(org_id, 0) FROM audit_log WHERE action = 'need.comment' AND actor = 'demo-governance'`).Scan(&orgID); err != nil {
			t.Fatal(err)
		}
		if want := f.sc["demo-governance"].OrgID; orgID != want {
			t.Errorf("the secretariat's internal comment is audited under organisation %d; want its own, %d", orgID, want)
		}
	})
}

// TestDuplicates: a duplicate points at its original, which shows who
// else wants it; no need duplicates itself or makes a circle, and the
// duplicates of a need marked a duplicate move to its original.
func TestDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		a := f.create(t, "demo-spoc", needs.NewNeed{Title: "Fælles mødebooking", Description: "x"})
		b := f.create(t, "spoc-ros", needs.NewNeed{Title: "Booking af lokaler", Description: "y"})
		c := f.create(t, "demo-governance", needs.NewNeed{Title: "Lokalebooking", Description: "z", Org: "147"})
		if _, err := f.svc.Vote(ctx, f.sc["demo-governance"], b.ID, "151"); err != nil { // Ballerup wants b
			t.Fatal(err)
		}
		mark := func(as string, id, of int64) (needs.Detail, error) {
			return f.svc.MarkDuplicate(ctx, f.sc[as], id, needs.DuplicateChange{Of: of})
		}
		if _, err := mark("demo-governance", a.ID, a.ID); code(err) != errs.Invalid || fieldOf(err) != "duplicate_of" {
			t.Errorf("a need a duplicate of itself = %v; want Invalid on duplicate_of", err)
		}
		if _, err := mark("demo-governance", a.ID, 0); code(err) != errs.Invalid || fieldOf(err) != "duplicate_of" {
			t.Errorf("a duplicate of nothing = %v; want Invalid on duplicate_of", err)
		}
		if _, err := mark("demo-governance", a.ID, c.ID+10); code(err) != errs.Invalid || fieldOf(err) != "duplicate_of" {
			t.Errorf("a duplicate of an unknown need = %v; want Invalid on duplicate_of", err)
		}
		if _, err := mark("spoc-ros", b.ID, a.ID); code(err) != errs.Forbidden {
			t.Errorf("a SPOC marking a duplicate = %v; want Forbidden", err)
		}
		if _, err := mark("demo-servicedesk", b.ID, a.ID); code(err) != errs.Forbidden {
			t.Errorf("Hovedstaden marking Roskilde's need = %v; want Forbidden", err)
		}
		// Roskilde's need is a duplicate of København's (by Sjælland's desk).
		got, err := mark("desk-sj", b.ID, a.ID)
		if err != nil || got.Status != needs.Duplicate || got.DuplicateOf == nil || got.DuplicateOf.ID != a.ID {
			t.Fatalf("b a duplicate of a = %+v, %v", got.Need, err)
		}
		// A circle.
		if _, err := mark("demo-governance", a.ID, b.ID); code(err) != errs.Invalid || fieldOf(err) != "duplicate_of" {
			t.Errorf("a marked a duplicate of its own duplicate = %v; want Invalid on duplicate_of", err)
		}
		// The original shows who else wants it.
		orig, err := f.svc.Get(ctx, f.sc["spoc-ros"], a.ID)
		if err != nil || orig.Duplicates != 1 || len(orig.DuplicateList) != 1 || orig.Support != 3 || len(orig.AlsoWantedBy) != 2 {
			t.Fatalf("the original = %+v, %v; want Roskilde and Ballerup also wanting it", orig, err)
		}
		// c is a duplicate of b, so of a; then a becomes a duplicate of a
		// new need d, and its duplicates move along.
		if got, err = mark("demo-governance", c.ID, b.ID); err != nil || got.DuplicateOf.ID != a.ID {
			t.Fatalf("c a duplicate of the duplicate b = %+v, %v; want pointed at a", got.Need, err)
		}
		dd := f.create(t, "demo-spoc", needs.NewNeed{Title: "Booking i hele regionen", Description: "w"})
		// Hovedstaden's unit decides on a, but b, which would move along, is
		// Roskilde's; the secretariat does it.
		if _, err = mark("demo-unit-manager", a.ID, dd.ID); code(err) != errs.Forbidden {
			t.Errorf("Hovedstaden marking a, whose duplicate b is Roskilde's = %v; want Forbidden", err)
		}
		if got, err = mark("demo-governance", a.ID, dd.ID); err != nil || got.DuplicateOf.ID != dd.ID {
			t.Fatalf("a a duplicate of d = %+v, %v", got.Need, err)
		}
		top, _ := f.svc.Get(ctx, f.sc["demo-spoc"], dd.ID)
		if top.Duplicates != 3 || top.Support != 4 {
			t.Errorf("d = %d duplicates, support %d; want 3 and 4 (København, Roskilde, Frederiksberg, Ballerup)", top.Duplicates, top.Support)
		}
		for _, id := range []int64{b.ID, c.ID} {
			if x, _ := f.svc.Get(ctx, f.sc["demo-spoc"], id); x.DuplicateOf == nil || x.DuplicateOf.ID != dd.ID {
				t.Errorf("need %d points at %+v; want d", id, x.DuplicateOf)
			}
		}
		// Given a status again, a duplicate is its own need once more.
		if got, err = f.svc.SetStatus(ctx, f.sc["demo-governance"], c.ID, needs.StatusChange{Status: needs.Received}); err != nil || got.DuplicateOf != nil {
			t.Errorf("c received again = %+v, %v", got.Need, err)
		}
		if n := f.audits(t, "need.duplicate", a.ID); n != 1 {
			t.Errorf("need.duplicate on a audited %d times; want 1", n)
		}
		// The followers of a duplicate follow the original too, and hear of the marking.
		if x, _ := f.svc.Get(ctx, f.sc["spoc-ros"], dd.ID); !x.Following {
			t.Error("Roskilde's submitter does not follow the original of its duplicate")
		}
		if ms := f.inbox(t, "spoc-ros", "need.duplicate"); len(ms) != 2 || !strings.Contains(ms[1].Body, "Fælles mødebooking") || !strings.Contains(ms[0].Body, "regionen") {
			t.Errorf("Roskilde's duplicate notices = %+v; want b's and then a's (which it follows since)", ms)
		}
		list, total, err := f.svc.List(ctx, f.sc["demo-spoc"], needs.Filter{Statuses: []string{needs.Duplicate}})
		if err != nil || total != 2 {
			t.Errorf("List of duplicates = %+v, %d, %v; want a and b", list, total, err)
		}
	})
}

// TestDuplicatesMoveInReach: marking a need a duplicate moves its own
// duplicates to the new original. A unit may do that only when each of
// them comes from a municipality it supplies (else nothing changes); each
// moved need is audited under its own municipality, and its followers
// who did not hear of the marking are told.
func TestDuplicatesMoveInReach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		one := f.create(t, "demo-spoc", needs.NewNeed{Title: "Fælles mødebooking", Description: "x"})
		two := f.create(t, "demo-spoc", needs.NewNeed{Title: "Booking i hele regionen", Description: "y"})
		ros := f.create(t, "spoc-ros", needs.NewNeed{Title: "Booking af lokaler", Description: "z"})
		if _, err := f.svc.MarkDuplicate(ctx, f.sc["desk-sj"], ros.ID, needs.DuplicateChange{Of: one.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Follow(ctx, f.sc["it-ros"], ros.ID); err != nil { // follows Roskilde's need only
			t.Fatal(err)
		}
		before, err := f.svc.Get(ctx, f.sc["spoc-ros"], ros.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MarkDuplicate(ctx, f.sc["demo-servicedesk"], one.ID, needs.DuplicateChange{Of: two.ID}); code(err) != errs.Forbidden {
			t.Fatalf("Hovedstaden's desk marking need 1, whose duplicate is Roskilde's = %v; want Forbidden", err)
		}
		after, _ := f.svc.Get(ctx, f.sc["spoc-ros"], ros.ID)
		if after.Version != before.Version || !after.UpdatedAt.Equal(before.UpdatedAt) || after.DuplicateOf == nil || after.DuplicateOf.ID != one.ID {
			t.Errorf("Roskilde's need after the refusal = %+v; want it as it was (%+v)", after.Need, before.Need)
		}
		if x, _ := f.svc.Get(ctx, f.sc["demo-spoc"], one.ID); x.Status != needs.Received {
			t.Errorf("need 1 after the refusal = %s; want received", x.Status)
		}
		// The secretariat may; Roskilde's need moves, on Roskilde's trail.
		if _, err := f.svc.MarkDuplicate(ctx, f.sc["demo-governance"], one.ID, needs.DuplicateChange{Of: two.ID}); err != nil {
			t.Fatal(err)
		}
		if x, _ := f.svc.Get(ctx, f.sc["spoc-ros"], ros.ID); x.DuplicateOf == nil || x.DuplicateOf.ID != two.ID {
			t.Fatalf("Roskilde's need points at %+v; want need 2", x.DuplicateOf)
		}
		var orgID int64
		var detail string
		if err := db.Reader().QueryRowContext(ctx, `SELECT COALESCE(org_id, 0), detail FROM audit_log WHERE action = 'need.duplicate' AND target_id = $1
			ORDER BY seq DESC LIMIT 1`, strconv.FormatInt(ros.ID, 10)).Scan(&orgID, &detail); err != nil {
			t.Fatal(err)
		}
		if orgID != f.env.Org(t, "265").ID || !strings.Contains(detail, `"duplicate_of":`+strconv.FormatInt(two.ID, 10)) {
			t.Errorf("the move of Roskilde's need is audited under %d: %s; want under Roskilde, pointing at need 2", orgID, detail)
		}
		if n := f.audits(t, "need.duplicate", ros.ID); n != 2 {
			t.Errorf("Roskilde's need has %d need.duplicate records; want 2 (marked, moved)", n)
		}
		// Its follower who does not follow need 1 is told of the move; its
		// submitter, who follows need 1 since, once.
		if ms := f.inbox(t, "it-ros", "need.duplicate"); len(ms) != 1 || !strings.Contains(ms[0].Subject, "Booking af lokaler") ||
			!strings.Contains(ms[0].Body, "regionen") || ms[0].NeedID != ros.ID {
			t.Errorf("the follower's notices = %+v; want Roskilde's need moved to need 2", ms)
		}
		if ms := f.inbox(t, "spoc-ros", "need.duplicate"); len(ms) != 2 || ms[0].NeedID != one.ID || ms[1].NeedID != ros.ID {
			t.Errorf("the submitter's notices = %+v; want its need marked, then need 1 marked", ms)
		}
		// Within its reach the unit moves duplicates itself.
		three := f.create(t, "demo-spoc", needs.NewNeed{Title: "Tre", Description: "x"})
		frb := f.create(t, "demo-servicedesk", needs.NewNeed{Title: "Frederiksbergs", Description: "x", Org: "147"})
		four := f.create(t, "demo-spoc", needs.NewNeed{Title: "Fire", Description: "x"})
		if _, err := f.svc.MarkDuplicate(ctx, f.sc["demo-servicedesk"], frb.ID, needs.DuplicateChange{Of: three.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MarkDuplicate(ctx, f.sc["demo-servicedesk"], three.ID, needs.DuplicateChange{Of: four.ID}); err != nil {
			t.Fatalf("Hovedstaden moving Frederiksberg's duplicate = %v", err)
		}
		if x, _ := f.svc.Get(ctx, f.sc["demo-spoc"], frb.ID); x.DuplicateOf == nil || x.DuplicateOf.ID != four.ID {
			t.Errorf("Frederiksberg's need points at %+v; want need 4", x.DuplicateOf)
		}
	})
}

// TestConcurrentCircle: two needs marked as each other's duplicate at the
// same time: one wins, the other is refused, and no circle is stored.
func TestConcurrentCircle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		for range 5 {
			a := f.create(t, "demo-spoc", needs.NewNeed{Title: "A", Description: "x"})
			b := f.create(t, "demo-spoc", needs.NewNeed{Title: "B", Description: "x"})
			var wg sync.WaitGroup
			errs2 := make([]error, 2)
			for i, p := range [][2]int64{{a.ID, b.ID}, {b.ID, a.ID}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs2[i] = f.svc.MarkDuplicate(ctx, f.sc["demo-governance"], p[0], needs.DuplicateChange{Of: p[1]})
				}()
			}
			wg.Wait()
			if (errs2[0] == nil) == (errs2[1] == nil) {
				t.Errorf("both or neither marked: %v, %v", errs2[0], errs2[1])
			}
			var circles int
			if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM needs n JOIN needs m ON m.id = n.duplicate_of WHERE m.duplicate_of IS NOT NULL`).Scan(&circles); err != nil {
				t.Fatal(err)
			}
			if circles != 0 {
				t.Fatalf("%d duplicates point at a duplicate", circles)
			}
		}
	})
}

// TestDemoNeeds: the demo's needs load once, in every status, with
// votes, comments and a duplicate.
func TestDemoNeeds(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t)
	f := setup(t, db)
	n, err := demo.LoadNeeds(ctx, f.svc, f.env.Access)
	if err != nil || n < 6 {
		t.Fatalf("LoadNeeds = %d, %v", n, err)
	}
	if again, err := demo.LoadNeeds(ctx, f.svc, f.env.Access); err != nil || again != 0 {
		t.Errorf("LoadNeeds again = %d, %v; want nothing", again, err)
	}
	list, total, err := f.svc.List(ctx, f.sc["spoc-ros"], needs.Filter{Sort: "votes"})
	if err != nil || total != n {
		t.Fatalf("List = %d, %v", total, err)
	}
	statuses, orgs := map[string]bool{}, map[string]bool{}
	comments := 0
	for _, x := range list {
		statuses[x.Status] = true
		orgs[x.Org.Code] = true
		comments += x.CommentCount
	}
	if len(statuses) != len(needs.Statuses) || len(orgs) < 4 || comments < 3 || list[0].Support < 3 {
		t.Errorf("the demo's needs: statuses %v, municipalities %v, %d public comments, top support %d", statuses, orgs, comments, list[0].Support)
	}
}
