package csaf

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
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

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/samdrift/samdrift/internal/errs"
)

// The bounds of one Fetch.
const (
	maxDocuments   = 10000
	maxListBytes   = 64 << 20 // a provider-metadata.json, ROLIE feed, changes.csv or index.txt
	maxHashBytes   = 4096
	maxLists       = 100 // feeds and directories of one provider-metadata.json
	maxRefusals    = 50  // refusals Fetch reports one by one
	requestTimeout = 30 * time.Second
)

// Fetch reads CSAF documents from source and calls fn(name, updated, data) for each,
// name being the document's URL or local path. source is a local file or
// an http(s) URL of a CSAF document, a provider-metadata.json or a ROLIE
// feed (told apart by content), or a local directory, whose *.json files
// are read in name order, provider-metadata.json and ROLIE files left out.
//
// A provider-metadata.json leads to its ROLIE feeds and directory
// distributions (changes.csv, else index.txt); a feed to each entry's link
// rel=self, else content.src. Relative links resolve against the file
// that names them; links from local files must stay in the source's
// directory; file:// and schemes other than http and https are refused.
//
// With a non-zero since, only documents updated after it are read, as far
// as a ROLIE entry's updated or a changes.csv line tells. Each feed's or
// directory's documents are read oldest first, and fn is given the time
// the listing says each was updated (zero where it says none), so a
// caller may keep the newest it saw, in the provider's clock, as its next
// since.
//
// A .sha256 or .sha512 hash that a feed lists must exist and match, or the
// document is refused; beside directories' and local documents, hash files
// are checked when they exist. OpenPGP signatures are not checked.
//
// fn's error, ctx's, and the one for more than 10,000 documents stop the
// walk and are returned as they are. A file that cannot be read or is
// refused does not: Fetch returns those errors joined at the end, each an
// *errs.Error naming the file (codes Unauthorized and Forbidden mark
// restricted feeds). Requests (made with client, nil meaning
// http.DefaultClient) may take 30 seconds, documents 16 MiB.
func Fetch(ctx context.Context, client *http.Client, source string, since time.Time, fn func(name string, updated time.Time, data []byte) error) error {
	f := &fetcher{ctx: ctx, client: cmp.Or(client, http.DefaultClient), since: since, fn: fn, seen: map[string]bool{}}
	source = strings.TrimSpace(source)
	u, err := url.Parse(source)
	remote := err == nil && len(u.Scheme) > 1 // "C:" is a drive
	if source == "" || (remote && ((u.Scheme != "http" && u.Scheme != "https") || u.Host == "")) {
		return errs.Field("source", "%q: give a local file or directory, or an http:// or https:// URL", source)
	} else if remote {
		return f.finish(f.walk(u.String(), nil))
	}
	path, err := filepath.Abs(source)
	if err != nil {
		return errs.Wrap(err, "cannot resolve CSAF source %s", source)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return errs.Field("source", "%s does not exist", source)
	} else if err != nil {
		return errs.Wrap(err, "cannot read CSAF source %s", source)
	}
	if f.root = filepath.Dir(path); !st.IsDir() {
		return f.finish(f.walk(path, nil))
	}
	f.root = path
	var entries []entry
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name := strings.ToLower(d.Name()); !d.IsDir() && strings.HasSuffix(name, ".json") && name != "provider-metadata.json" {
			entries = append(entries, entry{doc: p, hashes: []string{p + ".sha256", p + ".sha512"}})
		}
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "cannot list %s", source)
	}
	return f.finish(f.readAll(entries, false, true))
}

// fetcher is the state of one Fetch. It names files by URL or local path.
type fetcher struct {
	ctx     context.Context
	client  *http.Client
	since   time.Time
	fn      func(string, time.Time, []byte) error
	root    string // local sources: the directory local links must stay in
	seen    map[string]bool
	count   int // documents read
	lists   int // feeds and directories walked
	refused []error
}

// stop carries an error that ends the walk.
type stop struct{ err error }

func (s stop) Error() string { return s.err.Error() }

