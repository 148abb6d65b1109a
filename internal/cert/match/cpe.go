package match

import (
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// Attribute names one of the eleven attributes of a CPE 2.3 name, in the
// order of the formatted string.
type Attribute int

// The CPE 2.3 attributes.
const (
	AttrPart Attribute = iota
	AttrVendor
	AttrProduct
	AttrVersion
	AttrUpdate
	AttrEdition
	AttrLanguage
	AttrSWEdition
	AttrTargetSW
	AttrTargetHW
	AttrOther
	numAttrs
)

// The logical values of a CPE attribute, as formatted-string values.
const (
	CPEAny = "*" // ANY: any value, including none
	CPENA  = "-" // NA: not applicable, no value
)

// CPE is a CPE 2.3 name (NISTIR 7695) such as an advisory's pattern or an
// asset's identifier. Each attribute is kept in canonical formatted-string
// form: lower case; "*" for ANY and "-" for NA; '.', '-' and '_' written
// bare and any other punctuation escaped with '\' (a value of just a hyphen
// is "\-", since "-" alone is NA); unescaped '*' and '?' at the start or end
// of a value are wildcards.
//
// The zero CPE has every attribute ANY: as a pattern it matches every name.
// Build CPEs with ParseCPE.
type CPE struct {
	attrs [numAttrs]string
}

// ParseCPE parses a CPE 2.3 formatted string
// ("cpe:2.3:a:vendor:product:version:update:edition:language:sw_edition:target_sw:target_hw:other")
// or a CPE 2.2 URI ("cpe:/a:vendor:product:version", trailing components
// optional, edition possibly packed as "~edition~sw_edition~target_sw~target_hw~other"),
// which it converts. Comparison is case-insensitive, so names are lowered.
//
// It returns an errs.Invalid error (field "cpe") for a wrong prefix, a wrong
// number of components, an empty component, a part other than a, o, h or *,
// a dangling escape, a character outside printable ASCII, or a wildcard in
// the middle of a value.
func ParseCPE(s string) (CPE, error) {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		return CPE{}, errs.Field("cpe", "CPE name is too long")
	}
	switch {
	case hasPrefixFold(s, "cpe:2.3:"):
		return parseCPEFS(s[len("cpe:2.3:"):])
	case hasPrefixFold(s, "cpe:/"):
		return parseCPEURI(s[len("cpe:/"):])
	}
	return CPE{}, errs.Field("cpe", "%q does not start with cpe:2.3: or cpe:/", clip(s))
}

// MustParseCPE is ParseCPE for names known to be valid, as in tests and
// tables; it panics on error.
func MustParseCPE(s string) CPE {
	c, err := ParseCPE(s)
	if err != nil {
		panic(err)
	}
	return c
}

func parseCPEFS(rest string) (CPE, error) {
	var c CPE
	n := 0
	start := 0
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) && rest[i] == '\\' {
			if i+1 < len(rest) {
				i++ // the escaped character, whatever it is, is not a separator
			}
			continue
		}
		if i < len(rest) && rest[i] != ':' {
			continue
		}
		if n == int(numAttrs) {
			return CPE{}, errs.Field("cpe", "a CPE 2.3 name has 11 components after cpe:2.3:, not more")
		}
		v, err := canonFSValue(rest[start:i])
		if err != nil {
			return CPE{}, err
		}
		c.attrs[n] = v
		n++
		start = i + 1
	}
	if n != int(numAttrs) {
		return CPE{}, errs.Field("cpe", "a CPE 2.3 name has 11 components after cpe:2.3:, not %d", n)
	}
	if err := checkPart(c.attrs[AttrPart]); err != nil {
		return CPE{}, err
	}
	return c, nil
}

func checkPart(p string) error {
	switch p {
	case "a", "o", "h", CPEAny:
		return nil
	}
	return errs.Field("cpe", "the part of a CPE name is a, o or h, not %q", p)
}

// canonFSValue turns one formatted-string component into canonical form.
func canonFSValue(raw string) (string, error) {
	switch raw {
	case "":
		return "", errs.Field("cpe", "a CPE name has an empty component; use * for any value")
	case CPEAny, CPENA:
		return raw, nil
	}
	if isCanonPlain(raw) {
		return raw, nil
	}
	var b strings.Builder
	b.Grow(len(raw) + 4)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f {
			return "", errs.Field("cpe", "a CPE name has a character outside printable ASCII")
		}
		switch {
		case c == '\\':
			i++
			if i == len(raw) {
				return "", errs.Field("cpe", "a CPE name ends a component with an escape character")
			}
			writeCPELiteral(&b, raw[i])
		case c == '*' || c == '?':
			b.WriteByte(c)
		default:
			writeCPELiteral(&b, c)
		}
	}
	v := b.String()
	if v == CPENA {
		v = `\-`
	}
	if err := checkWildcards(v); err != nil {
		return "", err
	}
	return v, nil
}

