package match

import (
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// debVersion is a Debian version split into its parts, as substrings.
type debVersion struct {
	epoch, upstream, revision string
}

// parseDeb splits [epoch:]upstream[-revision] as Debian policy §5.6.12
// describes: the epoch is before the first colon, the revision after the
// last hyphen.
func parseDeb(v string) (debVersion, error) {
	d := debVersion{epoch: "0"}
	if i := strings.IndexByte(v, ':'); i >= 0 {
		if !allDigits(v[:i]) {
			return d, errs.Field("version", "%q has an epoch that is not a number", v)
		}
		d.epoch, v = v[:i], v[i+1:]
	}
	d.upstream = v
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		d.upstream, d.revision = v[:i], v[i+1:]
		if d.revision == "" {
			return d, errs.Field("version", "%q has an empty Debian revision", v)
		}
	}
	if d.upstream == "" {
		return d, errs.Field("version", "%q has an empty upstream version", v)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && c != '.' && c != '+' && c != '~' && c != '-' && c != ':' {
			return d, errs.Field("version", "%q has a character Debian versions cannot have", v)
		}
	}
	return d, nil
}

func compareDeb(a, b string) (int, error) {
	da, err := parseDeb(a)
	if err != nil {
		return 0, err
	}
	db, err := parseDeb(b)
	if err != nil {
		return 0, err
	}
	if c := compareNum(da.epoch, db.epoch); c != 0 {
		return c, nil
	}
	if c := debVerrevcmp(da.upstream, db.upstream); c != 0 {
		return c, nil
	}
	return debVerrevcmp(da.revision, db.revision), nil
}

// debOrder is the weight of a non-digit in dpkg's comparison: '~' sorts
// before everything, even the end of the string; letters sort before other
// characters. Digits and the end of the string weigh 0.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case c == '~':
		return -1
	case isDigit(c):
		return 0
	case isAlpha(c):
		return int(c)
	}
	return int(c) + 256
}

// debVerrevcmp compares two upstream versions or two revisions the way dpkg
// does: alternately a run of non-digits (by debOrder, character by
// character) and a run of digits (numerically); an empty run of digits is 0.
func debVerrevcmp(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		firstDiff := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if firstDiff == 0 {
				firstDiff = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if firstDiff != 0 {
			return sign(firstDiff)
		}
	}
	return 0
}
