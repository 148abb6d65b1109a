package compliance_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestEvaluateOnTwoNodes: two nodes evaluating at once (during a takeover
// of the jobs' lease) run the evaluation once: one claims it, and each
// expiring piece of evidence is reminded of once.
func TestEvaluateOnTwoNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		nodes := []*compliance.Service{compliance.New(db), compliance.New(db)}
		for _, s := range nodes {
			s.Clock = func() time.Time { return clock }
		}
		if _, err := nodes[0].InstallBuiltin(ctx); err != nil {
			t.Fatal(err)
		}
		ciso := env.Scope(t, "demo-ciso")
		const n = 20
		for i := range n {
			if _, err := nodes[0].AddEvidence(ctx, ciso, "101", compliance.NewEvidence{Title: fmt.Sprintf("Plan %d", i), URL: "https://intra.kk.dk/plan",
				ExpiresAt: "2026-12-11"}); err != nil {
				t.Fatal(err)
			}
		}
		var recorded [2]int
		var wg sync.WaitGroup
		begin := make(chan struct{})
		for i, s := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-begin
				var err error
				if recorded[i], err = s.Evaluate(ctx, false); err != nil {
					t.Errorf("node %d: Evaluate = %v", i, err)
				}
			}()
		}
		close(begin)
		wg.Wait()
		if recorded[0] != 0 && recorded[1] != 0 {
			t.Errorf("both nodes evaluated (%v results); want one", recorded)
		}
		var reminders, titles int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT subject) FROM notifications WHERE kind = 'evidence.expiring'`).Scan(&reminders, &titles); err != nil {
			t.Fatal(err)
		}
		t.Logf("results recorded by the nodes: %v; %d reminders", recorded, reminders)
		if titles != n || reminders != n*ciso1(t, db) {
			t.Errorf("%d reminders of %d pieces of evidence; want each once", reminders, titles)
		}
	})
}

// ciso1 counts København's CISOs, each of whom a reminder reaches.
func ciso1(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.Reader().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE o.code = '101' AND u.role = 'ciso' AND NOT u.disabled`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
