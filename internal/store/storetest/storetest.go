// Package storetest gives each test its own real, migrated database: SQLite
// in a temporary directory always, and PostgreSQL (a fresh database created
// for the test and dropped after it) when SAMDRIFT_TEST_POSTGRES holds a DSN.
// With SAMDRIFT_TEST_REQUIRE=1 (CI) a missing PostgreSQL fails the test
// instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/samdrift/samdrift/internal/store"
)

// Required reports whether tests must fail rather than skip when a service
// they need is missing (SAMDRIFT_TEST_REQUIRE=1, as CI sets it).
func Required() bool { return os.Getenv("SAMDRIFT_TEST_REQUIRE") == "1" }

// Each runs fn as a subtest once per available backend ("sqlite" and
// "postgres"), each with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a fresh migrated SQLite database in t.TempDir().
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// PostgresURL creates a fresh empty PostgreSQL database for the test and
// returns its URL; it is dropped when the test ends. Without
// SAMDRIFT_TEST_POSTGRES the test is skipped (or fails, when required).
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SAMDRIFT_TEST_POSTGRES")
	if base == "" {
		if Required() {
			t.Fatal("SAMDRIFT_TEST_POSTGRES is not set but SAMDRIFT_TEST_REQUIRE=1: PostgreSQL tests must run")
		}
		t.Skip("PostgreSQL tests skipped: set SAMDRIFT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/postgres to run them")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", base, err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "samdrift_t_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("PostgreSQL at SAMDRIFT_TEST_POSTGRES: cannot create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("SAMDRIFT_TEST_POSTGRES: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a fresh migrated PostgreSQL database (see PostgresURL).
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	dsn := PostgresURL(t)
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{URL: dsn})
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}
