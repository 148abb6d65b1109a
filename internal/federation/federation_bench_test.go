package federation_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo/demotest"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkFederatedLogin measures samdrift's side of a federated login
// (the provider's round trips excluded): the user looked up by provider
// and subject, updated, a session opened and the login audited, in one
// transaction. "first" provisions a new person each time; "again" logs in
// one of 1,000 known people (the morning's logins).
func BenchmarkFederatedLogin(b *testing.B) {
	for _, kind := range []string{"first", "again"} {
		b.Run(kind, func(b *testing.B) {
			eachStore(b, func(b *testing.B, db *store.DB) {
				ctx := context.Background()
				e := demotest.New(b, db, false)
				id := func(i int) access.FederatedIdentity {
					return access.FederatedIdentity{Provider: "kk", ProviderName: "KK", Subject: fmt.Sprintf("s-%d", i),
						Username: fmt.Sprintf("p%d@kk.dk", i), DisplayName: "Person", OrgRef: "101", Role: access.RoleSPOC,
						Decision: map[string]any{"rule": 1}}
				}
				if kind == "again" {
					for i := range 1000 {
						if _, err := e.Access.FederatedLogin(ctx, id(i)); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					n := i % 1000
					if kind == "first" {
						n = 1000 + i
					}
					if _, err := e.Access.FederatedLogin(ctx, id(n)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
			})
		})
	}
}

func eachStore(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}
