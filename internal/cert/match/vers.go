package match

import (
	"net/url"
	"slices"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// Op is the comparator of a vers constraint.
type Op string

// The vers comparators.
const (
	OpEQ Op = "="
	OpNE Op = "!="
	OpLT Op = "<"
	OpLE Op = "<="
	OpGT Op = ">"
	OpGE Op = ">="
)

// Constraint is one comparator and version of a vers range.
type Constraint struct {
	Op      Op
	Version string
}

// Range is a set of versions of one versioning scheme, in the purl
// project's "vers" notation (VERSION-RANGE-SPEC in
// github.com/package-url/purl-spec): vers:<scheme>/<constraint>|... .
// A Range from ParseRange or RangeFrom is valid: its constraints are sorted
// by version, each version occurs once, and the comparators alternate as
// the specification requires. The zero Range contains no version.
type Range struct {
	scheme string // as written, e.g. "npm"
	cmp    string // SchemeOf(scheme), for Compare
	all    bool   // "*": every version
	cons   []Constraint
}

// maxRangeLen bounds the input ParseRange reads.
const maxRangeLen = 8192

// ParseRange parses a vers range such as "vers:semver/>=1.2.3|<2.0.0",
// "vers:npm/1.2.3|>=2.0.0|<5.0.0", "vers:generic/!=1.5" or "vers:deb/*".
// Spaces and tabs are ignored; constraints are '|'-separated, each an
// optional comparator (=, !=, <, <=, >, >=; = when none) and a
// %-escaped version. Versions are compared with Compare under the scheme's
// Compare scheme (SchemeOf), so "vers:npm/…" uses SemVer.
//
// It returns an errs.Invalid error (field "range") for a prefix other than
// "vers:", an empty scheme or constraint list, an empty or invalid version,
// "*" together with other constraints, a version given twice, or
// comparators that do not alternate as vers requires (for example
// ">=1.0|>=2.0", or "=1.5" followed by "<2.0").
func ParseRange(s string) (Range, error) {
	if len(s) > maxRangeLen {
		return Range{}, errs.Field("range", "version range is longer than %d characters", maxRangeLen)
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	uri, spec, ok := strings.Cut(s, ":")
	if !ok || !strings.EqualFold(uri, "vers") {
		return Range{}, errs.Field("range", "%q does not start with vers:", clip(s))
	}
	scheme, list, ok := strings.Cut(spec, "/")
	if !ok || scheme == "" {
		return Range{}, errs.Field("range", "%q has no versioning scheme before /", clip(s))
	}
	scheme = strings.ToLower(scheme)
	for i := 0; i < len(scheme); i++ {
		if c := scheme[i]; !isAlnum(c) && c != '.' && c != '+' && c != '-' && c != '_' {
			return Range{}, errs.Field("range", "versioning scheme %q has a character other than a letter, digit, '.', '+', '-' or '_'", clip(scheme))
		}
	}
	if list == "*" {
		return Range{scheme: scheme, cmp: SchemeOf(scheme), all: true}, nil
	}
	var cons []Constraint
	for _, item := range strings.Split(strings.Trim(list, "|"), "|") {
		if item == "" {
			continue
		}
		c, err := parseConstraint(item)
		if err != nil {
			return Range{}, err
		}
		cons = append(cons, c)
	}
	if len(cons) == 0 {
		return Range{}, errs.Field("range", "%q has no constraints", clip(s))
	}
	return newRange(scheme, cons)
}

func parseConstraint(item string) (Constraint, error) {
	c := Constraint{Op: OpEQ}
	for _, op := range []Op{OpGE, OpLE, OpNE, OpLT, OpGT, OpEQ} {
		if strings.HasPrefix(item, string(op)) {
			c.Op, item = op, item[len(op):]
			break
		}
	}
	v := item
	if strings.IndexByte(v, '%') >= 0 {
		d, err := url.PathUnescape(v)
		if err != nil {
			return c, errs.Field("range", "version %q has a malformed %%-escape", clip(v))
		}
		v = d
	}
	switch v {
	case "":
		return c, errs.Field("range", "a constraint has no version")
	case "*":
		return c, errs.Field("range", "* must stand alone in a version range")
	}
	c.Version = v
	return c, nil
}

// newRange checks, sorts and validates constraints.
func newRange(scheme string, cons []Constraint) (Range, error) {
	r := Range{scheme: scheme, cmp: SchemeOf(scheme), cons: cons}
	for _, c := range cons {
		if err := checkVersion(c.Version); err != nil {
			return Range{}, errs.InField("range", err)
		}
		if _, err := compareChecked(r.cmp, c.Version, c.Version); err != nil {
			return Range{}, errs.InField("range", err)
		}
	}
	slices.SortStableFunc(cons, func(a, b Constraint) int {
		c, _ := compareChecked(r.cmp, a.Version, b.Version)
		return c
	})
	for i := 1; i < len(cons); i++ {
		if c, _ := compareChecked(r.cmp, cons[i-1].Version, cons[i].Version); c == 0 {
			return Range{}, errs.Field("range", "versions %q and %q are the same version; each may occur once", cons[i-1].Version, cons[i].Version)
		}
	}
	if err := checkAlternation(cons); err != nil {
		return Range{}, err
	}
	return r, nil
}

func isLess(op Op) bool    { return op == OpLT || op == OpLE }
func isGreater(op Op) bool { return op == OpGT || op == OpGE }

// checkAlternation applies the vers validity rules to sorted constraints:
// ignoring "!=", an "=" is followed only by "=", ">" or ">="; ignoring "="
// and "!=" too, lesser and greater comparators alternate.
func checkAlternation(cons []Constraint) error {
	var prev *Constraint
	for i := range cons {
		c := &cons[i]
		if c.Op == OpNE {
			continue
		}
		if prev != nil && prev.Op == OpEQ && isLess(c.Op) {
			return errs.Field("range", "%s%s after =%s is redundant or empty; vers allows only =, > or >= after =", c.Op, c.Version, prev.Version)
		}
		prev = c
	}
	prev = nil
	for i := range cons {
		c := &cons[i]
		if c.Op == OpNE || c.Op == OpEQ {
			continue
		}
		if prev != nil && isLess(prev.Op) == isLess(c.Op) {
			return errs.Field("range", "%s%s follows %s%s; vers needs lower and upper bounds to alternate", c.Op, c.Version, prev.Op, prev.Version)
		}
		prev = c
	}
	return nil
}

// RangeFrom builds a Range the way OSV and CSAF describe affected versions:
// from introduced (inclusive; "" or "0" means from the first version) up to
// fixed (exclusive) or lastAffected (inclusive); with neither, without an
// upper bound. With none of the three, the Range holds every version. An
// empty scheme means SchemeGeneric.
//
// It returns an errs.Invalid error (field "range") when both fixed and
// lastAffected are given, for an invalid version, or when the range would
// be empty (fixed not after introduced, lastAffected before it).
func RangeFrom(scheme, introduced, fixed, lastAffected string) (Range, error) {
	scheme = strings.ToLower(strings.TrimSpace(scheme))
	if scheme == "" {
		scheme = SchemeGeneric
	}
	introduced = strings.TrimSpace(introduced)
	fixed = strings.TrimSpace(fixed)
	lastAffected = strings.TrimSpace(lastAffected)
	if fixed != "" && lastAffected != "" {
		return Range{}, errs.Field("range", "give a fixed version or a last affected version, not both")
	}
	if introduced == "0" {
		introduced = ""
	}
	var cons []Constraint
	if introduced != "" {
		cons = append(cons, Constraint{Op: OpGE, Version: introduced})
	}
	upper := Constraint{Op: OpLT, Version: fixed}
	if lastAffected != "" {
		upper = Constraint{Op: OpLE, Version: lastAffected}
	}
	if upper.Version != "" {
		if introduced != "" {
			for _, v := range []string{introduced, upper.Version} {
				if err := checkVersion(v); err != nil {
					return Range{}, errs.InField("range", err)
				}
			}
			c, err := compareChecked(SchemeOf(scheme), introduced, upper.Version)
			if err != nil {
				return Range{}, errs.InField("range", err)
			}
			switch {
			case c > 0 || (c == 0 && upper.Op == OpLT):
				return Range{}, errs.Field("range", "the range from %s to %s%s is empty", introduced, upper.Op, upper.Version)
			case c == 0:
				cons = []Constraint{{Op: OpEQ, Version: introduced}}
				return newRange(scheme, cons)
			}
		}
		cons = append(cons, upper)
	}
	if len(cons) == 0 {
		return Range{scheme: scheme, cmp: SchemeOf(scheme), all: true}, nil
	}
	return newRange(scheme, cons)
}

// MustParseRange is ParseRange for ranges known to be valid, as in tests
// and tables; it panics on error.
func MustParseRange(s string) Range {
	r, err := ParseRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Scheme returns the versioning scheme as written in the range, e.g. "npm".
func (r Range) Scheme() string { return r.scheme }

// All reports whether the range is "*", every version.
func (r Range) All() bool { return r.all }

// Constraints returns a copy of the range's constraints, sorted by version.
func (r Range) Constraints() []Constraint { return slices.Clone(r.cons) }

// IsZero reports whether r is the zero Range.
func (r Range) IsZero() bool { return r.scheme == "" && !r.all && len(r.cons) == 0 }

// Contains reports whether version lies in the range, by the vers
// containment procedure: a version equal to an "=", "<=" or ">=" constraint
// is in, one equal to a "!=" constraint is out; otherwise it is in when it
// lies below a leading "<"/"<=" bound, above a trailing ">"/">=" bound, or
// between a ">"/">=" bound and the "<"/"<=" bound that follows it.
//
// A range of only "!=" constraints (and perhaps "=") holds every version
// but the excluded ones; the vers text leaves this case open, and an
// advisory saying "all but 1.5" means exactly that.
//
// It returns the errors of Compare for an invalid version. It does not
// allocate for ranges of up to 16 constraints.
func (r Range) Contains(version string) (bool, error) {
	version = strings.TrimSpace(version)
	if err := checkVersion(version); err != nil {
		return false, err
	}
	if r.all {
		return true, nil
	}
	var buf [16]int8
	cmps := buf[:0]
	if len(r.cons) > len(buf) {
		cmps = make([]int8, 0, len(r.cons))
	}
	hasNE := false
	for _, c := range r.cons {
		d, err := compareChecked(r.cmp, version, c.Version)
		if err != nil {
			return false, err
		}
		if d == 0 {
			switch c.Op {
			case OpEQ, OpLE, OpGE:
				return true, nil
			case OpNE:
				return false, nil
			}
		}
		hasNE = hasNE || c.Op == OpNE
		cmps = append(cmps, int8(d))
	}
	prev := -1 // the previous bound: a constraint other than = and !=
	for i, c := range r.cons {
		if c.Op == OpEQ || c.Op == OpNE {
			continue
		}
		if prev < 0 && isLess(c.Op) && cmps[i] < 0 {
			return true, nil
		}
		if prev >= 0 && isGreater(r.cons[prev].Op) && isLess(c.Op) && cmps[prev] > 0 && cmps[i] < 0 {
			return true, nil
		}
		prev = i
	}
	if prev < 0 {
		return hasNE, nil
	}
	return isGreater(r.cons[prev].Op) && cmps[prev] > 0, nil
}

// String returns the canonical vers form: constraints sorted by version,
// "=" left out, versions %-escaped where they hold characters other than
// letters, digits and ".-_~+:^".
func (r Range) String() string {
	var b strings.Builder
	b.WriteString("vers:")
	b.WriteString(r.scheme)
	b.WriteByte('/')
	if r.all {
		b.WriteByte('*')
		return b.String()
	}
	for i, c := range r.cons {
		if i > 0 {
			b.WriteByte('|')
		}
		if c.Op != OpEQ {
			b.WriteString(string(c.Op))
		}
		writeVersEscaped(&b, c.Version)
	}
	return b.String()
}

func writeVersEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte(".-_~+:^", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}
