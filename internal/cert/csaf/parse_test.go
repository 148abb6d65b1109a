package csaf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/cert/match"
	"github.com/samdrift/samdrift/internal/errs"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		file string
		want Document
	}{
		{"tree.json", Document{
			TrackingID: "EXORG-2024-0042",
			Version:    "2",
			Title:      "Example Org: request smuggling in HTTP Server, Proxy and Gateway",
			Summary:    "A request smuggling flaw lets a remote attacker bypass access controls.",
			Severity:   "medium",
			CVEs:       []string{"CVE-2024-0042"},
			Action: "vendor_fix: Update HTTP Server and Gateway to 2.4.58 and Proxy to 2.4.2. (https://psirt.example.org/downloads)\n" +
				"workaround: Reject requests that carry both Content-Length and Transfer-Encoding.",
			TLP:       "clear",
			Published: utc("2024-03-01T10:00:00Z"),
			Updated:   utc("2024-03-05T07:30:00Z"),
			Products: []Product{
				{Vendor: "Example Org", Product: "Example HTTP Server", CPE: "cpe:2.3:a:example:http_server:*:*:*:*:*:*:*:*", Versions: "vers:generic/>=2.4.0|<2.4.58"},
				{Vendor: "Example Org", Product: "Example Proxy", CPE: "cpe:2.3:a:example:proxy:2.4.1:*:*:*:*:*:*:*", Versions: "vers:generic/2.4.1"},
				{Vendor: "Example Org", Product: "Example Gateway", Versions: "vers:generic/<2.4.58"},
				{Vendor: "Example Org", Product: "example-lib", PURL: "pkg:npm/example-lib@1.3.0", Versions: "vers:npm/>=1.3.0"},
			},
			Publisher: "Example Org PSIRT",
		}},
		{"scores.json", Document{
			TrackingID: "EXNET-SA-2024-007",
			Version:    "1.0.0",
			Title:      "Example Router firmware: three vulnerabilities",
			Summary:    "Remote code execution in the web interface.\n\nUpdate the firmware.",
			Severity:   "critical",
			CVEs:       []string{"CVE-2024-1001", "CVE-2024-1002", "CVE-2024-1003"},
			Action:     "vendor_fix: Install firmware 3.3.\nmitigation: Block the management interface at the perimeter.",
			TLP:        "green",
			Published:  utc("2024-05-02T12:00:00Z"),
			Updated:    utc("2024-05-02T12:00:00Z"),
			Products: []Product{
				{Product: "Example Router X1 firmware 3.2", CPE: "cpe:/h:example:router_x1:3.2"},
				{Product: "Example Router X2 firmware 3.2"},
			},
			Publisher: "Example Networks",
		}},
		{"amber.json", Document{
			TrackingID: "EXCERT-2024-0100",
			Version:    "1",
			Title:      "Example SCADA HMI: hard-coded credentials",
			Severity:   "high",
			Action:     "workaround: Restrict network access to the HMI.",
			TLP:        "amber",
			Published:  utc("2024-06-10T09:00:00Z"),
			Updated:    utc("2024-06-10T09:00:00Z"),
			Products:   []Product{{Vendor: "Example Automation", Product: "Example HMI", CPE: "cpe:2.3:a:example_automation:hmi:*:*:*:*:*:*:*:*"}},
			Publisher:  "Example National CERT",
		}},
		{"notlp.json", Document{
			TrackingID: "EXMAIL-2024-3",
			Version:    "1",
			Title:      "Example Mail Gateway: open relay",
			Summary:    "The gateway relays mail for anyone.",
			Severity:   "medium",
			CVEs:       []string{"CVE-2024-30000"},
			Published:  utc("2024-07-01T00:00:00Z"),
			Updated:    utc("2024-07-01T00:00:00Z"),
			Products:   []Product{{Vendor: "Example Mail", Product: "Mail Gateway"}},
			Publisher:  "Example Mail",
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			got, err := Parse(c.file, readTestdata(t, c.file))
			if err != nil {
				t.Fatalf("Parse(%q) = %v", c.file, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", c.file, got, c.want)
			}
			for _, p := range got.Products {
				if _, err := match.ParseRange(p.Versions); p.Versions != "" && err != nil {
					t.Errorf("Parse(%q): product %s has range %q: match.ParseRange = %v", c.file, p.Product, p.Versions, err)
				}
			}
		})
	}
}

