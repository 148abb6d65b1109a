package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/samdrift/samdrift/internal/audit"
	"github.com/samdrift/samdrift/internal/store"
)

// RestoreOptions says what Restore restores and where.
type RestoreOptions struct {
	// DataDir is the data directory to restore into. It must be empty or
	// missing unless Force is set.
	DataDir string
	// DBURL is the PostgreSQL database to check against a backup taken
	// with PostgreSQL (restored beforehand with pg_restore or PITR).
	DBURL string
	// From is the backup file.
	From string
	// Force restores into a non-empty DataDir: its contents are moved
	// aside (to DataDir.before-restore-TIME), not deleted.
	Force bool
	// Progress, when not nil, is told what is being done.
	Progress io.Writer
}

// Restored is what Restore did and found.
type Restored struct {
	Manifest *Manifest
	// Files and Bytes are what was written into the data directory.
	Files int
	Bytes int64
	// Audit and Counts are the restored database's, checked against the
	// manifest.
	Audit  AuditState
	Counts Counts
	// SchemaVersion is the restored database's.
	SchemaVersion int
	// Anchors is how many anchors of the restored audit-anchors.jsonl
	// hold.
	Anchors int
	// SetAside is where the data directory's previous contents were moved
	// (Force), or "".
	SetAside string
	// Notes are differences that are expected and not errors (PostgreSQL
	// brought back to a later moment than the backup).
	Notes []string
}

// ErrDamaged is wrapped by the error of a backup file whose contents do
// not match its manifest, or that ends early.
var ErrDamaged = errors.New("backup file is damaged")

