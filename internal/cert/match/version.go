package match

import (
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// The versioning schemes Compare knows. Other names are accepted and mapped
// by SchemeOf; anything unknown is compared as SchemeGeneric.
const (
	SchemeSemver  = "semver"  // SemVer 2.0.0; also npm, golang, cargo, hex
	SchemeDeb     = "deb"     // Debian/Ubuntu: [epoch:]upstream[-revision]
	SchemeRPM     = "rpm"     // RPM: [epoch:]version[-release], rpmvercmp
	SchemeGeneric = "generic" // vendors' version strings; see Compare
)

// MaxVersionLen is the longest version string Compare accepts. Real versions
// are far shorter; a longer one is garbage from an inventory and is refused
// rather than compared.
const MaxVersionLen = 200

// SchemeOf returns the Compare scheme for a versioning-scheme or purl type
// name: "npm", "golang", "cargo" and "hex" use SemVer, "deb" (and "debian",
// "ubuntu") Debian's rules, "rpm" RPM's, and everything else, including "",
// the generic scheme. Names are case-insensitive.
func SchemeOf(name string) string {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "semver", "npm", "golang", "go", "cargo", "crates.io", "hex":
		return SchemeSemver
	case "deb", "debian", "ubuntu", "dpkg":
		return SchemeDeb
	case "rpm", "redhat", "rhel", "centos", "fedora", "suse", "opensuse", "rocky", "almalinux":
		return SchemeRPM
	default:
		return SchemeGeneric
	}
}

// Compare compares versions a and b under the named scheme (see SchemeOf)
// and returns -1, 0 or +1 as a sorts before, the same as, or after b.
// Leading and trailing white space is ignored.
//
// The generic scheme, used for vendors' versions, splits a version into runs
// of digits and runs of letters (anything else separates runs; a leading "v"
// before a digit is dropped). Digit runs compare numerically, letter runs
// case-insensitively. Missing trailing parts count as zero, so "1.2" equals
// "1.2.0". The words dev/snapshot < alpha < beta < pre/preview < rc/cr mark
// pre-releases and sort before the release ("2.0rc1" < "2.0"), as do a lone
// "a" or "b" between digits ("1.0b2"); "final", "ga" and "release" are the
// release itself. Any other letters sort after the release they follow but
// before the next number ("1.1.1" < "1.1.1w" < "1.1.2"), which suits
// OpenSSL- and OpenSSH-style suffixes.
//
// Compare returns an errs.Invalid error for an empty version, one longer
// than MaxVersionLen, one that is not valid under SemVer (missing minor and
// patch are tolerated: "1.2" is "1.2.0") or a malformed Debian or RPM epoch
// or revision. It does not allocate unless it returns an error.
func Compare(scheme, a, b string) (int, error) {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if err := checkVersion(a); err != nil {
		return 0, err
	}
	if err := checkVersion(b); err != nil {
		return 0, err
	}
	switch scheme {
	case SchemeGeneric, SchemeSemver, SchemeDeb, SchemeRPM:
	default:
		scheme = SchemeOf(scheme)
	}
	return compareChecked(scheme, a, b)
}

// compareChecked compares trimmed, length-checked versions under a scheme
// already mapped by SchemeOf.
func compareChecked(scheme, a, b string) (int, error) {
	switch scheme {
	case SchemeSemver:
		return compareSemver(a, b)
	case SchemeDeb:
		return compareDeb(a, b)
	case SchemeRPM:
		return compareRPM(a, b)
	default:
		return compareGeneric(a, b), nil
	}
}

func checkVersion(v string) error {
	if v == "" {
		return errs.Field("version", "version is empty")
	}
	if len(v) > MaxVersionLen {
		return errs.Field("version", "version is longer than %d characters", MaxVersionLen)
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// compareNum compares two runs of decimal digits of any length as numbers.
func compareNum(a, b string) int {
	a = trimZeros(a)
	b = trimZeros(b)
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

// trimZeros drops leading '0's.
func trimZeros(s string) string {
	for len(s) > 0 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// compareFold compares ASCII strings case-insensitively.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			return sign(int(ca) - int(cb))
		}
	}
	return sign(len(a) - len(b))
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
