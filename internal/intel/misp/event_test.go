package misp_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel/misp"
)

const (
	phishing = "d23ae1e2-31cf-4034-a241-e9a41dfdf2a0"
	loader   = "f0c0e919-9fba-401c-92e7-d17a0007f825"
	scanning = "0b902ef0-c132-41fe-ba91-854f9fac4fea"
)

// testEvent parses one event of the test feed.
func testEvent(t *testing.T, id string) misp.Event {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "feed", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := misp.ParseEvent(id+".json", data)
	if err != nil {
		t.Fatalf("ParseEvent(%s) = %v", id, err)
	}
	return e
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParseEvent(t *testing.T) {
	e := testEvent(t, phishing)
	if e.UUID != phishing || e.Info != "Phishing wave against municipalities (test data)" ||
		!e.Date.Equal(time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)) || e.Timestamp.Unix() != 1741600000 || e.PublishTimestamp.Unix() != 1741600100 ||
		!e.Published || e.Analysis != 1 || e.ThreatLevel != 2 || e.Distribution != 1 ||
		e.OrgName != "Samdrift test CERT" || e.OrgUUID != "d54a9084-aa60-436f-b703-4bef0a9ec8d9" ||
		!reflect.DeepEqual(e.Tags, []string{"type:OSINT"}) || e.TLP != "green" || len(e.Attributes) != 23 {
		t.Fatalf("ParseEvent(phishing) = %+v", e)
	}
	for _, c := range []struct {
		i                   int
		uuid, tlp, object   string
		toIDS, deleted      bool
		firstSeen, lastSeen *time.Time
	}{
		{0, "a1000000-0000-4000-8000-000000000000", "green", "", true, false, at("2025-03-01T08:00:00Z"), at("2025-04-01T00:00:00Z")},
		{5, "a1000000-0000-4000-8000-000000000005", "red", "", true, false, nil, nil},    // own tlp:red is stricter
		{12, "a1000000-0000-4000-8000-000000000012", "green", "", true, false, nil, nil}, // own tlp:white (clear) is wider
		{13, "a1000000-0000-4000-8000-000000000013", "green", "", false, false, nil, nil},
		{16, "a1000000-0000-4000-8000-000000000016", "green", "", true, true, nil, nil},
		{17, "a1000000-0000-4000-8000-000000000100", "green", "file", false, false, nil, nil},
		{22, "a1000000-0000-4000-8000-000000000201", "green", "domain-ip", true, false, nil, nil}, // to_ids "1"
	} {
		a := e.Attributes[c.i]
		if a.UUID != c.uuid || a.TLP != c.tlp || a.ObjectName != c.object || a.ToIDS != c.toIDS || a.Deleted != c.deleted ||
			!reflect.DeepEqual(a.FirstSeen, c.firstSeen) || !reflect.DeepEqual(a.LastSeen, c.lastSeen) {
			t.Errorf("Attributes[%d] = %+v; want %+v", c.i, a, c)
		}
	}
	if a := e.Attributes[17]; a.ObjectUUID != "22b4f5ad-2269-4a2c-841e-5519cbf4897f" || a.Type != "filename" || a.Category != "Payload delivery" || a.Timestamp.Unix() != 1741590100 {
		t.Errorf("object attribute = %+v", a)
	}

	// A bare event object with numbers as JSON numbers.
	b := testEvent(t, loader)
	if b.UUID != loader || b.ThreatLevel != 1 || b.Analysis != 2 || b.Timestamp.Unix() != 1741700000 || b.TLP != "amber+strict" ||
		!reflect.DeepEqual(b.Tags, []string{"malware:ransomware"}) || len(b.Attributes) != 6 || b.Attributes[2].TLP != "amber+strict" {
		t.Errorf("ParseEvent(loader) = %+v", b)
	}
	// No TLP anywhere, no distribution: "" and 0.
	if s := testEvent(t, scanning); s.TLP != "" || s.Distribution != 0 || !s.PublishTimestamp.IsZero() || s.Published || s.Tags != nil {
		t.Errorf("ParseEvent(scanning) = %+v", s)
	}
}

