package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// BackupTo copies the SQLite database into a new file at path with SQLite's
// online backup API: one read transaction, so the copy is the database as
// one committed state while writers (a running serve in another process)
// go on. The copy is not synced to disk: the caller syncs what it keeps.
// path must not exist. progress, when not nil, is called about once
// a second with the bytes written so far and the database's size, and once
// at the end. It returns an error on PostgreSQL (use pg_dump or PITR there)
// and leaves no file behind when it fails.
func (db *DB) BackupTo(ctx context.Context, path string, progress func(done, total int64)) (err error) {
	if db.dialect != SQLite {
		return errors.New("an online file copy is for SQLite only; back PostgreSQL up with pg_dump or WAL archiving (docs/BACKUP.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("cannot back the database up into %s: the file exists", path)
	}
	var pages, pageSize int64
	if err := db.reader.QueryRowContext(ctx, `SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&pages, &pageSize); err != nil {
		return fmt.Errorf("cannot read the size of %s: %w", db.dsn, err)
	}
	total := pages * pageSize
	conn, err := db.reader.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot open %s for a backup: %w", db.dsn, err)
	}
	defer conn.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(path)
			_ = os.Remove(path + "-journal")
		}
	}()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if progress == nil {
			return
		}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if fi, err := os.Stat(path); err == nil {
					progress(min(fi.Size(), total), total)
				}
			}
		}
	}()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("the SQLite driver (%T) has no backup API", dc)
		}
		// The copy is staged: whoever keeps it syncs it, so its own
		// journal and syncs would only cost time (measured: 300 MB took
		// 16 s with them, most of it waiting on the disk).
		dst := path
		if !strings.ContainsRune(path, '?') {
			dst += "?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)"
		}
		bk, err := b.NewBackup(dst)
		if err != nil {
			return fmt.Errorf("cannot start the backup into %s: %w", path, err)
		}
		// All pages in one step: one read transaction, so the copy is
		// consistent. Steps of a few pages would let another process's
		// commit in between, and SQLite then starts the copy over — under
		// steady ingest it would never finish.
		_, serr := bk.Step(-1)
		ferr := bk.Finish()
		if serr != nil {
			return fmt.Errorf("cannot copy %s: %w", db.dsn, serr)
		}
		if ferr != nil {
			return fmt.Errorf("cannot finish the copy of %s: %w", db.dsn, ferr)
		}
		return nil
	})
	close(stop)
	<-done
	if err != nil {
		return err
	}
	if progress != nil {
		if fi, err := os.Stat(path); err == nil {
			progress(fi.Size(), max(fi.Size(), total))
		}
	}
	return nil
}
