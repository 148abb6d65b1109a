package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/compliance"
	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestComplianceAPI walks the compliance API as its users would, every
// answer checked against openapi.json: the four shipped frameworks, a
// CISO's answer derived into the others, live evidence after an
// evaluation, evidence files and links, governance's heatmap, a library
// import, and the standards register from draft to acknowledgement.
func TestComplianceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		if _, err := compliance.New(db).InstallBuiltin(context.Background()); err != nil {
			t.Fatal(err)
		}
		ciso, gov, spoc := e.token("demo-ciso"), e.token("demo-governance"), e.token("demo-spoc")
		var fws struct {
			Items []compliance.Framework `json:"items"`
			Total int                    `json:"total"`
		}
		e.must("GET", "/api/v1/frameworks?lang=en", ciso, "", &fws)
		ids := map[string]int{}
		for _, f := range fws.Items {
			for _, k := range []string{"nis2", "gdpr", "iso27001", "tmk"} {
				if strings.Contains(f.ID, k) {
					ids[k] = f.Requirements
				}
			}
		}
		if len(ids) != 4 || ids["iso27001"] != 93 || fws.Total != 4 {
			t.Fatalf("GET /frameworks = %+v; want the four shipped, ISO with 93 requirements", fws)
		}
		var reqs struct {
			Items []compliance.Requirement `json:"items"`
			Total int                      `json:"total"`
		}
		e.must("GET", "/api/v1/frameworks/iso27001-2022/requirements?q=8.15", ciso, "", &reqs)
		if reqs.Total != 1 || len(reqs.Items[0].Mappings) == 0 {
			t.Fatalf("requirements ?q=8.15 = %+v", reqs)
		}
		var a compliance.Answer
		e.must("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.8.15", ciso, `{"status":"met","maturity":3,"owner":"IT-sikkerhed","live_check":"log-coverage","version":0}`, &a)
		if a.Version != 1 || a.Answered != "met" {
			t.Errorf("PATCH answer = %+v", a)
		}
		if r := e.call("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.8.15", ciso, `{"status":"partial","version":0}`, nil); r.StatusCode != http.StatusConflict {
			t.Errorf("a stale answer = %d; want 409", r.StatusCode)
		}
		if r := e.call("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.8.15", spoc, `{"status":"partial","version":1}`, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("a SPOC answering = %d; want 403", r.StatusCode)
		}
		var as compliance.Assessment
		e.must("GET", "/api/v1/assessments/101/tmk", ciso, "", &as)
		derived := 0
		for _, x := range as.Items {
			if x.Derived != nil {
				derived++
			}
		}
		if derived == 0 || as.Counts.Derived != derived {
			t.Errorf("TMK for København: %d derived (counts %+v); want answers derived from ISO A.8.15", derived, as.Counts)
		}
		var sums struct {
			Items []compliance.Summary `json:"items"`
		}
		e.must("GET", "/api/v1/assessments?org=101", ciso, "", &sums)
		if len(sums.Items) != 4 {
			t.Errorf("GET /assessments?org=101 = %+v; want one line per framework", sums)
		}
		// Live evidence after governance runs the checks.
		if r := e.call("POST", "/api/v1/compliance/evaluate", ciso, "", nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("a CISO running the checks = %d; want 403", r.StatusCode)
		}
		e.must("POST", "/api/v1/compliance/evaluate", gov, "", nil)
		var link compliance.Evidence
		e.must("POST", "/api/v1/evidence?org=101", ciso, `{"title":"Logpolitik","url":"https://intra.kk.dk/log","expires_at":"2099-01-01","requirements":[{"framework":"iso27001-2022","ref_id":"A.8.15"}]}`, &link)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("title", "Restore-test 2026")
		mw.WriteField("requirements", "iso27001-2022:A.8.13\ntmk:16")
		fw, _ := mw.CreatePart(map[string][]string{"Content-Disposition": {`form-data; name="file"; filename="restore.txt"`}, "Content-Type": {"text/plain"}})
		fw.Write([]byte("Gendannelse testet 2026-11-30: OK"))
		mw.Close()
		var file compliance.Evidence
		e.callWith("POST", "/api/v1/evidence?org=101", ciso, body.String(), map[string]string{"Content-Type": mw.FormDataContentType()}, &file)
		if file.Kind != "file" || len(file.Requirements) != 2 || file.SHA256 == "" {
			t.Fatalf("a file as evidence = %+v", file)
		}
		resp, data := e.send("GET", fmt.Sprintf("/api/v1/evidence/%d/file", file.ID), ciso, "", nil)
		if resp.StatusCode != 200 || string(data) != "Gendannelse testet 2026-11-30: OK" {
			t.Errorf("the evidence file = %d %q", resp.StatusCode, data)
		}
		var ev struct {
			Items []compliance.Evidence `json:"items"`
		}
		e.must("GET", "/api/v1/evidence?org=101", ciso, "", &ev)
		live := map[string]string{}
		for _, x := range ev.Items {
			if x.Live {
				live[x.Check] = x.Result
			}
		}
		if len(ev.Items) < 6 || live["log-coverage"] == "" || live["vulnerabilities-patched"] != "pass" {
			t.Errorf("GET /evidence?org=101 = %+v; want the file, the link and the live checks with results", ev.Items)
		}
		if r := e.call("GET", "/api/v1/evidence?org=265", ciso, "", nil); r.StatusCode != http.StatusBadRequest {
			t.Errorf("København's CISO reading Roskilde's evidence = %d; want refused as unknown (400)", r.StatusCode)
		}
		var tr struct {
			Items []compliance.Trend `json:"items"`
		}
		e.must("GET", "/api/v1/compliance/trends?org=101", ciso, "", &tr)
		if len(tr.Items) == 0 || len(tr.Items[0].Points) != 1 {
			t.Errorf("trends after one evaluation = %+v; want this quarter's point", tr.Items)
		}
		// Governance's heatmap.
		var h compliance.Heatmap
		e.must("GET", "/api/v1/compliance/heatmap", gov, "", &h)
		if len(h.Rows) < 98 || len(h.Frameworks) != 4 {
			t.Errorf("heatmap: %d rows, %d frameworks", len(h.Rows), len(h.Frameworks))
		}
		// A library in CISO Assistant's format.
		lib, err := os.ReadFile("../compliance/library/testdata/basis.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var imp struct {
			Items []compliance.InstallResult `json:"items"`
		}
		e.callWith("POST", "/api/v1/frameworks/import?name=basis.yaml", gov, string(lib), map[string]string{"Content-Type": "application/yaml"}, &imp)
		if len(imp.Items) != 1 || imp.Items[0].Requirements == 0 {
			t.Fatalf("importing basis.yaml = %+v", imp)
		}
		if r := e.call("DELETE", "/api/v1/compliance/libraries/"+imp.Items[0].Library, ciso, "", nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("a CISO removing a library = %d; want 403", r.StatusCode)
		}
		if r := e.call("DELETE", "/api/v1/compliance/libraries/"+imp.Items[0].Library, gov, "", nil); r.StatusCode != http.StatusNoContent {
			t.Errorf("governance removing the library it imported = %d; want 204", r.StatusCode)
		}
		// The register: draft, approved, acknowledged by the unit.
		var st compliance.Standard
		e.must("POST", "/api/v1/standards", gov, `{"ref":"FS-BACKUP-01","title":"Backup og gendannelse","kind":"procedure","requirements":[{"framework":"iso27001-2022","ref_id":"A.8.13"}]}`, &st)
		e.must("PATCH", fmt.Sprintf("/api/v1/standards/%d", st.ID), gov, fmt.Sprintf(`{"status":"consultation","consultation_until":"2027-02-01","revision":%d}`, st.Revision), &st)
		e.must("PATCH", fmt.Sprintf("/api/v1/standards/%d", st.ID), gov, fmt.Sprintf(`{"status":"approved","approval_record":"IT-arkitekturrådet 2027-02-10, pkt. 5","revision":%d}`, st.Revision), &st)
		var ack compliance.Ack
		e.must("PUT", fmt.Sprintf("/api/v1/standards/%d/acks", st.ID), e.token("demo-unit-manager"), `{"status":"implemented","note":"Månedlig gendannelsestest"}`, &ack)
		var acks struct {
			Items []compliance.Ack `json:"items"`
		}
		e.must("GET", fmt.Sprintf("/api/v1/standards/%d/acks", st.ID), gov, "", &acks)
		done := 0
		for _, k := range acks.Items {
			if k.Status == "implemented" && k.Current {
				done++
			}
		}
		if done != 1 || len(acks.Items) < 4 {
			t.Errorf("acknowledgements = %+v; want every unit listed, one implemented", acks.Items)
		}
		var list struct {
			Items []compliance.Standard `json:"items"`
		}
		e.must("GET", "/api/v1/standards", spoc, "", &list)
		if len(list.Items) != 1 || list.Items[0].Status != "approved" {
			t.Errorf("the register as a SPOC = %+v", list.Items)
		}
	})
}