// refuse records err and lets the walk go on, unless err ends it.
func (f *fetcher) refuse(err error) error {
	if _, ok := err.(stop); ok || err == nil {
		return err
	} else if f.ctx.Err() != nil {
		return stop{f.ctx.Err()}
	}
	if len(f.refused) < maxRefusals {
		f.refused = append(f.refused, err)
	} else if len(f.refused) == maxRefusals {
		f.refused = append(f.refused, errs.E(errs.Invalid, "more files were refused"))
	}
	return nil
}

// finish returns what ended the walk, else the refusals.
func (f *fetcher) finish(err error) error {
	if s, ok := err.(stop); ok {
		return s.err
	} else if err != nil {
		return err
	}
	return errors.Join(f.refused...)
}

func isURL(name string) bool {
	return strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://")
}

// resolve resolves link, found in the file base.
func (f *fetcher) resolve(base, link string) (string, error) {
	r, err := url.Parse(strings.TrimSpace(link))
	switch {
	case err != nil || r.String() == "":
		return "", errs.E(errs.Invalid, "%s: link %q is not a URL", base, link)
	case r.Scheme != "":
		if (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
			return "", errs.E(errs.Invalid, "%s: link %q is refused: only http and https links are followed", base, link)
		}
		return r.String(), nil
	case isURL(base):
		b, err := url.Parse(base)
		if err != nil {
			return "", errs.E(errs.Invalid, "%s is not a URL", base)
		}
		return b.ResolveReference(r).String(), nil
	}
	p := filepath.Join(filepath.Dir(base), filepath.FromSlash(r.Path))
	if rel, err := filepath.Rel(f.root, p); r.Host != "" || strings.HasPrefix(r.Path, "/") || err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", errs.E(errs.Invalid, "%s: link %q is refused: it leads out of %s", base, link, f.root)
	}
	return p, nil
}

// read reads at most limit bytes from the file or URL name. It returns
// where the data came from, after HTTP redirects.
func (f *fetcher) read(name string, limit int64) ([]byte, string, error) {
	if err := f.ctx.Err(); err != nil {
		return nil, name, stop{err}
	}
	var body io.Reader
	if !isURL(name) {
		fh, err := os.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, name, errs.E(errs.NotFound, "%s does not exist", name)
		} else if err != nil {
			return nil, name, errs.Wrap(err, "cannot read %s", name)
		}
		defer fh.Close()
		body = fh
	} else {
		ctx, cancel := context.WithTimeout(f.ctx, requestTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, name, nil)
		if err != nil {
			return nil, name, errs.E(errs.Invalid, "%s: %v", name, err)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			return nil, name, errs.Wrap(err, "cannot fetch %s", name)
		}
		defer resp.Body.Close()
		if code, ok := httpCodes[resp.StatusCode]; ok {
			return nil, name, errs.E(code, "%s: HTTP %s", name, resp.Status)
		} else if resp.StatusCode != http.StatusOK {
			return nil, name, errs.Wrap(errors.New(resp.Status), "cannot fetch %s", name)
		}
		name, body = resp.Request.URL.String(), resp.Body
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	switch {
	case f.ctx.Err() != nil:
		return nil, name, stop{f.ctx.Err()}
	case err != nil:
		return nil, name, errs.Wrap(err, "cannot read %s", name)
	case int64(len(data)) > limit:
		return nil, name, errs.E(errs.Invalid, "%s is larger than %d MiB; refused", name, limit>>20)
	}
	return data, name, nil
}

// httpCodes are the HTTP answers that say something to the caller.
var httpCodes = map[int]errs.Code{
	http.StatusNotFound:     errs.NotFound,
	http.StatusGone:         errs.NotFound,
	http.StatusUnauthorized: errs.Unauthorized,
	http.StatusForbidden:    errs.Forbidden,
}

// kind tells a CSAF document from a provider-metadata.json and ROLIE's
// documents by their top-level keys.
func kind(data []byte) string {
	var top map[string]json.RawMessage
	switch {
	case json.Unmarshal(data, &top) != nil || top["document"] != nil:
		return "document"
	case top["feed"] != nil:
		return "feed"
	case top["service"] != nil || top["categories"] != nil:
		return "rolie"
	case top["distributions"] != nil || top["canonical_url"] != nil:
		return "provider"
	}
	return "document"
}

