package misp

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
)

// MISP writes most scalars as JSON strings ("timestamp": "1617875568")
// and other tools write numbers or booleans, so the raw shapes below keep
// each scalar as raw JSON, read leniently afterwards by a checker that
// reports what is wrong with its path.

type rawTag struct {
	Name json.RawMessage `json:"name"`
}

type rawOrg struct {
	Name json.RawMessage `json:"name"`
	UUID json.RawMessage `json:"uuid"`
}

type rawAttribute struct {
	UUID, Type, Category, Value, Comment json.RawMessage
	ToIDS                                json.RawMessage `json:"to_ids"`
	Deleted, Timestamp                   json.RawMessage
	FirstSeen                            json.RawMessage `json:"first_seen"`
	LastSeen                             json.RawMessage `json:"last_seen"`
	Tag                                  []rawTag
}

type rawObject struct {
	Name, UUID, Deleted json.RawMessage
	Attribute           []rawAttribute
}

type rawEvent struct {
	UUID, Info, Date, Timestamp json.RawMessage
	PublishTimestamp            json.RawMessage `json:"publish_timestamp"`
	Published, Analysis         json.RawMessage
	ThreatLevel                 json.RawMessage `json:"threat_level_id"`
	Distribution                json.RawMessage
	Orgc                        *rawOrg
	Tag                         []rawTag
	Attribute                   []rawAttribute
	Object                      []rawObject
}

type rawManifestEntry struct {
	Info, Date, Timestamp, Analysis json.RawMessage
	ThreatLevel                     json.RawMessage `json:"threat_level_id"`
	Orgc                            *rawOrg
	Tag                             []rawTag
}

// checker reads raw scalars of the file name; the first error sticks and
// later reads return zero values, so callers check err once at the end.
type checker struct {
	name string
	err  error
}

func (c *checker) fail(path, format string, args ...any) {
	if c.err == nil {
		c.err = errs.Field(path, "%s: %s", c.name, fmt.Sprintf(format, args...))
	}
}

// text reads a string, or a number as MISP values sometimes are; absent
// (or null) gives "".
func (c *checker) text(raw json.RawMessage, path string) string {
	if c.err != nil || len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9' {
		return string(raw)
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		c.fail(path, "must be a string")
	}
	return s
}

// required reads a text that must be present and not blank.
func (c *checker) required(raw json.RawMessage, path string) string {
	s := c.text(raw, path)
	if strings.TrimSpace(s) == "" {
		c.fail(path, "must be present and not empty")
	}
	return strings.TrimSpace(s)
}

// uuid reads a UUID into lower case; absent gives "".
func (c *checker) uuid(raw json.RawMessage, path string) string {
	s := c.text(raw, path)
	if s != "" && !validUUID(s) {
		c.fail(path, "%q is not a UUID", s)
	}
	return strings.ToLower(s)
}

// integer reads a whole number (JSON number or numeric string) from lo
// to hi; absent gives def.
func (c *checker) integer(raw json.RawMessage, path string, lo, hi, def int64) int64 {
	s := c.text(raw, path)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		c.fail(path, "%q is not a whole number from %d to %d", s, lo, hi)
	}
	return n
}

