package stix

import (
	"reflect"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/indicator"
)

const (
	md5Hex    = "d41d8cd98f00b204e9800998ecf8427e"
	sha1Hex   = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
	sha256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func obs(pairs ...string) []Observable {
	var out []Observable
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, Observable{Type: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestMatchable(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []Observable
		wantErr string // substring of the error; "" for success
	}{
		// Single comparisons.
		{"ipv4", `[ipv4-addr:value = '198.51.100.1']`, obs(indicator.IP, "198.51.100.1"), ""},
		{"ipv4 double equals", `[ipv4-addr:value == '198.51.100.1']`, obs(indicator.IP, "198.51.100.1"), ""},
		{"ipv4 cidr by equality", `[ipv4-addr:value = '198.51.100.0/24']`, obs(indicator.IP, "198.51.100.0/24"), ""},
		{"ipv4 issubset", `[ipv4-addr:value ISSUBSET '10.0.0.0/8']`, obs(indicator.IP, "10.0.0.0/8"), ""},
		{"ipv4 issubset unmasked", `[ipv4-addr:value ISSUBSET '10.1.2.3/8']`, obs(indicator.IP, "10.0.0.0/8"), ""},
		{"ipv6", `[ipv6-addr:value = '2001:DB8::1']`, obs(indicator.IP, "2001:db8::1"), ""},
		{"ipv6 issubset", `[ipv6-addr:value ISSUBSET '2001:db8::/32']`, obs(indicator.IP, "2001:db8::/32"), ""},
		{"domain", `[domain-name:value = 'Evil.Example.COM']`, obs(indicator.Domain, "evil.example.com"), ""},
		{"url", `[url:value = 'HTTP://Evil.example.com/a?b=1']`, obs(indicator.URL, "http://evil.example.com/a?b=1"), ""},
		{"url escaped quote", `[url:value = 'http://evil.example.com/it\'s']`, obs(indicator.URL, "http://evil.example.com/it's"), ""},
		{"url escaped backslash", `[url:value = 'http://evil.example.com/q?a=\\x\'']`, obs(indicator.URL, `http://evil.example.com/q?a=\x'`), ""},
		{"email", `[email-addr:value = 'Alice@Example.com']`, obs(indicator.Email, "alice@example.com"), ""},
		{"email message sender", `[email-message:from_ref.value = 'ceo@evil.example']`, obs(indicator.Email, "ceo@evil.example"), ""},
		{"email message recipients", `[email-message:to_refs[*].value = 'hr@evil.example']`, obs(indicator.Email, "hr@evil.example"), ""},
		{"md5 unquoted", `[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']`, obs(indicator.MD5, md5Hex), ""},
		{"md5 quoted", `[file:hashes.'MD5' = '` + md5Hex + `']`, obs(indicator.MD5, md5Hex), ""},
		{"sha1 quoted with hyphen", `[file:hashes.'SHA-1' = '` + sha1Hex + `']`, obs(indicator.SHA1, sha1Hex), ""},
		{"sha1 unquoted", `[file:hashes.SHA1 = '` + sha1Hex + `']`, obs(indicator.SHA1, sha1Hex), ""},
		{"sha1 quoted without hyphen", `[file:hashes.'SHA1' = '` + sha1Hex + `']`, obs(indicator.SHA1, sha1Hex), ""},
		{"sha256 quoted with hyphen", `[file:hashes.'SHA-256' = '` + sha256Hex + `']`, obs(indicator.SHA256, sha256Hex), ""},
		{"sha256 unquoted", `[file:hashes.SHA256 = '` + sha256Hex + `']`, obs(indicator.SHA256, sha256Hex), ""},
		{"whitespace and comments", "\n\t[ /* c2 */ domain-name:value\n=\t'c2.example' ] // done", obs(indicator.Domain, "c2.example"), ""},

		// ORs.
		{"or in one observation", `[ipv4-addr:value = '198.51.100.1' OR ipv4-addr:value = '198.51.100.2']`,
			obs(indicator.IP, "198.51.100.1", indicator.IP, "198.51.100.2"), ""},
		{"or across observations", `[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/x']`,
			obs(indicator.Domain, "a.example", indicator.URL, "http://b.example/x"), ""},
		{"or both ways", `[ipv4-addr:value = '192.0.2.1' OR ipv4-addr:value = '192.0.2.2'] OR [file:hashes.MD5 = '` + md5Hex + `']`,
			obs(indicator.IP, "192.0.2.1", indicator.IP, "192.0.2.2", indicator.MD5, md5Hex), ""},
		{"or of different objects in one observation", `[domain-name:value = 'a.example' OR email-addr:value = 'x@a.example']`,
			obs(indicator.Domain, "a.example", indicator.Email, "x@a.example"), ""},
		{"parenthesised observations", `([ipv4-addr:value = '192.0.2.1'] OR ([ipv6-addr:value = '2001:db8::2']))`,
			obs(indicator.IP, "192.0.2.1", indicator.IP, "2001:db8::2"), ""},
		{"parenthesised comparisons", `[(domain-name:value = 'a.example' OR domain-name:value = 'b.example')]`,
			obs(indicator.Domain, "a.example", indicator.Domain, "b.example"), ""},
		{"in list", `[ipv4-addr:value IN ('192.0.2.1', '192.0.2.9')]`, obs(indicator.IP, "192.0.2.1", indicator.IP, "192.0.2.9"), ""},
		{"duplicates once", `[domain-name:value = 'a.example'] OR [domain-name:value = 'A.EXAMPLE.']`, obs(indicator.Domain, "a.example"), ""},

		// What samdrift cannot match.
		{"and of two objects", `[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']`, nil, `cannot match "AND"`},
		{"and in one observation", `[file:hashes.MD5 = '` + md5Hex + `' AND file:name = 'x.exe']`, nil, `cannot match "AND"`},
		{"followedby", `[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']`, nil, `cannot match "FOLLOWEDBY"`},
		{"within", `[ipv4-addr:value = '192.0.2.1'] WITHIN 300 SECONDS`, nil, `cannot match "WITHIN 300 SECONDS"`},
		{"repeats", `[domain-name:value = 'a.example'] REPEATS 5 TIMES`, nil, `cannot match "REPEATS 5 TIMES"`},
		{"start stop", `[domain-name:value = 'a.example'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'`, nil, `cannot match "START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'"`},
		{"like", `[domain-name:value LIKE '%.evil.example']`, nil, `cannot match "domain-name:value LIKE '%.evil.example'" (at character 2): LIKE`},
		{"matches", `[url:value MATCHES '^http://.*\\.example/']`, nil, `MATCHES is not supported`},
		{"not", `[ipv4-addr:value NOT = '192.0.2.1']`, nil, `NOT is not supported`},
		{"not equal", `[ipv4-addr:value != '192.0.2.1']`, nil, `only = comparisons`},
		{"greater than", `[file:size > 1000]`, nil, `only = comparisons`},
		{"other object", `[process:name = 'evil.exe']`, nil, `process:name is not an object property samdrift matches on`},
		{"other property", `[file:name = 'evil.exe']`, nil, `file:name is not an object property`},
		{"other hash", `[file:hashes.'SHA-512' = 'abc']`, nil, `file:hashes.SHA-512 is not an object property`},
		{"issubset on domain", `[domain-name:value ISSUBSET 'example.com']`, nil, `ISSUBSET is supported for address ranges only`},
		{"issuperset", `[ipv4-addr:value ISSUPERSET '10.0.0.0/8']`, nil, `ISSUPERSET is not supported`},
		{"exists", `[EXISTS file:hashes.MD5]`, nil, `EXISTS is not supported`},
		{"number value", `[ipv4-addr:value = 3232235777]`, nil, `value must be a string`},
		{"or with one unsupported side", `[domain-name:value = 'a.example'] OR [domain-name:value LIKE '%.b.example']`, nil, `LIKE is not supported`},

		// Values that are not valid for their type.
		{"not an address", `[ipv4-addr:value = 'not-an-ip']`, nil, `is not an IP address`},
		{"v6 value as ipv4", `[ipv4-addr:value = '2001:db8::1']`, nil, `is not an ipv4-addr value`},
		{"v4 value as ipv6", `[ipv6-addr:value = '192.0.2.1']`, nil, `is not an ipv6-addr value`},
		{"short md5", `[file:hashes.MD5 = 'abc']`, nil, `is not a md5 hash`},

		// Malformed patterns.
		{"empty", ``, nil, `is empty`},
		{"missing bracket", `[ipv4-addr:value = '192.0.2.1'`, nil, `expected "]", found end of pattern`},
		{"no brackets", `ipv4-addr:value = '192.0.2.1'`, nil, `expected '[' or '('`},
		{"extra bracket", `[ipv4-addr:value = '192.0.2.1']]`, nil, `character 32: unexpected ]`},
		{"unclosed quote", `[ipv4-addr:value = '192.0.2.1]`, nil, `string literal has no closing quote`},
		{"bad escape", `[url:value = 'http://a.example/\n']`, nil, `may only escape`},
		{"missing colon", `[ipv4-addr value = '192.0.2.1']`, nil, `expected ":"`},
		{"missing operator", `[ipv4-addr:value '192.0.2.1']`, nil, `expected a comparison operator`},
		{"missing value", `[ipv4-addr:value = ]`, nil, `expected a value, found ]`},
		{"dangling or", `[ipv4-addr:value = '192.0.2.1'] OR`, nil, `expected '[' or '('`},
		{"malformed after unsupported", `[ipv4-addr:value = '192.0.2.1'] AND [`, nil, `is not a valid STIX pattern`},
		{"bad character", `[ipv4-addr:value = '192.0.2.1'] ; DROP`, nil, `unexpected ';'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Matchable(tt.pattern)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Matchable(%q) = %v, %v; want error containing %q", tt.pattern, got, err, tt.wantErr)
				}
				if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "pattern" {
					t.Errorf("Matchable(%q) error %#v; want an Invalid *errs.Error on field pattern", tt.pattern, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Matchable(%q) = %v, %v; want %v", tt.pattern, got, err, tt.want)
			}
		})
	}
}

func TestPatternRoundTrip(t *testing.T) {
	tests := []struct {
		o    Observable
		want string // the pattern; "" to check the round trip only
	}{
		{Observable{indicator.IP, "198.51.100.1"}, `[ipv4-addr:value = '198.51.100.1']`},
		{Observable{indicator.IP, "10.0.0.0/8"}, `[ipv4-addr:value ISSUBSET '10.0.0.0/8']`},
		{Observable{indicator.IP, "2001:db8::1"}, `[ipv6-addr:value = '2001:db8::1']`},
		{Observable{indicator.IP, "2001:db8::/32"}, `[ipv6-addr:value ISSUBSET '2001:db8::/32']`},
		{Observable{indicator.Domain, "evil.example.com"}, `[domain-name:value = 'evil.example.com']`},
		{Observable{indicator.URL, "http://evil.example.com/it's"}, `[url:value = 'http://evil.example.com/it\'s']`},
		{Observable{indicator.URL, `http://evil.example.com/q?a='x'\y\\`}, `[url:value = 'http://evil.example.com/q?a=\'x\'\\y\\\\']`},
		{Observable{indicator.URL, "https://evil.example.com/"}, ""},
		{Observable{indicator.Email, "o'brien@evil.example"}, `[email-addr:value = 'o\'brien@evil.example']`},
		{Observable{indicator.MD5, md5Hex}, `[file:hashes.MD5 = '` + md5Hex + `']`},
		{Observable{indicator.SHA1, sha1Hex}, `[file:hashes.'SHA-1' = '` + sha1Hex + `']`},
		{Observable{indicator.SHA256, sha256Hex}, `[file:hashes.'SHA-256' = '` + sha256Hex + `']`},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.o.Type] = true
		p := Pattern(tt.o)
		if tt.want != "" && p != tt.want {
			t.Errorf("Pattern(%v) = %s; want %s", tt.o, p, tt.want)
		}
		got, err := Matchable(p)
		if err != nil || len(got) != 1 || got[0] != tt.o {
			t.Errorf("Matchable(Pattern(%v)) = %v, %v; want [%v]", tt.o, got, err, tt.o)
		}
	}
	for _, typ := range indicator.Types {
		if !seen[typ] {
			t.Errorf("type %s has no round-trip case", typ)
		}
	}
	if p := Pattern(Observable{"asn", "AS64500"}); p != "" {
		t.Errorf("Pattern of an unknown type = %q; want \"\"", p)
	}
}
