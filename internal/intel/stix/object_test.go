package stix

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/errs"
)

// obj returns one indicator object's JSON with the given properties
// replaced ("-" removes one).
func obj(props map[string]any) string {
	m := map[string]any{
		"type":         "indicator",
		"spec_version": "2.1",
		"id":           "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
		"created":      "2024-03-04T20:03:48.000Z",
		"modified":     "2024-03-04T20:03:48.000Z",
		"pattern":      "[domain-name:value = 'a.example']",
		"pattern_type": "stix",
		"valid_from":   "2024-03-04T20:03:48Z",
	}
	for k, v := range props {
		if v == "-" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func bundleOf(objects ...string) string {
	return `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + strings.Join(objects, ",") + `]}`
}

func TestParseBundleErrors(t *testing.T) {
	good := obj(nil)
	tests := []struct {
		name      string
		data      string
		wantField string
		wantMsg   string
	}{
		{"not JSON", `{"type": "bundle",`, "$", "is not JSON"},
		{"not JSON at all", `STIX`, "$", "is not JSON"},
		{"array", `[1, 2]`, "$", "must be a JSON object"},
		{"trailing data", bundleOf(good) + `{}`, "$", "after top-level value"},
		{"neither bundle nor envelope", `{"foo": 1}`, "$", "neither a STIX bundle"},
		{"not a bundle", `{"type":"indicator","objects":[]}`, "$.type", `type must be "bundle"`},
		{"bad bundle id", `{"type":"bundle","id":"bundle--1234","objects":[]}`, "$.id", "id must be bundle--<UUID>"},
		{"objects not an array", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":{}}`, "$.objects", "must be an array"},
		{"object not an object", bundleOf(good, `"indicator"`), "$.objects[1]", "must be a JSON object"},
		{"bad id prefix", bundleOf(good, obj(map[string]any{"id": "indicatr--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})), "$.objects[1].id", "id must be indicator--<UUID>"},
		{"id of another type", bundleOf(obj(map[string]any{"id": "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})), "$.objects[0].id", "id must be indicator--<UUID>"},
		{"id not a UUID", bundleOf(obj(map[string]any{"id": "indicator--8e2e2d2b"})), "$.objects[0].id", "id must be indicator--<UUID>"},
		{"missing id", bundleOf(obj(map[string]any{"id": "-"})), "$.objects[0].id", "id must be indicator--<UUID>"},
		{"missing type", bundleOf(obj(map[string]any{"type": "-"})), "$.objects[0].type", "type must be 3 to 250 characters"},
		{"type upper case", bundleOf(obj(map[string]any{"type": "Indicator"})), "$.objects[0].type", "type must be 3 to 250 characters"},
		{"type a number", bundleOf(obj(map[string]any{"type": 5})), "$.objects[0].type", "type must be a string"},
		{"missing spec_version", bundleOf(good, good, obj(map[string]any{"spec_version": "-"})), "$.objects[2].spec_version", `spec_version "2.1" is required for indicator objects`},
		{"spec_version 2.0", bundleOf(obj(map[string]any{"spec_version": "2.0"})), "$.objects[0].spec_version", `spec_version must be "2.1"`},
		{"missing created", bundleOf(obj(map[string]any{"created": "-"})), "$.objects[0].created", "created is required"},
		{"missing modified", bundleOf(obj(map[string]any{"modified": "-"})), "$.objects[0].modified", "modified is required"},
		{"bad timestamp", bundleOf(obj(map[string]any{"created": "2024-13-04T20:03:48.000Z"})), "$.objects[0].created", "created must be a timestamp like 2006-01-02T15:04:05.000Z"},
		{"date only", bundleOf(obj(map[string]any{"modified": "2024-03-04"})), "$.objects[0].modified", "modified must be a timestamp"},
		{"modified before created", bundleOf(obj(map[string]any{"modified": "2024-03-04T20:03:47.999Z"})), "$.objects[0].modified", "modified must not be earlier than created"},
		{"created_by_ref not an identity", bundleOf(obj(map[string]any{"created_by_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"})), "$.objects[0].created_by_ref", "created_by_ref must be identity--<UUID>"},
		{"bad marking ref", bundleOf(obj(map[string]any{"object_marking_refs": []string{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "tlp:red"}})), "$.objects[0].object_marking_refs[1]", "must hold marking-definition--<UUID>"},
		{"marking refs not an array", bundleOf(obj(map[string]any{"object_marking_refs": "x"})), "$.objects[0].object_marking_refs", "object_marking_refs must be an array"},
		{"marking definition needs spec_version", bundleOf(`{"type":"marking-definition","id":"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9","created":"2017-01-20T00:00:00.000Z"}`), "$.objects[0].spec_version", "is required for marking-definition objects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseBundle("feed.json", []byte(tt.data))
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || e.Field != tt.wantField || !strings.Contains(e.Message, tt.wantMsg) {
				t.Fatalf("ParseBundle(%s) = %v, %v; want Invalid error on %s containing %q", tt.data, b, err, tt.wantField, tt.wantMsg)
			}
			if !strings.Contains(e.Message, "feed.json") {
				t.Errorf("error %q does not name the file", e.Message)
			}
		})
	}
}

func TestParseBundleAccepts(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		wantID string
		want   int
	}{
		{"bundle", bundleOf(obj(nil)), "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 1},
		{"empty bundle", `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d"}`, "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 0},
		{"taxii envelope", `{"more": true, "next": "2", "objects": [` + obj(nil) + `,` + obj(nil) + `]}`, "", 2},
		{"empty taxii envelope", `{"more": false}`, "", 0},
		{"observable without spec_version or timestamps", bundleOf(`{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}`), "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 1},
		{"custom observable", bundleOf(`{"type":"x-samdrift-host","id":"x-samdrift-host--ff26c055-6336-5bc5-b98d-13d6226742dd"}`), "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 1},
		{"timestamp with offset", bundleOf(obj(map[string]any{"created": "2024-03-04T22:03:48+02:00"})), "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 1},
		{"upper case UUID", bundleOf(obj(map[string]any{"id": "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"})), "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ParseBundle("feed.json", []byte(tt.data))
			if err != nil || b.ID != tt.wantID || len(b.Objects) != tt.want {
				t.Fatalf("ParseBundle = %+v, %v; want id %q and %d objects", b, err, tt.wantID, tt.want)
			}
		})
	}
}

func TestParseBundleObject(t *testing.T) {
	raw := obj(map[string]any{
		"created":             "2024-03-04T22:03:48.5+02:00",
		"modified":            "2024-03-05T00:00:00.000Z",
		"created_by_ref":      "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
		"object_marking_refs": []string{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"},
	})
	b, err := ParseBundle("", []byte(bundleOf(raw)))
	if err != nil {
		t.Fatal(err)
	}
	o := b.Objects[0]
	if o.Type != "indicator" || o.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || o.SpecVersion != "2.1" ||
		o.Created.Format(timeLayout) != "2024-03-04T20:03:48.500Z" || o.Modified.Format(timeLayout) != "2024-03-05T00:00:00.000Z" ||
		o.CreatedByRef != "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff" ||
		!reflect.DeepEqual(o.MarkingRefs, []string{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"}) || string(o.Raw) != raw {
		t.Errorf("ParseBundle object = %+v (raw %s)", o, o.Raw)
	}
}

func TestParseBundleLimit(t *testing.T) {
	defer func(n int) { maxObjects = n }(maxObjects)
	maxObjects = 3
	if _, err := ParseBundle("feed.json", []byte(bundleOf(obj(nil), obj(nil), obj(nil)))); err != nil {
		t.Fatalf("3 objects: %v", err)
	}
	_, err := ParseBundle("feed.json", []byte(bundleOf(obj(nil), obj(nil), obj(nil), obj(nil))))
	if e := errs.As(err); e == nil || e.Field != "$.objects" || !strings.Contains(e.Message, "more than 3 objects") {
		t.Errorf("4 objects: %v; want the limit error", err)
	}
}

func TestWriteBundleRoundTrip(t *testing.T) {
	data, err := WriteBundle(nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := ParseBundle("", data); err != nil || len(b.Objects) != 0 || !validID(b.ID, "bundle") {
		t.Errorf("empty bundle %s: %+v, %v", data, b, err)
	}
	if _, err := WriteBundle([]Object{{Type: "indicator"}}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("WriteBundle of an object without Raw: %v; want Invalid", err)
	}
	in, err := ParseBundle("", []byte(bundleOf(obj(map[string]any{"x_custom": map[string]any{"deep": []int{1, 2}}}), `{"type":"ipv4-addr","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}`)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := WriteBundle(in.Objects)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseBundle("", out)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Objects, in.Objects) || again.ID == in.ID {
		t.Errorf("relayed bundle %s\nparses to %+v\nwant %+v with a new id", out, again, in)
	}
	if !strings.Contains(string(out), `"x_custom":{"deep":[1,2]}`) {
		t.Errorf("relayed bundle lost the custom property: %s", out)
	}
}

func TestDeterministicID(t *testing.T) {
	// RFC 9562 name-based UUID: Python's uuid5(NAMESPACE_DNS, "python.org").
	dns, _ := parseUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
	if got := formatUUID(uuidV5(dns, "python.org")); got != "886313e1-3b8a-5372-9b90-0c9aee199e5d" {
		t.Errorf("uuidV5(DNS, python.org) = %s; want 886313e1-3b8a-5372-9b90-0c9aee199e5d", got)
	}
	if got, want := formatUUID(samdriftNamespace), formatUUID(uuidV5(urlNamespace, "https://github.com/samdrift/samdrift/stix")); got != want {
		t.Errorf("samdriftNamespace = %s; want %s", got, want)
	}
	a, b := DeterministicID("indicator", "ip/198.51.100.1"), DeterministicID("indicator", "ip/198.51.100.1")
	if a != b || !validID(a, "indicator") || a[len("indicator--")+14] != '5' {
		t.Errorf("DeterministicID = %s, %s; want equal UUIDv5 ids", a, b)
	}
	if DeterministicID("indicator", "ip/198.51.100.2") == a {
		t.Error("different keys give the same id")
	}
	sco, sdo := DeterministicID("ipv4-addr", `{"value":"198.51.100.1"}`), DeterministicID("x-thing", `{"value":"198.51.100.1"}`)
	if sco[len("ipv4-addr--"):] != formatUUID(uuidV5(scoNamespace, `{"value":"198.51.100.1"}`)) || sdo[len("x-thing--"):] == sco[len("ipv4-addr--"):] {
		t.Errorf("SCO id %s should use the STIX SCO namespace, %s samdrift's", sco, sdo)
	}
	u := newUUID()
	if _, ok := parseUUID(u); !ok || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || u == newUUID() {
		t.Errorf("newUUID() = %s; want a random version 4 UUID", u)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x01\x1f\x7f",
		"ænø 😀", "bad \xff utf8 \xc3", "line\u2028sep\u2029", "<script>&amp;"} {
		got := appendString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("appendString(%q) = %s: not JSON: %v", s, got, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if !utf8.ValidString(s) {
			want = string([]rune(s)) // each bad byte becomes U+FFFD, as encoding/json does
		}
		if back != want {
			t.Errorf("appendString(%q) reads back as %q; want %q", s, back, want)
		}
		if strings.ContainsAny(string(got), "\u2028\u2029") {
			t.Errorf("appendString(%q) = %s keeps a raw line separator", s, got)
		}
	}
}

func ExampleParseBundle() {
	_, err := ParseBundle("feed.json", []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
		{"type":"indicator","spec_version":"2.1","id":"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}]}`))
	fmt.Println(err)
	// Output: EINVALID: $.objects[0].id: id must be indicator--<UUID>, got "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" (in feed.json)
}

func TestParseBundleTopLevelTypes(t *testing.T) {
	for data, field := range map[string]string{
		`{"type": 1, "objects": []}`:  "$.type",
		`{"objects": "all"}`:          "$.objects",
		`{"type": "bundle", "id": 7}`: "$.id",
	} {
		_, err := ParseBundle("", []byte(data))
		if e := errs.As(err); e == nil || e.Field != field {
			t.Errorf("ParseBundle(%s) = %v; want an error on %s", data, err, field)
		}
	}
}
