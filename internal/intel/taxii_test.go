package intel_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/intel"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// posted is a TAXII envelope as a partner's client posts it: a GREEN
// indicator, an unmarked one, one samdrift cannot match, a revoked one and
// a malware object.
const posted = `{"more":false,"objects":[
 {"type":"indicator","spec_version":"2.1","id":"indicator--c0a8f1e2-1111-4a4a-8b8b-000000000001","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:00:00.000Z",
  "name":"Exfiltration host","pattern":"[ipv4-addr:value = '203.0.113.77']","pattern_type":"stix","valid_from":"2026-11-20T10:00:00Z",
  "object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]},
 {"type":"indicator","spec_version":"2.1","id":"indicator--c0a8f1e2-1111-4a4a-8b8b-000000000002","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:01:00.000Z",
  "name":"Exfiltration domain","pattern":"[domain-name:value = 'exfil.example.org']","pattern_type":"stix","valid_from":"2026-11-20T10:00:00Z"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--c0a8f1e2-1111-4a4a-8b8b-000000000003","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:02:00.000Z",
  "name":"Large uploads","pattern":"[network-traffic:src_byte_count > 1000000000]","pattern_type":"stix","valid_from":"2026-11-20T10:00:00Z"},
 {"type":"indicator","spec_version":"2.1","id":"indicator--c0a8f1e2-1111-4a4a-8b8b-000000000004","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:03:00.000Z",
  "name":"Withdrawn","pattern":"[ipv4-addr:value = '192.0.2.99']","pattern_type":"stix","valid_from":"2026-11-20T10:00:00Z","revoked":true},
 {"type":"malware","spec_version":"2.1","id":"malware--c0a8f1e2-1111-4a4a-8b8b-000000000005","created":"2026-11-20T10:00:00.000Z","modified":"2026-11-20T10:04:00.000Z",
  "name":"ExfilTool","is_family":true}]}`

// TestAddObjects posts to the AMBER collection: what it brings is marked
// AMBER at least, what samdrift cannot use is listed in the status, and
// the status is its poster's alone.
func TestAddObjects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		svc := newService(db, nil)
		soc := w.Scope(t, "demo-soc-analyst")
		amber, err := svc.CollectionByID(ctx, soc, "tlp-amber")
		if err != nil || !amber.CanWrite || !amber.CanRead {
			t.Fatalf("CollectionByID(%q) = %+v, %v; want it writable", "tlp-amber", amber, err)
		}
		if _, err := svc.CollectionByID(ctx, soc, "tlp-purple"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("CollectionByID(%q) = %v; want %s", "tlp-purple", err, errs.NotFound)
		}

		// Municipal users read the collections but do not write them.
		ciso := w.Scope(t, "demo-ciso")
		if c, _ := svc.CollectionByID(ctx, ciso, amber.ID); c.CanWrite {
			t.Errorf("CollectionByID(CISO, amber) = %+v; want can_write false", c)
		}
		if _, err := svc.AddObjects(ctx, ciso, amber, []byte(posted)); errs.CodeOf(err) != errs.Forbidden {
			t.Errorf("AddObjects(CISO) = %v; want %s", err, errs.Forbidden)
		}
		for _, bad := range []string{`{"objects":`, `{"objects":[{"type":"indicator","id":"indicator--1"}]}`, `[]`} {
			if _, err := svc.AddObjects(ctx, soc, amber, []byte(bad)); errs.CodeOf(err) != errs.Invalid {
				t.Errorf("AddObjects(%q) = %v; want %s", bad, err, errs.Invalid)
			}
		}
		if n, m := count(t, db, "indicators"), count(t, db, "taxii_status"); n != 0 || m != 0 {
			t.Errorf("after refused posts: %d indicators, %d statuses; want none", n, m)
		}

		st, err := svc.AddObjects(ctx, soc, amber, []byte(posted))
		if err != nil {
			t.Fatalf("AddObjects = %v", err)
		}
		wantFailures := []intel.StatusDetail{
			{ID: "indicator--c0a8f1e2-1111-4a4a-8b8b-000000000003", Version: "2026-11-20T10:02:00.000Z"},
			{ID: "indicator--c0a8f1e2-1111-4a4a-8b8b-000000000004", Version: "2026-11-20T10:03:00.000Z",
				Message: "$.objects[3]: indicator indicator--c0a8f1e2-1111-4a4a-8b8b-000000000004 is revoked"},
			{ID: "malware--c0a8f1e2-1111-4a4a-8b8b-000000000005", Version: "2026-11-20T10:04:00.000Z", Message: "$.objects[4]: malware objects are not modelled"},
		}
		if st.Status != "complete" || st.TotalCount != 5 || st.SuccessCount != 2 || st.FailureCount != 3 || st.PendingCount != 0 || len(st.Failures) != 3 {
			t.Fatalf("AddObjects = %+v; want complete, 5 objects, 2 taken, 3 failures", st)
		}
		for i, want := range wantFailures {
			got := st.Failures[i]
			if got.ID != want.ID || got.Version != want.Version || (want.Message != "" && got.Message != want.Message) ||
				(want.Message == "" && !strings.HasPrefix(got.Message, "$.objects[2].pattern: ")) {
				t.Errorf("AddObjects: failure %d = %+v; want %+v", i, got, want)
			}
		}
		tlps := map[string]string{}
		for _, in := range allIndicators(t, db) {
			tlps[in.Value] = in.TLP
			if in.OrgID != soc.OrgID {
				t.Errorf("posted indicator %s belongs to organisation %d; want the poster's, %d", in.Value, in.OrgID, soc.OrgID)
			}
		}
		if want := map[string]string{"203.0.113.77": "amber", "exfil.example.org": "amber"}; !reflect.DeepEqual(tlps, want) {
			t.Errorf("posted indicators = %v; want %v", tlps, want)
		}

		// Status: the poster reads it back; anyone else does not find it.
		again, err := svc.Status(ctx, soc, st.ID)
		if err != nil || !reflect.DeepEqual(again, st) {
			t.Errorf("Status(%q) = %+v, %v; want %+v", st.ID, again, err, st)
		}
		for _, other := range []string{"demo-cert", "demo-ciso", "demo-admin"} {
			if _, err := svc.Status(ctx, w.Scope(t, other), st.ID); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("Status(%q) by %s = %v; want %s", st.ID, other, err, errs.NotFound)
			}
		}
		if _, err := svc.Status(ctx, soc, "00000000-0000-4000-8000-000000000000"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Status(unknown) = %v; want %s", err, errs.NotFound)
		}

		// Posting GREEN to RED makes it RED; what was stored stays as it was.
		red, _ := svc.CollectionByID(ctx, soc, "tlp-red")
		st, err = svc.AddObjects(ctx, soc, red, []byte(strings.Replace(posted, "203.0.113.77", "203.0.113.78", 1)))
		if err != nil || st.SuccessCount != 2 {
			t.Fatalf("AddObjects(red) = %+v, %v", st, err)
		}
		for _, in := range allIndicators(t, db) {
			if want := map[string]string{"203.0.113.77": "amber", "203.0.113.78": "red", "exfil.example.org": "amber"}[in.Value]; in.TLP != want {
				t.Errorf("after posting to RED, %s is %s; want %s", in.Value, in.TLP, want)
			}
		}
	})
}