// Restore restores the backup o.From into o.DataDir. Nothing in the data
// directory changes until the whole file has been read and every file's
// size and SHA-256 matched the manifest and the restored database has been
// checked: its audit chain verifies (as it did at backup time) and holds
// the backup's head, the anchors restored with it hold, and its counts are
// those of the manifest. The files are written into a new directory
// beside DataDir, which then takes its place by a rename. A backup of a
// newer schema than this samdrift knows is refused before anything is
// written.
func Restore(ctx context.Context, o RestoreOptions) (res *Restored, err error) {
	if o.DataDir == "" || o.From == "" {
		return nil, errors.New("give the data directory to restore into (--data) and the backup file (--from)")
	}
	dir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, err
	}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	in, err := os.Open(o.From)
	if err != nil {
		return nil, fmt.Errorf("cannot read the backup: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read the backup: %w", err)
	}
	damaged := func(format string, args ...any) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("restore interrupted (%w); nothing was restored and %s is unchanged", err, dir)
		}
		return fmt.Errorf("%w: %s: %s; nothing was restored and %s is unchanged: use another backup",
			ErrDamaged, o.From, fmt.Sprintf(format, args...), dir)
	}
	meter := newMeter(o.Progress, "reading "+filepath.Base(o.From), fi.Size())
	zr, err := gzip.NewReader(bufio.NewReaderSize(io.TeeReader(ctxReader{ctx, in}, meter), 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s is not a samdrift backup (not gzip'd: %v)", o.From, err)
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName {
		return nil, fmt.Errorf("%s is not a samdrift backup: it does not begin with %s", o.From, manifestName)
	}
	raw, err := io.ReadAll(io.LimitReader(tr, 64<<20))
	if err != nil {
		return nil, damaged("cannot read its manifest: %v", err)
	}
	m, err := parseManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("cannot restore %s: %w", o.From, err)
	}
	if err := checkRestorable(m, o, dir); err != nil {
		return nil, err
	}
	say("backup of %s taken %s by samdrift %s: %s database, schema version %d, %d files (%s)",
		m.DataDir, m.Created.Format(time.RFC3339), m.SamdriftVersion, m.Dialect, m.SchemaVersion, len(m.Files), Size(m.TotalBytes()))

	empty, exists, entries, err := isEmptyDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", dir, err)
	}
	if !empty && !o.Force {
		return nil, fmt.Errorf("%s is not empty (it holds %s): restore into a new or empty directory, or stop samdrift and give --force to move its contents aside to %s.before-restore-TIME",
			dir, strings.Join(entries, ", "), filepath.Base(dir))
	}
	if !empty {
		if who := openBy(dir); who != "" {
			return nil, fmt.Errorf("%s is in use (%s): stop samdrift on it before restoring over it", dir, who)
		}
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restore-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a directory beside %s to restore into: %w", dir, err)
	}
	placed := false
	defer func() {
		if !placed {
			os.RemoveAll(tmp)
		}
	}()

	res = &Restored{Manifest: m}
	want := map[string]File{}
	for _, f := range m.Files {
		want[f.Path] = f
	}
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damaged("%v", err)
		}
		rel, ok := strings.CutPrefix(h.Name, dataPrefix)
		f, listed := want[rel]
		switch {
		case !ok || !safePath(rel):
			return nil, damaged("it holds %q, outside the data directory", h.Name)
		case !listed:
			return nil, damaged("it holds %s, which its manifest does not list", rel)
		case seen[rel]:
			return nil, damaged("it holds %s twice", rel)
		case h.Typeflag != tar.TypeReg:
			return nil, damaged("%s is not a regular file", rel)
		}
		seen[rel] = true
		n, sum, err := extract(tr, filepath.Join(tmp, filepath.FromSlash(rel)), f.Mode)
		var rerr readError
		if errors.As(err, &rerr) {
			return nil, damaged("%s: %v", rel, rerr.err)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot restore %s into %s: %w", rel, tmp, err)
		}
		if n != f.Size || sum != f.SHA256 {
			return nil, damaged("%s does not match its manifest (%s, SHA-256 %s…; the manifest recorded %s, %s…)",
				rel, Size(n), sum[:12], Size(f.Size), f.SHA256[:12])
		}
		res.Files++
		res.Bytes += n
	}
	// The tar ends before gzip's trailer: read on, so that its checksum
	// of the whole stream is checked too.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, damaged("%v", err)
	}
	meter.finish()
	for _, f := range m.Files {
		if !seen[f.Path] {
			return nil, damaged("%s, listed in its manifest, is missing", f.Path)
		}
	}
	say("all %d files match the manifest's sizes and SHA-256 checksums", res.Files)

	if err := verifyRestored(ctx, m, o, tmp, res, say); err != nil {
		return nil, err
	}

	// Into place.
	if exists {
		if empty {
			if err := os.Remove(dir); err != nil {
				return nil, fmt.Errorf("cannot replace the empty %s: %w", dir, err)
			}
		} else {
			if who := openBy(dir); who != "" {
				return nil, fmt.Errorf("%s came into use while the backup was restored (%s): stop samdrift on it and restore again; %s is unchanged", dir, who, dir)
			}
			res.SetAside = dir + ".before-restore-" + time.Now().Format("20060102T150405")
			if err := os.Rename(dir, res.SetAside); err != nil {
				return nil, fmt.Errorf("cannot move %s aside to %s: %w (nothing was changed)", dir, res.SetAside, err)
			}
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if res.SetAside != "" {
			if rerr := os.Rename(res.SetAside, dir); rerr != nil {
				return nil, fmt.Errorf("cannot move the restored files from %s to %s: %w; and cannot move the previous contents back from %s: %v — move them by hand",
					tmp, dir, err, res.SetAside, rerr)
			}
		}
		return nil, fmt.Errorf("cannot move the restored files from %s to %s: %w (%s is unchanged)", tmp, dir, err, dir)
	}
	placed = true
	_ = syncDir(parent)
	return res, nil
}

// checkRestorable refuses what this samdrift cannot restore, before
// anything is written.
func checkRestorable(m *Manifest, o RestoreOptions, dir string) error {
	d := store.Dialect(m.Dialect)
	ms, err := store.Migrations(d)
	if err != nil {
		return err
	}
	if m.SchemaVersion > len(ms) {
		return fmt.Errorf("%s holds schema version %d (samdrift %s), but this samdrift knows only up to %d: restore it with samdrift %s or newer",
			o.From, m.SchemaVersion, m.SamdriftVersion, len(ms), m.SamdriftVersion)
	}
	switch {
	case d == store.SQLite && o.DBURL != "":
		return fmt.Errorf("%s holds an SQLite database; restore it without --db (into --data %s)", o.From, dir)
	case d == store.Postgres && o.DBURL == "":
		return fmt.Errorf("%s was taken with PostgreSQL, and the database is not in it: restore the database first (pg_restore or point-in-time recovery, docs/BACKUP.md), then run samdrift restore again with --db URL, which restores the data directory's files and checks the database against the backup", o.From)
	}
	return nil
}