// walk reads the file name (data, when given, is its content) and walks
// it by its kind: a provider-metadata.json, a ROLIE feed or a document.
func (f *fetcher) walk(name string, data []byte) error {
	var err error
	if data == nil {
		if data, name, err = f.read(name, maxListBytes); err != nil {
			return err
		}
	}
	switch kind(data) {
	case "provider":
		return f.walkProvider(name, data)
	case "feed":
		return f.walkFeed(name, data)
	case "rolie":
		return errs.E(errs.Invalid, "%s is a ROLIE service or category document; give a feed or the provider-metadata.json", name)
	}
	return f.readAll([]entry{{doc: name, data: data, hashes: []string{name + ".sha256", name + ".sha512"}}}, false, false)
}

func (f *fetcher) walkProvider(name string, data []byte) error {
	var pmd gocsaf.ProviderMetadata
	if err := json.Unmarshal(data, &pmd); err != nil {
		return errs.Field("$", "%s is not a valid provider-metadata.json: %v", name, err)
	}
	var lists []string
	for _, d := range pmd.Distributions {
		for i := 0; d.Rolie != nil && i < len(d.Rolie.Feeds); i++ {
			if u := d.Rolie.Feeds[i].URL; u != nil {
				lists = append(lists, string(*u))
			}
		}
		if d.DirectoryURL != "" {
			lists = append(lists, strings.TrimSuffix(d.DirectoryURL, "/")+"/")
		}
	}
	if len(lists) == 0 {
		return errs.E(errs.Invalid, "%s lists neither ROLIE feeds nor directories", name)
	} else if f.lists += len(lists); f.lists > maxLists {
		return errs.E(errs.Invalid, "%s lists more than %d feeds and directories; refused", name, maxLists)
	}
	for _, link := range lists {
		l, err := f.resolve(name, link)
		if err == nil && strings.HasSuffix(link, "/") {
			err = f.walkDirectory(l)
		} else if err == nil {
			err = f.walk(l, nil)
		}
		if err = f.refuse(err); err != nil {
			return err
		}
	}
	return nil
}

// entry is a document to read (unless data holds it), with the hash files
// to check.
type entry struct {
	doc     string
	data    []byte
	hashes  []string
	updated time.Time
}

func (f *fetcher) walkFeed(name string, data []byte) error {
	var feed gocsaf.ROLIEFeed
	if err := json.Unmarshal(data, &feed); err != nil {
		return errs.Field("$", "%s is not a valid ROLIE feed: %v", name, err)
	}
	var entries []entry
	for i, e := range feed.Feed.Entry {
		if e == nil || (!f.since.IsZero() && !time.Time(e.Updated).IsZero() && !time.Time(e.Updated).After(f.since)) {
			continue
		}
		links := []string{e.Content.Src}
		for _, link := range e.Link {
			if link.Rel == "self" {
				links[0] = link.HRef
			} else if link.Rel == "hash" && hashAlgo(link.HRef) != "" {
				links = append(links, link.HRef)
			}
		}
		var err error
		if links[0] == "" {
			err = errs.Field(fmt.Sprintf("$.feed.entry[%d]", i), "%s: entry %q has neither a link rel=self nor a content.src", name, e.ID)
		}
		for j := 0; j < len(links) && err == nil; j++ {
			links[j], err = f.resolve(name, links[j])
		}
		if err != nil {
			if err := f.refuse(err); err != nil {
				return err
			}
			continue
		}
		entries = append(entries, entry{doc: links[0], hashes: links[1:], updated: time.Time(e.Updated)})
	}
	return f.readAll(entries, true, false)
}

