package eventstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/eventstore"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestFacetsCountTenants: events of two organisations give a first facet
// of their tenants, most events first; one organisation's give none (it
// would say nothing).
func TestFacetsCountTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		es := eventstore.New(db)
		base := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		var evs []event.Event
		for i, tenant := range []int64{1001, 1001, 1001, 1002} {
			evs = append(evs, event.Event{ID: fmt.Sprintf("e%d", i), Tenant: tenant, Time: base.Add(time.Duration(i) * time.Second), Received: base,
				Host: "srv01", App: "sshd", Message: "Failed password for bo"})
		}
		if _, err := es.Append(ctx, evs); err != nil {
			t.Fatal(err)
		}
		q := eventstore.Query{From: base.Add(-time.Hour), To: base.Add(time.Hour)}
		fs, n, err := es.Facets(ctx, access.System("test"), q, 3, 5)
		if err != nil || n != 4 {
			t.Fatalf("Facets = %d sampled, %v", n, err)
		}
		if len(fs) != 3 || fs[0].Field != eventstore.TenantFacet {
			t.Fatalf("facets = %+v; want tenant first of 3", fs)
		}
		want := []eventstore.FacetValue{{Value: "1001", Count: 3}, {Value: "1002", Count: 1}}
		if fmt.Sprint(fs[0].Values) != fmt.Sprint(want) {
			t.Errorf("tenant facet = %+v; want %+v", fs[0].Values, want)
		}
		fs, _, err = es.Facets(ctx, access.System("test"), eventstore.Query{From: q.From, To: q.To, Q: "tenant:1001"}, 3, 5)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Field == eventstore.TenantFacet {
				t.Errorf("one tenant's events have a tenant facet: %+v", f)
			}
		}
	})
}
