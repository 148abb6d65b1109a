package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/samdrift/samdrift/internal/store"
)

// Options says what Create backs up and where to.
type Options struct {
	// DataDir is the data directory (serve --data). Required.
	DataDir string
	// DBURL is the PostgreSQL URL (serve --db); empty means the SQLite
	// database in DataDir.
	DBURL string
	// To is the backup file to write. It must not exist and must not be
	// inside DataDir.
	To string
	// Version is the samdrift version recorded in the manifest.
	Version string
	// Progress, when not nil, is told what is being done and, for large
	// files, how far it is.
	Progress io.Writer
}

// Result is what Create did.
type Result struct {
	Manifest *Manifest
	// Bytes is the size of the backup file written.
	Bytes int64
	// Skipped names files of the data directory left out, and why.
	Skipped []string
}

// Create writes a backup of the data directory (and, on SQLite, of its
// database) to o.To; it works while serve runs on the directory. The file
// appears only when it is complete (written beside it, then renamed); the
// staged copies it is made from, beside it too, are removed. It refuses a
// database whose schema is newer than this samdrift knows, and an o.To
// that exists or lies inside the data directory.
func Create(ctx context.Context, o Options) (*Result, error) {
	if o.DataDir == "" || o.To == "" {
		return nil, errors.New("give the data directory (--data) and the backup file to write (--to)")
	}
	dir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return nil, err
	}
	to, err := filepath.Abs(o.To)
	if err != nil {
		return nil, err
	}
	sqlite := o.DBURL == ""
	fi, err := os.Stat(dir)
	dirExists := err == nil && fi.IsDir()
	if !dirExists && sqlite {
		return nil, fmt.Errorf("data directory %s does not exist; is --data right?", dir)
	}
	if inside(to, dir) {
		return nil, fmt.Errorf("--to %s is inside the data directory %s: write the backup elsewhere (a backup inside what it backs up would be copied into the next one, and lost with the disk)", to, dir)
	}
	if _, err := os.Stat(to); err == nil {
		return nil, fmt.Errorf("%s exists: choose another name (samdrift never overwrites a backup)", to)
	}
	if fi, err := os.Stat(filepath.Dir(to)); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("directory %s (of --to) does not exist", filepath.Dir(to))
	}
	if sqlite {
		if _, err := os.Stat(filepath.Join(dir, dbFile)); err != nil {
			return nil, fmt.Errorf("no samdrift database in %s (%s is missing): is --data right? With PostgreSQL give --db", dir, dbFile)
		}
	}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}

	// store.Open makes a missing data directory; with PostgreSQL it
	// does not look at it.
	db, err := store.Open(ctx, store.Options{URL: o.DBURL, DataDir: dir})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := checkSchema(ctx, db, db.String()); err != nil {
		return nil, err
	}

	staging, err := os.MkdirTemp(filepath.Dir(to), "."+filepath.Base(to)+".staging-")
	if err != nil {
		return nil, fmt.Errorf("cannot make a staging directory beside %s: %w", to, err)
	}
	defer os.RemoveAll(staging)

	host, _ := os.Hostname()
	m := &Manifest{Format: Format, SamdriftVersion: o.Version, Created: time.Now().UTC().Truncate(time.Second), Host: host,
		DataDir: dir, Dialect: string(db.Dialect())}
	var plain, spine, skipped []string
	if dirExists {
		if plain, spine, skipped, err = plan(dir); err != nil {
			return nil, err
		}
	} else {
		say("no data directory %s: only the database's state is recorded", dir)
	}
	// The order matters while serve runs: the spine (the events not yet
	// stored) and the anchors before the database, so that whatever the
	// database copy lacks is in the spine copy, and no anchor names a
	// record the database copy does not have.
	say("copying %d files of %s", len(plain)+len(spine), dir)
	for _, rel := range append(plain, spine...) {
		f, err := stage(ctx, dir, staging, rel, o.Progress)
		if errors.Is(err, errVanished) {
			continue // a spine block purged after its batches were stored
		}
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
		if strings.HasPrefix(f.Path, spineDir+"/") {
			m.Spine = true
		}
	}

	if sqlite {
		say("copying the database (SQLite online backup)")
		meter := newMeter(o.Progress, "copying "+dbFile, 0)
		err := db.BackupTo(ctx, filepath.Join(staging, dbFile), func(done, total int64) {
			meter.total, meter.quiet = total, o.Progress == nil || total < bigFile
			meter.set(done)
		})
		meter.finish()
		if err != nil {
			return nil, err
		}
		// Everything recorded about the database is read from the copy,
		// so it is what a restore of this file must find.
		cp, err := store.Open(ctx, store.Options{DataDir: staging})
		if err != nil {
			return nil, fmt.Errorf("cannot open the copy of the database: %w", err)
		}
		m.SchemaVersion, err = cp.SchemaVersion(ctx)
		if err == nil {
			say("checking the copy's audit chain and counting")
			m.Audit, m.Counts, err = readState(ctx, cp, auditProgress(o.Progress))
		}
		if cerr := cp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read the copy of the database: %w", err)
		}
		for _, extra := range []string{"-wal", "-shm"} {
			_ = os.Remove(filepath.Join(staging, dbFile+extra))
		}
		f, err := hashFile(ctx, staging, dbFile, o.Progress)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, f)
	} else {
		say("checking PostgreSQL's WAL archiving")
		if m.PostgreSQL, err = checkPITR(ctx, db); err != nil {
			return nil, err
		}
		if m.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
			return nil, err
		}
		say("checking the audit chain and counting (PostgreSQL, one snapshot)")
		if m.Audit, m.Counts, err = readState(ctx, db, auditProgress(o.Progress)); err != nil {
			return nil, err
		}
	}

	n, err := writeArchive(ctx, to, staging, m, o.Progress)
	if err != nil {
		return nil, err
	}
	return &Result{Manifest: m, Bytes: n, Skipped: skipped}, nil
}

