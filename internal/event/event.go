// Package event is samdrift's normalised log event and the parsers that
// make one from what senders send: syslog (RFC 5424 with structured data,
// RFC 3164), and inside the message CEF, key=value (firewalls), JSON
// (Windows events as Winlogbeat and NXLog ship them) and Linux auth lines
// (sshd, sudo). Fields get Elastic Common Schema names. Input that cannot be
// parsed is kept raw with a parse-error mark, never dropped. This package
// knows no network, storage or tenant rules.
package event

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Field is one named value of an event, under its ECS name where there is
// one (host.name, source.ip, user.name, process.command_line, event.code,
// winlog.channel, …). Fields are a slice, not a map: events are made and
// read in batches on the hot path.
type Field struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// Formats an event was parsed from.
const (
	FormatRFC5424 = "rfc5424"
	FormatRFC3164 = "rfc3164"
	FormatJSON    = "json"
	FormatRaw     = "raw"
)

// Event is one normalised log event.
type Event struct {
	// ID identifies the event for idempotent replay; set by ingest.
	ID string `json:"id"`
	// Time is when the event happened (from the message), or Received when
	// the message carries no usable time.
	Time     time.Time `json:"time"`
	Received time.Time `json:"received"`
	// Tenant is the organisation the event belongs to (0: quarantine);
	// attribution is ingest's job.
	Tenant int64  `json:"tenant"`
	Source string `json:"source,omitempty"`
	// SourceID is the registered log source that matched (0: none).
	SourceID int64  `json:"source_id,omitempty"`
	SourceIP string `json:"source_ip,omitempty"`
	Host     string `json:"host,omitempty"`
	App      string `json:"app,omitempty"`
	// Severity is the syslog severity 0 (emergency) … 7 (debug); -1 unknown.
	Severity int    `json:"severity"`
	Facility int    `json:"facility"`
	Message  string `json:"message"`
	Format   string `json:"format"`
	// Product names what sent it when known ("windows", "linux",
	// "fortinet", …), for routing to detection rules.
	Product string  `json:"product,omitempty"`
	Fields  []Field `json:"fields,omitempty"`
	// Raw is the input as received, kept when parsing failed or partly
	// failed, so that nothing is lost.
	Raw        string `json:"raw,omitempty"`
	ParseError string `json:"parse_error,omitempty"`
}

// Get returns the value of field key, or "".
func (e *Event) Get(key string) string {
	for _, f := range e.Fields {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of field key, in order (a multi-valued field
// such as tags holds one field per value); nil when it is absent.
func (e *Event) Values(key string) []string {
	var out []string
	for _, f := range e.Fields {
		if f.Key == key {
			out = append(out, f.Value)
		}
	}
	return out
}

// Has reports whether field key is present.
func (e *Event) Has(key string) bool {
	for _, f := range e.Fields {
		if f.Key == key {
			return true
		}
	}
	return false
}

// Set sets field key to value, replacing an earlier value (the first, for
// a multi-valued field). Empty values are not stored.
func (e *Event) Set(key, value string) {
	if value == "" {
		return
	}
	for i := range e.Fields {
		if e.Fields[i].Key == key {
			e.Fields[i].Value = value
			return
		}
	}
	e.Fields = append(e.Fields, Field{Key: key, Value: value})
}

// SetDefault sets field key only when it is not present yet.
func (e *Event) SetDefault(key, value string) {
	if value != "" && !e.Has(key) {
		e.Fields = append(e.Fields, Field{Key: key, Value: value})
	}
}

// SeverityName returns the syslog name of severity s.
func SeverityName(s int) string {
	names := []string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"}
	if s < 0 || s >= len(names) {
		return "unknown"
	}
	return names[s]
}

// StableID derives an event id from what identifies an event to its
// sender (a RELP frame, an HTTP request's Idempotency-Key and position),
// so that a retransmission gets the id it had the first time.
func StableID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return stablePrefix + hex.EncodeToString(h.Sum(nil)[:16])
}

const stablePrefix = "s:"

// IsStableID reports whether id was made by StableID: such events can
// arrive more than once and are deduplicated by id.
func IsStableID(id string) bool { return strings.HasPrefix(id, stablePrefix) }

// KeepLast removes every field whose name comes again later in fs, so that
// of one name the last value is kept (the rule for repeated keys on every
// path: JSON objects, OTLP attributes, a resource's attributes under a
// record's). It works in place and returns the shortened slice.
func KeepLast(fs []Field) []Field {
	if len(fs) < 2 {
		return fs
	}
	var last map[string]int
	if len(fs) > 32 {
		last = make(map[string]int, len(fs))
		for i, f := range fs {
			last[f.Key] = i
		}
	}
	w := 0
	for i, f := range fs {
		later := false
		if last != nil {
			later = last[f.Key] != i
		} else {
			for _, g := range fs[i+1:] {
				if g.Key == f.Key {
					later = true
					break
				}
			}
		}
		if !later {
			fs[w] = f
			w++
		}
	}
	return fs[:w]
}