// extract writes one file of the backup at dst and returns its size and
// SHA-256.
func extract(r io.Reader, dst string, mode uint32) (int64, string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, "", err
	}
	perm := os.FileMode(mode).Perm() | 0o600 // the owner must be able to read and write it
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), tagReader{r})
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, hex.EncodeToString(h.Sum(nil)), err
}

// verifyRestored checks the restored database (SQLite in tmp, or the
// PostgreSQL database at o.DBURL) against the manifest.
func verifyRestored(ctx context.Context, m *Manifest, o RestoreOptions, tmp string, res *Restored, say func(string, ...any)) error {
	var db *store.DB
	var err error
	if m.Dialect == string(store.SQLite) {
		db, err = store.Open(ctx, store.Options{DataDir: tmp})
	} else {
		db, err = store.Open(ctx, store.Options{URL: o.DBURL})
	}
	if err != nil {
		return fmt.Errorf("cannot open the restored database: %w", err)
	}
	defer func() {
		db.Close()
		if m.Dialect == string(store.SQLite) {
			for _, extra := range []string{"-wal", "-shm"} {
				_ = os.Remove(filepath.Join(tmp, dbFile+extra))
			}
		}
	}()
	fail := func(format string, args ...any) error {
		return fmt.Errorf("the restored database does not match the backup: %s; nothing was restored and %s is unchanged",
			fmt.Sprintf(format, args...), o.DataDir)
	}
	if res.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return err
	}
	if res.SchemaVersion != m.SchemaVersion {
		if m.Dialect == string(store.SQLite) {
			return fail("schema version %d, the backup recorded %d", res.SchemaVersion, m.SchemaVersion)
		}
		res.Notes = append(res.Notes, fmt.Sprintf("the database has schema version %d, the backup recorded %d", res.SchemaVersion, m.SchemaVersion))
	}
	say("checking the audit chain and counting")
	if res.Audit, res.Counts, err = readState(ctx, db, auditProgress(o.Progress)); err != nil {
		return err
	}
	switch {
	case m.Audit.Intact && !res.Audit.Intact:
		return fail("%s, but it was intact when the backup was taken", res.Audit.Broken)
	case !m.Audit.Intact && !res.Audit.Intact:
		res.Notes = append(res.Notes, "the audit chain was already broken when the backup was taken: "+m.Audit.Broken)
	}
	if err := audit.VerifyAnchors(ctx, db.Reader(), []audit.Anchor{m.Audit.Head}); err != nil {
		if m.Dialect == string(store.Postgres) {
			return fail("the backup's audit head (record %d) is not there as it was — the database was brought back to a moment before the backup, or is another database: %v", m.Audit.Head.Seq, err)
		}
		return fail("the backup's audit head (record %d): %v", m.Audit.Head.Seq, err)
	}
	if b, err := os.ReadFile(filepath.Join(tmp, anchorsFile)); err == nil {
		anchors, err := audit.ReadAnchors(strings.NewReader(string(b)))
		if err != nil {
			return fail("%s: %v", anchorsFile, err)
		}
		if err := audit.VerifyAnchors(ctx, db.Reader(), anchors); err != nil {
			return fail("the anchors in %s do not hold: %v", anchorsFile, err)
		}
		res.Anchors = len(anchors)
	}
	names, was, now := CountNames(), m.Counts.List(), res.Counts.List()
	var diffs []string
	for i := range names {
		if was[i] != now[i] {
			diffs = append(diffs, fmt.Sprintf("%s %d, the backup recorded %d", names[i], now[i], was[i]))
		}
	}
	if len(diffs) > 0 {
		if m.Dialect == string(store.SQLite) {
			return fail("%s", strings.Join(diffs, "; "))
		}
		res.Notes = append(res.Notes, "counts differ from the backup's (expected when the database was recovered to a later moment): "+strings.Join(diffs, "; "))
	}
	return nil
}

// readError marks an error reading the backup (a damaged or truncated
// file), as opposed to one writing the restored files.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

type tagReader struct{ r io.Reader }

func (t tagReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}