// TestStatementOfApplicability exports an assessment as CSV and imports
// it into another municipality: the answers arrive, derived lines do not.
func TestStatementOfApplicability(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		if _, err := compliance.New(db).InstallBuiltin(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.addUser("ciso-ros", "265", "ciso")
		ciso, ros := e.token("demo-ciso"), e.token("ciso-ros")
		e.must("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.8.15", ciso, `{"status":"met","maturity":4,"owner":"Drift","version":0}`, nil)
		e.must("PATCH", "/api/v1/assessments/101/iso27001-2022/requirements/A.7.4", ciso, `{"status":"not_applicable","reason":"Ingen egne lokaler","version":0}`, nil)
		resp, soa := e.send("GET", "/api/v1/assessments/101/iso27001-2022/soa.csv", ciso, "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(soa), "A.8.15,") || strings.Count(string(soa), "\n") != 94 {
			t.Fatalf("soa.csv = %d, %d lines:\n%.400s", resp.StatusCode, strings.Count(string(soa), "\n"), soa)
		}
		var got struct {
			Answers int `json:"answers"`
		}
		e.callWith("POST", "/api/v1/assessments/265/iso27001-2022/import", ros, string(soa), map[string]string{"Content-Type": "text/csv"}, &got)
		if got.Answers != 93 {
			t.Errorf("importing the SoA = %+v; want 93 answers (derived lines skipped)", got)
		}
		var as compliance.Assessment
		e.must("GET", "/api/v1/assessments/265/iso27001-2022", ros, "", &as)
		if as.Counts.Met != 1 || as.Counts.NotApplicable != 1 || as.Counts.NotAssessed != 91 {
			t.Errorf("Roskilde after the import = %+v", as.Counts)
		}
		bad := "requirement,status\nA.8.15,met\nA.99.9,met\n"
		resp, data := e.send("POST", "/api/v1/assessments/265/iso27001-2022/import", ros, bad, map[string]string{"Content-Type": "text/csv"})
		if resp.StatusCode != 400 || !strings.Contains(string(data), "row 2") {
			t.Errorf("a CSV with an unknown requirement = %d %s; want 400 naming row 2", resp.StatusCode, data)
		}
	})
}
