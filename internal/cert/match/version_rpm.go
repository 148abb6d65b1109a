package match

import (
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// rpmVersion is an RPM [epoch:]version[-release], as substrings.
type rpmVersion struct {
	epoch, version, release string
}

func parseRPM(v string) (rpmVersion, error) {
	r := rpmVersion{epoch: "0"}
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if !allDigits(v[:i]) {
			return r, errs.Field("version", "%q has an epoch that is not a number", v)
		}
		r.epoch, v = v[:i], v[i+1:]
	}
	r.version = v
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		r.version, r.release = v[:i], v[i+1:]
		if r.release == "" {
			return r, errs.Field("version", "%q has an empty RPM release", v)
		}
	}
	if r.version == "" {
		return r, errs.Field("version", "%q has an empty version", v)
	}
	return r, nil
}

// compareRPM compares epoch, version and release. As rpm does when it
// matches a dependency, the release is compared only when both sides have
// one: "1.2.3" in a range stands for every release of 1.2.3.
func compareRPM(a, b string) (int, error) {
	ra, err := parseRPM(a)
	if err != nil {
		return 0, err
	}
	rb, err := parseRPM(b)
	if err != nil {
		return 0, err
	}
	if c := compareNum(ra.epoch, rb.epoch); c != 0 {
		return c, nil
	}
	if c := rpmvercmp(ra.version, rb.version); c != 0 {
		return c, nil
	}
	if ra.release == "" || rb.release == "" {
		return 0, nil
	}
	return rpmvercmp(ra.release, rb.release), nil
}

// rpmvercmp follows rpm's algorithm: skip separators, then compare runs of
// digits (numerically) or of letters (as bytes); a number beats letters, '~'
// sorts before anything (even the end) and '^' after the end but before
// anything else; whichever string has a segment left wins.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		at, bt := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if at || bt {
			if !at {
				return 1
			}
			if !bt {
				return -1
			}
			i++
			j++
			continue
		}
		ac, bc := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ac || bc {
			switch {
			case i >= len(a):
				return -1
			case j >= len(b):
				return 1
			case !ac:
				return 1
			case !bc:
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		numeric := isDigit(a[i])
		if numeric {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		sa, sb := a[si:i], b[sj:j]
		if sb == "" {
			// Segments of different kinds: numbers are newer.
			if numeric {
				return 1
			}
			return -1
		}
		var c int
		if numeric {
			c = compareNum(sa, sb)
		} else {
			c = strings.Compare(sa, sb)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}
