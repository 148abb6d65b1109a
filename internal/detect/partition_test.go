package detect_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/detect"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestCorrelationHandedOver: a node gives up the partition of København
// with five failed logins in the brute-force window; another node that
// takes the partition over loads the window and raises the alert on the
// next five. Frederiksberg's window, in another partition, stays with the
// first node.
func TestCorrelationHandedOver(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		env := demotest.New(t, db, false)
		soc := env.Scope(t, "demo-soc-analyst")
		kk, frb := env.Org(t, "101").ID, env.Org(t, "147").ID
		first, next := detect.New(db, nil), detect.New(db, nil)
		if _, err := first.Library().ImportOwn(ctx, soc); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		kkEvs, frbEvs := failedLogins(t, kk, "handover", now), failedLogins(t, frb, "handover", now)
		if err := first.Handle(ctx, []detect.Batch{{ID: "h1", Events: kkEvs[:5]}, {ID: "h2", Events: frbEvs[:5]}}); err != nil {
			t.Fatal(err)
		}
		name := detect.PartitionState(3, 8)
		n, err := first.SavePartition(ctx, name, func(tenant int64) bool { return tenant == kk })
		if err != nil || n == 0 {
			t.Fatalf("SavePartition = %d, %v; want København's windows", n, err)
		}
		if err := next.LoadPartition(ctx, name); err != nil {
			t.Fatal(err)
		}
		if err := next.Handle(ctx, []detect.Batch{{ID: "h3", Events: kkEvs[5:]}}); err != nil {
			t.Fatal(err)
		}
		// Frederiksberg's window stayed with the first node and completes
		// there.
		if err := first.Handle(ctx, []detect.Batch{{ID: "h4", Events: frbEvs[5:]}}); err != nil {
			t.Fatal(err)
		}
		as, _, err := next.Alerts(ctx, soc, detect.Filter{RuleID: ruleBrute})
		if err != nil {
			t.Fatal(err)
		}
		byTenant := map[int64]int{}
		for _, a := range as {
			byTenant[a.Tenant]++
		}
		if len(as) != 2 || byTenant[kk] != 1 || byTenant[frb] != 1 {
			t.Fatalf("brute-force alerts = %+v; want one for København (handed over) and one for Frederiksberg (kept)", as)
		}
	})
}
