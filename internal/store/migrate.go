package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one embedded schema step. Versions are dense from 1; each
// dialect has its own file for every version (a test keeps them in step).
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations for dialect d, in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations for %s: %w", d, err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration file %s/%s: want NNNN_name.sql", dir, name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s: version %d missing (found %d)", d, i+1, m.Version)
		}
	}
	return ms, nil
}

// SchemaVersion returns the highest migration applied to the database, 0 for
// a new one.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		if db.tableMissing(err) {
			return 0, nil
		}
		return 0, fmt.Errorf("cannot read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func (db *DB) tableMissing(err error) bool {
	s := err.Error()
	return strings.Contains(s, "no such table") || strings.Contains(s, "does not exist")
}

// CheckVersion refuses a database whose schema is newer than this binary
// knows, which would mean an older samdrift writing to a newer schema.
func (db *DB) CheckVersion(ctx context.Context) error {
	ms, err := Migrations(db.dialect)
	if err != nil {
		return err
	}
	have, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if have > len(ms) {
		return fmt.Errorf("database %s has schema version %d but this samdrift knows only up to %d: run a newer samdrift (refusing to touch a newer schema)", db, have, len(ms))
	}
	return nil
}

// Migrate applies every embedded migration the database does not have yet,
// each in its own transaction together with its record in
// schema_migrations. Concurrent migrators wait for each other (an advisory
// lock on PostgreSQL, the write lock on SQLite). It returns the versions it
// applied, and refuses a database newer than the binary.
func (db *DB) Migrate(ctx context.Context, progress func(m Migration)) ([]int, error) {
	ms, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied_at TEXT NOT NULL)`
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, create)
		return err
	}); err != nil {
		return nil, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	if err := db.CheckVersion(ctx); err != nil {
		return nil, err
	}
	var applied []int
	for _, m := range ms {
		done := false
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if err := db.lockMigrations(ctx, tx); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if progress != nil {
				progress(m)
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, Now().Format("2006-01-02T15:04:05.000000Z"))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migration %04d_%s failed (nothing of it was applied): %w", m.Version, m.Name, err)
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// lockMigrations serialises migrators on PostgreSQL; on SQLite the immediate
// transaction already holds the write lock.
func (db *DB) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7366346)`)
	return err
}
