package orders_test

import (
	"context"
	"testing"

	"github.com/samdrift/samdrift/internal/orders"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkPlaceAndAccept measures one order placed by a municipality and
// accepted by its unit: two audited transactions with their timeline steps.
func BenchmarkPlaceAndAccept(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres} {
		b.Run(name, func(b *testing.B) {
			f := setup(b, open(b))
			ctx := context.Background()
			it, desk := f.Scope(b, "demo-kommune-it"), f.Scope(b, "demo-servicedesk")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o, err := f.Orders.Place(ctx, it, orders.NewOrder{Service: "storage-block", Level: "basis", Quantity: 1})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Orders.Move(ctx, desk, o.ID, orders.Accepted, ""); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
