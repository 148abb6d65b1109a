package csaf

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

func sha256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func sha512Hex(data []byte) string {
	s := sha512.Sum512(data)
	return hex.EncodeToString(s[:])
}

// collect runs Fetch and returns the names fn saw (each document parsed
// to make sure it is one) and Fetch's errors, unjoined.
func collect(t *testing.T, source string, since time.Time) ([]string, []error) {
	t.Helper()
	var names []string
	err := Fetch(context.Background(), nil, source, since, func(name string, updated time.Time, data []byte) error {
		if _, err := Parse(name, data); err != nil {
			t.Errorf("fn(%s): Parse = %v", name, err)
		}
		if !since.IsZero() && !updated.After(since) {
			t.Errorf("fn(%s): updated %v; want a time after since, %v", name, updated, since)
		}
		names = append(names, name)
		return nil
	})
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else if err != nil {
		list = []error{err}
	}
	return names, list
}

// wantErrors checks that got has one error per entry of want, in order,
// each with the code and text given.
func wantErrors(t *testing.T, got []error, want []struct {
	code errs.Code
	says string
}) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Fetch errors = %v; want %d", got, len(want))
	}
	for i, w := range want {
		if errs.CodeOf(got[i]) != w.code || !strings.Contains(got[i].Error(), w.says) {
			t.Errorf("Fetch error %d = %v; want %s saying %q", i, got[i], w.code, w.says)
		}
	}
}

// provider serves a CSAF provider on 127.0.0.1: a provider-metadata.json
// naming a TLP:WHITE ROLIE feed, a TLP:AMBER feed that needs credentials
// and a directory distribution.
func provider(t *testing.T) *httptest.Server {
	t.Helper()
	tree, scores, amber, notlp := readTestdata(t, "tree.json"), readTestdata(t, "scores.json"), readTestdata(t, "amber.json"), readTestdata(t, "notlp.json")
	files := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/amber/") {
			http.Error(w, "credentials needed", http.StatusUnauthorized)
			return
		}
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	base := srv.URL + "/.well-known/csaf/"
	add := func(path string, data []byte) { files["/.well-known/csaf/"+path] = string(data) }
	add("provider-metadata.json", []byte(`{
  "canonical_url": "`+base+`provider-metadata.json",
  "distributions": [
    {"rolie": {"feeds": [
      {"summary": "WHITE advisories", "tlp_label": "WHITE", "url": "white/feed-tlp-white.json"},
      {"summary": "AMBER advisories", "tlp_label": "AMBER", "url": "`+base+`amber/feed-tlp-amber.json"}
    ]}},
    {"directory_url": "dir"}
  ],
  "last_updated": "2024-06-10T09:00:00Z",
  "list_on_CSAF_aggregators": true,
  "metadata_version": "2.0",
  "mirror_on_CSAF_aggregators": true,
  "publisher": {"category": "vendor", "name": "Example Org PSIRT", "namespace": "https://psirt.example.org"},
  "role": "csaf_provider"
}`))
	add("white/feed-tlp-white.json", []byte(`{"feed": {
  "id": "example-csaf-feed-tlp-white",
  "title": "Example Org CSAF feed (TLP:WHITE)",
  "link": [{"rel": "self", "href": "`+base+`white/feed-tlp-white.json"}],
  "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
  "updated": "2024-06-10T09:00:00Z",
  "entry": [
    {"id": "EXORG-2024-0042", "title": "tree",
     "link": [{"rel": "self", "href": "2024/exorg-2024-0042.json"}, {"rel": "hash", "href": "2024/exorg-2024-0042.json.sha256"}, {"rel": "signature", "href": "2024/exorg-2024-0042.json.asc"}],
     "published": "2024-03-01T10:00:00Z", "updated": "2024-03-05T07:30:00Z",
     "content": {"type": "application/json", "src": "2024/exorg-2024-0042.json"},
     "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}},
    {"id": "EXNET-SA-2024-007", "title": "scores",
     "link": [{"rel": "self", "href": "`+base+`white/2024/exnet-sa-2024-007.json"}, {"rel": "hash", "href": "`+base+`white/2024/exnet-sa-2024-007.json.sha512"}],
     "published": "2024-05-02T12:00:00Z", "updated": "2024-05-02T12:00:00Z",
     "content": {"type": "application/json", "src": "2024/exnet-sa-2024-007.json"},
     "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}},
    {"id": "EXCERT-2024-0100", "title": "wrong hash",
     "link": [{"rel": "self", "href": "2024/excert-2024-0100.json"}, {"rel": "hash", "href": "2024/excert-2024-0100.json.sha256"}],
     "published": "2024-06-10T09:00:00Z", "updated": "2024-06-10T09:00:00Z",
     "content": {"type": "application/json", "src": "2024/excert-2024-0100.json"},
     "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}},
    {"id": "EXMAIL-2024-3", "title": "content only",
     "link": [],
     "published": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z",
     "content": {"type": "application/json", "src": "2024/exmail-2024-3.json"},
     "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}},
    {"id": "EXMAIL-2024-4", "title": "hash file missing",
     "link": [{"rel": "self", "href": "2024/exmail-2024-4.json"}, {"rel": "hash", "href": "2024/exmail-2024-4.json.sha256"}],
     "published": "2024-02-01T00:00:00Z", "updated": "2024-02-01T00:00:00Z",
     "content": {"type": "application/json", "src": "2024/exmail-2024-4.json"},
     "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json", "version": "2.0"}}
  ]
}}`))
	add("white/2024/exorg-2024-0042.json", tree)
	add("white/2024/exorg-2024-0042.json.sha256", []byte(sha256Hex(tree)+"  exorg-2024-0042.json\n"))
	add("white/2024/exnet-sa-2024-007.json", scores)
	add("white/2024/exnet-sa-2024-007.json.sha512", []byte(strings.ToUpper(sha512Hex(scores))))
	add("white/2024/excert-2024-0100.json", amber)
	add("white/2024/excert-2024-0100.json.sha256", []byte(sha256Hex(notlp)+"  excert-2024-0100.json\n"))
	add("white/2024/exmail-2024-3.json", notlp)
	add("white/2024/exmail-2024-4.json", notlp)
	add("dir/changes.csv", []byte(`"2023/dirdoc.json","2023-12-01T00:00:00Z"`+"\n"+`"2023/gone.json","2023-11-01T00:00:00Z"`+"\n"))
	add("dir/2023/dirdoc.json", tree)
	add("dir/2023/dirdoc.json.sha256", []byte(sha256Hex(tree)))
	return srv
}