// writeCPELiteral writes the literal character c in canonical form.
func writeCPELiteral(b *strings.Builder, c byte) {
	switch {
	case isAlnum(c) || c == '.' || c == '-' || c == '_':
		b.WriteByte(lowerASCII(c))
	default:
		b.WriteByte('\\')
		b.WriteByte(c)
	}
}

// isCanonPlain reports whether v is already canonical and has no escapes
// or wildcards: the common case, which then needs no copy.
func isCanonPlain(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(('a' <= c && c <= 'z') || isDigit(c) || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return v != CPENA
}

// cpePattern is a canonical value split around its wildcards.
type cpePattern struct {
	leadStar, trailStar bool
	leadQ, trailQ       int    // number of '?' in the leading and trailing runs
	body                string // canonical, without wildcards
}

// splitPattern splits a canonical value; ok is false when an unescaped '*'
// or '?' stands anywhere but in the leading or trailing run, or a run mixes
// '*' and '?' or has more than one '*'.
func splitPattern(v string) (p cpePattern, ok bool) {
	i := 0
	for i < len(v) && (v[i] == '*' || v[i] == '?') {
		if v[i] == '*' {
			p.leadStar = true
		} else {
			p.leadQ++
		}
		i++
	}
	if (p.leadStar && (p.leadQ > 0 || i > 1)) || i == len(v) && p.leadStar {
		return p, false
	}
	j := len(v)
	for j > i && (v[j-1] == '*' || v[j-1] == '?') && !escapedAt(v, j-1) {
		if v[j-1] == '*' {
			p.trailStar = true
		} else {
			p.trailQ++
		}
		j--
	}
	if p.trailStar && (p.trailQ > 0 || len(v)-j > 1) {
		return p, false
	}
	p.body = v[i:j]
	for k := 0; k < len(p.body); k++ {
		switch p.body[k] {
		case '\\':
			k++
		case '*', '?':
			return p, false
		}
	}
	return p, true
}

// escapedAt reports whether v[i] is preceded by an odd number of
// backslashes, that is, escaped.
func escapedAt(v string, i int) bool {
	n := 0
	for i > 0 && v[i-1] == '\\' {
		n++
		i--
	}
	return n%2 == 1
}

func checkWildcards(v string) error {
	if _, ok := splitPattern(v); !ok {
		return errs.Field("cpe", "a CPE name may have * and ? wildcards only at the start or end of a value")
	}
	return nil
}

// hasWildcard reports whether a canonical value has an unescaped * or ?.
func hasWildcard(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '*', '?':
			return true
		}
	}
	return false
}