// walkDirectory walks a directory distribution (dir ends in a slash) by
// its changes.csv, else its index.txt.
func (f *fetcher) walkDirectory(dir string) error {
	child := func(file string) string {
		if isURL(dir) {
			return dir + file
		}
		return filepath.Join(dir, file)
	}
	data, listing, err := f.read(child("changes.csv"), maxListBytes)
	var lines [][]string
	if err == nil {
		if lines, err = csv.NewReader(bytes.NewReader(data)).ReadAll(); err != nil {
			return errs.E(errs.Invalid, "%s is not CSV: %v", listing, err)
		}
	} else if errs.CodeOf(err) == errs.NotFound {
		if data, listing, err = f.read(child("index.txt"), maxListBytes); err != nil {
			return err
		}
		for _, file := range strings.Fields(string(data)) {
			lines = append(lines, []string{file})
		}
	} else {
		return err
	}
	var entries []entry
	for i, line := range lines {
		var t time.Time
		if len(line) > 1 {
			if t, err = time.Parse(time.RFC3339, strings.TrimSpace(line[1])); err != nil {
				return errs.E(errs.Invalid, "%s: line %d: %q is not an RFC 3339 time", listing, i+1, line[1])
			}
		}
		if !f.since.IsZero() && !t.IsZero() && !t.After(f.since) {
			continue
		}
		doc, err := f.resolve(listing, line[0])
		if err = f.refuse(err); err != nil {
			return err
		} else if doc != "" {
			entries = append(entries, entry{doc: doc, hashes: []string{doc + ".sha256", doc + ".sha512"}, updated: t})
		}
	}
	return f.readAll(entries, false, false)
}

// readAll reads entries, oldest first, checks their hashes (which must
// exist when required; else those that exist) and hands each to fn. With
// skipLists, files that are a provider's or ROLIE's own are passed over.
func (f *fetcher) readAll(entries []entry, required, skipLists bool) error {
	slices.SortStableFunc(entries, func(a, b entry) int { return a.updated.Compare(b.updated) })
	for _, e := range entries {
		name := e.doc
		if f.seen[name] {
			continue
		} else if f.count++; f.count > maxDocuments {
			return stop{errs.E(errs.Invalid, "the source has more than %d documents; stopped there — fetch again with since set to the newest update seen", maxDocuments)}
		}
		f.seen[name] = true
		var err error
		if e.data == nil {
			e.data, _, err = f.read(e.doc, maxDocumentBytes)
		} else if len(e.data) > maxDocumentBytes {
			err = errs.E(errs.Invalid, "%s is larger than %d MiB; refused", name, maxDocumentBytes>>20)
		}
		if err == nil && skipLists && kind(e.data) != "document" {
			f.count--
			continue
		}
		for _, h := range e.hashes {
			if err != nil {
				break
			}
			err = f.checkHash(e.doc, e.data, h, required)
		}
		if err != nil {
			if err := f.refuse(err); err != nil {
				return err
			}
			continue
		}
		if err := f.fn(name, e.updated, e.data); err != nil {
			return stop{err}
		}
	}
	return nil
}

func hashAlgo(name string) string {
	for _, algo := range []string{"sha256", "sha512"} {
		if strings.HasSuffix(strings.ToLower(name), "."+algo) {
			return algo
		}
	}
	return ""
}

// checkHash checks data, read from doc, against the hash file at h, which
// need not exist unless required.
func (f *fetcher) checkHash(doc string, data []byte, h string, required bool) error {
	text, _, err := f.read(h, maxHashBytes)
	if _, ok := err.(stop); ok {
		return err
	} else if !required && errs.CodeOf(err) == errs.NotFound {
		return nil
	} else if err != nil {
		return errs.E(errs.Invalid, "%s: its hash file %s cannot be read, so it is refused", doc, h)
	}
	var sum []byte
	if hashAlgo(h) == "sha256" {
		s := sha256.Sum256(data)
		sum = s[:]
	} else {
		s := sha512.Sum512(data)
		sum = s[:]
	}
	if want := strings.Fields(string(text)); len(want) == 0 || !strings.EqualFold(want[0], hex.EncodeToString(sum)) {
		return errs.E(errs.Invalid, "%s does not match its %s hash in %s: it may have been altered or cut short, so it is refused", doc, hashAlgo(h), h)
	}
	return nil
}
