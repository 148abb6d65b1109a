package ingest

import (
	"fmt"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxOTLPMessages bounds the messages (records, attributes, values) one
// OTLP request may decode into. Decoding costs memory per message, not per
// byte: an empty record is two bytes on the wire and about 200 in memory,
// so a 16 MiB body of them would take gigabytes. Counted on the wire
// before decoding; a real exporter's batch of 8,192 records with ten
// attributes each is about 180,000.
const maxOTLPMessages = 600_000

var errOTLPTooMany = fmt.Errorf("the request holds more than %d OTLP messages (records, attributes, values); send smaller batches", maxOTLPMessages)

// countProtoMessages counts the messages in b, a protobuf encoding of md,
// by walking the wire form with the schema (no decoding), stopping past
// limit. Malformed input returns what was counted; Unmarshal reports it.
func countProtoMessages(b []byte, md protoreflect.MessageDescriptor, limit int) int {
	n := 0
	var walk func(b []byte, md protoreflect.MessageDescriptor, depth int)
	walk = func(b []byte, md protoreflect.MessageDescriptor, depth int) {
		for len(b) > 0 && n <= limit {
			num, typ, l := protowire.ConsumeTag(b)
			if l < 0 {
				return
			}
			b = b[l:]
			if typ != protowire.BytesType {
				if l = protowire.ConsumeFieldValue(num, typ, b); l < 0 {
					return
				}
				b = b[l:]
				continue
			}
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return
			}
			b = b[l:]
			if fd := md.Fields().ByNumber(num); fd != nil && fd.Kind() == protoreflect.MessageKind && depth < 100 {
				n++
				walk(v, fd.Message(), depth+1)
			}
		}
	}
	walk(b, md, 0)
	return n
}

// countJSONObjects counts the objects and arrays in a JSON text (an upper
// bound on the messages protojson would make of it).
func countJSONObjects(b []byte, limit int) int {
	n := 0
	inString, escaped := false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if n++; n > limit {
				return n
			}
		}
	}
	return n
}

// logsDataDescriptor is the schema countProtoMessages walks.
var logsDataDescriptor = (&logspb.LogsData{}).ProtoReflect().Descriptor()
