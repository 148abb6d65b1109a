package eventstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestRetentionPerTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		e := demotest.New(t, db, false)
		es := eventstore.New(db)
		cph, frb := e.Org(t, "101").ID, e.Org(t, "147").ID
		if err := es.SetRetention(ctx, e.Scope(t, "demo-ciso"), cph, 30); err != nil {
			t.Fatal(err)
		}
		if err := es.SetRetention(ctx, e.Scope(t, "demo-ciso"), frb, 30); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("København's CISO sets Frederiksberg's retention: %v", err)
		}
		now := time.Now().UTC()
		ev := func(id string, tenant int64, age time.Duration) event.Event {
			return event.Event{ID: id, Tenant: tenant, Time: now.Add(-age), Received: now}
		}
		day := 24 * time.Hour
		if _, err := es.Append(ctx, []event.Event{
			ev("cph-new", cph, 10*day), ev("cph-old", cph, 40*day), // København keeps 30 days
			ev("frb-40", frb, 40*day), ev("frb-400", frb, 400*day), // Frederiksberg the standard's 395
			ev("q-10", 0, 10*day), ev("q-31", 0, 31*day), // the quarantine 30
		}); err != nil {
			t.Fatal(err)
		}
		n, err := es.ApplyRetention(ctx, now)
		if err != nil || n != 3 {
			t.Errorf("ApplyRetention = %d, %v; want 3 deleted", n, err)
		}
		left := map[string]bool{}
		_ = es.Each(ctx, access.System("t"), eventstore.Query{From: now.Add(-500 * day), To: now.Add(time.Hour)}, func(e event.Event) error {
			left[e.ID] = true
			return nil
		})
		for id, want := range map[string]bool{"cph-new": true, "cph-old": false, "frb-40": true, "frb-400": false, "q-10": true, "q-31": false} {
			if left[id] != want {
				t.Errorf("after retention %s present = %v; want %v", id, left[id], want)
			}
		}
		rs, err := es.Retentions(ctx, e.Scope(t, "demo-ciso"))
		if err != nil || len(rs) != 1 || rs[0].Days != 30 || !rs[0].Override {
			t.Errorf("København's CISO sees retention %+v, %v", rs, err)
		}
	})
}