// unquoteCPE returns the literal text of a canonical value without
// wildcards.
func unquoteCPE(v string) string {
	if strings.IndexByte(v, '\\') < 0 {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// String returns the canonical CPE 2.3 formatted string.
func (c CPE) String() string {
	var b strings.Builder
	b.WriteString("cpe:2.3")
	for i := range c.attrs {
		b.WriteByte(':')
		b.WriteString(c.Value(Attribute(i)))
	}
	return b.String()
}

// Value returns attribute a in canonical formatted-string form ("*" for
// ANY, "-" for NA), or "*" when a is out of range.
func (c CPE) Value(a Attribute) string {
	if a < 0 || a >= numAttrs || c.attrs[a] == "" {
		return CPEAny
	}
	return c.attrs[a]
}

// Part returns "a", "o", "h" or "*".
func (c CPE) Part() string { return c.Value(AttrPart) }

// Vendor returns the vendor attribute in canonical form, e.g. "microsoft".
func (c CPE) Vendor() string { return c.Value(AttrVendor) }

// Product returns the product attribute in canonical form, e.g.
// "exchange_server".
func (c CPE) Product() string { return c.Value(AttrProduct) }

// Version returns the version attribute in canonical form, e.g. "2.4.57"
// or "*".
func (c CPE) Version() string { return c.Value(AttrVersion) }

// IsZero reports whether every attribute is ANY.
func (c CPE) IsZero() bool {
	for i := range c.attrs {
		if c.Value(Attribute(i)) != CPEAny {
			return false
		}
	}
	return true
}

// Matches reports whether source pattern c (an advisory's CPE) matches
// target t (an asset's CPE) under the CPE 2.3 name-matching rules
// (NISTIR 7696): c matches when, for every attribute, c's value is a
// superset of or equal to t's. Per attribute:
//
//   - ANY in c matches anything;
//   - NA in c matches only NA;
//   - a value in c does not match ANY or NA in t: an asset whose CPE leaves
//     an attribute open is not known to be the narrower thing c names;
//   - t's values are names, not patterns: a wildcard in t matches nothing
//     but ANY in c;
//   - c's values may start or end with "*" (any run of characters) or with
//     "?" (each exactly one character), e.g. version "2.4.*";
//   - otherwise the values must be equal; versions are compared with the
//     generic scheme of Compare, so "1.2" equals "1.2.0".
func (c CPE) Matches(t CPE) bool {
	for i := range c.attrs {
		if !matchCPEAttr(Attribute(i), c.Value(Attribute(i)), t.Value(Attribute(i))) {
			return false
		}
	}
	return true
}

func matchCPEAttr(a Attribute, src, tgt string) bool {
	switch {
	case src == CPEAny:
		return true
	case src == CPENA:
		return tgt == CPENA
	case tgt == CPEAny || tgt == CPENA || hasWildcard(tgt):
		return false
	case hasWildcard(src):
		return matchCPEPattern(src, tgt)
	case a == AttrVersion:
		if src == tgt {
			return true
		}
		c, err := Compare(SchemeGeneric, unquoteCPE(src), unquoteCPE(tgt))
		return err == nil && c == 0
	}
	return src == tgt
}

// matchCPEPattern matches a source value with wildcards against a target
// value without. Both are canonical, so escapes are compared as text after
// unquoting and lengths count characters, not escapes.
func matchCPEPattern(src, tgt string) bool {
	p, ok := splitPattern(src)
	if !ok {
		return false
	}
	body, text := unquoteCPE(p.body), unquoteCPE(tgt)
	free := len(text) - len(body) // characters the wildcards must cover
	if free < p.leadQ+p.trailQ {
		return false
	}
	switch {
	case !p.leadStar && !p.trailStar:
		return free == p.leadQ+p.trailQ && text[p.leadQ:p.leadQ+len(body)] == body
	case !p.leadStar:
		return text[p.leadQ:p.leadQ+len(body)] == body
	case !p.trailStar:
		at := len(text) - p.trailQ - len(body)
		return text[at:at+len(body)] == body
	}
	return strings.Contains(text, body)
}

// packedEdition lists the attributes a CPE 2.2 packed edition holds.
var packedEdition = [5]Attribute{AttrEdition, AttrSWEdition, AttrTargetSW, AttrTargetHW, AttrOther}

// parseCPEURI converts a CPE 2.2 URI (after "cpe:/") following the
// unbinding rules of NISTIR 7695 §6.1.3.
func parseCPEURI(rest string) (CPE, error) {
	var c CPE
	for i := range c.attrs {
		c.attrs[i] = CPEAny
	}
	parts := strings.Split(rest, ":")
	if len(parts) > 7 {
		return CPE{}, errs.Field("cpe", "a CPE 2.2 URI has at most 7 components after cpe:/, not %d", len(parts))
	}
	for i, p := range parts {
		a := Attribute(i)
		if a == AttrEdition && strings.HasPrefix(p, "~") {
			packed := strings.Split(p[1:], "~")
			if len(packed) != 5 {
				return CPE{}, errs.Field("cpe", "a packed CPE 2.2 edition has 5 parts separated by ~, not %d", len(packed))
			}
			for k, q := range packed {
				v, err := canonURIValue(q)
				if err != nil {
					return CPE{}, err
				}
				c.attrs[packedEdition[k]] = v
			}
			continue
		}
		v, err := canonURIValue(p)
		if err != nil {
			return CPE{}, err
		}
		c.attrs[a] = v
	}
	if err := checkPart(c.attrs[AttrPart]); err != nil {
		return CPE{}, err
	}
	return c, nil
}

// canonURIValue decodes one CPE 2.2 URI component: empty is ANY, "-" is NA,
// %01 and %02 are the ? and * wildcards, other %XX escapes are literals.
func canonURIValue(raw string) (string, error) {
	switch raw {
	case "":
		return CPEAny, nil
	case CPENA:
		return CPENA, nil
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c <= ' ' || c >= 0x7f {
			return "", errs.Field("cpe", "a CPE name has a character outside printable ASCII")
		}
		if c != '%' {
			writeCPELiteral(&b, c)
			continue
		}
		if i+2 >= len(raw) || unhex(raw[i+1]) < 0 || unhex(raw[i+2]) < 0 {
			return "", errs.Field("cpe", "a CPE 2.2 URI has a malformed %%-escape")
		}
		d := byte(unhex(raw[i+1])<<4 | unhex(raw[i+2]))
		i += 2
		switch {
		case d == 0x01:
			b.WriteByte('?')
		case d == 0x02:
			b.WriteByte('*')
		case d <= ' ' || d >= 0x7f:
			return "", errs.Field("cpe", "a CPE name has a character outside printable ASCII")
		default:
			writeCPELiteral(&b, d)
		}
	}
	v := b.String()
	if v == CPENA {
		v = `\-`
	}
	if v == CPEAny {
		return CPEAny, nil
	}
	if err := checkWildcards(v); err != nil {
		return "", err
	}
	return v, nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