// unix reads a Unix timestamp in seconds; absent or 0 gives the zero time.
func (c *checker) unix(raw json.RawMessage, path string) time.Time {
	if n := c.integer(raw, path, 0, 1<<40, 0); n > 0 {
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}

// boolean reads true/false, 0/1 or their string forms; absent is false.
func (c *checker) boolean(raw json.RawMessage, path string) bool {
	switch strings.Trim(string(raw), `"`) {
	case "", "null", "false", "0":
		return false
	case "true", "1":
		return true
	}
	c.fail(path, "must be true or false")
	return false
}

// seenLayouts are the ISO 8601 forms first_seen and last_seen take; a
// time without a zone is UTC.
var seenLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", time.DateOnly}

// seen reads first_seen or last_seen; absent gives nil.
func (c *checker) seen(raw json.RawMessage, path string) *time.Time {
	s := c.text(raw, path)
	if s == "" {
		return nil
	}
	for _, l := range seenLayouts {
		if t, err := time.Parse(l, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	c.fail(path, "%q is not an ISO 8601 date and time", s)
	return nil
}

// tags returns the tag names and, separately, the strictest TLP marking
// among them.
func (c *checker) tags(raw []rawTag, path string, keepTLP bool) (names []string, tlp string) {
	for i, t := range raw {
		n := c.required(t.Name, fmt.Sprintf("%s.Tag[%d].name", path, i))
		if l := tlpOf(n); l != "" {
			tlp = stricterTLP(tlp, l)
			if !keepTLP {
				continue
			}
		}
		names = append(names, n)
	}
	return names, tlp
}

// decode unmarshals data into v, turning a decoding error into an
// Invalid error on the path it concerns.
func (c *checker) decode(data []byte, v any, path string) {
	err := json.Unmarshal(data, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		want := "a " + te.Type.Kind().String()
		switch te.Type.Kind() {
		case reflect.Slice:
			want = "an array"
		case reflect.Struct, reflect.Map, reflect.Pointer:
			want = "an object"
		}
		if te.Field != "" {
			path += "." + te.Field
		}
		c.fail(path, "is a JSON %s; must be %s", te.Value, want)
	default:
		c.fail(path, "is not valid JSON: %v", err)
	}
}

// ParseEvent decodes one event file, {"Event": {...}} or a bare event
// object, into an Event. It checks what samdrift relies on: uuid is a
// UUID, info is not empty, every attribute (in the event or in an object)
// has a type and a value, objects have a name, numbers, flags, dates and
// times are what the MISP core format says, and last_seen is not before
// first_seen. A missing threat_level_id reads as 4 (undefined), a missing
// distribution as 0 (your organisation only). An attribute or object
// without a uuid gets a stable name-based one; an object's deleted flag
// marks its attributes deleted. Errors are *errs.Error (Invalid) whose
// Field is the JSON path (such as "$.Event.Attribute[4].value") and whose
// message names the file (name) and the rule broken.
func ParseEvent(name string, data []byte) (Event, error) {
	c := &checker{name: name}
	var outer map[string]json.RawMessage
	c.decode(data, &outer, "$")
	body, p := data, "$"
	if ev, ok := outer["Event"]; ok {
		body, p = ev, "$.Event"
	}
	var r rawEvent
	c.decode(body, &r, p)
	var e Event
	if e.UUID = c.uuid(r.UUID, p+".uuid"); e.UUID == "" {
		c.fail(p+".uuid", "must be present")
	}
	e.Info = c.required(r.Info, p+".info")
	if d := c.text(r.Date, p+".date"); d != "" {
		var err error
		if e.Date, err = time.Parse(time.DateOnly, d); err != nil {
			c.fail(p+".date", "%q is not a date (YYYY-MM-DD)", d)
		}
	}
	e.Timestamp = c.unix(r.Timestamp, p+".timestamp")
	e.PublishTimestamp = c.unix(r.PublishTimestamp, p+".publish_timestamp")
	e.Published = c.boolean(r.Published, p+".published")
	e.Analysis = int(c.integer(r.Analysis, p+".analysis", 0, 2, 0))
	e.ThreatLevel = int(c.integer(r.ThreatLevel, p+".threat_level_id", 1, 4, 4))
	e.Distribution = int(c.integer(r.Distribution, p+".distribution", 0, 4, 0))
	if r.Orgc != nil {
		e.OrgName = c.text(r.Orgc.Name, p+".Orgc.name")
		e.OrgUUID = c.uuid(r.Orgc.UUID, p+".Orgc.uuid")
	}
	e.Tags, e.TLP = c.tags(r.Tag, p, false)
	if c.err != nil {
		return Event{}, c.err // attributes need the event's UUID and TLP
	}
	for i, ra := range r.Attribute {
		e.Attributes = append(e.Attributes, c.attribute(e, ra, fmt.Sprintf("%s.Attribute[%d]", p, i)))
	}
	for i, ro := range r.Object {
		op := fmt.Sprintf("%s.Object[%d]", p, i)
		name := c.required(ro.Name, op+".name")
		ouuid := c.uuid(ro.UUID, op+".uuid")
		if ouuid == "" {
			ouuid = UUID5(e.UUID, fmt.Sprintf("object|%d|%s", i, name))
		}
		deleted := c.boolean(ro.Deleted, op+".deleted")
		for j, ra := range ro.Attribute {
			a := c.attribute(e, ra, fmt.Sprintf("%s.Attribute[%d]", op, j))
			a.ObjectName, a.ObjectUUID, a.Deleted = name, ouuid, a.Deleted || deleted
			e.Attributes = append(e.Attributes, a)
		}
	}
	if c.err != nil {
		return Event{}, c.err
	}
	return e, nil
}

func (c *checker) attribute(e Event, r rawAttribute, p string) Attribute {
	a := Attribute{Type: c.required(r.Type, p+".type"), Value: c.required(r.Value, p+".value"), UUID: c.uuid(r.UUID, p+".uuid"),
		Category: c.text(r.Category, p+".category"), Comment: c.text(r.Comment, p+".comment"),
		ToIDS: c.boolean(r.ToIDS, p+".to_ids"), Deleted: c.boolean(r.Deleted, p+".deleted"), Timestamp: c.unix(r.Timestamp, p+".timestamp"),
		FirstSeen: c.seen(r.FirstSeen, p+".first_seen"), LastSeen: c.seen(r.LastSeen, p+".last_seen")}
	if a.UUID == "" {
		a.UUID = UUID5(e.UUID, a.Type+"|"+a.Value)
	}
	if a.FirstSeen != nil && a.LastSeen != nil && a.LastSeen.Before(*a.FirstSeen) {
		c.fail(p+".last_seen", "is before first_seen")
	}
	_, own := c.tags(r.Tag, p, false)
	a.TLP = stricterTLP(e.TLP, own)
	return a
}

// ManifestEntry is one event's summary in a feed's manifest.json. Tags
// lists every tag name, TLP markings included; Date is as the feed wrote
// it (YYYY-MM-DD).
type ManifestEntry struct {
	Info             string
	Date             string
	Timestamp        time.Time
	Analysis         int
	ThreatLevel      int
	OrgName, OrgUUID string
	Tags             []string
}

// ParseManifest decodes a feed's manifest.json (name is for errors):
// event uuid → summary. Every key must be a UUID — it names the event's
// file — and a manifest lists at most MaxEvents events. Keys come back in
// lower case. Errors are *errs.Error (Invalid) naming the path, as
// ParseEvent's do.
func ParseManifest(name string, data []byte) (map[string]ManifestEntry, error) {
	c := &checker{name: name}
	var raw map[string]rawManifestEntry
	if c.decode(data, &raw, "$"); len(raw) > MaxEvents {
		c.fail("$", "lists %d events; at most %d are read", len(raw), MaxEvents)
	}
	out := make(map[string]ManifestEntry, len(raw))
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		r, p := raw[k], fmt.Sprintf("$[%q]", k)
		if !validUUID(k) {
			c.fail(p, "key %q is not an event UUID", k)
		}
		m := ManifestEntry{Info: c.text(r.Info, p+".info"), Date: c.text(r.Date, p+".date"), Timestamp: c.unix(r.Timestamp, p+".timestamp"),
			Analysis: int(c.integer(r.Analysis, p+".analysis", 0, 2, 0)), ThreatLevel: int(c.integer(r.ThreatLevel, p+".threat_level_id", 1, 4, 4))}
		if r.Orgc != nil {
			m.OrgName, m.OrgUUID = c.text(r.Orgc.Name, p+".Orgc.name"), c.uuid(r.Orgc.UUID, p+".Orgc.uuid")
		}
		m.Tags, _ = c.tags(r.Tag, p, true)
		out[strings.ToLower(k)] = m
	}
	if c.err != nil {
		return nil, c.err
	}
	return out, nil
}
