package soc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/oncall"
	"github.com/samdrift/samdrift/internal/soc"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestReviewFindings covers what an independent review found: two merges
// of the same cases at once, a merged case that kept paging, and inputs
// out of bounds.
func TestReviewFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		ciso := f.env.Scope(t, "demo-ciso")
		soc1 := f.env.Scope(t, "demo-soc-analyst")
		oc := oncall.New(db)
		if _, err := oc.CreateTeam(ctx, soc1, oncall.NewTeam{OrgID: f.env.Org(t, demo.SOCSlug).ID, Slug: "soc", Name: "SOC", Default: true,
			Members: []string{"demo-soc-analyst"}}); err != nil {
			t.Fatal(err)
		}
		open := func(title string) soc.Case {
			c, err := f.cases.Create(ctx, ciso, soc.NewCase{Org: "101", Title: title, Severity: "critical"})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a, b := open("Ransomware A"), open("Ransomware B")
		// A into B and B into A at once: exactly one wins.
		var wg sync.WaitGroup
		errsOf := make([]error, 2)
		for i, pair := range [][2]int64{{a.ID, b.ID}, {b.ID, a.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errsOf[i] = f.cases.Merge(ctx, soc1, pair[0], []int64{pair[1]})
			}()
		}
		wg.Wait()
		if (errsOf[0] == nil) == (errsOf[1] == nil) {
			t.Fatalf("two crossed merges: %v, %v; want exactly one to succeed", errsOf[0], errsOf[1])
		}
		ca, _ := f.cases.Get(ctx, ciso, a.ID)
		cb, _ := f.cases.Get(ctx, ciso, b.ID)
		if (ca.MergedInto == 0) == (cb.MergedInto == 0) {
			t.Errorf("after the merges: A merged into %d, B into %d; want exactly one open", ca.MergedInto, cb.MergedInto)
		}
		merged := a.ID
		if cb.MergedInto != 0 {
			merged = b.ID
		}
		es, err := oc.Escalations(ctx, soc1, oncall.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.SubjectID == merged && e.State != oncall.StateResolved {
				t.Errorf("the merged case's escalation is %s; want resolved", e.State)
			}
		}
		c := open("Bounds")
		if _, err := f.cases.AddObservable(ctx, ciso, c.ID, "url", "https://x/\x00\r\nfoo", ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a URL with control characters: %v; want Invalid", err)
		}
		far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		if _, err := f.cases.AddTask(ctx, ciso, c.ID, soc.NewTask{Title: "Someday", Due: &far}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a task due in 9999: %v; want Invalid", err)
		}
		aware := time.Now().Add(-time.Hour)
		epoch := time.Unix(0, 0)
		if _, err := f.cases.SetReporting(ctx, ciso, c.ID, soc.ReportingRequest{NIS2Significant: true, NIS2Criteria: []string{"financial-loss"}, AwareAt: &aware,
			IntermediateDue: &epoch}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("an intermediate report due in 1970: %v; want Invalid", err)
		}
		// Every change is audited, the ticket and the merge's target too.
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'case.merge_into'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("merge audits on the target = %d, %v; want 1", n, err)
		}
	})
}
