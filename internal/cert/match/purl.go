package match

import (
	"net/url"
	"slices"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// PURL is a Package URL, pkg:type/namespace/name@version?qualifiers#subpath,
// as the purl specification (github.com/package-url/purl-spec) defines it.
// Fields hold decoded text; Namespace is its segments joined by '/', as is
// Subpath. ParsePURL normalises Type, Namespace and Name by the rules of the
// common types (see ParsePURL); a PURL built by hand is normalised when it is
// compared by SamePackage or written by String.
type PURL struct {
	Type       string
	Namespace  string
	Name       string
	Version    string
	Qualifiers map[string]string // keys lower case; empty values are dropped
	Subpath    string
}

// maxPURLLen bounds the input ParsePURL reads.
const maxPURLLen = 4096

// ParsePURL parses a Package URL by the parsing rules of the purl
// specification: the subpath after the last '#', qualifiers after the last
// '?', the "pkg" scheme, the type, the version after the last '@', the name
// after the last '/' and the namespace before it, each percent-decoded.
// Leading and trailing slashes and empty, "." and ".." subpath segments are
// dropped.
//
// The type is lowered. For npm, golang, deb, apk, alpm, github, bitbucket,
// composer and hex packages the namespace and name are lowered, for rpm the
// namespace; for pypi the name is lowered with '_' turned into '-'. Maven
// names are kept as written and need a namespace (the group id).
//
// It returns an errs.Invalid error (field "purl") for a scheme other than
// pkg, a missing or malformed type, a missing name, an empty version after
// '@', a malformed qualifier key or a repeated one, or a bad %-escape.
func ParsePURL(s string) (PURL, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxPURLLen {
		return PURL{}, errs.Field("purl", "package URL is longer than %d characters", maxPURLLen)
	}
	var p PURL
	var err error
	rest := s
	if i := strings.LastIndexByte(rest, '#'); i >= 0 {
		if p.Subpath, err = parseSubpath(rest[i+1:]); err != nil {
			return PURL{}, err
		}
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '?'); i >= 0 {
		if p.Qualifiers, err = parseQualifiers(rest[i+1:]); err != nil {
			return PURL{}, err
		}
		rest = rest[:i]
	}
	scheme, rest, ok := strings.Cut(rest, ":")
	if !ok || !strings.EqualFold(scheme, "pkg") {
		return PURL{}, errs.Field("purl", "%q does not start with pkg:", clip(s))
	}
	rest = strings.Trim(rest, "/")
	typ, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return PURL{}, errs.Field("purl", "%q has no name after the type", clip(s))
	}
	p.Type = strings.ToLower(typ)
	if err := checkPURLType(p.Type); err != nil {
		return PURL{}, err
	}
	rest = strings.TrimRight(rest, "/")
	// An '@' followed by a '/' is an unencoded npm scope, not the version.
	if i := strings.LastIndexByte(rest, '@'); i >= 0 && strings.IndexByte(rest[i:], '/') < 0 {
		if p.Version, err = unescapePURL(rest[i+1:]); err != nil {
			return PURL{}, err
		}
		if p.Version == "" {
			return PURL{}, errs.Field("purl", "%q has an empty version after @", clip(s))
		}
		rest = rest[:i]
	}
	nsPart, namePart := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		nsPart, namePart = rest[:i], rest[i+1:]
	}
	if p.Name, err = unescapePURL(namePart); err != nil {
		return PURL{}, err
	}
	if p.Name == "" {
		return PURL{}, errs.Field("purl", "%q has no name", clip(s))
	}
	var segs []string
	for _, seg := range strings.Split(nsPart, "/") {
		if seg == "" {
			continue
		}
		d, err := unescapePURL(seg)
		if err != nil {
			return PURL{}, err
		}
		if d == "" || strings.Contains(d, "/") {
			return PURL{}, errs.Field("purl", "%q has a namespace segment that is empty or holds an encoded /", clip(s))
		}
		segs = append(segs, d)
	}
	p.Namespace = strings.Join(segs, "/")
	p = p.normalised()
	if p.Type == "maven" && p.Namespace == "" {
		return PURL{}, errs.Field("purl", "a maven package URL needs a namespace (the group id)")
	}
	return p, nil
}

func checkPURLType(t string) error {
	if t == "" {
		return errs.Field("purl", "package URL has an empty type")
	}
	if isDigit(t[0]) {
		return errs.Field("purl", "package URL type %q starts with a digit", clip(t))
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !isAlnum(c) && c != '.' && c != '+' && c != '-' {
			return errs.Field("purl", "package URL type %q has a character other than a letter, digit, '.', '+' or '-'", clip(t))
		}
	}
	return nil
}

