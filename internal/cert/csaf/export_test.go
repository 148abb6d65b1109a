package csaf

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	gocsaf "github.com/gocsaf/csaf/v3/csaf"

	"github.com/samdrift/samdrift/internal/errs"
)

func exportInput() ExportInput {
	return ExportInput{
		TrackingID:         "SAMDRIFT-2024-0007",
		Version:            "1",
		Title:              "Kritisk sårbarhed i Example HTTP Server",
		Summary:            "En fjernangriber kan omgå adgangskontrollen.\n\nRammer også proxyen.",
		Severity:           "critical",
		Action:             "vendor_fix: Opdater til 2.4.58.\nmitigation: Bloker adgang udefra,\nindtil der er opdateret.",
		TLP:                "green",
		Publisher:          "Kommunernes CERT",
		PublisherNamespace: "https://cert.example.dk",
		CVEs:               []string{"CVE-2024-0042", "CVE-2024-0043"},
		Published:          time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		Updated:            time.Date(2024, 3, 2, 11, 30, 0, 0, time.UTC),
		Products: []Product{
			{Vendor: "Example Org", Product: "Example HTTP Server", CPE: "cpe:2.3:a:example:http_server:*:*:*:*:*:*:*:*", Versions: "vers:generic/>=2.4.0|<2.4.58"},
			{Vendor: "Example Org", Product: "Example HTTP Server", Versions: "vers:generic/2.3.9"},
			{Vendor: "Example Org", Product: "Example Proxy", Versions: "vers:generic/2.4.1"},
			{Vendor: "Example Org", Product: "Example Admin"},
			{Vendor: "Other", Product: "example-lib", PURL: "pkg:npm/example-lib", Versions: "vers:npm/1.3.0"},
			{Vendor: "Other", Product: "tool", Versions: "vers:semver/1.0.0"},
		},
		Lang: "da",
	}
}

func TestExportValidates(t *testing.T) {
	data, err := Export(exportInput())
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	var raw any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	problems, err := gocsaf.ValidateCSAF(raw)
	if err != nil || len(problems) > 0 {
		t.Fatalf("ValidateCSAF(Export) = %q, %v\n%s", problems, err, data)
	}
	var adv gocsaf.Advisory
	if err := json.Unmarshal(data, &adv); err != nil {
		t.Fatal(err)
	}
	if err := adv.Validate(); err != nil {
		t.Errorf("Advisory.Validate = %v", err)
	}
	if got := string(*adv.Document.Category); got != "csaf_security_advisory" {
		t.Errorf("category = %q", got)
	}
	// The tree: vendor → product_name → version branch, or the product
	// right under product_name when it has no versions.
	type leaf struct{ path, category, name string }
	var leaves []leaf
	var walk func(bs gocsaf.Branches, path string)
	walk = func(bs gocsaf.Branches, path string) {
		for _, b := range bs {
			p := path + "/" + *b.Name
			if b.Product != nil {
				leaves = append(leaves, leaf{p, string(*b.Category), *b.Name})
			}
			walk(b.Branches, p)
		}
	}
	walk(adv.ProductTree.Branches, "")
	want := []leaf{
		{"/Example Org/Example HTTP Server/vers:generic/>=2.4.0|<2.4.58", "product_version_range", "vers:generic/>=2.4.0|<2.4.58"},
		{"/Example Org/Example HTTP Server/2.3.9", "product_version", "2.3.9"},
		{"/Example Org/Example Proxy/2.4.1", "product_version", "2.4.1"},
		{"/Example Org/Example Admin", "product_name", "Example Admin"},
		{"/Other/example-lib/1.3.0", "product_version", "1.3.0"},
		{"/Other/tool/vers:semver/1.0.0", "product_version_range", "vers:semver/1.0.0"},
	}
	if !reflect.DeepEqual(leaves, want) {
		t.Errorf("product tree leaves = %q; want %q", leaves, want)
	}
	if n := len(adv.Vulnerabilities); n != 2 {
		t.Errorf("%d vulnerabilities; want 2", n)
	}
	for _, v := range adv.Vulnerabilities {
		if len(*v.ProductStatus.KnownAffected) != 6 || len(v.Notes) != 1 || len(v.Remediations) != 2 {
			t.Errorf("vulnerability %s: %d known_affected, %d notes, %d remediations; want 6, 1, 2", *v.CVE, len(*v.ProductStatus.KnownAffected), len(v.Notes), len(v.Remediations))
		}
	}
}

func TestExportRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*ExportInput)
		action string // what Parse gives for the action
	}{
		{"as given", func(*ExportInput) {}, ""},
		{"clear, English, no CVE, free-text action", func(in *ExportInput) {
			in.TLP, in.Lang, in.CVEs, in.Summary = "clear", "en", nil, ""
			in.Action = "Update now."
		}, "mitigation: Update now."},
		{"red, later version", func(in *ExportInput) { in.TLP, in.Version, in.Severity = "red", "3", "low" }, ""},
		{"amber, semantic version", func(in *ExportInput) { in.TLP, in.Version, in.Severity = "amber", "2.1.0", "medium" }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := exportInput()
			c.change(&in)
			data, err := Export(in)
			if err != nil {
				t.Fatalf("Export = %v", err)
			}
			got, err := Parse("export.json", data)
			if err != nil {
				t.Fatalf("Parse(Export) = %v\n%s", err, data)
			}
			want := Document{
				TrackingID: in.TrackingID,
				Version:    in.Version,
				Title:      in.Title,
				Summary:    in.Summary,
				Severity:   in.Severity,
				CVEs:       in.CVEs,
				Action:     in.Action,
				TLP:        in.TLP,
				Published:  in.Published,
				Updated:    in.Updated,
				Products:   in.Products,
				Publisher:  in.Publisher,
			}
			if c.action != "" {
				want.Action = c.action
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(Export(in)) =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestExportRevisionHistory(t *testing.T) {
	for _, c := range []struct {
		version string
		want    []string
		status  string
	}{
		{"", []string{"1"}, "final"},
		{"3", []string{"1", "2", "3"}, "final"},
		{"1.0.0", []string{"1.0.0"}, "final"},
		{"2.1.0", []string{"1.0.0", "2.1.0"}, "final"},
		{"0", []string{"0"}, "draft"},
		{"0.9.0", []string{"0.9.0"}, "draft"},
	} {
		in := exportInput()
		in.Version = c.version
		data, err := Export(in)
		if err != nil {
			t.Fatalf("Export(version %q) = %v", c.version, err)
		}
		var adv gocsaf.Advisory
		if err := json.Unmarshal(data, &adv); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range adv.Document.Tracking.RevisionHistory {
			got = append(got, string(*r.Number))
		}
		if !reflect.DeepEqual(got, c.want) || string(*adv.Document.Tracking.Status) != c.status {
			t.Errorf("Export(version %q): revisions %q, status %s; want %q, %s", c.version, got, *adv.Document.Tracking.Status, c.want, c.status)
		}
	}
}

func TestExportTLP(t *testing.T) {
	for _, c := range []struct{ tlp, label string }{
		{"clear", "WHITE"}, {"green", "GREEN"}, {"amber", "AMBER"}, {"RED", "RED"},
	} {
		in := exportInput()
		in.TLP = c.tlp
		data, err := Export(in)
		if err != nil {
			t.Fatalf("Export(TLP %q) = %v", c.tlp, err)
		}
		var adv gocsaf.Advisory
		if err := json.Unmarshal(data, &adv); err != nil {
			t.Fatal(err)
		}
		if got := string(*adv.Document.Distribution.TLP.DocumentTLPLabel); got != c.label {
			t.Errorf("Export(TLP %q): label %s; want %s", c.tlp, got, c.label)
		}
	}
}

func TestExportRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*ExportInput)
		field  string
		says   string
	}{
		{"amber+strict", func(in *ExportInput) { in.TLP = "amber+strict" }, "tlp", "STIX/TAXII"},
		{"no TLP", func(in *ExportInput) { in.TLP = "" }, "tlp", "unknown TLP"},
		{"no tracking id", func(in *ExportInput) { in.TrackingID = " " }, "tracking_id", "empty"},
		{"no title", func(in *ExportInput) { in.Title = "" }, "title", "empty"},
		{"bad severity", func(in *ExportInput) { in.Severity = "urgent" }, "severity", "urgent"},
		{"pre-release version", func(in *ExportInput) { in.Version = "1.0.0-rc1" }, "version", "1.0.0-rc1"},
		{"bad namespace", func(in *ExportInput) { in.PublisherNamespace = "cert.example.dk" }, "publisher_namespace", "web address"},
		{"bad language", func(in *ExportInput) { in.Lang = "de" }, "lang", "de"},
		{"bad CVE", func(in *ExportInput) { in.CVEs = []string{"CVE-24-1"} }, "cves", "CVE-24-1"},
		{"no publication", func(in *ExportInput) { in.Published = time.Time{} }, "published", "required"},
		{"updated before published", func(in *ExportInput) { in.Updated = in.Published.Add(-time.Hour) }, "updated", "before"},
		{"no products", func(in *ExportInput) { in.Products = nil }, "products", "at least one"},
		{"nameless product", func(in *ExportInput) { in.Products = []Product{{Versions: "vers:generic/1.0"}} }, "products[0]", "vendor"},
		{"bad range", func(in *ExportInput) { in.Products[1].Versions = "<2.0" }, "products[1].versions", "vers:"},
		{"bad CPE", func(in *ExportInput) { in.Products[0].CPE = "cpe:2.3:a:x" }, "products[0].cpe", ""},
		{"bad purl", func(in *ExportInput) { in.Products[4].PURL = "npm/example-lib" }, "products[4].purl", ""},
	} {
		in := exportInput()
		c.change(&in)
		data, err := Export(in)
		e := errs.As(err)
		if e == nil || e.Code != errs.Invalid || e.Field != c.field || !strings.Contains(e.Message, c.says) {
			t.Errorf("%s: Export = %s, %v; want an Invalid error on %s saying %q", c.name, data, err, c.field, c.says)
		}
	}
}

func TestExportNamesFromIdentifiers(t *testing.T) {
	in := exportInput()
	in.Products = []Product{
		{CPE: "cpe:2.3:a:example:http_server:*:*:*:*:*:*:*:*", Versions: "vers:generic/<2.4.58"},
		{PURL: "pkg:npm/%40scope/lib"},
	}
	data, err := Export(in)
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	doc, err := Parse("export.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := []Product{
		{Vendor: "example", Product: "http_server", CPE: in.Products[0].CPE, Versions: "vers:generic/<2.4.58"},
		{Vendor: "@scope", Product: "lib", PURL: in.Products[1].PURL},
	}
	if !reflect.DeepEqual(doc.Products, want) {
		t.Errorf("Products = %+v; want %+v", doc.Products, want)
	}
}