func TestParseEventErrors(t *testing.T) {
	const id = `"uuid": "0b902ef0-c132-41fe-ba91-854f9fac4fea"`
	for _, c := range []struct {
		name, in, path, rule string
	}{
		{"not JSON", `{"Event": `, "$", "is not valid JSON"},
		{"array", `[]`, "$", "is a JSON array; must be an object"},
		{"no uuid", `{"Event": {"info": "x"}}`, "$.Event.uuid", "must be present"},
		{"bad uuid", `{"Event": {"uuid": "42", "info": "x"}}`, "$.Event.uuid", `"42" is not a UUID`},
		{"empty info", `{"Event": {` + id + `, "info": "  "}}`, "$.Event.info", "must be present and not empty"},
		{"bare empty info", `{` + id + `}`, "$.info", "must be present and not empty"},
		{"date", `{"Event": {` + id + `, "info": "x", "date": "10/03/2025"}}`, "$.Event.date", "is not a date (YYYY-MM-DD)"},
		{"timestamp", `{"Event": {` + id + `, "info": "x", "timestamp": "yesterday"}}`, "$.Event.timestamp", "is not a whole number"},
		{"threat level", `{"Event": {` + id + `, "info": "x", "threat_level_id": "7"}}`, "$.Event.threat_level_id", "from 1 to 4"},
		{"published", `{"Event": {` + id + `, "info": "x", "published": "maybe"}}`, "$.Event.published", "must be true or false"},
		{"org uuid", `{"Event": {` + id + `, "info": "x", "Orgc": {"name": "x", "uuid": "x"}}}`, "$.Event.Orgc.uuid", "is not a UUID"},
		{"tag name", `{"Event": {` + id + `, "info": "x", "Tag": [{"name": ""}]}}`, "$.Event.Tag[0].name", "must be present and not empty"},
		{"attributes not array", `{"Event": {` + id + `, "info": "x", "Attribute": {}}}`, "$.Event.Attribute", "is a JSON object; must be an array"},
		{"no type", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": "x"}, {"value": "x"}]}}`, "$.Event.Attribute[1].type", "must be present and not empty"},
		{"empty value", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": ""}]}}`, "$.Event.Attribute[0].value", "must be present and not empty"},
		{"object value", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": {}}]}}`, "$.Event.Attribute[0].value", "must be a string"},
		{"attribute uuid", `{"Event": {` + id + `, "info": "x", "Attribute": [{"uuid": "a-b", "type": "md5", "value": "x"}]}}`, "$.Event.Attribute[0].uuid", `"a-b" is not a UUID`},
		{"first_seen", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": "x", "first_seen": "last week"}]}}`, "$.Event.Attribute[0].first_seen", "is not an ISO 8601"},
		{"seen order", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": "x", "first_seen": "2025-03-02T00:00:00Z", "last_seen": "2025-03-01T00:00:00Z"}]}}`, "$.Event.Attribute[0].last_seen", "is before first_seen"},
		{"attribute tag", `{"Event": {` + id + `, "info": "x", "Attribute": [{"type": "md5", "value": "x", "Tag": [{"name": 3}, {}]}]}}`, "$.Event.Attribute[0].Tag[1].name", "must be present"},
		{"object name", `{"Event": {` + id + `, "info": "x", "Object": [{"Attribute": []}]}}`, "$.Event.Object[0].name", "must be present and not empty"},
		{"object value", `{"Event": {` + id + `, "info": "x", "Object": [{"name": "file", "Attribute": [{"type": "md5", "value": "x"}, {"type": "sha1"}]}]}}`, "$.Event.Object[0].Attribute[1].value", "must be present and not empty"},
	} {
		_, err := misp.ParseEvent("upload.json", []byte(c.in))
		e := errs.As(err)
		if e == nil || e.Code != errs.Invalid || e.Field != c.path || !strings.Contains(e.Message, "upload.json") || !strings.Contains(e.Message, c.rule) {
			t.Errorf("%s: ParseEvent(%s) = %v; want EINVALID on %s: upload.json: …%s…", c.name, c.in, err, c.path, c.rule)
		}
	}
}

func TestIndicators(t *testing.T) {
	const info = "Phishing wave against municipalities (test data)"
	in := func(typ, value, tlp, uuid string) misp.Indicator {
		return misp.Indicator{Type: typ, Value: value, Description: info, Level: "medium", TLP: tlp, AttributeUUID: "a1000000-0000-4000-8000-000000000" + uuid}
	}
	relay := in("ip", "198.51.100.7", "green", "000")
	relay.Description, relay.ValidUntil = info+": sender relay", at("2025-04-01T00:00:00Z")
	skip := func(uuid, path, reason string) string {
		return "attribute a1000000-0000-4000-8000-000000000" + uuid + " (" + path + "): " + reason
	}
	const notType = " is not an indicator type samdrift detects on"
	loaderInfo := "Ransomware loader (test data)"
	li := func(typ, value, uuid string) misp.Indicator {
		return misp.Indicator{Type: typ, Value: value, Description: loaderInfo, Level: "high", TLP: "amber+strict", AttributeUUID: "a2000000-0000-4000-8000-000000000" + uuid}
	}
	lastSeen := li("md5", "9a8c2b9d518bc163e99611fbacea63b2", "003")
	lastSeen.ValidUntil = at("2025-06-30T12:00:00Z")
	si := func(typ, value, uuid string) misp.Indicator {
		return misp.Indicator{Type: typ, Value: value, Description: "Old scanning infrastructure (test data)", Level: "low", AttributeUUID: "a3000000-0000-4000-8000-000000000" + uuid}
	}
	for _, c := range []struct {
		event string
		want  []misp.Indicator
		skips []string
	}{
		{phishing, []misp.Indicator{
			relay,
			in("ip", "203.0.113.0/24", "green", "001"),
			in("ip", "192.0.2.10", "green", "002"),  // ip-dst|port
			in("ip", "2001:db8::1", "green", "003"), // ip-src|port, IPv6
			in("domain", "evil.example.com", "green", "004"),
			in("domain", "c2.example.net", "red", "005"), // hostname, own TLP
			in("domain", "update.example.org", "green", "006"),
			in("ip", "192.0.2.55", "green", "006"), // domain|ip gives both
			in("url", "http://bad.example.com/payload.exe", "green", "007"),
			in("url", "https://login.example.org/auth", "green", "009"), // absolute uri
			in("email", "phish@example.com", "green", "011"),
			in("email", "victim@kommune.example", "green", "012"),
			in("md5", "4a527f83a3a4ca7e1d70adb26a35b72e", "green", "101"),
			in("sha1", "c57e08af28c85e7fe987028f7986f0bb4573f663", "green", "102"),
			in("sha256", "d47712cceb4c780603026e6325221c1bcff90679ebc076baa51c71ebe796717c", "green", "103"),
			in("domain", "cdn.example.com", "green", "200"),
			in("ip", "192.0.2.77", "green", "201"),
		}, []string{
			skip("008", "$.Event.Attribute[8]", `invalid value: "/gate.php" is not an absolute URL`),
			skip("010", "$.Event.Attribute[10]", `type "link"`+notType),
			skip("013", "$.Event.Attribute[13]", "to_ids is false: context, not for detection"),
			skip("014", "$.Event.Attribute[14]", `invalid value: "999.1.2.3" is not an IP address or CIDR range`),
			skip("015", "$.Event.Attribute[15]", `type "text"`+notType),
			skip("016", "$.Event.Attribute[16]", "deleted by its creator"),
			skip("100", "$.Event.Object[0].Attribute[0]", `type "filename"`+notType),
		}},
		{loader, []misp.Indicator{
			li("md5", "346e08204baaa559d1667312f0115f25", "000"), // filename|md5
			li("sha1", "1321842c40998026b9dde650f286e9824626fd66", "001"),
			li("sha256", "c7ff6dcd94d7161eff5da0585684a8d16fb00090c0f38336d31950819e2f2003", "002"), // own green, event amber+strict
			lastSeen,
			li("email", "ops@example.com", "004"),
		}, []string{"attribute a2000000-0000-4000-8000-000000000005 ($.Event.Attribute[5]): to_ids is false: context, not for detection"}},
		{scanning, []misp.Indicator{si("ip", "192.0.2.200", "000"), si("domain", "scan.example.net", "001")}, nil},
	} {
		got, skipped := testEvent(t, c.event).Indicators()
		if len(got) != len(c.want) {
			t.Errorf("%s: Indicators() gave %d indicators; want %d: %+v", c.event, len(got), len(c.want), got)
		}
		for i := range min(len(got), len(c.want)) {
			if !reflect.DeepEqual(got[i], c.want[i]) {
				t.Errorf("%s: Indicators()[%d] = %+v; want %+v", c.event, i, got[i], c.want[i])
			}
		}
		if !reflect.DeepEqual(skipped, c.skips) {
			t.Errorf("%s: skipped = %q; want %q", c.event, skipped, c.skips)
		}
	}
}

func TestIndicatorsCompositeParts(t *testing.T) {
	e := misp.Event{UUID: phishing, Info: "x", ThreatLevel: 4, Attributes: []misp.Attribute{
		{UUID: "u1", Type: "domain|ip", Value: "ok.example.com|not-an-ip", ToIDS: true},
		{UUID: "u2", Type: "filename|sha1", Value: "a|b.exe|c57e08af28c85e7fe987028f7986f0bb4573f663", ToIDS: true},
		{UUID: "u3", Type: "ip-dst|port", Value: "192.0.2.1", ToIDS: true, ObjectName: "ip-port"},
	}}
	got, skipped := e.Indicators()
	want := []misp.Indicator{
		{Type: "domain", Value: "ok.example.com", Description: "x", Level: "informational", AttributeUUID: "u1"},
		{Type: "sha1", Value: "c57e08af28c85e7fe987028f7986f0bb4573f663", Description: "x", Level: "informational", AttributeUUID: "u2"},
		{Type: "ip", Value: "192.0.2.1", Description: "x", Level: "informational", AttributeUUID: "u3"},
	}
	wantSkipped := []string{`attribute u1 ($.Event.Attribute[0]): invalid ip value: "not-an-ip" is not an IP address or CIDR range`}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("Indicators() = %+v, %q; want %+v, %q", got, skipped, want, wantSkipped)
	}
}
