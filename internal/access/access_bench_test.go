package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func benchBackends(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// BenchmarkTokenScope measures authenticating one API request by token (the
// cost every API call pays).
func BenchmarkTokenScope(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		orgs, acc := org.NewService(db), access.NewService(db, access.DefaultMFARoles())
		if _, err := demo.Load(ctx, orgs, acc, nil); err != nil {
			b.Fatal(err)
		}
		u, _ := acc.UserByName(ctx, access.System("b"), "demo-spoc")
		plain, _, err := acc.CreateToken(ctx, access.System("b"), u.ID, "bench", time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := acc.TokenScope(ctx, plain, "127.0.0.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "auths/s")
	})
}

// BenchmarkUpdateUserAudited measures a change of state with its audit
// record in one transaction (the write path every change takes).
func BenchmarkUpdateUserAudited(b *testing.B) {
	benchBackends(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		orgs, acc := org.NewService(db), access.NewService(db, access.DefaultMFARoles())
		if _, err := demo.Load(ctx, orgs, acc, nil); err != nil {
			b.Fatal(err)
		}
		sys := access.System("b")
		u, _ := acc.UserByName(ctx, sys, "demo-spoc")
		names := []string{"A", "B"}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			name := names[i%2]
			if _, err := acc.UpdateUser(ctx, sys, u.ID, access.UserChange{DisplayName: &name}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	})
}

// BenchmarkPasswordHash measures one argon2id hash (login cost per attempt).
func BenchmarkPasswordHash(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := access.HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
