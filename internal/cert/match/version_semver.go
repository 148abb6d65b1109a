package match

import (
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// semver is a parsed SemVer version; its fields are substrings of the input.
type semver struct {
	major, minor, patch string
	pre                 string // without the '-'; "" for a release
}

// parseSemver parses a SemVer 2.0.0 version with a tolerated leading "v"
// and tolerated missing minor and patch numbers. Build metadata is checked
// and dropped: it takes no part in precedence.
func parseSemver(v string) (semver, bool) {
	if v != "" && (v[0] == 'v' || v[0] == 'V') {
		v = v[1:]
	}
	if i := strings.IndexByte(v, '+'); i >= 0 {
		if !validIdentifiers(v[i+1:]) {
			return semver{}, false
		}
		v = v[:i]
	}
	var s semver
	if i := strings.IndexByte(v, '-'); i >= 0 {
		s.pre = v[i+1:]
		if !validIdentifiers(s.pre) {
			return semver{}, false
		}
		v = v[:i]
	}
	var ok bool
	s.major, v, ok = cutNumber(v)
	if !ok {
		return semver{}, false
	}
	s.minor, s.patch = "0", "0"
	if v == "" {
		return s, true
	}
	if s.minor, v, ok = cutNumber(v[1:]); !ok || (v != "" && v[0] != '.') {
		return semver{}, false
	}
	if v == "" {
		return s, true
	}
	if s.patch, v, ok = cutNumber(v[1:]); !ok || v != "" {
		return semver{}, false
	}
	return s, true
}

// cutNumber splits a leading run of digits from s; the rest must be empty or
// start with '.'.
func cutNumber(s string) (num, rest string, ok bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || (i < len(s) && s[i] != '.') {
		return "", "", false
	}
	return s[:i], s[i:], true
}

// validIdentifiers reports whether s is a dot-separated list of non-empty
// identifiers of [0-9A-Za-z-].
func validIdentifiers(s string) bool {
	if s == "" {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if n == 0 {
				return false
			}
			n = 0
		case isAlnum(c) || c == '-':
			n++
		default:
			return false
		}
	}
	return n > 0
}

func compareSemver(a, b string) (int, error) {
	sa, ok := parseSemver(a)
	if !ok {
		return 0, errs.Field("version", "%q is not a semantic version", a)
	}
	sb, ok := parseSemver(b)
	if !ok {
		return 0, errs.Field("version", "%q is not a semantic version", b)
	}
	if c := compareNum(sa.major, sb.major); c != 0 {
		return c, nil
	}
	if c := compareNum(sa.minor, sb.minor); c != 0 {
		return c, nil
	}
	if c := compareNum(sa.patch, sb.patch); c != 0 {
		return c, nil
	}
	return comparePrerelease(sa.pre, sb.pre), nil
}

// comparePrerelease applies SemVer 2.0.0 §11: a release sorts after its
// pre-releases; identifiers compare left to right, numeric ones numerically
// and before alphanumeric ones, alphanumeric ones in ASCII order; a shorter
// list of equal identifiers sorts first.
func comparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	for a != "" && b != "" {
		var ia, ib string
		ia, a, _ = strings.Cut(a, ".")
		ib, b, _ = strings.Cut(b, ".")
		na, nb := allDigits(ia), allDigits(ib)
		var c int
		switch {
		case na && nb:
			c = compareNum(ia, ib)
		case na:
			c = -1
		case nb:
			c = 1
		default:
			c = strings.Compare(ia, ib)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}
