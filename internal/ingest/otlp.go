package ingest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/sources"
)

// OTLPLogs serves POST /ingest/otlp/v1/logs, OpenTelemetry's OTLP/HTTP log
// export, in protobuf (application/x-protobuf) or JSON (application/json),
// gzip allowed. An ExportLogsServiceRequest has the wire form of LogsData,
// so the logs package is enough (no gRPC). Resource and record attributes
// become fields (OpenTelemetry's semantic conventions and ECS share most
// names: host.name, service.name, user.name, …). Answered only after the
// spine has the events; a full spine gets 429 with Retry-After, which OTLP
// exporters retry.
func (p *Pipeline) OTLPLogs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct != "application/x-protobuf" && ct != "application/json" {
			httpProblem(w, http.StatusUnsupportedMediaType, "send application/x-protobuf or application/json (OTLP/HTTP)")
			return
		}
		req, ok := p.openHTTP(w, r)
		if !ok {
			return
		}
		defer req.done()
		data, err := io.ReadAll(req.body)
		if err != nil {
			if msg := tooLarge(err); msg != "" {
				httpProblem(w, http.StatusRequestEntityTooLarge, msg)
				return
			}
			httpProblem(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
			return
		}
		if ct == "application/json" && countJSONObjects(data, maxOTLPMessages) > maxOTLPMessages ||
			ct != "application/json" && countProtoMessages(data, logsDataDescriptor, maxOTLPMessages) > maxOTLPMessages {
			httpProblem(w, http.StatusRequestEntityTooLarge, errOTLPTooMany.Error())
			return
		}
		var ld logspb.LogsData
		if ct == "application/json" {
			err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, &ld)
		} else {
			err = proto.Unmarshal(data, &ld)
		}
		if err != nil {
			httpProblem(w, http.StatusBadRequest, "not an OTLP ExportLogsServiceRequest: "+err.Error())
			return
		}
		batch := p.NewBatcher("otlp", 1<<30)
		now := time.Now().UTC()
		for _, rl := range ld.GetResourceLogs() {
			var res []event.Field
			flattenAttrs("", rl.GetResource().GetAttributes(), &res)
			for _, sl := range rl.GetScopeLogs() {
				for _, lr := range sl.GetLogRecords() {
					if batch.Len() == MaxHTTPEvents {
						httpProblem(w, http.StatusRequestEntityTooLarge, errTooManyEvents.Error())
						return
					}
					e := otlpEvent(lr, res, sl.GetScope().GetName(), now, req.addr.String())
					if req.idem != "" {
						e.ID = event.StableID("otlp", req.idem, strconv.Itoa(batch.Len()))
					}
					if err := batch.Add(r.Context(), e, req.addr, sources.Credential{Token: req.token}); err != nil {
						httpProblem(w, http.StatusServiceUnavailable, "cannot queue events: "+err.Error())
						return
					}
				}
			}
		}
		if !publishHTTP(w, r, batch) {
			return
		}
		// An empty ExportLogsServiceResponse: everything was accepted.
		w.Header().Set("Content-Type", ct)
		if ct == "application/json" {
			fmt.Fprint(w, "{}\n")
		}
	})
}