type wantError = struct {
	code errs.Code
	says string
}

func TestFetchProvider(t *testing.T) {
	srv := provider(t)
	base := srv.URL + "/.well-known/csaf/"
	for _, c := range []struct {
		name   string
		source string
		since  time.Time
		docs   []string
		errors []wantError
	}{
		{"provider-metadata.json", base + "provider-metadata.json", time.Time{},
			[]string{"white/2024/exmail-2024-3.json", "white/2024/exorg-2024-0042.json", "white/2024/exnet-sa-2024-007.json", "dir/2023/dirdoc.json"},
			[]wantError{
				{errs.Invalid, "white/2024/exmail-2024-4.json: its hash file " + base + "white/2024/exmail-2024-4.json.sha256 cannot be read"},
				{errs.Invalid, "white/2024/excert-2024-0100.json does not match its sha256 hash"},
				{errs.Unauthorized, "amber/feed-tlp-amber.json: HTTP 401"},
				{errs.NotFound, "dir/2023/gone.json: HTTP 404"},
			}},
		{"provider-metadata.json since March", base + "provider-metadata.json", utc("2024-03-01T00:00:00Z"),
			[]string{"white/2024/exorg-2024-0042.json", "white/2024/exnet-sa-2024-007.json"},
			[]wantError{
				{errs.Invalid, "excert-2024-0100.json does not match its sha256 hash"},
				{errs.Unauthorized, "amber/feed-tlp-amber.json"},
			}},
		{"ROLIE feed since May", base + "white/feed-tlp-white.json", utc("2024-05-02T12:00:00Z"),
			nil,
			[]wantError{{errs.Invalid, "excert-2024-0100.json does not match"}}},
		{"one document", base + "white/2024/exorg-2024-0042.json", time.Time{},
			[]string{"white/2024/exorg-2024-0042.json"}, nil},
		{"one document with a wrong hash beside it", base + "white/2024/excert-2024-0100.json", time.Time{},
			nil, []wantError{{errs.Invalid, "does not match its sha256 hash"}}},
		{"missing source", base + "nothing.json", time.Time{},
			nil, []wantError{{errs.NotFound, "nothing.json: HTTP 404"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			names, got := collect(t, c.source, c.since)
			var want []string
			for _, d := range c.docs {
				want = append(want, base+d)
			}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("Fetch(%s) read %q; want %q", c.source, names, want)
			}
			wantErrors(t, got, c.errors)
		})
	}
}