func TestParseSeverity(t *testing.T) {
	scores := string(readTestdata(t, "scores.json"))
	for _, c := range []struct {
		name string
		doc  string
		want string
	}{
		{"highest v3 score", scores, "critical"},
		{"v3 high beside v2 high", strings.Replace(strings.Replace(scores, `"baseScore": 9.8`, `"baseScore": 8.1`, 1), `"CRITICAL"`, `"HIGH"`, 1), "high"},
		{"v2 7.5 is high", strings.Replace(strings.Replace(scores, `"baseScore": 9.8`, `"baseScore": 4.0`, 1), `"CRITICAL"`, `"MEDIUM"`, 1), "high"},
		{"v3 medium alone", strings.Replace(strings.Replace(strings.Replace(scores, `"baseScore": 9.8`, `"baseScore": 3.1`, 1), `"CRITICAL"`, `"LOW"`, 1), `"baseScore": 7.5`, `"baseScore": 2.0`, 1), "medium"},
		{"aggregate severity without scores", strings.ReplaceAll(string(readTestdata(t, "amber.json")), `"Important"`, `"Critical"`), "critical"},
		{"unknown aggregate text", strings.ReplaceAll(string(readTestdata(t, "amber.json")), `"Important"`, `"Severe-ish"`), "medium"},
	} {
		got, err := Parse(c.name, []byte(c.doc))
		if err != nil {
			t.Fatalf("%s: Parse = %v", c.name, err)
		}
		if got.Severity != c.want {
			t.Errorf("%s: Severity = %q; want %q", c.name, got.Severity, c.want)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	tree := string(readTestdata(t, "tree.json"))
	scores := string(readTestdata(t, "scores.json"))
	for _, c := range []struct {
		name  string
		doc   string
		field string
		says  []string
	}{
		{"invalid_schema.json", string(readTestdata(t, "invalid_schema.json")), "$.vulnerabilities[0].cve",
			[]string{"invalid_schema.json", "/vulnerabilities/0/cve", "does not match pattern", "CSAF 2.0 JSON schema"}},
		{"invalid_dangling.json", string(readTestdata(t, "invalid_dangling.json")), "$.vulnerabilities[0].product_status.known_affected[1]",
			[]string{"invalid_dangling.json", `"MGW-OLD"`, "not defined", "6.1.1"}},
		{"missing title", strings.Replace(tree, `"title": "Example Org: request smuggling in HTTP Server, Proxy and Gateway",`, "", 1), "$.document",
			[]string{"missing property 'title'"}},
		{"product defined twice", strings.Replace(tree, `"product_id": "EXPROXY-242"`, `"product_id": "EXPROXY-241"`, 1), "$.product_tree.branches[0].branches[1].branches[1].product.product_id",
			[]string{`"EXPROXY-241"`, "defined twice", "$.product_tree.branches[0].branches[1].branches[0].product", "6.1.2"}},
		{"prose range", strings.Replace(tree, `"name": "<2.4.58"`, `"name": "prior to 2.4.58"`, 1), "$.product_tree.branches[0].branches[2].branches[0].name",
			[]string{`"prior to 2.4.58"`, "vers"}},
		{"bad vers range", strings.Replace(tree, `vers:generic/>=2.4.0|<2.4.58`, `vers:generic/>=2.4.0|>=2.4.58`, 1), "$.product_tree.branches[0].branches[0].branches[0].name",
			[]string{"product_version_range", "alternate"}},
		{"dangling score", strings.Replace(scores, `"products": ["X1-32"]`, `"products": ["X9"]`, 1), "$.vulnerabilities[0].scores[0].products[0]",
			[]string{`"X9"`}},
		{"dangling group", strings.Replace(scores, `"group_ids": ["ROUTERS"]`, `"group_ids": ["SWITCHES"]`, 1), "$.vulnerabilities[0].remediations[0].group_ids[0]",
			[]string{`"SWITCHES"`, "6.1.4"}},
		{"not JSON", `{"document": `, "$", []string{"not a JSON document"}},
		{"two values", `{} {}`, "$", []string{"not a JSON document"}},
	} {
		_, err := Parse(c.name, []byte(c.doc))
		e := errs.As(err)
		if e == nil || e.Code != errs.Invalid || e.Field != c.field {
			t.Errorf("%s: Parse = %v; want an Invalid error on %s", c.name, err, c.field)
			continue
		}
		for _, s := range c.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: Parse = %v; want it to say %q", c.name, err, s)
			}
		}
	}
}