// otlpEvent makes an event of one log record with its resource's fields.
func otlpEvent(lr *logspb.LogRecord, res []event.Field, scope string, now time.Time, sender string) event.Event {
	e := event.Event{Received: now, Time: now, SourceIP: sender, Severity: -1, Facility: -1, Format: "otlp"}
	if ns := lr.GetTimeUnixNano(); ns > 0 && ns < math.MaxInt64 {
		e.Time = time.Unix(0, int64(ns)).UTC()
	} else if ns := lr.GetObservedTimeUnixNano(); ns > 0 && ns < math.MaxInt64 {
		e.Time = time.Unix(0, int64(ns)).UTC()
	}
	e.Fields = append(e.Fields, res...)
	flattenAttrs("", lr.GetAttributes(), &e.Fields)
	switch b := lr.GetBody(); {
	case b.GetKvlistValue() != nil:
		flattenAttrs("", b.GetKvlistValue().GetValues(), &e.Fields)
		e.Message = lr.GetEventName()
	default:
		e.Message = anyString(b)
	}
	// The record's own attributes are more specific than its resource's,
	// and its body's than its attributes': of one name the last is kept.
	e.Fields = event.KeepLast(e.Fields)
	if n := lr.GetSeverityNumber(); n > 0 {
		e.Severity = otlpSeverity(int(n))
		e.Set("log.level", lr.GetSeverityText())
	}
	if len(lr.GetTraceId()) > 0 {
		e.Set("trace.id", hex.EncodeToString(lr.GetTraceId()))
	}
	if len(lr.GetSpanId()) > 0 {
		e.Set("span.id", hex.EncodeToString(lr.GetSpanId()))
	}
	if scope != "" {
		e.Set("otel.scope.name", scope)
	}
	e.Host = e.Get("host.name")
	e.App = e.Get("service.name")
	if len(e.Fields) > maxOTLPFields {
		e.Fields = e.Fields[:maxOTLPFields]
		e.ParseError = fmt.Sprintf("more than %d attributes; the rest were cut", maxOTLPFields)
	}
	return e
}

// maxOTLPFields bounds the fields one record may bring.
const maxOTLPFields = 512

// otlpSeverity maps OpenTelemetry severity numbers (1–24) to syslog's.
func otlpSeverity(n int) int {
	switch {
	case n <= 8: // TRACE, DEBUG
		return 7
	case n <= 12: // INFO
		return 6
	case n <= 16: // WARN
		return 4
	case n <= 20: // ERROR
		return 3
	default: // FATAL
		return 2
	}
}

// flattenAttrs appends the attributes kvs as dotted fields under prefix.
// A key repeated in one list keeps its last value, as a repeated key in a
// JSON object does: the earlier occurrence (its value or its whole list)
// is skipped.
func flattenAttrs(prefix string, kvs []*commonpb.KeyValue, out *[]event.Field) {
	var last map[string]int // for long lists: each key's last index
	if len(kvs) > 16 {
		last = make(map[string]int, len(kvs))
		for i, kv := range kvs {
			last[kv.GetKey()] = i
		}
	}
	for i, kv := range kvs {
		if len(*out) > maxOTLPFields {
			return
		}
		if last != nil && last[kv.GetKey()] != i || last == nil && repeatedLater(kvs, i) {
			continue
		}
		key := kv.GetKey()
		if prefix != "" {
			key = prefix + "." + key
		}
		if l := kv.GetValue().GetKvlistValue(); l != nil {
			if len(prefix) < 256 {
				flattenAttrs(key, l.GetValues(), out)
			}
			continue
		}
		*out = append(*out, event.Field{Key: key, Value: anyString(kv.GetValue())})
	}
}

// repeatedLater reports whether kvs[i]'s key comes again after it.
func repeatedLater(kvs []*commonpb.KeyValue, i int) bool {
	k := kvs[i].GetKey()
	for _, kv := range kvs[i+1:] {
		if kv.GetKey() == k {
			return true
		}
	}
	return false
}

func anyString(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BytesValue:
		return hex.EncodeToString(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue, *commonpb.AnyValue_KvlistValue:
		// Encoded once as JSON, nesting bounded: quoting each level
		// again doubled the text per level (a 111-byte request of 25
		// nested arrays made 837 MB).
		b, _ := json.Marshal(anyTree(v, 0))
		if len(b) > maxAttrText {
			b = b[:maxAttrText]
		}
		return string(b)
	}
	return ""
}

// maxAttrText bounds the text one structured attribute value becomes, and
// maxAttrDepth its nesting.
const (
	maxAttrText  = 64 << 10
	maxAttrDepth = 8
)

// anyTree turns a value into plain Go values for one JSON encoding,
// cutting nesting past maxAttrDepth.
func anyTree(v *commonpb.AnyValue, depth int) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_ArrayValue:
		if depth >= maxAttrDepth {
			return "…"
		}
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, anyTree(e, depth+1))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		if depth >= maxAttrDepth {
			return "…"
		}
		out := map[string]any{}
		for _, kv := range x.KvlistValue.GetValues() {
			out[kv.GetKey()] = anyTree(kv.GetValue(), depth+1)
		}
		return out
	}
	return anyString(v)
}
