package ingest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	"google.golang.org/protobuf/proto"

	"github.com/samdrift/samdrift/internal/access"
	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/ingest"
	"github.com/samdrift/samdrift/internal/org"
	"github.com/samdrift/samdrift/internal/sources"
	"github.com/samdrift/samdrift/internal/spine"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// ingestEnv is an HTTP ingest server over a real spine and registry.
type ingestEnv struct {
	url, token string
	tenant     int64
	sp         *spine.Spine
	p          *ingest.Pipeline
	reg        *sources.Registry
}

func newIngestEnv(t *testing.T) *ingestEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.SQLite(t)
	sys := access.System("t")
	orgs := org.NewService(db)
	if _, err := orgs.ImportMunicipalities(ctx, sys, nil); err != nil {
		t.Fatal(err)
	}
	frb, err := orgs.Get(ctx, sys, "147")
	if err != nil {
		t.Fatal(err)
	}
	reg := sources.New(db)
	_, token, err := reg.Add(ctx, sys, sources.NewSource{OrgID: frb.ID, Name: "beats", Kind: sources.KindToken})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spine.Open(ctx, spine.Options{Dir: t.TempDir(), Consumers: []string{"store"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	p := ingest.NewPipeline(sp, reg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	mux := http.NewServeMux()
	p.Routes(mux.Handle)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &ingestEnv{url: srv.URL, token: token, tenant: frb.ID, sp: sp, p: p, reg: reg}
}

// drain returns the events in the spine (waiting up to 10 s for want).
func (e *ingestEnv) drain(t *testing.T, want int) []event.Event {
	t.Helper()
	return e.drainWithin(t, want, 10*time.Second)
}

// drainWithin is drain waiting at most d.
func (e *ingestEnv) drainWithin(t *testing.T, want int, d time.Duration) []event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out []event.Event
	_ = e.sp.Consume(ctx, "store", func(_ context.Context, bs []spine.Batch) error {
		for _, b := range bs {
			evs, err := event.DecodeBatch(b.Data)
			if err != nil {
				return err
			}
			out = append(out, evs...)
		}
		if len(out) >= want {
			cancel()
		}
		return nil
	})
	return out
}

func (e *ingestEnv) do(t *testing.T, method, path, auth, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestElasticsearchBulk(t *testing.T) {
	e := newIngestEnv(t)
	// What Beats and Logstash ask first.
	code, body := e.do(t, "GET", "/ingest/es/", "", "", nil)
	if code != 200 || !strings.Contains(string(body), `"number":"8.`) {
		t.Errorf("GET /ingest/es/ = %d %s; want an Elasticsearch 8 version", code, body)
	}
	bulk := `{"create":{"_index":"winlogbeat-8"}}
{"@timestamp":"2026-11-29T08:00:00Z","host":{"name":"ws7"},"winlog":{"channel":"Security","event_id":4625},"message":"An account failed to log on."}
{"index":{}}
{"message":"filebeat line","log":{"level":"warning"}}
{"delete":{"_id":"x"}}
{"update":{"_id":"y"}}
{"doc":{"a":1}}
{"create":{}}
not json at all
`
	apiKey := "ApiKey " + base64.StdEncoding.EncodeToString([]byte("beats:"+e.token))
	var resp struct {
		Errors bool                        `json:"errors"`
		Items  []map[string]map[string]any `json:"items"`
	}
	if curl, err := exec.LookPath("curl"); err == nil {
		out, err := exec.Command(curl, "-sS", "-X", "POST", "-H", "Authorization: "+apiKey, "-H", "Content-Type: application/x-ndjson",
			"--data-binary", bulk, e.url+"/ingest/es/_bulk").Output()
		if err != nil {
			t.Fatalf("curl _bulk: %v", err)
		}
		body = out
	} else {
		if storetest.Required() {
			t.Fatal("curl is not installed")
		}
		_, body = e.do(t, "POST", "/ingest/es/_bulk", apiKey, "application/x-ndjson", []byte(bulk))
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("_bulk answer %s: %v", body, err)
	}
	wantStatus := []float64{201, 201, 400, 400, 201}
	if !resp.Errors || len(resp.Items) != len(wantStatus) {
		t.Fatalf("_bulk = %s; want 5 items with errors", body)
	}
	for i, it := range resp.Items {
		for op, r := range it {
			if r["status"] != wantStatus[i] || (wantStatus[i] == 201 && r["_id"] == "") {
				t.Errorf("item %d (%s) = %v; want status %v", i, op, r, wantStatus[i])
			}
		}
	}
	if idx := resp.Items[0]["create"]["_index"]; idx != "winlogbeat-8" {
		t.Errorf("_index = %v; want the action's", idx)
	}
	evs := e.drain(t, 3)
	if len(evs) != 3 {
		t.Fatalf("spine has %d events; want 3", len(evs))
	}
	var win, raw int
	for _, ev := range evs {
		if ev.Tenant != e.tenant {
			t.Errorf("event %s attributed to %d; want Frederiksberg (the token's)", ev.ID, ev.Tenant)
		}
		if ev.Get("event.code") == "4625" && ev.Host == "ws7" {
			win++
		}
		if ev.ParseError != "" && ev.Raw == "not json at all" {
			raw++
		}
	}
	if win != 1 || raw != 1 {
		t.Errorf("Windows event parsed %d, raw line kept %d; want 1 and 1", win, raw)
	}
	// Bad input and bad credentials.
	if code, body := e.do(t, "POST", "/ingest/es/_bulk", apiKey, "", []byte("{\"create\":{}}\n")); code != 400 || !strings.Contains(string(body), "no document line") {
		t.Errorf("action without document = %d %s", code, body)
	}
	if code, _ := e.do(t, "POST", "/ingest/es/_bulk", "ApiKey "+base64.StdEncoding.EncodeToString([]byte("x:sdi_wrong")), "", []byte(bulk)); code != 401 {
		t.Errorf("wrong API key = %d; want 401", code)
	}
	// Without credentials only a registered address may send.
	if code, _ := e.do(t, "POST", "/ingest/es/logs/_bulk", "", "", []byte("{\"index\":{}}\n{\"message\":\"basic\"}\n")); code != 401 {
		t.Errorf("_bulk without credentials from an unregistered address = %d; want 401", code)
	}
	local, _, err := e.reg.Add(context.Background(), access.System("t"), sources.NewSource{OrgID: e.tenant, Name: "local", Kind: sources.KindCIDR, Value: "127.0.0.1/32"})
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.do(t, "POST", "/ingest/es/logs/_bulk", "", "", []byte("{\"index\":{}}\n{\"message\":\"basic\"}\n")); code != 401 {
		t.Errorf("_bulk without credentials from a range registered for syslog = %d; want 401", code)
	}
	// The choice is the source's: a range registered to send over HTTP
	// without a token.
	if _, _, err := e.reg.Add(context.Background(), access.System("t"), sources.NewSource{OrgID: e.tenant, Name: "local http", Kind: sources.KindCIDR,
		Value: "127.0.0.0/30", HTTPWithoutToken: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.reg.Add(context.Background(), access.System("t"), sources.NewSource{OrgID: e.tenant, Name: "x", Kind: sources.KindToken, HTTPWithoutToken: true}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("a token source without a token = %v; want EINVALID", err)
	}
	// 127.0.0.1/32 (not open) is more specific than 127.0.0.0/30 (open).
	if code, _ := e.do(t, "POST", "/ingest/es/logs/_bulk", "", "", []byte("{\"index\":{}}\n{\"message\":\"basic\"}\n")); code != 401 {
		t.Errorf("_bulk without credentials where the most specific range (%s) is not open = %d; want 401", local.Value, code)
	}
	open := newIngestEnv(t)
	if _, _, err := open.reg.Add(context.Background(), access.System("t"), sources.NewSource{OrgID: open.tenant, Name: "local http", Kind: sources.KindCIDR,
		Value: "127.0.0.1/32", HTTPWithoutToken: true}); err != nil {
		t.Fatal(err)
	}
	if code, body := open.do(t, "POST", "/ingest/es/logs/_bulk", "", "", []byte("{\"index\":{}}\n{\"message\":\"basic\"}\n")); code != 200 {
		t.Errorf("_bulk without credentials from a range open to HTTP = %d %s; want 200", code, body)
	}
}

func TestOTLPLogs(t *testing.T) {
	e := newIngestEnv(t)
	str := func(s string) *commonpb.AnyValue {
		return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
	}
	ld := &logspb.LogsData{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{{Key: "host.name", Value: str("app01")}, {Key: "service.name", Value: str("borgerportal")}}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: []*logspb.LogRecord{
			{TimeUnixNano: uint64(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC).UnixNano()), SeverityNumber: logspb.SeverityNumber_SEVERITY_NUMBER_ERROR,
				SeverityText: "ERROR", Body: str("login failed for anna"), Attributes: []*commonpb.KeyValue{{Key: "user.name", Value: str("anna")},
					{Key: "http", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
						{Key: "status_code", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: 401}}}}}}}}},
				TraceId: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}},
		}}},
	}}}
	pb, err := proto.Marshal(ld)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/x-protobuf", pb); code != 200 {
		t.Fatalf("OTLP protobuf = %d %s", code, body)
	}
	js := `{"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"app02"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":"1796025600000000000","severityNumber":9,"body":{"stringValue":"json record"}}]}]}]}`
	if code, body := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/json", []byte(js)); code != 200 || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("OTLP JSON = %d %s", code, body)
	}
	if code, _ := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "text/plain", []byte("x")); code != 415 {
		t.Errorf("OTLP with text/plain = %d; want 415", code)
	}
	if code, _ := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/x-protobuf", []byte{0xff, 0xff}); code != 400 {
		t.Errorf("OTLP garbage = %d; want 400", code)
	}
	evs := e.drain(t, 2)
	if len(evs) != 2 {
		t.Fatalf("spine has %d events; want 2", len(evs))
	}
	for _, ev := range evs {
		switch ev.Host {
		case "app01":
			if ev.App != "borgerportal" || ev.Severity != 3 || ev.Message != "login failed for anna" || ev.Get("user.name") != "anna" ||
				ev.Get("http.status_code") != "401" || ev.Get("trace.id") != "0102030405060708090a0b0c0d0e0f10" || !ev.Time.Equal(time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)) {
				t.Errorf("protobuf record = %+v", ev)
			}
		case "app02":
			if ev.Severity != 6 || ev.Message != "json record" || ev.Tenant != e.tenant {
				t.Errorf("JSON record = %+v", ev)
			}
		default:
			t.Errorf("unexpected event %+v", ev)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newIngestEnv(t)
	body := []byte("{\"message\":\"one\"}\n{\"message\":\"two\"}\n")
	post := func(key string) {
		req, _ := http.NewRequest("POST", e.url+"/ingest/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("post = %v %v", resp, err)
		}
		resp.Body.Close()
	}
	post("batch-1")
	post("batch-1") // a retry
	post("batch-2")
	post("")
	evs := e.drain(t, 8)
	ids := map[string]int{}
	for _, ev := range evs {
		ids[ev.ID]++
	}
	// batch-1 twice gives the same two ids; batch-2 and the keyless post
	// two new ones each: 6 distinct ids over 8 events.
	if len(evs) != 8 || len(ids) != 6 {
		t.Errorf("%d events with %d distinct ids; want 8 with 6", len(evs), len(ids))
	}
}

