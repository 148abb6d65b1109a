package misp_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
	"github.com/samdrift/samdrift/internal/intel/misp"
)

// testFeed parses every event of the test feed, in timestamp order.
func testFeed(t *testing.T) []misp.Event {
	return []misp.Event{testEvent(t, scanning), testEvent(t, phishing), testEvent(t, loader)}
}

// builtEvent sets every field the model has, with values the test feed
// does not use: TLP CLEAR, an attribute stricter than its event,
// sub-second first_seen, an unpublished event with tags.
func builtEvent() misp.Event {
	ts := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	fs := time.Date(2025, 4, 30, 23, 59, 59, 123456000, time.UTC)
	ls := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	return misp.Event{UUID: "64e3e493-89d5-4000-8c59-e5a268e160db", Info: "Built by hand", Date: time.Date(2025, 4, 30, 0, 0, 0, 0, time.UTC),
		Timestamp: ts, PublishTimestamp: ts.Add(-time.Hour), Published: false, Analysis: 2, ThreatLevel: 3, Distribution: 3,
		OrgName: "Samdrift", OrgUUID: "46b99e64-f04a-48f4-9d1d-900a4c771c62", Tags: []string{"kill-chain:delivery", "rsit:fraud=\"phishing\""}, TLP: "clear",
		Attributes: []misp.Attribute{
			{UUID: "316cfa77-da52-47fb-96c5-51cf0c8581ed", Type: "url", Category: "Network activity", Value: "https://x.example/?a=1&b=<2>", Comment: "with & and <>",
				ToIDS: true, TLP: "clear", Timestamp: ts, FirstSeen: &fs, LastSeen: &ls},
			{UUID: "7d5685b9-fdb4-46bc-afd2-042d0e1fa8f8", Type: "domain|ip", Category: "Network activity", Value: "x.example|192.0.2.9", ToIDS: true, TLP: "red", Timestamp: ts,
				ObjectName: "domain-ip", ObjectUUID: "35680d97-132d-4808-b482-89c37a99547b"},
			{UUID: "ba401752-51fc-4ad2-9cd7-a98c19f9b66d", Type: "comment", Category: "Other", Value: "deleted note", Deleted: true, TLP: "clear", Timestamp: ts,
				ObjectName: "domain-ip", ObjectUUID: "35680d97-132d-4808-b482-89c37a99547b"},
		}}
}

// collect reads a feed into a slice.
func collect(t *testing.T, client *http.Client, source string, since time.Time) ([]misp.Event, error) {
	t.Helper()
	var got []misp.Event
	err := misp.ReadFeed(context.Background(), client, source, since, func(e misp.Event) error {
		got = append(got, e)
		return nil
	})
	return got, err
}

