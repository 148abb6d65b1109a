// Package indicator matches events against the CERT's indicators of
// compromise: IPv4 and IPv6 addresses and ranges, domains (a listed domain
// also matches its subdomains), URLs, MD5/SHA-1/SHA-256 file hashes and
// e-mail addresses, each looked up in the ECS (and Windows event data)
// fields where it occurs. An Index is immutable and built once per
// indicator set; matching is a hash lookup per candidate field value, so a
// million indicators cost memory, not time. The package knows events, not
// where indicators come from or how they are stored.
package indicator

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Types of indicator.
const (
	IP     = "ip"     // an address or a CIDR range, v4 or v6
	Domain = "domain" // matches the domain and its subdomains
	URL    = "url"
	MD5    = "md5"
	SHA1   = "sha1"
	SHA256 = "sha256"
	Email  = "email"
)

// Types lists the indicator types.
var Types = []string{IP, Domain, URL, MD5, SHA1, SHA256, Email}

// Indicator is one indicator of compromise.
type Indicator struct {
	ID          int64  `json:"id"`
	Type        string `json:"type"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	Source      string `json:"source,omitempty"`
	Level       string `json:"level,omitempty"`
	// TLP is the TLP 2.0 marking (clear, green, amber, amber+strict, red;
	// default green); OrgID the organisation that shared it (0: the CERT).
	TLP   string `json:"tlp,omitempty"`
	OrgID int64  `json:"org_id,omitempty"`
	// ValidUntil is when the indicator expires (nil: never); an expired
	// indicator is kept but no longer matched.
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	// StixID is its STIX 2.1 id (kept from an import, else derived).
	StixID string `json:"stix_id,omitempty"`
	// ReportID is the threat report (MISP event, STIX report) it came
	// with; FeedID the partner feed that brought it.
	ReportID int64 `json:"report_id,omitempty"`
	FeedID   int64 `json:"feed_id,omitempty"`
	// Sightings counts the events detection found it in, first and last.
	Sightings      int64      `json:"sightings"`
	FirstSightedAt *time.Time `json:"first_sighted_at,omitempty"`
	LastSightedAt  *time.Time `json:"last_sighted_at,omitempty"`
	AddedAt        time.Time  `json:"added_at"`
}

// Normalize checks an indicator's value for its type and returns it in
// the form the index compares (lower case, CIDRs masked, URLs with a lower
// case scheme and host). An empty typ is guessed from the value.
func Normalize(typ, value string) (string, string, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return "", "", fmt.Errorf("empty value")
	}
	if len(v) > 2048 {
		return "", "", fmt.Errorf("value is %d characters; indicators are at most 2048", len(v))
	}
	if typ == "" {
		typ = guess(v)
	}
	switch typ {
	case IP:
		if p, err := netip.ParsePrefix(v); err == nil {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-unmapBits(p.Addr())).Masked()
			if p.IsSingleIP() {
				return IP, p.Addr().String(), nil
			}
			return IP, p.String(), nil
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return "", "", fmt.Errorf("%q is not an IP address or CIDR range", v)
		}
		return IP, a.Unmap().String(), nil
	case Domain:
		d := strings.TrimSuffix(strings.ToLower(v), ".")
		if !validDomain(d) {
			return "", "", fmt.Errorf("%q is not a domain name", v)
		}
		return Domain, d, nil
	case URL:
		n, ok := normalizeURL(v)
		if !ok {
			return "", "", fmt.Errorf("%q is not an absolute URL", v)
		}
		return URL, n, nil
	case MD5, SHA1, SHA256:
		h := strings.ToLower(v)
		want := map[string]int{MD5: 32, SHA1: 40, SHA256: 64}[typ]
		if len(h) != want || !isHex(h) {
			return "", "", fmt.Errorf("%q is not a %s hash (%d hex digits)", v, typ, want)
		}
		return typ, h, nil
	case Email:
		e := strings.ToLower(v)
		at := strings.LastIndexByte(e, '@')
		if at <= 0 || !validDomain(e[at+1:]) {
			return "", "", fmt.Errorf("%q is not an e-mail address", v)
		}
		return Email, e, nil
	}
	return "", "", fmt.Errorf("type %q is not one of %s", typ, strings.Join(Types, ", "))
}

func unmapBits(a netip.Addr) int {
	if a.Is4In6() {
		return 96
	}
	return 0
}

// guess tells an indicator's type from its value.
func guess(v string) string {
	switch {
	case strings.Contains(v, "://"):
		return URL
	case strings.Contains(v, "@"):
		return Email
	case isHex(v) && len(v) == 32:
		return MD5
	case isHex(v) && len(v) == 40:
		return SHA1
	case isHex(v) && len(v) == 64:
		return SHA256
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return IP
	}
	if _, err := netip.ParsePrefix(v); err == nil {
		return IP
	}
	return Domain
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func validDomain(d string) bool {
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c >= 0x80) {
				return false
			}
		}
	}
	return true
}

// normalizeURL lower-cases scheme and host and drops a default port and
// the fragment; the path and query stay as they are.
func normalizeURL(v string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), true
}