// affected builds what package cert would give match from a Product.
func affected(t *testing.T, p Product) match.Affected {
	t.Helper()
	a := match.Affected{Vendor: p.Vendor, Product: p.Product}
	if p.CPE != "" {
		c := match.MustParseCPE(p.CPE)
		a.CPE = &c
	}
	if p.PURL != "" {
		u, err := match.ParsePURL(p.PURL)
		if err != nil {
			t.Fatal(err)
		}
		a.PURL = &u
	}
	if p.Versions != "" {
		r, err := match.ParseRange(p.Versions)
		if err != nil {
			t.Fatalf("match.ParseRange(%q) = %v", p.Versions, err)
		}
		a.Range = &r
	}
	return a
}

func TestParsedProductsMatch(t *testing.T) {
	doc, err := Parse("tree.json", readTestdata(t, "tree.json"))
	if err != nil {
		t.Fatal(err)
	}
	byProduct := map[string]match.Affected{}
	for _, p := range doc.Products {
		byProduct[p.Product] = affected(t, p)
	}
	for _, c := range []struct {
		product string
		asset   match.Asset
		want    bool
		why     string
	}{
		{"Example Proxy", match.Asset{Vendor: "Example Org", Product: "Example Proxy", Version: "2.4.1"}, true, match.ReasonNameRange},
		{"Example Proxy", match.Asset{Vendor: "Example Org", Product: "Example Proxy", Version: "2.4.2"}, false, ""},
		{"Example Proxy", match.Asset{CPE: "cpe:2.3:a:example:proxy:2.4.1:*:*:*:*:*:*:*"}, true, match.ReasonCPERange},
		{"Example Proxy", match.Asset{CPE: "cpe:2.3:a:example:proxy:2.4.10:*:*:*:*:*:*:*"}, false, ""},
		{"Example HTTP Server", match.Asset{CPE: "cpe:2.3:a:example:http_server:2.4.57:*:*:*:*:*:*:*"}, true, match.ReasonCPERange},
		{"Example HTTP Server", match.Asset{CPE: "cpe:2.3:a:example:http_server:2.4.58:*:*:*:*:*:*:*"}, false, ""},
		{"Example HTTP Server", match.Asset{CPE: "cpe:2.3:a:example:http_server:2.3.9:*:*:*:*:*:*:*"}, false, ""},
		{"Example HTTP Server", match.Asset{Vendor: "Example Org", Product: "Example HTTP Server", Version: "2.4.0"}, true, match.ReasonNameRange},
		{"Example HTTP Server", match.Asset{Vendor: "Example Org", Product: "Example HTTP Server"}, true, match.ReasonNameVersionUnknown},
		{"Example Gateway", match.Asset{Vendor: "Example Org", Product: "Example Gateway", Version: "2.4.57"}, true, match.ReasonNameRange},
		{"Example Gateway", match.Asset{Vendor: "Example Org", Product: "Example Gateway", Version: "2.4.58"}, false, ""},
		{"Example Gateway", match.Asset{Vendor: "Example Org", Product: "Example Gateway", Version: "1.0"}, true, match.ReasonNameRange},
		{"Example Gateway", match.Asset{Vendor: "Other Org", Product: "Example Gateway", Version: "1.0"}, false, ""},
		{"example-lib", match.Asset{PURL: "pkg:npm/example-lib@1.3.5"}, true, match.ReasonPURLRange},
		{"example-lib", match.Asset{PURL: "pkg:npm/example-lib@1.2.9"}, false, ""},
	} {
		a, ok := byProduct[c.product]
		if !ok {
			t.Fatalf("no product %q in %+v", c.product, doc.Products)
		}
		got, why := a.Match(c.asset)
		if got != c.want || why != c.why {
			t.Errorf("%s: Match(%+v) = %v, %q; want %v, %q", c.product, c.asset, got, why, c.want, c.why)
		}
	}
}
