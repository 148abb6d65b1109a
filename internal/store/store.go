// Package store is samdrift's database handle: SQLite (embedded default) or
// PostgreSQL, embedded migrations, and transaction helpers. It is the one
// place that knows the differences between the two dialects; domain packages
// write portable SQL ($1-style placeholders work on both) and run it through
// the Querier interface. Store knows nothing of the domain.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL database behind a DB.
type Dialect string

// The dialects samdrift runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Querier is what domain packages query through: a *sql.DB, or a *sql.Tx
// inside DB.Write.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open samdrift database. On SQLite it keeps one single-connection
// writer pool (writes never wait on each other's locks inside one process)
// beside a reader pool; on PostgreSQL both are the same pool. The caller
// closes it with Close.
type DB struct {
	dialect Dialect
	writer  *sql.DB
	reader  *sql.DB
	cached  *stmtCache // SQLite: the reader pool with prepared statements
	dsn     string     // with any password removed, for messages
}

// Options says which database to open.
type Options struct {
	// URL is a postgres:// or postgresql:// URL for PostgreSQL. Empty means
	// SQLite in DataDir.
	URL string
	// DataDir holds samdrift.db when URL is empty. It is created if missing.
	DataDir string
}

// Open opens the database that opts name and checks it is reachable. It does
// not migrate; call Migrate for that.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.URL != "" {
		if !strings.HasPrefix(opts.URL, "postgres://") && !strings.HasPrefix(opts.URL, "postgresql://") {
			return nil, fmt.Errorf("--db %q: want a postgres:// URL, or leave it empty for SQLite in the data directory", redact(opts.URL))
		}
		return openPostgres(ctx, opts.URL)
	}
	if opts.DataDir == "" {
		return nil, errors.New("no database: give a data directory (--data) or a PostgreSQL URL (--db)")
	}
	return openSQLite(ctx, opts.DataDir)
}

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, "samdrift.db")
	// busy_timeout must come first so that switching to WAL waits for other
	// processes (a CLI command beside a running server) instead of failing.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	base := "file:" + path + "?"
	wq := url.Values{}
	for k, v := range q {
		wq[k] = slices.Clone(v)
	}
	// Page caches live outside the Go heap, so they count against the
	// memory bound on top of it (docs/PERFORMANCE.md, issue 23): the
	// writer's 16 MiB holds the indexes appends touch (64 MiB, measured
	// end to end at full load, stored no faster and cost 50 MB of RSS);
	// each of the up to 8 readers gets 4 MiB, as a search streams blocks
	// it reads once (8 MiB each filled up over a long run and took the
	// process past 512 MiB).
	wq.Add("_pragma", "cache_size(-16384)")
	q.Add("_pragma", "cache_size(-4096)")
	// Writers take the write lock when they begin, so two processes never
	// deadlock upgrading read locks; busy_timeout makes them queue instead.
	wq.Set("_txlock", "immediate")
	writer, err := sql.Open("sqlite", base+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", base+q.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	db := &DB{dialect: SQLite, writer: writer, reader: reader, cached: newStmtCache(reader), dsn: path}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", redact(dsn), err)
	}
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(10)
	pool.SetConnMaxLifetime(30 * time.Minute)
	db := &DB{dialect: Postgres, writer: pool, reader: pool, dsn: redact(dsn)}
	if err := db.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w (is it running, and does the database exist?)", redact(dsn), err)
	}
	return db, nil
}

// redact removes the password from a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// Dialect says which database this is.
func (db *DB) Dialect() Dialect { return db.dialect }

// String describes the database for logs, without secrets.
func (db *DB) String() string { return string(db.dialect) + " " + db.dsn }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return err
	}
	if db.reader != db.writer {
		return db.reader.PingContext(ctx)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.cached != nil {
		db.cached.close()
	}
	err := db.writer.Close()
	if db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	return err
}

// Reader returns the pool for read-only queries.
func (db *DB) Reader() Querier {
	if db.cached != nil {
		return db.cached
	}
	return db.reader
}

// Read runs fn on one read transaction of the reader pool: every query fn
// makes sees the same state of the database (SQLite's WAL snapshot,
// PostgreSQL's with repeatable read).
func (db *DB) Read(ctx context.Context, fn func(q Querier) error) error {
	var opts *sql.TxOptions
	if db.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.reader.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("cannot begin a read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

// Write runs fn in a transaction and commits it when fn returns nil. Every
// change of state goes through Write, so that the change and its audit record
// commit together or not at all.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot commit: %w", err)
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation on
// either dialect.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Now returns the current time as stored: UTC, truncated to microseconds (the
// precision both dialects keep), so that a value read back equals the value
// written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Lock is a lock a transaction holds until it ends, for read-check-write
// sequences that a row lock cannot cover (a check over many rows, as in
// "no other organisation's source overlaps this one").
type Lock int64

// The transaction locks.
const (
	// LockSources serialises log source registrations.
	LockSources Lock = 7366347
	// LockSharing serialises the publication of shared threat
	// intelligence (package intel), so that TAXII's added order is the
	// order in which objects became visible.
	LockSharing Lock = 7366348
	// LockCompliance serialises installing compliance libraries (two
	// nodes starting at once install the built-in ones once).
	LockCompliance Lock = 7366349
	// LockNeeds serialises marking needs as duplicates (package needs),
	// so that two needs marked as each other's duplicate at once cannot
	// make a circle.
	LockNeeds Lock = 7366350
)

// Lock takes l for the rest of tx: an advisory transaction lock on
// PostgreSQL; on SQLite the immediate write transaction already excludes
// every other writer.
func (db *DB) Lock(ctx context.Context, tx *sql.Tx, l Lock) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(l)); err != nil {
		return fmt.Errorf("cannot take lock %d: %w", l, err)
	}
	return nil
}
