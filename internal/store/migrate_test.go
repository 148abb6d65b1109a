package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

func TestMigrationsInStep(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) || len(lite) == 0 {
		t.Fatalf("sqlite has %d migrations, postgres %d; want the same, non-zero", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].Version, lite[i].Name, pg[i].Version, pg[i].Name)
		}
	}
}

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ms, _ := store.Migrations(db.Dialect())
		v, err := db.SchemaVersion(ctx)
		if err != nil || v != len(ms) {
			t.Fatalf("SchemaVersion() = %d, %v; want %d", v, err, len(ms))
		}
		again, err := db.Migrate(ctx, nil)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate() = %v, %v; want nothing applied", again, err)
		}
		// A database touched by a newer samdrift is refused.
		if _, err := db.Reader().ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')`); err != nil {
			t.Fatal(err)
		}
		err = db.CheckVersion(ctx)
		if err == nil || !strings.Contains(err.Error(), "9999") || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("CheckVersion() on a newer schema = %v; want an error naming version 9999", err)
		}
		if _, err := db.Migrate(ctx, nil); err == nil {
			t.Fatal("Migrate() on a newer schema succeeded; want refusal")
		}
	})
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	_, err := store.Open(context.Background(), store.Options{URL: "mysql://root@localhost/x"})
	if err == nil || !strings.Contains(err.Error(), "postgres://") {
		t.Fatalf("Open(mysql URL) = %v; want an error asking for postgres://", err)
	}
}
