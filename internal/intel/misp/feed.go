package misp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// Bounds on what ReadFeed accepts from a feed, so that a broken or hostile
// feed costs bounded memory.
const (
	MaxEvents   = 100_000  // events listed in one manifest
	MaxFileSize = 64 << 20 // bytes in one file (manifest or event)
)

// fetcher returns one file of a feed by name.
type fetcher func(ctx context.Context, name string) ([]byte, error)

// ReadFeed reads the MISP feed at source — a local directory, or the
// http(s) URL of the feed's root — as MISP does: manifest.json first,
// then each event it lists whose timestamp is after since (every event
// when since is zero), in order of timestamp and then uuid, so that a
// caller may keep the last timestamp it handled as its next since. fn is
// called with each event; its error stops the reading and is returned as
// it is. A manifest entry whose file is missing is an ENOTFOUND error
// naming the file; a file larger than MaxFileSize, a manifest of more
// than MaxEvents events, a file that is not a valid event (see
// ParseEvent) or one holding another event than its name says are
// EINVALID errors. client nil means http.DefaultClient; schemes other
// than http and https are refused. hashes.csv is not read.
func ReadFeed(ctx context.Context, client *http.Client, source string, since time.Time, fn func(Event) error) error {
	get, err := open(client, source)
	if err != nil {
		return err
	}
	data, err := get(ctx, "manifest.json")
	if err != nil {
		return err
	}
	manifest, err := ParseManifest("manifest.json", data)
	if err != nil {
		return err
	}
	type entry struct {
		uuid string
		at   time.Time
	}
	var todo []entry
	for id, m := range manifest {
		if since.IsZero() || m.Timestamp.After(since) {
			todo = append(todo, entry{id, m.Timestamp})
		}
	}
	slices.SortFunc(todo, func(a, b entry) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.uuid, b.uuid)
	})
	for _, t := range todo {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := t.uuid + ".json"
		data, err := get(ctx, name)
		if err != nil {
			return err
		}
		ev, err := ParseEvent(name, data)
		if err != nil {
			return err
		}
		if ev.UUID != t.uuid {
			return errs.Field("$.Event.uuid", "%s: holds event %s, not the %s the manifest lists", name, ev.UUID, t.uuid)
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

// open returns the fetcher for a feed source.
func open(client *http.Client, source string) (fetcher, error) {
	if !strings.Contains(source, "://") {
		st, err := os.Stat(source)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errs.E(errs.NotFound, "feed directory %s does not exist", source)
			}
			return nil, errs.Wrap(err, "cannot open feed %s", source)
		}
		if !st.IsDir() {
			return nil, errs.Field("source", "%s is not a directory", source)
		}
		return func(_ context.Context, name string) ([]byte, error) { return readFile(source, name) }, nil
	}
	u, err := url.Parse(source)
	if err != nil {
		return nil, errs.Field("source", "%q is not a URL", source)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errs.Field("source", "feed %s: only http and https URLs and local directories are read", u.Redacted())
	}
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context, name string) ([]byte, error) { return fetch(ctx, client, u, name) }, nil
}

func readFile(dir, name string) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.E(errs.NotFound, "feed %s: %s is missing", dir, name)
		}
		return nil, errs.Wrap(err, "cannot read %s of feed %s", name, dir)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxFileSize {
		return nil, tooLarge(dir, name)
	}
	return readAtMost(f, dir, name)
}

func fetch(ctx context.Context, client *http.Client, root *url.URL, name string) ([]byte, error) {
	u := root.JoinPath(name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, errs.Wrap(err, "cannot fetch %s", u.Redacted())
	}
	req.Header.Set("Accept", "application/json, text/plain")
	resp, err := client.Do(req)
	if err != nil {
		return nil, errs.Wrap(err, "cannot fetch %s", u.Redacted())
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return nil, errs.E(errs.NotFound, "feed %s: %s is missing (%s)", root.Redacted(), name, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, errs.Wrap(fmt.Errorf("%s", resp.Status), "cannot fetch %s", u.Redacted())
	case resp.ContentLength > MaxFileSize:
		return nil, tooLarge(root.Redacted(), name)
	}
	return readAtMost(resp.Body, root.Redacted(), name)
}

// readAtMost reads r to its end unless it holds more than MaxFileSize.
func readAtMost(r io.Reader, feed, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, errs.Wrap(err, "cannot read %s of feed %s", name, feed)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(feed, name)
	}
	return data, nil
}

func tooLarge(feed, name string) error {
	return errs.E(errs.Invalid, "feed %s: %s is larger than %d MiB", feed, name, MaxFileSize>>20)
}