func TestFetchStops(t *testing.T) {
	srv := provider(t)
	source := srv.URL + "/.well-known/csaf/provider-metadata.json"
	enough := errors.New("enough")
	calls := 0
	err := Fetch(context.Background(), srv.Client(), source, time.Time{}, func(string, time.Time, []byte) error {
		calls++
		return enough
	})
	if err != enough || calls != 1 {
		t.Errorf("Fetch with fn failing = %v after %d calls; want %v after 1", err, calls, enough)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Fetch(ctx, nil, source, time.Time{}, func(string, time.Time, []byte) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(cancelled ctx) = %v; want %v", err, context.Canceled)
	}
}

func TestFetchRefusesSchemes(t *testing.T) {
	for _, source := range []string{"file:///etc/passwd", "FILE:///etc/passwd", "ftp://example.org/x.json", "gopher://example.org/", "data:,{}", "https:///x.json", " "} {
		err := Fetch(context.Background(), nil, source, time.Time{}, func(string, time.Time, []byte) error {
			t.Errorf("Fetch(%q) called fn", source)
			return nil
		})
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "source" {
			t.Errorf("Fetch(%q) = %v; want an Invalid error on source", source, err)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFetchLocal(t *testing.T) {
	tree, scores, amber, notlp := readTestdata(t, "tree.json"), readTestdata(t, "scores.json"), readTestdata(t, "amber.json"), readTestdata(t, "notlp.json")
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"mirror/b/c.json":               scores,
		"mirror/b/c.json.sha256":        []byte(sha256Hex(scores) + "  c.json\n"),
		"mirror/a.json":                 tree,
		"mirror/d.json":                 amber,
		"mirror/d.json.sha256":          []byte(sha256Hex(tree)),
		"mirror/provider-metadata.json": []byte(`{"canonical_url": "https://x.example/provider-metadata.json", "distributions": []}`),
		"mirror/feed.json":              []byte(`{"feed": {"id": "f", "title": "f", "updated": "2024-01-01T00:00:00Z", "entry": []}}`),
		"mirror/readme.txt":             []byte("not a document"),
		"provider/provider-metadata.json": []byte(`{"canonical_url": "https://x.example/.well-known/csaf/provider-metadata.json",
  "distributions": [{"rolie": {"feeds": [{"tlp_label": "WHITE", "url": "white/feed.json"}]}}, {"directory_url": "dir/"}],
  "last_updated": "2024-01-01T00:00:00Z", "metadata_version": "2.0", "role": "csaf_provider"}`),
		"provider/white/feed.json": []byte(`{"feed": {"id": "f", "title": "f", "updated": "2024-01-01T00:00:00Z", "entry": [
  {"id": "1", "title": "t", "link": [{"rel": "self", "href": "2024/notlp.json"}], "published": "2024-07-01T00:00:00Z", "updated": "2024-07-01T00:00:00Z", "content": {"type": "application/json", "src": "2024/notlp.json"}, "format": {"schema": "s", "version": "2.0"}},
  {"id": "2", "title": "t", "link": [{"rel": "self", "href": "../../mirror/a.json"}], "published": "2024-07-01T00:00:00Z", "updated": "2024-07-01T00:00:00Z", "content": {"type": "application/json", "src": "x.json"}, "format": {"schema": "s", "version": "2.0"}},
  {"id": "3", "title": "t", "link": [{"rel": "self", "href": "file:///etc/passwd"}], "published": "2024-07-01T00:00:00Z", "updated": "2024-07-01T00:00:00Z", "content": {"type": "application/json", "src": "x.json"}, "format": {"schema": "s", "version": "2.0"}}
]}}`),
		"provider/white/2024/notlp.json": notlp,
		"provider/dir/index.txt":         []byte("2024/tree.json\n\n2024/scores.json\n"),
		"provider/dir/2024/tree.json":    tree,
		"provider/dir/2024/scores.json":  scores,
	})
	for _, c := range []struct {
		name   string
		source string
		docs   []string
		errors []wantError
	}{
		{"directory", filepath.Join(dir, "mirror"), []string{"mirror/a.json", "mirror/b/c.json"},
			[]wantError{{errs.Invalid, "d.json does not match its sha256 hash"}}},
		{"one file", filepath.Join(dir, "mirror", "b", "c.json"), []string{"mirror/b/c.json"}, nil},
		{"provider-metadata.json", filepath.Join(dir, "provider", "provider-metadata.json"),
			[]string{"provider/white/2024/notlp.json", "provider/dir/2024/tree.json", "provider/dir/2024/scores.json"},
			[]wantError{{errs.Invalid, "leads out of"}, {errs.Invalid, "only http and https links are followed"}}},
		{"ROLIE feed", filepath.Join(dir, "provider", "white", "feed.json"),
			[]string{"provider/white/2024/notlp.json"},
			[]wantError{{errs.Invalid, "leads out of"}, {errs.Invalid, "only http and https"}}},
		{"missing", filepath.Join(dir, "nothing"), nil, []wantError{{errs.Invalid, "does not exist"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			names, got := collect(t, c.source, time.Time{})
			var want []string
			for _, d := range c.docs {
				want = append(want, filepath.Join(dir, filepath.FromSlash(d)))
			}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("Fetch(%s) read %q; want %q", c.source, names, want)
			}
			wantErrors(t, got, c.errors)
		})
	}
}
