package match

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

// assertOrdered checks that versions are strictly increasing under scheme,
// pairwise in both directions, which also checks antisymmetry and, over the
// whole list, transitivity.
func assertOrdered(t *testing.T, scheme string, versions []string) {
	t.Helper()
	for i, a := range versions {
		for j, b := range versions {
			want := sign(i - j)
			got, err := Compare(scheme, a, b)
			if err != nil {
				t.Fatalf("Compare(%q, %q, %q): %v", scheme, a, b, err)
			}
			if got != want {
				t.Errorf("Compare(%q, %q, %q) = %d; want %d", scheme, a, b, got, want)
			}
		}
	}
}

func TestCompareSemverSpecPrecedence(t *testing.T) {
	// SemVer 2.0.0 §11, in order.
	assertOrdered(t, SchemeSemver, []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0",
		"1.0.1", "1.1.0", "1.9.0", "1.10.0", "1.11.0", "2.0.0", "2.1.0", "2.1.1",
	})
}

func TestCompareDebianOrder(t *testing.T) {
	// Debian policy §5.6.12: "~~" < "~~a" < "~" < "" < "a", then epochs.
	assertOrdered(t, SchemeDeb, []string{
		"1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0", "1.0-1", "1.0-2", "1.0-10",
		"1.0a", "1.0b", "1.0+", "1.0+b1", "1.0.1", "1.1", "9.9", "10.0",
		"1:0.1", "1:2.0", "2:0.0.1",
	})
}

func TestCompareRPMOrder(t *testing.T) {
	assertOrdered(t, SchemeRPM, []string{
		"1.0~rc1~git123", "1.0~rc1", "1.0~rc2", "1.0", "1.0^", "1.0^git1", "1.0^git2",
		"1.0.1", "1.0.1a", "1.1", "5.5p1", "5.5p2", "5.5p10", "10xyz", "10.1xyz",
		"1:0.1", "1:1.0-1.el8", "1:1.0-2.el8",
	})
}

func TestCompareGenericOrder(t *testing.T) {
	assertOrdered(t, SchemeGeneric, []string{
		"1.0.dev1", "1.0a1", "1.0alpha2", "1.0b1", "1.0beta2", "1.0pre1", "1.0rc1", "1.0RC2", "1.0",
		"1.0p1", "1.0.1", "1.1", "1.1.1", "1.1.1a", "1.1.1w", "1.1.2", "1.9", "1.10",
		"2.0rc1", "2.0", "2.4.9", "2.4.57", "9.3", "9.3p1", "9.3p2", "9.4",
		"10.0.9999", "10.0.17763.1", "15.1.2507.39", "15.2.1118.7", "15.2.1118.40", "15.2.1258.12",
		"2022.12", "2023.1",
	})
}