// checkSchema refuses a database newer than this samdrift, or one without
// a schema at all.
func checkSchema(ctx context.Context, db *store.DB, what string) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	ms, err := store.Migrations(db.Dialect())
	if err != nil {
		return err
	}
	switch {
	case v == 0:
		return fmt.Errorf("%s has no samdrift schema (version 0): nothing to back up; is --data or --db right?", what)
	case v > len(ms):
		return fmt.Errorf("%s has schema version %d, but this samdrift knows only up to %d: back it up with the samdrift that runs it", what, v, len(ms))
	}
	return nil
}

func auditProgress(w io.Writer) func(int64) {
	if w == nil {
		return nil
	}
	return func(n int64) { fmt.Fprintf(w, "  verified %d audit records…\n", n) }
}

// writeArchive writes the manifest and the staged files into a gzip'd tar
// at to: into a temporary file beside it, synced, then renamed. It
// returns the file's size.
func writeArchive(ctx context.Context, to, staging string, m *Manifest, progress io.Writer) (int64, error) {
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return 0, err
	}
	out, err := os.CreateTemp(filepath.Dir(to), "."+filepath.Base(to)+".partial-*")
	if err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	tmp := out.Name()
	ok := false
	defer func() {
		if !ok {
			out.Close()
			os.Remove(tmp)
		}
	}()
	// The file holds password hashes, TOTP secrets and the ingest TLS key.
	if err := out.Chmod(0o600); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	zw := gzip.NewWriter(bw)
	tw := tar.NewWriter(zw)
	hdr := func(name string, size int64, mode uint32) *tar.Header {
		return &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: int64(mode), ModTime: m.Created, Format: tar.FormatPAX}
	}
	if err := tw.WriteHeader(hdr(manifestName, int64(len(manifest)), 0o600)); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	if _, err := tw.Write(manifest); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	say := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", args...)
		}
	}
	say("writing %s (%s to compress)", to, Size(m.TotalBytes()))
	for _, f := range m.Files {
		if err := writeEntry(ctx, tw, hdr(dataPrefix+f.Path, f.Size, f.Mode), filepath.Join(staging, filepath.FromSlash(f.Path)), progress); err != nil {
			return 0, fmt.Errorf("cannot write %s: %w", to, err)
		}
	}
	for _, c := range []io.Closer{tw, zw} {
		if err := c.Close(); err != nil {
			return 0, fmt.Errorf("cannot write %s: %w", to, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	if err := out.Sync(); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	fi, err := out.Stat()
	if err != nil {
		return 0, err
	}
	if err := out.Close(); err != nil {
		return 0, fmt.Errorf("cannot write %s: %w", to, err)
	}
	// Link, not rename: a file that appeared at to meanwhile is not
	// replaced.
	if err := os.Link(tmp, to); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("%s appeared while the backup was written: choose another name", to)
		}
		if err := os.Rename(tmp, to); err != nil {
			return 0, fmt.Errorf("cannot write %s: %w", to, err)
		}
	} else {
		os.Remove(tmp)
	}
	ok = true
	_ = syncDir(filepath.Dir(to))
	return fi.Size(), nil
}

// writeEntry writes one staged file into tw.
func writeEntry(ctx context.Context, tw *tar.Writer, h *tar.Header, src string, progress io.Writer) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	m := newMeter(progress, "writing "+h.Name[len(dataPrefix):], h.Size)
	n, err := io.Copy(tw, io.TeeReader(ctxReader{ctx, f}, m))
	m.finish()
	if err != nil {
		return err
	}
	if n != h.Size {
		return fmt.Errorf("the staged copy of %s changed size (%d, was %d)", h.Name, n, h.Size)
	}
	return nil
}
