package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// dbFile is the SQLite database in the data directory (package store).
// It and SQLite's companion files are never copied as files: the backup
// API copies the database.
const dbFile = "samdrift.db"

var sqliteFiles = map[string]bool{dbFile: true, dbFile + "-wal": true, dbFile + "-shm": true, dbFile + "-journal": true}

// spineDir is where the in-process event spine keeps its files (package
// spine: a NATS JetStream store directory).
const spineDir = "spine"

// anchorsFile is serve's default audit anchor file under the data
// directory (package cli).
const anchorsFile = "audit-anchors.jsonl"

// plan lists the data directory's files in the order they must be copied:
// the plain files, then the spine's state (stream and consumer metadata,
// consumer positions), then its message blocks by number. skipped names
// what is not copied and why.
func plan(dir string) (plain, spine, skipped []string, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != dir {
				return nil // removed while we walk (a purged spine block)
			}
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			skipped = append(skipped, rel+" (not a regular file)")
			return nil
		}
		switch {
		case sqliteFiles[rel]:
		case strings.HasPrefix(rel, spineDir+"/"):
			base := path.Base(rel)
			// The stream's index (index.db) is a summary of the blocks;
			// copied at another moment than the blocks it could disagree
			// with them, so the server rebuilds it from the blocks
			// instead. .tmp and .new files are writes in progress that
			// the server renames into place.
			if base == "index.db" || strings.HasSuffix(base, ".tmp") || strings.HasSuffix(base, ".new") {
				return nil
			}
			spine = append(spine, rel)
		default:
			plain = append(plain, rel)
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot list %s: %w", dir, err)
	}
	slices.Sort(plain)
	slices.SortFunc(spine, compareSpine)
	return plain, spine, skipped, nil
}

// compareSpine orders spine files: everything but message blocks first
// (the consumers' positions are taken before the messages, so a restored
// consumer never stands past the messages restored with it), then the
// blocks by number.
func compareSpine(a, b string) int {
	ba, bb := blockNumber(a), blockNumber(b)
	switch {
	case ba < 0 && bb < 0:
		return strings.Compare(a, b)
	case ba < 0:
		return -1
	case bb < 0:
		return 1
	case path.Dir(a) != path.Dir(b):
		return strings.Compare(a, b)
	}
	return ba - bb
}

// blockNumber is the number of a JetStream message block (msgs/N.blk),
// or -1.
func blockNumber(p string) int {
	if path.Base(path.Dir(p)) != "msgs" || !strings.HasSuffix(p, ".blk") {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSuffix(path.Base(p), ".blk"))
	if err != nil {
		return -1
	}
	return n
}

// errVanished says a file went away between listing and copying.
var errVanished = errors.New("file vanished")

// stage copies the data directory's file rel into staging and returns its
// manifest entry. A file being appended to is copied as far as it was
// written when reached; a JSON-lines file (audit anchors) is cut after its
// last complete line.
func stage(ctx context.Context, dir, staging, rel string, progress io.Writer) (File, error) {
	src, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, errVanished
	}
	if err != nil {
		return File{}, fmt.Errorf("cannot read %s: %w", rel, err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return File{}, fmt.Errorf("cannot read %s: %w", rel, err)
	}
	var r io.Reader = src
	if strings.HasSuffix(rel, ".jsonl") {
		b, err := io.ReadAll(src)
		if err != nil {
			return File{}, fmt.Errorf("cannot read %s: %w", rel, err)
		}
		r = bytes.NewReader(b[:bytes.LastIndexByte(b, '\n')+1])
	}
	dst := filepath.Join(staging, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return File{}, fmt.Errorf("cannot stage %s: %w", rel, err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return File{}, fmt.Errorf("cannot stage %s: %w", rel, err)
	}
	h := sha256.New()
	m := newMeter(progress, "copying "+rel, fi.Size())
	n, err := io.Copy(io.MultiWriter(out, h, m), ctxReader{ctx, r})
	m.finish()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("cannot copy %s: %w", rel, err)
	}
	return File{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Mode: uint32(fi.Mode().Perm())}, nil
}

// hashFile returns the manifest entry of a file already staged.
func hashFile(ctx context.Context, staging, rel string, progress io.Writer) (File, error) {
	f, err := os.Open(filepath.Join(staging, filepath.FromSlash(rel)))
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	m := newMeter(progress, "checksumming "+rel, fi.Size())
	n, err := io.Copy(io.MultiWriter(h, m), ctxReader{ctx, f})
	m.finish()
	if err != nil {
		return File{}, fmt.Errorf("cannot read the copy of %s: %w", rel, err)
	}
	return File{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Mode: 0o600}, nil
}

// ctxReader stops reading once ctx ends (a long copy interrupted with
// Ctrl-C).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// isEmptyDir reports whether dir exists and holds nothing, and whether it
// exists at all.
func isEmptyDir(dir string) (empty, exists bool, entries []string, err error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, false, nil, nil
	}
	if err != nil {
		return false, true, nil, err
	}
	for i, de := range des {
		if i == 4 {
			entries = append(entries, "…")
			break
		}
		entries = append(entries, de.Name())
	}
	return len(des) == 0, true, entries, nil
}

// inside reports whether p is dir or lies under it.
func inside(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// openBy names a process that has a file under dir open, or returns "":
// a restore must not pull the directory from under a running serve. It
// looks through /proc (Linux); elsewhere it finds nothing.
func openBy(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return ""
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		fds, err := os.ReadDir(filepath.Join("/proc", p.Name(), "fd"))
		if err != nil {
			continue // gone, or another user's
		}
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join("/proc", p.Name(), "fd", fd.Name()))
			if err == nil && (target == dir || strings.HasPrefix(target, dir+string(filepath.Separator))) {
				comm, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				return fmt.Sprintf("process %d (%s) has %s open", pid, strings.TrimSpace(string(comm)), target)
			}
		}
	}
	return ""
}