// TestLargeBatchSplitForTheSpine: a request whose events together exceed
// what one spine message may carry (NATS refuses payloads over 1 MiB) is
// published in several messages, not refused.
func TestLargeBatchSplitForTheSpine(t *testing.T) {
	e := newIngestEnv(t)
	var body bytes.Buffer
	const n = 40
	big := strings.Repeat("x", 60<<10)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&body, `{"message":"event %d %s","host.name":"h%d"}`+"\n", i, big, i)
	}
	if code, resp := e.do(t, "POST", "/ingest/v1/events", "Bearer "+e.token, "application/x-ndjson", body.Bytes()); code/100 != 2 {
		t.Fatalf("POST of %d KiB = %d %s; want 2xx", body.Len()>>10, code, resp)
	}
	evs := e.drain(t, n)
	seen := map[string]bool{}
	for _, ev := range evs {
		seen[ev.Host] = true
	}
	if len(evs) != n || len(seen) != n {
		t.Fatalf("the spine holds %d events of %d hosts; want %d", len(evs), len(seen), n)
	}
}

// TestRepeatedKeysLastWins: a key repeated in a JSON document (HTTP,
// _bulk) or an OTLP attribute list keeps its last value, and a record's
// attribute wins over its resource's of the same name.
func TestRepeatedKeysLastWins(t *testing.T) {
	e := newIngestEnv(t)
	doc := `{"message":"first","user":{"name":"anna"},"message":"second","user":"bo","tag":"x"}`
	if code, body := e.do(t, "POST", "/ingest/es/_bulk", "Bearer "+e.token, "application/x-ndjson", []byte("{\"create\":{}}\n"+doc+"\n")); code != 200 {
		t.Fatalf("_bulk = %d %s", code, body)
	}
	js := `{"resourceLogs":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"resource-host"}}]},"scopeLogs":[{"logRecords":[{"body":{"stringValue":"otlp"},"attributes":[` +
		`{"key":"user.name","value":{"stringValue":"anna"}},{"key":"http","value":{"kvlistValue":{"values":[{"key":"status_code","value":{"intValue":"401"}}]}}},` +
		`{"key":"host.name","value":{"stringValue":"record-host"}},{"key":"user.name","value":{"stringValue":"bo"}},{"key":"http","value":{"stringValue":"none"}}]}]}]}]}`
	if code, body := e.do(t, "POST", "/ingest/otlp/v1/logs", "Bearer "+e.token, "application/json", []byte(js)); code != 200 {
		t.Fatalf("OTLP = %d %s", code, body)
	}
	evs := e.drain(t, 2)
	if len(evs) != 2 {
		t.Fatalf("spine has %d events; want 2", len(evs))
	}
	for _, ev := range evs {
		names := map[string]int{}
		for _, f := range ev.Fields {
			names[f.Key]++
		}
		for k, n := range names {
			if n > 1 {
				t.Errorf("%s event has field %s %d times", ev.Format, k, n)
			}
		}
		switch ev.Format {
		case event.FormatJSON:
			if ev.Message != "second" || ev.Get("user") != "bo" || ev.Has("user.name") {
				t.Errorf("_bulk document: message %q, user %q, user.name %q; want second, bo, none", ev.Message, ev.Get("user"), ev.Get("user.name"))
			}
		case "otlp":
			if ev.Host != "record-host" || ev.Get("user.name") != "bo" || ev.Get("http") != "none" || ev.Has("http.status_code") {
				t.Errorf("OTLP record: host %q, user.name %q, http %q, http.status_code %q; want record-host, bo, none, none",
					ev.Host, ev.Get("user.name"), ev.Get("http"), ev.Get("http.status_code"))
			}
		default:
			t.Errorf("unexpected event %+v", ev)
		}
	}
}
