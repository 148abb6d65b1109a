package web_test

import (
	"fmt"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// kevDoc is a small catalogue in CISA's KEV format (written for the test).
const kevDoc = `{"catalogVersion":"2026.12.01","count":1,"vulnerabilities":[{"cveID":"CVE-2026-10001","vendorProject":"Microsoft","product":"Exchange Server",
 "vulnerabilityName":"Microsoft Exchange Server Remote Code Execution Vulnerability","dateAdded":"2026-11-28","shortDescription":"Code execution.",
 "requiredAction":"Apply mitigations per vendor instructions.","dueDate":"2026-12-19","knownRansomwareCampaignUse":"Known","notes":""}]}`

func TestAPICert(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ciso, certTok, spoc := e.token("demo-ciso"), e.token("demo-cert"), e.token("demo-spoc")
		if r := e.call("POST", "/api/v1/assets", ciso, `{"org":"101","product":"Exchange Server","vendor":"Microsoft","version":"15.2.1118.40"}`, nil); r.StatusCode != 201 {
			t.Fatalf("add asset = %d", r.StatusCode)
		}
		if r := e.call("POST", "/api/v1/assets", ciso, `{"org":"101","product":"x","cpe":"cpe:2.3:a:broken"}`, nil); r.StatusCode != 400 {
			t.Errorf("a broken CPE = %d; want 400", r.StatusCode)
		}
		if r := e.callWith("POST", "/api/v1/assets/import?org=101&format=cyclonedx", ciso, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"log4j-core","group":"org.apache.logging.log4j","version":"2.14.1","purl":"pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}]}`,
			map[string]string{"Content-Type": "application/json"}, nil); r.StatusCode != 201 {
			t.Errorf("SBOM import = %d", r.StatusCode)
		}
		var assets struct {
			Total int `json:"total"`
		}
		e.must("GET", "/api/v1/assets?org=101", ciso, "", &assets)
		if assets.Total != 2 {
			t.Errorf("København's assets = %d; want 2", assets.Total)
		}
		if r := e.call("POST", "/api/v1/advisories/import?format=kev", ciso, kevDoc, nil); r.StatusCode != 403 {
			t.Errorf("a CISO importing KEV = %d; want 403", r.StatusCode)
		}
		var res struct {
			Added, Vulnerabilities int
		}
		e.must("POST", "/api/v1/advisories/import?format=kev", certTok, kevDoc, &res)
		if res.Added != 1 || res.Vulnerabilities != 1 {
			t.Errorf("KEV import = %+v", res)
		}
		if r := e.call("POST", "/api/v1/advisories/import?format=csaf", certTok, `{}`, nil); r.StatusCode != 400 {
			t.Errorf("CSAF import (not yet supported) = %d; want 400", r.StatusCode)
		}
		// Log4Shell by purl and range, from the CERT.
		e.must("POST", "/api/v1/advisories", certTok, `{"title":"Log4Shell","severity":"critical","cves":["CVE-2021-44228"],"tlp":"green",
			"products":[{"purl":"pkg:maven/org.apache.logging.log4j/log4j-core","versions":"vers:maven/>=2.0-beta9|<2.15.0"}]}`, nil)
		var vs struct {
			Items []struct {
				ID     int64  `json:"id"`
				CVE    string `json:"cve"`
				Status string `json:"status"`
				Due    string `json:"due"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/vulnerabilities?org=101", ciso, "", &vs)
		cves := map[string]bool{}
		for _, v := range vs.Items {
			cves[v.CVE] = true
			if v.Status != "open" || v.Due == "" {
				t.Errorf("vulnerability %+v; want open with a due date", v)
			}
		}
		if len(vs.Items) != 2 || !cves["CVE-2026-10001"] || !cves["CVE-2021-44228"] {
			t.Fatalf("København's vulnerabilities = %+v", vs.Items)
		}
		if r := e.call("PATCH", fmt.Sprintf("/api/v1/vulnerabilities/%d", vs.Items[0].ID), spoc, `{"status":"patched"}`, nil); r.StatusCode != 403 {
			t.Errorf("the SPOC setting a vulnerability = %d; want 403", r.StatusCode)
		}
		e.must("PATCH", fmt.Sprintf("/api/v1/vulnerabilities/%d", vs.Items[0].ID), ciso, `{"status":"patched"}`, nil)
		var adv struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
		}
		e.must("GET", "/api/v1/advisories?affected=true", ciso, "", &adv)
		if len(adv.Items) != 2 {
			t.Errorf("advisories concerning København = %d; want 2", len(adv.Items))
		}
		e.must("GET", fmt.Sprintf("/api/v1/advisories/%d", adv.Items[0].ID), certTok, "", nil)
	})
}
