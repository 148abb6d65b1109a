package match

import (
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func mustRangeFrom(t *testing.T, scheme, introduced, fixed, last string) *Range {
	t.Helper()
	r, err := RangeFrom(scheme, introduced, fixed, last)
	if err != nil {
		t.Fatalf("RangeFrom(%q, %q, %q, %q): %v", scheme, introduced, fixed, last, err)
	}
	return &r
}

func TestAffectedMatch(t *testing.T) {
	httpdAny := ptr(MustParseCPE("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"))
	httpd2457 := ptr(MustParseCPE("cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"))
	below2458 := mustRangeFrom(t, "generic", "2.4.0", "2.4.58", "")
	lodash := ptr(mustPURL(t, "pkg:npm/lodash"))
	djangoExact := ptr(mustPURL(t, "pkg:pypi/django@3.2.1"))
	lodashRange := ptr(MustParseRange("vers:npm/<4.17.21"))
	exchange := Affected{Vendor: "Microsoft", Product: "Exchange Server", Range: mustRangeFrom(t, "", "15.2.0", "15.2.1118.40", "")}

	tests := []struct {
		name       string
		affected   Affected
		asset      Asset
		want       bool
		wantReason string
	}{
		// CPE on both sides.
		{"cpe with range, in", Affected{CPE: httpdAny, Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}, true, ReasonCPERange},
		{"cpe with range, fixed", Affected{CPE: httpdAny, Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"}, false, ""},
		{"cpe with range, version from the asset", Affected{CPE: httpdAny, Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", Version: "2.4.9"}, true, ReasonCPERange},
		{"cpe with range, no version", Affected{CPE: httpdAny, Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"}, true, ReasonCPEVersionUnknown},
		{"cpe exact, 1.2 is 1.2.0", Affected{CPE: httpd2457},
			Asset{CPE: "cpe:/a:apache:http_server:2.4.57.0"}, true, ReasonCPE},
		{"cpe exact, other version", Affected{CPE: httpd2457},
			Asset{CPE: "cpe:2.3:a:apache:http_server:2.4.56:*:*:*:*:*:*:*"}, false, ""},
		{"cpe exact, no version", Affected{CPE: httpd2457},
			Asset{CPE: "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"}, true, ReasonCPEVersionUnknown},
		{"cpe any version", Affected{CPE: httpdAny},
			Asset{CPE: "cpe:2.3:a:apache:http_server:1.3:*:*:*:*:*:*:*"}, true, ReasonCPE},
		{"cpe decides over names", Affected{CPE: httpdAny, Vendor: "Apache", Product: "HTTP Server"},
			Asset{CPE: "cpe:2.3:a:nginx:nginx:1.25:*:*:*:*:*:*:*", Vendor: "Apache", Product: "HTTP Server", Version: "2.4.1"}, false, ""},
		{"bad asset cpe falls back to names", Affected{CPE: httpd2457},
			Asset{CPE: "cpe:2.3:a:apache", Vendor: "Apache", Product: "http server", Version: "2.4.57"}, true, ReasonNameRange},
		{"cpe NA version with range", Affected{CPE: httpdAny, Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:-:*:*:*:*:*:*:*"}, false, ""},

		// PURL on both sides.
		{"purl range, in", Affected{PURL: lodash, Range: lodashRange},
			Asset{PURL: "pkg:npm/lodash@4.17.20"}, true, ReasonPURLRange},
		{"purl range, fixed", Affected{PURL: lodash, Range: lodashRange},
			Asset{PURL: "pkg:npm/lodash@4.17.21"}, false, ""},
		{"purl range, version from the asset", Affected{PURL: lodash, Range: lodashRange},
			Asset{PURL: "pkg:npm/lodash", Version: "v4.17.20"}, true, ReasonPURLRange},
		{"purl range, no version", Affected{PURL: lodash, Range: lodashRange},
			Asset{PURL: "pkg:npm/lodash"}, true, ReasonPURLVersionUnknown},
		{"purl, other package", Affected{PURL: lodash, Range: lodashRange},
			Asset{PURL: "pkg:npm/underscore@1.0.0", Product: "lodash", Version: "1.0.0"}, false, ""},
		{"purl without version or range", Affected{PURL: lodash},
			Asset{PURL: "pkg:npm/lodash@1.0.0"}, true, ReasonPURL},
		{"purl exact version, normalised names", Affected{PURL: djangoExact},
			Asset{PURL: "pkg:pypi/Django@3.2.1"}, true, ReasonPURL},
		{"purl exact version, other", Affected{PURL: djangoExact},
			Asset{PURL: "pkg:pypi/django@3.2.2"}, false, ""},
		{"purl listed versions", Affected{PURL: lodash, Versions: []string{"4.17.15", "4.17.19"}},
			Asset{PURL: "pkg:npm/lodash@4.17.19"}, true, ReasonPURLRange},
		{"purl, not semver but generic equal", Affected{PURL: lodash, Versions: []string{"4.17"}},
			Asset{PURL: "pkg:npm/lodash@4.17.0.0"}, true, ReasonPURLRange},

		// Names.
		{"vendor prefix in the asset's product", exchange,
			Asset{Vendor: "Microsoft Corporation", Product: "Microsoft Exchange Server", Version: "15.2.1118.39"}, true, ReasonNameRange},
		{"vendor prefix, no asset vendor", exchange,
			Asset{Product: "  Microsoft   Exchange  Server ", Version: "15.2.986.5"}, true, ReasonNameRange},
		{"vendor prefix in the advisory's product", Affected{Vendor: "Microsoft", Product: "Microsoft Exchange Server"},
			Asset{Vendor: "microsoft", Product: "exchange_server"}, true, ReasonName},
		{"names, fixed version", exchange,
			Asset{Vendor: "Microsoft", Product: "Exchange Server", Version: "15.2.1118.40"}, false, ""},
		{"names, version unknown", exchange,
			Asset{Vendor: "Microsoft", Product: "Exchange Server"}, true, ReasonNameVersionUnknown},
		{"names, version too long to compare", exchange,
			Asset{Vendor: "Microsoft", Product: "Exchange Server", Version: strings.Repeat("1.", 150)}, true, ReasonVersionNotComparable},
		{"names, other vendor", exchange,
			Asset{Vendor: "Microsoftware", Product: "Exchange Server", Version: "15.2.1"}, false, ""},
		{"names, other product", exchange,
			Asset{Vendor: "Microsoft", Product: "Exchange Online", Version: "15.2.1"}, false, ""},
		{"names, product is longer", exchange,
			Asset{Vendor: "Microsoft", Product: "Exchange Server Toolkit", Version: "15.2.1"}, false, ""},
		{"names, no asset product", exchange,
			Asset{Vendor: "Microsoft", Version: "15.2.1"}, false, ""},
		{"names, no version in advisory", Affected{Vendor: "Fortinet", Product: "FortiOS"},
			Asset{Vendor: "FORTINET", Product: "fortios", Version: "7.2.4"}, true, ReasonName},
		{"names, listed versions, in", Affected{Vendor: "Fortinet", Product: "FortiOS", Versions: []string{"7.2.4", "7.2.5"}},
			Asset{Vendor: "Fortinet", Product: "FortiOS", Version: "7.2.4.0"}, true, ReasonNameRange},
		{"names, listed versions, out", Affected{Vendor: "Fortinet", Product: "FortiOS", Versions: []string{"7.2.4", "7.2.5"}},
			Asset{Vendor: "Fortinet", Product: "FortiOS", Version: "7.2.6"}, false, ""},
		{"names, advisory without vendor", Affected{Product: "Exchange Server"},
			Asset{Vendor: "Microsoft", Product: "Microsoft Exchange Server"}, true, ReasonName},
		{"names from the advisory's cpe", Affected{CPE: httpd2457},
			Asset{Vendor: "Apache", Product: "HTTP Server", Version: "2.4.57"}, true, ReasonNameRange},
		{"names from the advisory's cpe, other version", Affected{CPE: httpd2457},
			Asset{Vendor: "Apache", Product: "HTTP Server", Version: "2.4.58"}, false, ""},
		{"names from the asset's cpe", Affected{Vendor: "Apache", Product: "HTTP Server", Range: below2458},
			Asset{CPE: "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}, true, ReasonNameRange},
		{"names from the asset's purl", Affected{Vendor: "debian", Product: "curl", Range: ptr(MustParseRange("vers:deb/<7.50.3-1+deb9u1"))},
			Asset{PURL: "pkg:deb/debian/curl@7.50.3-1"}, true, ReasonNameRange},
		{"names with the advisory purl's scheme", Affected{PURL: ptr(mustPURL(t, "pkg:deb/debian/curl")), Vendor: "Debian", Product: "curl", Versions: []string{"7.50.3-1"}},
			Asset{Vendor: "debian", Product: "curl", Version: "0:7.50.3-1"}, true, ReasonNameRange},
		{"empty advisory matches nothing", Affected{},
			Asset{Vendor: "Microsoft", Product: "Exchange Server", Version: "1"}, false, ""},
	}
	for _, tt := range tests {
		got, reason := tt.affected.Match(tt.asset)
		if got != tt.want || reason != tt.wantReason {
			t.Errorf("%s: Match(%+v) = %v, %q; want %v, %q", tt.name, tt.asset, got, reason, tt.want, tt.wantReason)
		}
	}
}

func TestNamesMatch(t *testing.T) {
	tests := []struct {
		av, ap, bv, bp string
		want           bool
	}{
		{"Microsoft", "Exchange Server", "Microsoft", "Microsoft Exchange Server", true},
		{"Microsoft", "Exchange Server", "", "Microsoft Exchange Server", true},
		{"Microsoft", "Exchange Server", "Microsoft Corporation", "Exchange_Server", true},
		{"Apache Software Foundation", "Tomcat", "apache", "Apache Tomcat", true},
		{"Microsoft", "Exchange Server", "Microsoftware", "Exchange Server", false},
		{"Microsoft", "Exchange", "Microsoft", "Exchange Server", false},
		{"", "", "Microsoft", "Exchange Server", false},
		{"Microsoft", "Exchange Server", "Microsoft", "", false},
		{"Microsoft", "Microsoft", "Microsoft", "Microsoft", true}, // a product named as its vendor
		{"ÆØÅ Soft", "Tool", "æøå soft", "TOOL", true},
	}
	for _, tt := range tests {
		if got := namesMatch(tt.av, tt.ap, tt.bv, tt.bp); got != tt.want {
			t.Errorf("namesMatch(%q, %q, %q, %q) = %v; want %v", tt.av, tt.ap, tt.bv, tt.bp, got, tt.want)
		}
	}
}

func TestNormName(t *testing.T) {
	tests := map[string]string{
		"":                        "",
		"exchange server":         "exchange server",
		"  Exchange\t_Server  ":   "exchange server",
		"exchange  server":        "exchange server",
		"exchange server ":        "exchange server",
		"MICROSOFT_EXCHANGE_2019": "microsoft exchange 2019",
	}
	for in, want := range tests {
		if got := normName(in); got != want {
			t.Errorf("normName(%q) = %q; want %q", in, got, want)
		}
	}
}
