package catalog_test

import (
	"context"
	"testing"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/catalog"
	"github.com/samdrift/samdrift/internal/demo"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// BenchmarkConformance measures the conformance report over the demo: five
// units, 23 mandatory levels, about 130 offerings.
func BenchmarkConformance(b *testing.B) {
	db := storetest.SQLite(b)
	ctx := context.Background()
	orgs, acc, cat := org.NewService(db), access.NewService(db, access.DefaultMFARoles()), catalog.NewStore(db)
	if _, err := demo.Load(ctx, orgs, acc, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := demo.LoadCatalog(ctx, cat, orgs); err != nil {
		b.Fatal(err)
	}
	sc := access.System("bench")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cat.Conformance(ctx, sc, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseStandard measures validating the shipped catalog.
func BenchmarkParseStandard(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := catalog.Standard(); err != nil {
			b.Fatal(err)
		}
	}
}
