package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/proto"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/sources"
)

func gzipped(t *testing.T, fill func(w io.Writer)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	fill(zw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// doGzip posts a gzip body.
func (e *ingestEnv) doGzip(t *testing.T, path, ctype string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// spineEmpty checks that nothing of a refused request reached the spine.
func (e *ingestEnv) spineEmpty(t *testing.T, what string) {
	t.Helper()
	if evs := e.drainWithin(t, 1, time.Second); len(evs) != 0 {
		t.Errorf("%s: %d events reached the spine; want none (accepted whole or refused)", what, len(evs))
	}
}

// TestCompressedBodiesWholeOrRefused: a gzip body that inflates past the
// bound, a gzip bomb, and a body of too many events are refused with 413
// on every HTTP receiver, and none of their events are kept.
func TestCompressedBodiesWholeOrRefused(t *testing.T) {
	e := newIngestEnv(t)
	// 17 MiB of incompressible lines: past the bound, under the ratio
	// and the event count.
	incompressible := func(prefix string) []byte {
		return gzipped(t, func(w io.Writer) {
			b := make([]byte, 1024)
			for n := 0; n < 17<<20; {
				_, _ = rand.Read(b)
				k, _ := fmt.Fprintf(w, "%s{\"message\":\"%s\"}\n", prefix, hex.EncodeToString(b))
				n += k
			}
		})
	}
	big, bigBulk := incompressible(""), incompressible("{\"create\":{}}\n")
	// A bomb: 64 MiB of one repeated line, about 200 KB compressed.
	bomb := gzipped(t, func(w io.Writer) {
		line := []byte("{\"message\":\"" + strings.Repeat("x", 200) + "\"}\n")
		for range (64 << 20) / len(line) {
			_, _ = w.Write(line)
		}
	})
	bulkBomb := gzipped(t, func(w io.Writer) {
		for range 2_000_000 {
			_, _ = io.WriteString(w, "{\"create\":{}}\n{\"m\":1}\n")
		}
	})
	for _, c := range []struct {
		name, path, ctype string
		body              []byte
		want              string
	}{
		{"JSON lines past the bound", "/ingest/v1/events", "application/x-ndjson", big, "larger than"},
		{"JSON lines bomb", "/ingest/v1/events", "application/x-ndjson", bomb, "inflates"},
		{"_bulk past the bound", "/ingest/es/_bulk", "application/x-ndjson", bigBulk, "larger than"},
		{"_bulk bomb", "/ingest/es/_bulk", "application/x-ndjson", bulkBomb, "inflates"},
		{"OTLP bomb", "/ingest/otlp/v1/logs", "application/json", bomb, "inflates"},
	} {
		code, body := e.doGzip(t, c.path, c.ctype, c.body)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, c.want) {
			t.Errorf("%s (%d bytes compressed) = %d %.200s; want 413 saying %q", c.name, len(c.body), code, body, c.want)
		}
	}
	// Too many events, however small.
	var many bytes.Buffer
	for range ingest.MaxHTTPEvents + 1 {
		many.WriteString("{}\n")
	}
	if code, body := e.do(t, "POST", "/ingest/v1/events", "Bearer "+e.token, "", many.Bytes()); code != 413 || !strings.Contains(string(body), "events") {
		t.Errorf("%d events in one request = %d %s; want 413", ingest.MaxHTTPEvents+1, code, body)
	}
	// OTLP: a million empty records are 2 MB on the wire and would be
	// gigabytes decoded.
	recs := make([]*logspb.LogRecord, 1_000_000)
	for i := range recs {
		recs[i] = &logspb.LogRecord{}
	}
	pb, _ := proto.Marshal(&logspb.LogsData{ResourceLogs: []*logspb.ResourceLogs{{ScopeLogs: []*logspb.ScopeLogs{{LogRecords: recs}}}}})
	if code, body := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/x-protobuf", pb); code != 413 || !strings.Contains(string(body), "OTLP messages") {
		t.Errorf("OTLP with a million records = %d %s; want 413", code, body)
	}
	e.spineEmpty(t, "refused requests")
	// What fits is still taken whole.
	ok := gzipped(t, func(w io.Writer) {
		for i := range 1000 {
			fmt.Fprintf(w, "{\"message\":\"line %d\"}\n", i)
		}
	})
	if code, body := e.doGzip(t, "/ingest/v1/events", "application/x-ndjson", ok); code != 200 || !strings.Contains(body, `"accepted":1000`) {
		t.Errorf("1000 gzipped lines = %d %s", code, body)
	}
	if evs := e.drain(t, 1000); len(evs) != 1000 {
		t.Errorf("spine has %d of 1000 events", len(evs))
	}
}

// TestIngestAuthenticatesFirstAndBoundsBodies: an unauthenticated request
// from an unregistered address is refused before its body is read, and
// bodies beyond the concurrent bound are answered 429 at once.
func TestIngestAuthenticatesFirstAndBoundsBodies(t *testing.T) {
	e := newIngestEnv(t)
	// A body that never ends: the answer must come anyway.
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", e.url+"/ingest/v1/events", pr)
	req.Header.Set("Content-Encoding", "gzip")
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	go func() { _, _ = pw.Write(bytes.Repeat([]byte{0}, 1<<16)) }()
	select {
	case code := <-done:
		if code != 401 {
			t.Errorf("unauthenticated endless body = %d; want 401", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("an unauthenticated request with an endless body got no answer in 5 s")
	}
	// Bodies that do not end: one sender holds at most half the places,
	// a second sender the rest; then one more from anyone gets 429.
	_, other, err := e.reg.Add(context.Background(), access.System("t"), sources.NewSource{OrgID: e.tenant, Name: "second", Kind: sources.KindToken})
	if err != nil {
		t.Fatal(err)
	}
	var writers []*io.PipeWriter
	results := make(chan int, 64)
	start := func(token string) {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req, _ := http.NewRequest("POST", e.url+"/ingest/v1/events", pr)
		req.Header.Set("Authorization", "Bearer "+token)
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results <- 0
				return
			}
			resp.Body.Close()
			results <- resp.StatusCode
		}()
		_, _ = pw.Write([]byte("{\"message\":\"slow\"}\n"))
	}
	refused := func(what string) {
		t.Helper()
		select {
		case code := <-results:
			if code != 429 {
				t.Errorf("%s = %d; want 429", what, code)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no answer to %s", what)
		}
	}
	places := max(4, 2*runtime.GOMAXPROCS(0))
	for range places / 2 {
		start(e.token)
	}
	start(e.token)
	refused("a sender's request beyond half the places")
	for range places - places/2 {
		start(other)
	}
	start(other)
	refused("a request beyond all places")
	for _, w := range writers {
		w.Close()
	}
	for range places {
		if code := <-results; code != 200 {
			t.Errorf("a held request, once its body ended = %d; want 200", code)
		}
	}
}

// TestOTLPNestedArraysBounded: arrays nested 40 deep (a ~200-byte request)
// become one bounded JSON text, not one that doubles per level.
func TestOTLPNestedArraysBounded(t *testing.T) {
	e := newIngestEnv(t)
	v := &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: `a"b`}}
	for range 40 {
		v = &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{v}}}}
	}
	ld := &logspb.LogsData{ResourceLogs: []*logspb.ResourceLogs{{ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{
		{Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: "nested"}}, Attributes: []*commonpb.KeyValue{{Key: "deep", Value: v}}}}}}}}}
	pb, _ := proto.Marshal(ld)
	start := time.Now()
	if code, body := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/x-protobuf", pb); code != 200 {
		t.Fatalf("OTLP with nested arrays (%d bytes) = %d %s", len(pb), code, body)
	}
	evs := e.drain(t, 1)
	if len(evs) != 1 || len(evs[0].Get("deep")) > 64<<10 || !strings.HasPrefix(evs[0].Get("deep"), `[[[`) {
		t.Fatalf("nested value = %d events, %.80q", len(evs), evs[0].Get("deep"))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a %d-byte request took %v", len(pb), d)
	}
}

// TestBulkItemsBounded: actions that store nothing (delete) still get an
// answer item each, so they count against the bound too.
func TestBulkItemsBounded(t *testing.T) {
	e := newIngestEnv(t)
	body := strings.Repeat("{\"delete\":{}}\n", ingest.MaxHTTPEvents+1)
	if code, resp := e.do(t, "POST", "/ingest/es/_bulk", "Bearer "+e.token, "application/x-ndjson", []byte(body)); code != 413 || len(resp) > 4096 {
		t.Errorf("%d delete actions = %d, %d bytes; want 413 with a short answer", ingest.MaxHTTPEvents+1, code, len(resp))
	}
}
