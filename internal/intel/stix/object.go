package stix

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// MaxObjects is the most objects ParseBundle accepts in one bundle.
const MaxObjects = 1_000_000

// maxObjects is MaxObjects; tests lower it.
var maxObjects = MaxObjects

// SpecVersion is the STIX version this package reads and writes.
const SpecVersion = "2.1"

// Object is one STIX 2.1 object as JSON with its common properties
// decoded. Raw is the object's complete JSON and is what WriteBundle
// writes: properties this package does not know survive a relay. The
// decoded fields are a read-only view of Raw; changing them does not
// change Raw. Created and Modified are zero when the object has none
// (cyber-observables; marking definitions have no modified).
type Object struct {
	Type         string
	ID           string
	SpecVersion  string
	Created      time.Time
	Modified     time.Time
	CreatedByRef string
	MarkingRefs  []string // object_marking_refs
	Raw          json.RawMessage
}

// Bundle is a STIX 2.1 bundle. ID is empty when the bundle was read from
// a TAXII envelope, which has none.
type Bundle struct {
	ID      string
	Objects []Object
}

// Object categories by type name: STIX 2.1 §4–§7. Cyber-observables
// (SCOs) need neither spec_version nor timestamps.
var (
	scoTypes = setOf("artifact", "autonomous-system", "directory", "domain-name",
		"email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr",
		"mutex", "network-traffic", "process", "software", "url", "user-account",
		"windows-registry-key", "x509-certificate")
	// sdoTypes are the domain, relationship and meta objects, which must
	// carry spec_version and created (and, but for marking-definition,
	// modified).
	sdoTypes = setOf("attack-pattern", "campaign", "course-of-action", "grouping",
		"identity", "incident", "indicator", "infrastructure", "intrusion-set",
		"location", "malware", "malware-analysis", "note", "observed-data", "opinion",
		"report", "threat-actor", "tool", "vulnerability", "relationship", "sighting",
		"marking-definition", "language-content", "extension-definition")
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// ParseBundle decodes and checks a STIX 2.1 bundle, or a TAXII 2.1
// envelope ({"objects": [...], "more": ...}). Every object must have a
// valid type, an id "<type>--<UUID>", spec_version "2.1" unless it is a
// cyber-observable, and RFC 3339 created/modified timestamps where STIX
// requires them (timestamps with an offset are accepted and kept in UTC).
// Errors are *errs.Error with Field set to the JSON path of the offending
// value, e.g. "$.objects[3].id", and a Message stating the rule and naming
// name (the file or URL). A bundle holds at most MaxObjects objects.
func ParseBundle(name string, data []byte) (Bundle, error) {
	fail := func(path, format string, args ...any) error {
		e := errs.Field(path, format, args...)
		if name != "" {
			e.Message += " (in " + name + ")"
		}
		return e
	}
	var top struct {
		Type    *string            `json:"type"`
		ID      string             `json:"id"`
		Objects *[]json.RawMessage `json:"objects"`
		More    *bool              `json:"more"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Bundle{}, fail("$", "is not JSON: %v at byte %d", se, se.Offset)
		case errors.As(err, &te) && te.Field == "":
			return Bundle{}, fail("$", "must be a JSON object (a STIX bundle or TAXII envelope)")
		case errors.As(err, &te):
			return Bundle{}, fail("$."+te.Field, "%s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return Bundle{}, fail("$", "is not JSON: %v", err)
	}
	b := Bundle{ID: top.ID}
	switch {
	case top.Type != nil && *top.Type == "bundle":
		if !validID(b.ID, "bundle") {
			return Bundle{}, fail("$.id", "id must be bundle--<UUID>, got %s", quoteShort(b.ID))
		}
	case top.Type != nil:
		return Bundle{}, fail("$.type", "type must be \"bundle\", got %s", quoteShort(*top.Type))
	case top.Objects == nil && top.More == nil:
		return Bundle{}, fail("$", "is neither a STIX bundle (type \"bundle\") nor a TAXII envelope (objects)")
	default:
		b.ID = "" // an envelope has no id
	}
	if top.Objects == nil {
		return b, nil
	}
	if len(*top.Objects) > maxObjects {
		return Bundle{}, fail("$.objects", "has more than %d objects", maxObjects)
	}
	b.Objects = make([]Object, len(*top.Objects))
	for i, raw := range *top.Objects {
		o, err := checkObject(fmt.Sprintf("$.objects[%d]", i), raw, fail)
		if err != nil {
			return Bundle{}, err
		}
		b.Objects[i] = o
	}
	return b, nil
}

// commonJSON holds the common properties ParseBundle checks.
type commonJSON struct {
	Type         string   `json:"type"`
	ID           string   `json:"id"`
	SpecVersion  *string  `json:"spec_version"`
	Created      *string  `json:"created"`
	Modified     *string  `json:"modified"`
	CreatedByRef string   `json:"created_by_ref"`
	MarkingRefs  []string `json:"object_marking_refs"`
}

func checkObject(path string, raw json.RawMessage, fail func(string, string, ...any) error) (Object, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return Object{}, fail(path, "must be a JSON object")
	}
	var c commonJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Object{}, fail(path+"."+te.Field, "%s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return Object{}, fail(path, "is not a valid object: %v", err)
	}
	o := Object{Type: c.Type, ID: c.ID, CreatedByRef: c.CreatedByRef, MarkingRefs: c.MarkingRefs, Raw: raw}
	if !validType(c.Type) {
		return Object{}, fail(path+".type", "type must be 3 to 250 characters of a-z, 0-9 and '-', got %s", quoteShort(c.Type))
	}
	if !validID(c.ID, c.Type) {
		return Object{}, fail(path+".id", "id must be %s--<UUID>, got %s", c.Type, quoteShort(c.ID))
	}
	// A type this package does not know is taken for a domain object when
	// it has created, else for a custom cyber-observable.
	domain := sdoTypes[c.Type] || (!scoTypes[c.Type] && c.Created != nil)
	switch {
	case c.SpecVersion != nil:
		o.SpecVersion = *c.SpecVersion
		if o.SpecVersion != SpecVersion {
			return Object{}, fail(path+".spec_version", "spec_version must be \"2.1\", got %s", quoteShort(o.SpecVersion))
		}
	case domain:
		return Object{}, fail(path+".spec_version", "spec_version \"2.1\" is required for %s objects", c.Type)
	}
	stamp := func(prop string, s *string, required bool) (time.Time, error) {
		if s == nil {
			if required {
				return time.Time{}, fail(path+"."+prop, "%s is required for %s objects", prop, c.Type)
			}
			return time.Time{}, nil
		}
		t, ok := parseTime(*s)
		if !ok {
			return time.Time{}, fail(path+"."+prop, "%s must be a timestamp like 2006-01-02T15:04:05.000Z, got %s", prop, quoteShort(*s))
		}
		return t, nil
	}
	var err error
	if o.Created, err = stamp("created", c.Created, domain); err != nil {
		return Object{}, err
	}
	if o.Modified, err = stamp("modified", c.Modified, domain && c.Type != "marking-definition"); err != nil {
		return Object{}, err
	}
	if !o.Modified.IsZero() && o.Modified.Before(o.Created) {
		return Object{}, fail(path+".modified", "modified must not be earlier than created")
	}
	if c.CreatedByRef != "" && !validID(c.CreatedByRef, "identity") {
		return Object{}, fail(path+".created_by_ref", "created_by_ref must be identity--<UUID>, got %s", quoteShort(c.CreatedByRef))
	}
	for i, ref := range c.MarkingRefs {
		if !validID(ref, "marking-definition") {
			return Object{}, fail(fmt.Sprintf("%s.object_marking_refs[%d]", path, i), "object_marking_refs must hold marking-definition--<UUID>, got %s", quoteShort(ref))
		}
	}
	return o, nil
}

// jsonKind names a Go kind the way JSON users know it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a " + kind
}

func quoteShort(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// parseTime reads an RFC 3339 timestamp and returns it in UTC.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func validType(t string) bool {
	if len(t) < 3 || len(t) > 250 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validID tells whether id is "<typ>--<UUID>".
func validID(id, typ string) bool {
	rest, ok := strings.CutPrefix(id, typ+"--")
	if !ok {
		return false
	}
	_, ok = parseUUID(rest)
	return ok
}

// idType returns the type part of a STIX id.
func idType(id string) string {
	t, _, _ := strings.Cut(id, "--")
	return t
}

// WriteBundle returns objects as a compact STIX bundle with a new random
// id, one object a line. Each object's Raw is written as it is, so
// ParseBundle of the result gives back equal objects. An object without
// Raw (one not made by Encode, MarkingDefinitions or ParseBundle) is an
// Invalid error.
func WriteBundle(objects []Object) ([]byte, error) {
	size := 80
	for i, o := range objects {
		if len(o.Raw) == 0 || o.Raw[0] != '{' {
			return nil, errs.Field(fmt.Sprintf("$.objects[%d]", i), "has no JSON object in Raw")
		}
		size += len(o.Raw) + 2
	}
	b := make([]byte, 0, size)
	b = append(b, `{"type":"bundle","id":"bundle--`...)
	b = append(b, newUUID()...)
	b = append(b, `","objects":[`...)
	for i, o := range objects {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, o.Raw...)
	}
	b = append(b, "\n]}\n"...)
	return b, nil
}

// Namespaces for UUIDv5 ids. scoNamespace is the one STIX 2.1 §2.9 fixes
// for cyber-observable ids; samdriftNamespace is UUIDv5 of the URL
// namespace (RFC 9562) and "https://github.com/samdrift/samdrift/stix",
// samdrift's own for the ids of the domain objects it exports.
var (
	scoNamespace, _   = parseUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
	urlNamespace, _   = parseUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
	samdriftNamespace = uuidV5(urlNamespace, "https://github.com/samdrift/samdrift/stix")
)

// DeterministicID returns "<typ>--<UUIDv5>" of key, so that samdrift's
// exports keep their ids from run to run. For cyber-observable types the
// namespace is STIX's SCO namespace, and key should be the canonical JSON
// of the object's id-contributing properties (e.g. {"value":"198.51.100.1"}
// for ipv4-addr) to agree with other producers; for all other types it is
// samdrift's own namespace (see samdriftNamespace) and key is any stable
// name, e.g. "indicator/ip/198.51.100.1".
func DeterministicID(typ, key string) string {
	ns := samdriftNamespace
	if scoTypes[typ] {
		ns = scoNamespace
	}
	return typ + "--" + formatUUID(uuidV5(ns, key))
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:]) // never fails (crypto/rand, Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// uuidV5 returns the name-based UUID of name in ns (RFC 9562 §5.5).
func uuidV5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

func formatUUID(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	hex.Encode(b[9:13], u[4:6])
	hex.Encode(b[14:18], u[6:8])
	hex.Encode(b[19:23], u[8:10])
	hex.Encode(b[24:], u[10:])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}

// parseUUID reads a UUID in its 8-4-4-4-12 hex form, either case.
func parseUUID(s string) ([16]byte, bool) {
	var u [16]byte
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	for _, part := range [...]struct{ from, to, at int }{{0, 8, 0}, {9, 13, 4}, {14, 18, 6}, {19, 23, 8}, {24, 36, 10}} {
		if _, err := hex.Decode(u[part.at:], []byte(s[part.from:part.to])); err != nil {
			return u, false
		}
	}
	return u, true
}