func TestRoundTrip(t *testing.T) {
	events := append(testFeed(t), builtEvent())
	dir := t.TempDir()
	if err := misp.WriteFeed(dir, events); err != nil {
		t.Fatal(err)
	}
	got, err := collect(t, nil, dir, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(events) {
		t.Fatalf("ReadFeed gave %d events; want %d", len(got), len(events))
	}
	for i := range events {
		if !reflect.DeepEqual(got[i], events[i]) {
			t.Errorf("event %d read back as\n%+v\nwant\n%+v", i, got[i], events[i])
		}
	}

	// hashes.csv: md5 of every value (each part of a composite one) not deleted.
	var want []string
	for _, e := range events {
		for _, a := range e.Attributes {
			if a.Deleted {
				continue
			}
			values := []string{a.Value}
			if strings.Contains(a.Type, "|") {
				values = strings.Split(a.Value, "|")
			}
			for _, v := range values {
				sum := md5.Sum([]byte(v))
				want = append(want, hex.EncodeToString(sum[:])+","+e.UUID)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "hashes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if !reflect.DeepEqual(lines, want) {
		t.Errorf("hashes.csv = %q; want %q", lines, want)
	}
	// The hand-written test feed's hashes.csv says the same for its events.
	ref, err := os.ReadFile(filepath.Join("testdata", "feed", "hashes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	refLines := strings.Split(strings.TrimSpace(string(ref)), "\n")
	slices.Sort(refLines)
	ours := slices.Clone(lines[:len(refLines)])
	slices.Sort(ours)
	if !reflect.DeepEqual(ours, refLines) {
		t.Errorf("hashes of the test feed = %q; testdata/feed/hashes.csv has %q", ours, refLines)
	}

	// The manifest summarises each event, TLP tag included.
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := misp.ParseManifest("manifest.json", manifest)
	if err != nil {
		t.Fatal(err)
	}
	wantEntry := misp.ManifestEntry{Info: "Built by hand", Date: "2025-04-30", Timestamp: builtEvent().Timestamp, Analysis: 2, ThreatLevel: 3,
		OrgName: "Samdrift", OrgUUID: "46b99e64-f04a-48f4-9d1d-900a4c771c62", Tags: []string{"kill-chain:delivery", "rsit:fraud=\"phishing\"", "tlp:clear"}}
	if len(m) != 4 || !reflect.DeepEqual(m[builtEvent().UUID], wantEntry) {
		t.Errorf("manifest = %+v; want 4 entries with %+v", m, wantEntry)
	}
}

func TestFeedFilesMarking(t *testing.T) {
	files, err := misp.FeedFiles([]misp.Event{builtEvent()})
	if err != nil {
		t.Fatal(err)
	}
	ev := string(files[builtEvent().UUID+".json"])
	for _, want := range []string{
		`"published":false,"distribution":"3","Attribute"`, // TLP:CLEAR goes to all communities
		`{"name":"tlp:clear","colour":"#ffffff"}`,
		`"value":"x.example|192.0.2.9","comment":"","to_ids":true,"deleted":false,"timestamp":"1746100800","distribution":"0","Tag":[{"name":"tlp:red","colour":"#cc0033"}]`,
		`"value":"https://x.example/?a=1&b=<2>"`, // no HTML escaping
		`"first_seen":"2025-04-30T23:59:59.123456Z"`,
		`"Object":[{"name":"domain-ip","uuid":"35680d97-132d-4808-b482-89c37a99547b"`,
	} {
		if !strings.Contains(ev, want) {
			t.Errorf("event file lacks %s:\n%s", want, ev)
		}
	}
	for _, c := range []struct{ tlp, dist string }{{"green", "1"}, {"amber", "0"}, {"amber+strict", "0"}, {"red", "0"}} {
		e := builtEvent()
		e.TLP, e.Distribution, e.Attributes = c.tlp, 3, nil
		files, err := misp.FeedFiles([]misp.Event{e})
		if err != nil {
			t.Fatal(err)
		}
		if s := string(files[e.UUID+".json"]); !strings.Contains(s, `"distribution":"`+c.dist+`"`) || !strings.Contains(s, `"tlp:`+c.tlp+`"`) {
			t.Errorf("TLP %s: event file %s; want distribution %s", c.tlp, s, c.dist)
		}
	}
}

func TestFeedFilesErrors(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*misp.Event)
	}{
		{"events[1].UUID", func(e *misp.Event) { e.UUID = "x" }},
		{"events[1].Info", func(e *misp.Event) { e.Info = " " }},
		{"events[1].TLP", func(e *misp.Event) { e.TLP = "white" }},
		{"events[1].ThreatLevel", func(e *misp.Event) { e.ThreatLevel = 5 }},
		{"events[1].Analysis", func(e *misp.Event) { e.Analysis = 3 }},
		{"events[1].Attributes[0].Value", func(e *misp.Event) { e.Attributes[0].Value = "" }},
		{"events[1].Attributes[0].Type", func(e *misp.Event) { e.Attributes[0].Type = "" }},
		{"events[1].Attributes[1].ObjectUUID", func(e *misp.Event) { e.Attributes[1].ObjectUUID = "nope" }},
		{"events[1].Attributes[0].LastSeen", func(e *misp.Event) { e.Attributes[0].LastSeen = &time.Time{} }},
		{"events[1].UUID", func(e *misp.Event) { e.UUID = phishing }}, // listed twice
	} {
		e := builtEvent()
		c.edit(&e)
		other := builtEvent()
		other.UUID = phishing
		_, err := misp.FeedFiles([]misp.Event{other, e})
		if f := errs.As(err); f == nil || f.Code != errs.Invalid || f.Field != c.field {
			t.Errorf("FeedFiles with %s wrong = %v; want EINVALID on that field", c.field, err)
		}
	}
}

func TestReadFeedTestdata(t *testing.T) {
	got, err := collect(t, nil, filepath.Join("testdata", "feed"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, testFeed(t)) {
		t.Errorf("ReadFeed(testdata/feed) = %+v", got)
	}
}

// feedServer serves files over HTTP on 127.0.0.1, with overrides.
func feedServer(t *testing.T, files map[string][]byte, special map[string]http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/feeds/samdrift/")
		if h := special[name]; h != nil {
			h(w, r)
			return
		}
		data, ok := files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestReadFeedHTTP(t *testing.T) {
	files, err := misp.FeedFiles(testFeed(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := feedServer(t, files, nil)
	root := srv.URL + "/feeds/samdrift"
	for _, c := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{scanning, phishing, loader}},
		{time.Unix(1741500000, 0), []string{phishing, loader}}, // after, not at
		{time.Unix(1741650000, 0), []string{loader}},
		{time.Unix(1741700000, 0), nil},
	} {
		got, err := collect(t, srv.Client(), root+"/", c.since)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.UUID)
		}
		if err != nil || !reflect.DeepEqual(ids, c.want) {
			t.Errorf("ReadFeed(since %v) = %v, %v; want %v", c.since, ids, err, c.want)
		}
	}
	got, err := collect(t, nil, root, time.Time{}) // nil client: http.DefaultClient
	if err != nil || !reflect.DeepEqual(got, testFeed(t)) {
		t.Errorf("ReadFeed over HTTP = %+v, %v; want the test feed", got, err)
	}

	// fn's error stops the reading and comes back as it is.
	stop := errors.New("stop")
	calls := 0
	err = misp.ReadFeed(context.Background(), nil, root, time.Time{}, func(misp.Event) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("ReadFeed with fn failing = %v after %d calls; want stop after 1", err, calls)
	}
}

func TestReadFeedFailures(t *testing.T) {
	files, err := misp.FeedFiles(testFeed(t))
	if err != nil {
		t.Fatal(err)
	}
	missing := map[string][]byte{}
	for n, d := range files {
		if n != phishing+".json" {
			missing[n] = d
		}
	}
	huge := func(withLength bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if withLength {
				w.Header().Set("Content-Length", fmt.Sprint(misp.MaxFileSize+1))
			}
			chunk := make([]byte, 1<<20)
			for n := 0; n <= misp.MaxFileSize; n += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	badManifest := map[string][]byte{"manifest.json": []byte(`{"../../etc/passwd": {"info": "x"}}`)}
	for _, c := range []struct {
		name    string
		files   map[string][]byte
		special map[string]http.HandlerFunc
		code    errs.Code
		says    string
	}{
		{"missing event", missing, nil, errs.NotFound, phishing + ".json is missing"},
		{"missing manifest", map[string][]byte{}, nil, errs.NotFound, "manifest.json is missing"},
		{"oversized event, streamed", files, map[string]http.HandlerFunc{loader + ".json": huge(false)}, errs.Invalid, loader + ".json is larger than 64 MiB"},
		// Refused on its Content-Length, before the body (cut short here) is read.
		{"oversized manifest, announced", files, map[string]http.HandlerFunc{"manifest.json": huge(true)}, errs.Invalid, "manifest.json is larger than 64 MiB"},
		{"server error", files, map[string]http.HandlerFunc{scanning + ".json": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }}, errs.Internal, "500"},
		{"manifest key not a UUID", badManifest, nil, errs.Invalid, `key "../../etc/passwd" is not an event UUID`},
		{"event under another name", map[string][]byte{"manifest.json": files["manifest.json"], scanning + ".json": files[phishing+".json"]}, nil, errs.Invalid, "holds event " + phishing},
	} {
		srv := feedServer(t, c.files, c.special)
		got, err := collect(t, nil, srv.URL+"/feeds/samdrift", time.Time{})
		if errs.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: ReadFeed = %d events, %v; want %s saying %q", c.name, len(got), err, c.code, c.says)
		}
	}
}

func TestReadFeedSources(t *testing.T) {
	dir := t.TempDir()
	if err := misp.WriteFeed(dir, []misp.Event{builtEvent()}); err != nil {
		t.Fatal(err)
	}
	// A local file over the bound is refused before it is read.
	if err := os.Truncate(filepath.Join(dir, builtEvent().UUID+".json"), misp.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		source string
		code   errs.Code
		says   string
	}{
		{dir, errs.Invalid, "is larger than 64 MiB"},
		{filepath.Join(dir, "nowhere"), errs.NotFound, "does not exist"},
		{filepath.Join(dir, "manifest.json"), errs.Invalid, "is not a directory"},
		{"ftp://feeds.example/misp", errs.Invalid, "only http and https"},
		{"file:///etc", errs.Invalid, "only http and https"},
		{"https://user:secret@/misp", errs.Invalid, "only http and https"},
	} {
		_, err := collect(t, nil, c.source, time.Time{})
		if errs.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.says) || strings.Contains(err.Error(), "secret") {
			t.Errorf("ReadFeed(%s) = %v; want %s saying %q", c.source, err, c.code, c.says)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := misp.ReadFeed(ctx, nil, filepath.Join("testdata", "feed"), time.Time{}, func(misp.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFeed(cancelled) = %v", err)
	}
}

func TestWriteFeedReplaces(t *testing.T) {
	dir := t.TempDir()
	if err := misp.WriteFeed(dir, testFeed(t)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := misp.WriteFeed(dir, []misp.Event{testEvent(t, loader), builtEvent()}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{builtEvent().UUID + ".json", "README.txt", "f0c0e919-9fba-401c-92e7-d17a0007f825.json", "hashes.csv", "manifest.json"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("feed directory holds %q; want %q (withdrawn events removed, no temporary files)", names, want)
	}
	files, _ := misp.FeedFiles([]misp.Event{testEvent(t, loader), builtEvent()})
	for n, data := range files {
		if disk, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(disk) != string(data) {
			t.Errorf("%s on disk differs from FeedFiles: %v", n, err)
		}
	}
}

func TestEventFromIndicators(t *testing.T) {
	ts := time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)
	base := misp.Event{UUID: "D54A9084-AA60-436F-B703-4BEF0A9EC8D9", Info: "samdrift CERT indicators", OrgName: "Samdrift CERT", OrgUUID: "46b99e64-f04a-48f4-9d1d-900a4c771c62", Timestamp: ts}
	inds := []indicator.Indicator{
		{Type: "ip", Value: "192.0.2.1", Level: "low", TLP: "clear"},
		{Type: "domain", Value: "Evil.Example", Description: "C2", Level: "medium"}, // no TLP: green
		{Type: "url", Value: "https://evil.example/x", Level: "high", TLP: "amber"},
		{Type: "md5", Value: "4A527F83A3A4CA7E1D70ADB26A35B72E"},
		{Type: "sha1", Value: "c57e08af28c85e7fe987028f7986f0bb4573f663"},
		{Type: "sha256", Value: "d47712cceb4c780603026e6325221c1bcff90679ebc076baa51c71ebe796717c"},
		{Type: "email", Value: "x@evil.example"},
		{Type: "ip", Value: "192.0.2.1"}, // repeated: written once
	}
	e, err := misp.EventFromIndicators(base, inds)
	if err != nil {
		t.Fatal(err)
	}
	if e.UUID != "d54a9084-aa60-436f-b703-4bef0a9ec8d9" || e.TLP != "amber" || e.Distribution != 0 || e.ThreatLevel != 1 || !e.Published || e.Analysis != 2 ||
		!e.PublishTimestamp.Equal(ts) || !e.Date.Equal(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)) || len(e.Attributes) != 7 {
		t.Fatalf("EventFromIndicators = %+v", e)
	}
	wantTypes := [][3]string{{"ip-dst", "Network activity", "192.0.2.1"}, {"domain", "Network activity", "evil.example"}, {"url", "Network activity", "https://evil.example/x"},
		{"md5", "Payload delivery", "4a527f83a3a4ca7e1d70adb26a35b72e"}, {"sha1", "Payload delivery", "c57e08af28c85e7fe987028f7986f0bb4573f663"},
		{"sha256", "Payload delivery", "d47712cceb4c780603026e6325221c1bcff90679ebc076baa51c71ebe796717c"}, {"email", "Payload delivery", "x@evil.example"}}
	for i, a := range e.Attributes {
		if got := [3]string{a.Type, a.Category, a.Value}; got != wantTypes[i] || !a.ToIDS || a.TLP != "amber" || a.UUID != misp.UUID5(e.UUID, a.Type+"|"+a.Value) {
			t.Errorf("Attributes[%d] = %+v; want %v", i, a, wantTypes[i])
		}
	}
	// What samdrift publishes, samdrift reads back as the same indicators.
	files, err := misp.FeedFiles([]misp.Event{e})
	if err != nil {
		t.Fatal(err)
	}
	back, err := misp.ParseEvent("x.json", files[e.UUID+".json"])
	if err != nil {
		t.Fatal(err)
	}
	got, skipped := back.Indicators()
	if len(got) != 7 || skipped != nil || got[1].Type != "domain" || got[1].Value != "evil.example" || got[1].Description != "samdrift CERT indicators: C2" || got[1].Level != "high" || got[1].TLP != "amber" {
		t.Errorf("read back: %+v, %q", got, skipped)
	}
	// Published again and read back, the description stays as it was.
	for range 2 {
		again, err := misp.EventFromIndicators(base, []indicator.Indicator{{Type: got[1].Type, Value: got[1].Value, Description: got[1].Description, TLP: got[1].TLP}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ = again.Indicators(); len(got) != 1 || got[0].Description != "samdrift CERT indicators: C2" {
			t.Fatalf("a second round trip: %+v; want the description kept", got)
		}
		got = append([]misp.Indicator{{}}, got...)
	}

	for _, c := range []struct {
		field string
		base  misp.Event
		inds  []indicator.Indicator
	}{
		{"indicators[1].value", base, []indicator.Indicator{{Type: "ip", Value: "192.0.2.1"}, {Type: "ip", Value: "example.com"}}},
		{"indicators[0].tlp", base, []indicator.Indicator{{Type: "ip", Value: "192.0.2.1", TLP: "white"}}},
		{"indicators", base, nil},
		{"info", misp.Event{}, inds},
		{"UUID", misp.Event{UUID: "x", Info: "x"}, inds},
	} {
		if _, err := misp.EventFromIndicators(c.base, c.inds); errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != c.field {
			t.Errorf("EventFromIndicators(%s wrong) = %v", c.field, err)
		}
	}
}

func TestUUID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		u := misp.NewUUID()
		if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || u != strings.ToLower(u) || seen[u] {
			t.Fatalf("NewUUID() = %s", u)
		}
		seen[u] = true
	}
	// The RFC 4122 name-based example: python.org in the DNS namespace.
	if got := misp.UUID5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("UUID5(DNS, python.org) = %s", got)
	}
}
