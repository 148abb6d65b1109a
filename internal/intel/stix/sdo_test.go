package stix

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
)

func ms(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func msPtr(s string) *time.Time {
	t := ms(s)
	return &t
}

const cert = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"

// fullValues returns one of each struct with every field set.
func fullValues() []any {
	ind := &Indicator{
		ID:                 DeterministicID("indicator", "ip/198.51.100.1"),
		Name:               "C2 address",
		Description:        "Beacons every 60 s; \"quoted\" and 'single' and \\ and ænø.",
		Pattern:            Pattern(Observable{indicator.IP, "198.51.100.1"}),
		PatternType:        "stix",
		PatternVersion:     "2.1",
		ValidFrom:          ms("2024-03-04T00:00:00.000Z"),
		ValidUntil:         msPtr("2024-06-04T00:00:00.123Z"),
		Types:              []string{"malicious-activity", "attribution"},
		KillChainPhases:    []KillChainPhase{{"lockheed-martin-cyber-kill-chain", "command-and-control"}},
		Confidence:         85,
		Revoked:            true,
		TLP:                TLPAmberStrict,
		CreatedByRef:       cert,
		Created:            ms("2024-03-04T20:03:48.123Z"),
		Modified:           ms("2024-03-05T09:15:00.250Z"),
		Labels:             []string{"c2", "level:high"},
		ExternalReferences: []ExternalReference{{SourceName: "misp", ExternalID: "event-4711", URL: "https://misp.example/events/4711"}},
	}
	vuln := &Vulnerability{
		ID:          DeterministicID("vulnerability", "advisory/SD-2024-0042"),
		Name:        "SD-2024-0042: VPN appliance RCE",
		Description: "Out-of-bounds write lets an unauthenticated attacker run code.",
		CVEs:        []string{"CVE-2024-21762", "CVE-2024-23113"},
		Advisory: &Advisory{
			Source: "cert", Ref: "SD-2024-0042", Severity: "critical", Action: "Patch to 7.4.3 or disable SSL VPN.",
			Products: []Product{
				{Vendor: "Fortinet", Product: "FortiOS", CPE: "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", Versions: []string{">= 7.4.0, < 7.4.3", "< 7.2.7"}},
				{Vendor: "Example", Product: "libvpn", PURL: "pkg:generic/libvpn@1.2.3"},
			},
			Due: "2024-03-15", KnownRansomware: true,
		},
		Confidence:         100,
		TLP:                TLPClear,
		CreatedByRef:       cert,
		Created:            ms("2024-03-02T10:00:00.000Z"),
		Modified:           ms("2024-03-02T10:00:00.000Z"),
		Labels:             []string{"advisory"},
		ExternalReferences: []ExternalReference{{SourceName: "vendor", URL: "https://vendor.example/psirt/24-015", Hashes: map[string]string{"SHA-256": sha256Hex}}},
	}
	ident := &Identity{
		ID:                 "identity--2f7c2b4e-5a51-4d44-9c52-1d5c4f0d8a11",
		Name:               "Example Municipality",
		Description:        "A member.",
		IdentityClass:      "organization",
		Sectors:            []string{"government-local"},
		ContactInformation: "soc@municipality.example",
		Confidence:         50,
		TLP:                TLPRed,
		CreatedByRef:       cert,
		Created:            ms("2024-03-01T08:00:00.000Z"),
		Modified:           ms("2024-03-01T08:00:01.000Z"),
		Labels:             []string{"member"},
	}
	rep := &Report{
		ID:           DeterministicID("report", "report/17"),
		Name:         "Phishing wave",
		Description:  "Loader delivered through invoice e-mails.",
		Published:    ms("2024-03-05T09:30:00.000Z"),
		ReportTypes:  []string{"threat-report"},
		ObjectRefs:   []string{ind.ID, vuln.ID, ident.ID},
		Confidence:   70,
		TLP:          TLPAmber,
		CreatedByRef: cert,
		Created:      ms("2024-03-05T09:00:00.000Z"),
		Modified:     ms("2024-03-05T09:00:00.000Z"),
		Labels:       []string{"misp-event"},
	}
	sight := &Sighting{
		ID:               "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
		Description:      "Seen at the firewall.",
		SightingOfRef:    ind.ID,
		Count:            3,
		FirstSeen:        msPtr("2024-03-05T07:12:00.000Z"),
		LastSeen:         msPtr("2024-03-06T10:41:00.001Z"),
		WhereSightedRefs: []string{ident.ID},
		ObservedDataRefs: []string{"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"},
		Summary:          true,
		Confidence:       90,
		TLP:              TLPGreen,
		CreatedByRef:     cert,
		Created:          ms("2024-03-06T11:00:00.000Z"),
		Modified:         ms("2024-03-06T11:00:00.000Z"),
	}
	minimal := &Indicator{
		ID: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Pattern: "[domain-name:value = 'a.example']", PatternType: "stix",
		ValidFrom: ms("2024-01-01T00:00:00.000Z"), Created: ms("2024-01-01T00:00:00.000Z"), Modified: ms("2024-01-01T00:00:00.000Z"),
	}
	return []any{ind, vuln, ident, rep, sight, minimal}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	values := fullValues()
	objects := MarkingDefinitions()
	for _, v := range values {
		o, err := Encode(v)
		if err != nil {
			t.Fatalf("Encode(%T): %v", v, err)
		}
		if again, _ := Encode(reflect.ValueOf(v).Elem().Interface()); string(again.Raw) != string(o.Raw) {
			t.Errorf("Encode of a %T value and of a pointer differ:\n%s\n%s", v, again.Raw, o.Raw)
		}
		got, err := Decode(o)
		if err != nil || !reflect.DeepEqual(got, v) {
			t.Errorf("Decode(Encode(%T)) = %+v, %v\nwant %+v\nJSON %s", v, got, err, v, o.Raw)
		}
		objects = append(objects, o)
	}
	data, err := WriteBundle(objects)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle("export", data)
	if err != nil {
		t.Fatalf("ParseBundle(WriteBundle(...)): %v\n%s", err, data)
	}
	if !reflect.DeepEqual(b.Objects, objects) {
		t.Errorf("ParseBundle(WriteBundle(objects)) objects differ:\n%+v\nwant\n%+v", b.Objects, objects)
	}
	for i, o := range b.Objects[len(tlpOrder):] {
		got, err := Decode(o)
		if err != nil || !reflect.DeepEqual(got, values[i]) {
			t.Errorf("Decode(ParseBundle(WriteBundle(%T))) = %+v, %v\nwant %+v", values[i], got, err, values[i])
		}
	}
	if !strings.Contains(string(data), `"x_samdrift_advisory":{"source":"cert","ref":"SD-2024-0042"`) ||
		!strings.Contains(string(data), `{"source_name":"cve","url":"https://www.cve.org/CVERecord?id=CVE-2024-21762","external_id":"CVE-2024-21762"}`) {
		t.Errorf("vulnerability JSON lacks the advisory or CVE reference:\n%s", data)
	}
}

func TestEncodeDefaults(t *testing.T) {
	before := time.Now().Add(-time.Millisecond)
	o, err := Encode(Indicator{Pattern: "[domain-name:value = 'a.example']", TLP: "GREEN"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Decode(o)
	if err != nil {
		t.Fatal(err)
	}
	ind := v.(*Indicator)
	if !validID(ind.ID, "indicator") || ind.ID[len("indicator--")+14] != '4' || ind.PatternType != "stix" || ind.TLP != TLPGreen ||
		ind.Created.Before(before) || ind.Created.After(time.Now()) || ind.Created.Nanosecond()%int(time.Millisecond) != 0 ||
		!ind.Modified.Equal(ind.Created) || !ind.ValidFrom.Equal(ind.Created) {
		t.Errorf("Encode defaults gave %+v from %s", ind, o.Raw)
	}
	if !reflect.DeepEqual(o.MarkingRefs, []string{tlp2Green}) || o.SpecVersion != "2.1" || o.Type != "indicator" || o.ID != ind.ID {
		t.Errorf("Encode object = %+v", o)
	}
	// Timestamps are cut to milliseconds and written with three digits.
	o, err = Encode(&Identity{ID: "identity--2f7c2b4e-5a51-4d44-9c52-1d5c4f0d8a11", Name: "X",
		Created: time.Date(2024, 3, 1, 9, 0, 0, 999_999_999, time.FixedZone("CET", 3600))})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"identity","spec_version":"2.1","id":"identity--2f7c2b4e-5a51-4d44-9c52-1d5c4f0d8a11","created":"2024-03-01T08:00:00.999Z","modified":"2024-03-01T08:00:00.999Z","name":"X"}`
	if string(o.Raw) != want {
		t.Errorf("Encode(identity) = %s; want %s", o.Raw, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	pat := "[domain-name:value = 'a.example']"
	created := ms("2024-03-01T00:00:00.000Z")
	tests := []struct {
		name      string
		v         any
		wantField string
	}{
		{"not a STIX struct", "indicator", ""},
		{"nil pointer", (*Indicator)(nil), ""},
		{"id of another type", Indicator{ID: "malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Pattern: pat}, "id"},
		{"id not a UUID", &Report{ID: "report--17", Name: "r", Published: created, ObjectRefs: []string{cert}}, "id"},
		{"unknown TLP", Indicator{Pattern: pat, TLP: "amber-strict"}, "tlp"},
		{"confidence above 100", Indicator{Pattern: pat, Confidence: 101}, "confidence"},
		{"modified before created", Indicator{Pattern: pat, Created: created, Modified: created.Add(-time.Second)}, "modified"},
		{"created_by_ref not an identity", Indicator{Pattern: pat, CreatedByRef: "report--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}, "created_by_ref"},
		{"no pattern", Indicator{}, "pattern"},
		{"valid_until before valid_from", Indicator{Pattern: pat, ValidFrom: created, ValidUntil: &created}, "valid_until"},
		{"vulnerability without name", Vulnerability{}, "name"},
		{"bad CVE", Vulnerability{Name: "v", CVEs: []string{"CVE-24-1"}}, "cves"},
		{"report without name", Report{Published: created, ObjectRefs: []string{cert}}, "name"},
		{"report without published", Report{Name: "r", ObjectRefs: []string{cert}}, "published"},
		{"report without objects", Report{Name: "r", Published: created}, "object_refs"},
		{"report with a bad ref", Report{Name: "r", Published: created, ObjectRefs: []string{"indicator--x"}}, "object_refs"},
		{"identity without name", &Identity{}, "name"},
		{"sighting of nothing", Sighting{}, "sighting_of_ref"},
		{"sighting count", Sighting{SightingOfRef: cert, Count: -1}, "count"},
		{"sighting seen backwards", Sighting{SightingOfRef: cert, FirstSeen: msPtr("2024-03-02T00:00:00Z"), LastSeen: &created}, "last_seen"},
		{"sighting where", Sighting{SightingOfRef: cert, WhereSightedRefs: []string{"here"}}, "where_sighted_refs"},
	}
	for _, tt := range tests {
		_, err := Encode(tt.v)
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != tt.wantField {
			t.Errorf("%s: Encode(%+v) = %v; want an Invalid error on %q", tt.name, tt.v, err, tt.wantField)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, raw, wantField string
	}{
		{"indicator without pattern", obj(map[string]any{"pattern": "-"}), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f.pattern"},
		{"indicator without valid_from", obj(map[string]any{"valid_from": "-"}), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f.valid_from"},
		{"indicator_types not a list", obj(map[string]any{"indicator_types": "malicious-activity"}), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f.indicator_types"},
		{"bad valid_until", obj(map[string]any{"valid_until": "tomorrow"}), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"},
		{"report without published", `{"type":"report","spec_version":"2.1","id":"report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3","created":"2024-03-05T09:00:00.000Z","modified":"2024-03-05T09:00:00.000Z","name":"r","object_refs":["` + cert + `"]}`, "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3.published"},
	}
	for _, tt := range tests {
		b, err := ParseBundle("", []byte(bundleOf(tt.raw)))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		v, err := Decode(b.Objects[0])
		if e := errs.As(err); v != nil || e == nil || e.Code != errs.Invalid || e.Field != tt.wantField {
			t.Errorf("%s: Decode = %v, %v; want an Invalid error on %q", tt.name, v, err, tt.wantField)
		}
	}
}

func TestDecodeTestdataBundle(t *testing.T) {
	data, err := os.ReadFile("testdata/bundle.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBundle("testdata/bundle.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d" || len(b.Objects) != 9 {
		t.Fatalf("bundle %s with %d objects", b.ID, len(b.Objects))
	}
	var got []any
	skipped := 0
	for _, o := range b.Objects {
		v, err := Decode(o)
		if err != nil {
			t.Fatalf("Decode(%s): %v", o.ID, err)
		}
		if v == nil {
			skipped++
			continue
		}
		got = append(got, v)
	}
	if skipped != 3 { // marking-definition, relationship, ipv4-addr
		t.Errorf("skipped %d objects; want 3", skipped)
	}
	const (
		ind   = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
		vuln  = "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
		muni  = "identity--2f7c2b4e-5a51-4d44-9c52-1d5c4f0d8a11"
		stamp = "2024-03-01T08:00:00.000Z"
	)
	want := []any{
		&Identity{ID: cert, Name: "Nordlys CERT", Description: "Sector CERT for municipalities.", IdentityClass: "organization",
			Sectors: []string{"government-local", "technology"}, ContactInformation: "cert@nordlys.example", Created: ms(stamp), Modified: ms(stamp)},
		&Indicator{ID: ind, Name: "Loader dropper hash", Description: "Dropper seen in phishing against municipal mailboxes.",
			Pattern:     "[file:hashes.'SHA-256' = '4BAC27393BDD9777CE02453256C5577CD02275510B2227F473D03F533924F877'] OR [file:hashes.MD5 = '3773a88f65a5e780c8dff9cdc3a056f3']",
			PatternType: "stix", PatternVersion: "2.1", ValidFrom: ms("2024-03-04T00:00:00Z"), ValidUntil: msPtr("2024-06-03T22:00:00Z"),
			Types: []string{"malicious-activity"}, KillChainPhases: []KillChainPhase{{"mandiant-attack-lifecycle-model", "initial-compromise"}},
			Confidence: 80, TLP: TLPAmber, CreatedByRef: cert, Created: ms("2024-03-04T20:03:48Z"), Modified: ms("2024-03-05T09:15:00.250Z"), Labels: []string{"phishing"}},
		&Vulnerability{ID: vuln, Name: "CVE-2024-21762", Description: "Out-of-bounds write in the SSL VPN.", CVEs: []string{"CVE-2024-21762"},
			ExternalReferences: []ExternalReference{{SourceName: "vendor", URL: "https://vendor.example/psirt/24-015"}},
			TLP:                TLPClear, CreatedByRef: cert, Created: ms("2024-03-02T10:00:00Z"), Modified: ms("2024-03-02T10:00:00Z")},
		&Report{ID: "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", Name: "Phishing wave against municipalities",
			Description: "Loader delivered through invoice e-mails; see the indicator and the VPN vulnerability used for follow-up access.",
			Published:   ms("2024-03-05T09:30:00Z"), ReportTypes: []string{"threat-report", "indicator"}, ObjectRefs: []string{ind, vuln, cert},
			TLP: TLPAmber, CreatedByRef: cert, Created: ms("2024-03-05T09:00:00Z"), Modified: ms("2024-03-05T09:00:00Z")},
		&Identity{ID: muni, Name: "Example Municipality", IdentityClass: "organization", Sectors: []string{"government-local"},
			TLP: TLPRed, Created: ms(stamp), Modified: ms(stamp)},
		&Sighting{ID: "sighting--ee20065d-2555-424f-ad9e-0f8428623c75", SightingOfRef: ind, Count: 3,
			FirstSeen: msPtr("2024-03-05T07:12:00Z"), LastSeen: msPtr("2024-03-06T10:41:00Z"), WhereSightedRefs: []string{muni},
			TLP: TLPRed, CreatedByRef: cert, Created: ms("2024-03-06T11:00:00Z"), Modified: ms("2024-03-06T11:00:00Z")},
	}
	if len(got) != len(want) {
		t.Fatalf("decoded %d objects; want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("object %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
	obs, err := Matchable(got[1].(*Indicator).Pattern)
	wantObs := []Observable{{indicator.SHA256, "4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877"}, {indicator.MD5, "3773a88f65a5e780c8dff9cdc3a056f3"}}
	if err != nil || !reflect.DeepEqual(obs, wantObs) {
		t.Errorf("Matchable(indicator pattern) = %v, %v; want %v", obs, err, wantObs)
	}
	// Relaying keeps what samdrift does not model.
	out, err := WriteBundle(b.Objects)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"x_nordlys_score": 7`) || !strings.Contains(string(out), `"relationship_type": "related-to"`) {
		t.Errorf("relayed bundle lost properties:\n%s", out)
	}
}
