package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// EnsureSetting returns the value of setting key, creating it with gen()
// first if it does not exist. Concurrent callers (two nodes starting) all
// get the value that was stored first.
func (db *DB) EnsureSetting(ctx context.Context, key string, gen func() (string, error)) (string, error) {
	var v string
	err := db.reader.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("cannot read setting %s: %w", key, err)
	}
	nv, err := gen()
	if err != nil {
		return "", err
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, nv); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	})
	if err != nil {
		return "", fmt.Errorf("cannot store setting %s: %w", key, err)
	}
	return v, nil
}