func parseQualifiers(s string) (map[string]string, error) {
	q := map[string]string{}
	for _, kv := range strings.Split(s, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k = strings.ToLower(k)
		if !validQualifierKey(k) {
			return nil, errs.Field("purl", "package URL qualifier key %q is not valid", clip(k))
		}
		d, err := unescapePURL(v)
		if err != nil {
			return nil, err
		}
		if d == "" {
			continue
		}
		if _, dup := q[k]; dup {
			return nil, errs.Field("purl", "package URL qualifier %q is given twice", k)
		}
		q[k] = d
	}
	if len(q) == 0 {
		return nil, nil
	}
	return q, nil
}

func validQualifierKey(k string) bool {
	if k == "" || isDigit(k[0]) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func parseSubpath(s string) (string, error) {
	var segs []string
	for _, seg := range strings.Split(strings.Trim(s, "/"), "/") {
		d, err := unescapePURL(seg)
		if err != nil {
			return "", err
		}
		if d == "" || d == "." || d == ".." {
			continue
		}
		segs = append(segs, d)
	}
	return strings.Join(segs, "/"), nil
}

func unescapePURL(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	d, err := url.PathUnescape(s)
	if err != nil {
		return "", errs.Field("purl", "package URL has a malformed %%-escape in %q", clip(s))
	}
	return d, nil
}

// normalised returns p with Type, Namespace and Name normalised by the rules
// of its type. It allocates only when something changes.
func (p PURL) normalised() PURL {
	p.Type = strings.ToLower(p.Type)
	switch p.Type {
	case "npm", "golang", "deb", "apk", "alpm", "github", "bitbucket", "composer", "hex":
		p.Namespace = strings.ToLower(p.Namespace)
		p.Name = strings.ToLower(p.Name)
	case "rpm":
		p.Namespace = strings.ToLower(p.Namespace)
	case "pypi":
		p.Name = strings.ToLower(p.Name)
		if strings.IndexByte(p.Name, '_') >= 0 {
			p.Name = strings.ReplaceAll(p.Name, "_", "-")
		}
	}
	return p
}

// SamePackage reports whether p and o name the same package: equal type,
// namespace and name after normalisation. Version, qualifiers and subpath
// are not compared.
func (p PURL) SamePackage(o PURL) bool {
	a, b := p.normalised(), o.normalised()
	return a.Type == b.Type && a.Namespace == b.Namespace && a.Name == b.Name
}

// Scheme returns the versioning scheme of the package's type, for Compare
// and ranges: SchemeOf(p.Type).
func (p PURL) Scheme() string { return SchemeOf(p.Type) }

// IsZero reports whether p is the zero PURL.
func (p PURL) IsZero() bool {
	return p.Type == "" && p.Name == "" && p.Namespace == "" && p.Version == "" && len(p.Qualifiers) == 0 && p.Subpath == ""
}

// String returns the canonical form of p: normalised, percent-encoded
// (everything but letters, digits, ".-_~" and ':'; qualifier values keep
// '/' too), qualifiers sorted by key with empty values left out.
func (p PURL) String() string {
	p = p.normalised()
	var b strings.Builder
	b.WriteString("pkg:")
	b.WriteString(p.Type)
	b.WriteByte('/')
	if p.Namespace != "" {
		for _, seg := range strings.Split(p.Namespace, "/") {
			if seg == "" {
				continue
			}
			writePURLEscaped(&b, seg, false)
			b.WriteByte('/')
		}
	}
	writePURLEscaped(&b, p.Name, false)
	if p.Version != "" {
		b.WriteByte('@')
		writePURLEscaped(&b, p.Version, false)
	}
	keys := make([]string, 0, len(p.Qualifiers))
	for k, v := range p.Qualifiers {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(strings.ToLower(k))
		b.WriteByte('=')
		writePURLEscaped(&b, p.Qualifiers[k], true)
	}
	if sub := strings.Trim(p.Subpath, "/"); sub != "" {
		b.WriteByte('#')
		first := true
		for _, seg := range strings.Split(sub, "/") {
			if seg == "" || seg == "." || seg == ".." {
				continue
			}
			if !first {
				b.WriteByte('/')
			}
			first = false
			writePURLEscaped(&b, seg, false)
		}
	}
	return b.String()
}

func writePURLEscaped(b *strings.Builder, s string, keepSlash bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':' || (keepSlash && c == '/') {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}