func TestCompare(t *testing.T) {
	tests := []struct {
		scheme, a, b string
		want         int
	}{
		// SemVer: build metadata ignored, leading v, missing parts, long numbers.
		{"semver", "1.0.0+build.1", "1.0.0+build.2", 0},
		{"semver", "1.0.0-rc.1+b", "1.0.0-rc.1", 0},
		{"semver", "v1.2.3", "1.2.3", 0},
		{"semver", "V1.2.3", "1.2.4", -1},
		{"semver", "1.2", "1.2.0", 0},
		{"semver", "1", "1.0.1", -1},
		{"semver", "1.0.0-alpha", "1.0.0-Alpha", 1}, // ASCII order: upper case first
		{"semver", "1.0.0-2", "1.0.0-10", -1},
		{"semver", "1.0.0-x-y", "1.0.0-x", 1},
		{"semver", "99999999999999999999999.0.0", "99999999999999999999998.9.9", 1},
		{"npm", "4.17.21", "4.17.20", 1},
		{"golang", "v0.0.0-20200101000000-abcdef", "v0.0.0", -1},
		{"  Semver ", "1.0.0", "1.0.0", 0},
		{"semver", " 1.0.0 ", "1.0.0", 0},
		// Debian.
		{"deb", "1.0~rc1", "1.0", -1},
		{"deb", "1:0.1", "2.0", 1},
		{"deb", "1.0-1", "1.0-2", -1},
		{"deb", "1.0a", "1.0b", -1},
		{"deb", "0:1.0", "1.0", 0},
		{"deb", "1.0", "1.0-0", 0},
		{"deb", "2.30-01", "2.30-1", 0},
		{"deb", "7.50.3-1", "7.50.3-1+deb9u1", -1},
		{"deb", "1.0.1", "1.0+dfsg", 1},
		{"debian", "1.2.3-1ubuntu1", "1.2.3-1", 1},
		{"deb", "1:1.0-1-2", "1:1.0-1-1", 1}, // revision after the last hyphen
		// RPM.
		{"rpm", "1.0", "1.0", 0},
		{"rpm", "fc4", "fc.4", 0},
		{"rpm", "1.2.3", "1.2.3-4.el8", 0}, // no release on one side: not compared
		{"rpm", "1.2.3-4.el8", "1.2.3-10.el8", -1},
		{"rpm", "1:1.0", "2.0", 1},
		{"rpm", "2.0.1a", "2.0.1", 1},
		{"rpm", "1.0^git1", "1.01", -1},
		{"rpm", "1.0^20160101", "1.0.1", -1},
		{"rpm", "xyz10", "xyz10.1", -1},
		{"rpm", "1.0aa", "1.0a", 1},
		// Generic.
		{"generic", "10.0.17763.1", "10.0.9999", 1},
		{"generic", "2.4.57", "2.4.9", 1},
		{"generic", "15.2.1118.40", "15.2.1118.7", 1},
		{"generic", "2.0rc1", "2.0", -1},
		{"generic", "2.0-RC1", "2.0rc1", 0},
		{"generic", "2.0.0-rc.1", "2.0rc1", 0},
		{"generic", "1.2", "1.2.0", 0},
		{"generic", "1.2.0.0", "1.2", 0},
		{"generic", "001.2", "1.2", 0},
		{"generic", "v1.2.3", "1.2.3", 0},
		{"generic", "1.0-SNAPSHOT", "1.0", -1},
		{"generic", "1.0.Final", "1.0", 0},
		{"generic", "1.0.GA", "1.0.0", 0},
		{"generic", "1.0 Beta", "1.0", -1},
		{"generic", "1.1.1W", "1.1.1w", 0},
		{"generic", "1.0a", "1.0.0", 1}, // a suffix letter is after the release, whatever zeros follow
		{"generic", "1.0a", "1.0.1", -1},
		{"generic", "version 2", "version 10", -1},
		{"generic", "1.123456789012345678901234567890", "1.99", 1},
		{"generic", "1_2_3", "1.2.3", 0},
		{"generic", "ä1", "ä1", 0},
		{"", "2.0rc1", "2.0", -1},                 // empty scheme is generic
		{"maven", "1.0-beta-1", "1.0-beta-2", -1}, // unknown scheme is generic
	}
	for _, tt := range tests {
		got, err := Compare(tt.scheme, tt.a, tt.b)
		if err != nil {
			t.Errorf("Compare(%q, %q, %q): %v", tt.scheme, tt.a, tt.b, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Compare(%q, %q, %q) = %d; want %d", tt.scheme, tt.a, tt.b, got, tt.want)
		}
		if back, _ := Compare(tt.scheme, tt.b, tt.a); back != -tt.want {
			t.Errorf("Compare(%q, %q, %q) = %d; want %d (antisymmetry)", tt.scheme, tt.b, tt.a, back, -tt.want)
		}
	}
}

func TestCompareErrors(t *testing.T) {
	long := strings.Repeat("1.", 100) + "1" // 201 characters
	tests := []struct {
		scheme, a, b string
	}{
		{"generic", "", "1.0"},
		{"generic", "1.0", "   "},
		{"generic", long, "1.0"},
		{"semver", "1.2.3.4", "1.0.0"},
		{"semver", "1..2", "1.0.0"},
		{"semver", "1.2.3-", "1.0.0"},
		{"semver", "1.2.3-a..b", "1.0.0"},
		{"semver", "1.2.3+", "1.0.0"},
		{"semver", "1.2.3-a_b", "1.0.0"},
		{"semver", "abc", "1.0.0"},
		{"semver", "1.0.0", "v"},
		{"npm", "1.0.0", "1.0.0 beta"},
		{"deb", "a:1.0", "1.0"},
		{"deb", "1.0-", "1.0"},
		{"deb", ":1.0", "1.0"},
		{"deb", "1:", "1.0"},
		{"deb", "1.0 beta", "1.0"},
		{"rpm", "x:1.0", "1.0"},
		{"rpm", "1.0-", "1.0"},
		{"rpm", "1:-1", "1.0"},
	}
	for _, tt := range tests {
		_, err := Compare(tt.scheme, tt.a, tt.b)
		if err == nil {
			t.Errorf("Compare(%q, %q, %q) = nil error; want one", tt.scheme, tt.a, tt.b)
			continue
		}
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "version" {
			t.Errorf("Compare(%q, %q, %q) error = %v; want errs.Invalid on field version", tt.scheme, tt.a, tt.b, err)
		}
	}
	if _, err := Compare("generic", strings.Repeat("9", MaxVersionLen), "1"); err != nil {
		t.Errorf("Compare of a %d-character version: %v; want no error", MaxVersionLen, err)
	}
}

func TestSchemeOf(t *testing.T) {
	tests := map[string]string{
		"semver": SchemeSemver, "NPM": SchemeSemver, "golang": SchemeSemver, "cargo": SchemeSemver,
		"deb": SchemeDeb, "Debian": SchemeDeb, "ubuntu": SchemeDeb,
		"rpm": SchemeRPM, "fedora": SchemeRPM,
		"generic": SchemeGeneric, "": SchemeGeneric, "pypi": SchemeGeneric, "maven": SchemeGeneric,
	}
	for in, want := range tests {
		if got := SchemeOf(in); got != want {
			t.Errorf("SchemeOf(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestCompareDoesNotAllocate(t *testing.T) {
	tests := []struct{ scheme, a, b string }{
		{"generic", "15.2.1118.40", "15.2.1118.7"},
		{"generic", "2.0rc1", "2.0.Final"},
		{"semver", "1.0.0-beta.11", "v1.0.0-beta.2+build"},
		{"npm", "4.17.21", "4.17.20"},
		{"deb", "1:7.50.3-1+deb9u1", "7.50.3-1"},
		{"rpm", "1:1.0^git1-2.el8", "1.0~rc1-1"},
	}
	for _, tt := range tests {
		n := testing.AllocsPerRun(100, func() {
			if _, err := Compare(tt.scheme, tt.a, tt.b); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("Compare(%q, %q, %q) allocates %v times; want 0", tt.scheme, tt.a, tt.b, n)
		}
	}
}
