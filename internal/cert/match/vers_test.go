package match

import (
	"slices"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

func TestParseRangeCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"vers:semver/>=1.2.3|<2.0.0", "vers:semver/>=1.2.3|<2.0.0"},
		{"vers:npm/1.2.3|>=2.0.0|<5.0.0", "vers:npm/1.2.3|>=2.0.0|<5.0.0"},
		{"vers:npm/<5.0.0|>=2.0.0|=1.2.3", "vers:npm/1.2.3|>=2.0.0|<5.0.0"}, // sorted, "=" dropped
		{"VERS:NPM/ >= 1.0.0 |\t< 2.0.0 ", "vers:npm/>=1.0.0|<2.0.0"},
		{"vers:generic/!=1.5", "vers:generic/!=1.5"},
		{"vers:deb/>=1:1.0|<1:2.0~rc1", "vers:deb/>=1:1.0|<1:2.0~rc1"},
		{"vers:deb/*", "vers:deb/*"},
		{"vers:generic/|<1.0||>=2.0|<3.0|", "vers:generic/<1.0|>=2.0|<3.0"},
		{"vers:generic/1.10|1.9|1.2", "vers:generic/1.2|1.9|1.10"},
		{"vers:generic/1.0%7Cx", "vers:generic/1.0%7Cx"},
		{"vers:rpm/>=0:1.0-1.el8|<1.2^git3", "vers:rpm/>=0:1.0-1.el8|<1.2^git3"},
	}
	for _, tt := range tests {
		r, err := ParseRange(tt.in)
		if err != nil {
			t.Errorf("ParseRange(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("ParseRange(%q).String() = %q; want %q", tt.in, got, tt.want)
		}
		again, err := ParseRange(r.String())
		if err != nil || again.String() != r.String() {
			t.Errorf("round trip of %q: %v, %v", r.String(), again, err)
		}
	}
}

func TestRangeContains(t *testing.T) {
	tests := []struct {
		vers string
		in   []string
		out  []string
	}{
		{"vers:semver/>=1.2.3|<2.0.0",
			[]string{"1.2.3", "1.2.4", "1.9.99", "v1.5.0", "2.0.0-rc.1", "1.2.3+build"},
			[]string{"1.2.2", "1.2.3-rc.1", "2.0.0", "2.0.1", "0.0.1"}},
		{"vers:npm/1.2.3|>=2.0.0|<5.0.0",
			[]string{"1.2.3", "2.0.0", "4.99.0"},
			[]string{"0.1.0", "1.2.4", "1.9.9", "5.0.0", "5.0.1"}},
		{"vers:generic/!=1.5",
			[]string{"1.4", "1.6", "0"},
			[]string{"1.5", "1.5.0"}},
		{"vers:deb/>=1:1.0|<1:2.0~rc1",
			[]string{"1:1.0", "1:1.0-1", "1:1.9", "1:2.0~beta1"},
			[]string{"1.5", "2.0", "1:0.9", "1:2.0~rc1", "1:2.0", "2:0.1"}},
		{"vers:deb/*",
			[]string{"1.0", "anything"},
			nil},
		{"vers:generic/<1.0|>=2.0|<3.0",
			[]string{"0.5", "0.9.9", "2.0", "2.5", "2.99"},
			[]string{"1.0", "1.5", "3.0", "4"}},
		{"vers:generic/<=1.0|>2.0",
			[]string{"0.1", "1.0", "1.0.0", "2.0.1", "10"},
			[]string{"1.0.1", "1.5", "2.0"}},
		{"vers:generic/>1.0",
			[]string{"1.0.1", "1.1", "2"},
			[]string{"1.0", "1.0rc1", "0.9"}},
		{"vers:generic/<2.4.58",
			[]string{"2.4.57", "2.4.9", "1", "2.4.58rc1"},
			[]string{"2.4.58", "2.4.100", "3"}},
		{"vers:generic/>=1.0|!=1.5|<2.0",
			[]string{"1.0", "1.4", "1.6"},
			[]string{"1.5", "1.5.0", "0.9", "2.0"}},
		{"vers:generic/1.0|1.1",
			[]string{"1.0", "1.0.0", "1.1"},
			[]string{"1.05", "1.2", "0.9"}},
		{"vers:generic/!=1.5|>=3.0", // exclusions narrow the bounds; they do not add "all other versions"
			[]string{"3.0", "4"},
			[]string{"1.0", "1.5", "2.9"}},
		{"vers:generic/1.0|>=2.0",
			[]string{"1.0", "2.0", "3"},
			[]string{"1.5", "0.5"}},
		{"vers:rpm/>=1.0-1.el8|<1.2",
			[]string{"1.0-1.el8", "1.1-3.el8", "1.2~rc1"},
			[]string{"1.0-0.el8", "1.2", "1.2-5.el8"}},
	}
	for _, tt := range tests {
		r := MustParseRange(tt.vers)
		for _, v := range tt.in {
			if got, err := r.Contains(v); err != nil || !got {
				t.Errorf("%s Contains(%q) = %v, %v; want true", tt.vers, v, got, err)
			}
		}
		for _, v := range tt.out {
			if got, err := r.Contains(v); err != nil || got {
				t.Errorf("%s Contains(%q) = %v, %v; want false", tt.vers, v, got, err)
			}
		}
	}
}

func TestRangeContainsErrors(t *testing.T) {
	tests := []struct{ vers, v string }{
		{"vers:semver/>=1.0.0", ""},
		{"vers:semver/>=1.0.0", "   "},
		{"vers:semver/>=1.0.0", "1.2.3.4"},
		{"vers:semver/*", ""},
		{"vers:generic/<1", strings.Repeat("1", MaxVersionLen+1)},
		{"vers:deb/<1.0", "a:1.0"},
	}
	for _, tt := range tests {
		if got, err := MustParseRange(tt.vers).Contains(tt.v); err == nil {
			t.Errorf("%s Contains(%q) = %v, nil; want an error", tt.vers, tt.v, got)
		}
	}
	if got, err := (Range{}).Contains("1.0"); err != nil || got {
		t.Errorf("Range{}.Contains(1.0) = %v, %v; want false, nil", got, err)
	}
}

func TestParseRangeErrors(t *testing.T) {
	tests := []string{
		"",
		"semver/>=1.0.0",
		"vers/semver/>=1.0.0",
		"versions:semver/>=1.0.0",
		"vers:semver",
		"vers:/1.0.0",
		"vers:sem$ver/1.0.0",
		"vers:semver/",
		"vers:semver/|||",
		"vers:semver/>=",
		"vers:semver/!=",
		"vers:semver/*|1.0.0",
		"vers:semver/1.0.0|*",
		"vers:semver/1.0.0|1.0.0",
		"vers:semver/1.0.0|>=1.0.0",
		"vers:generic/1.0|1.0.0", // the same version under generic rules
		"vers:generic/>=1.0|>=2.0",
		"vers:generic/<1.0|<2.0",
		"vers:generic/>1.0|>=2.0|<3.0",
		"vers:generic/=1.5|<2.0",
		"vers:generic/>=1.0|=1.5|<2.0",
		"vers:semver/>=1.2.3.4",
		"vers:semver/>=1.0.0|<2.0.0-",
		"vers:deb/>=a:1.0",
		"vers:semver/%zz",
		"vers:generic/<" + strings.Repeat("1", MaxVersionLen+1),
		"vers:generic/" + strings.Repeat("1|", 5000),
	}
	for _, in := range tests {
		r, err := ParseRange(in)
		if err == nil {
			t.Errorf("ParseRange(%q) = %v; want an error", in, r)
			continue
		}
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "range" {
			t.Errorf("ParseRange(%q) error = %v; want errs.Invalid on field range", in, err)
		}
	}
}

func TestRangeFrom(t *testing.T) {
	tests := []struct {
		scheme, introduced, fixed, last string
		want                            string
	}{
		{"semver", "1.0.0", "1.2.0", "", "vers:semver/>=1.0.0|<1.2.0"},
		{"generic", "", "2.4.58", "", "vers:generic/<2.4.58"},
		{"generic", "0", "", "2.4.57", "vers:generic/<=2.4.57"},
		{"deb", "1.0", "", "", "vers:deb/>=1.0"},
		{"", "", "", "", "vers:generic/*"},
		{"npm", "0", "", "", "vers:npm/*"},
		{"generic", "1.0", "", "1.0.0", "vers:generic/1.0"},
		{"NPM", " 4.0.0 ", "4.17.21", "", "vers:npm/>=4.0.0|<4.17.21"},
		{"deb", "1:1.0-1", "1:1.0-3", "", "vers:deb/>=1:1.0-1|<1:1.0-3"},
	}
	for _, tt := range tests {
		r, err := RangeFrom(tt.scheme, tt.introduced, tt.fixed, tt.last)
		if err != nil {
			t.Errorf("RangeFrom(%q, %q, %q, %q): %v", tt.scheme, tt.introduced, tt.fixed, tt.last, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("RangeFrom(%q, %q, %q, %q) = %q; want %q", tt.scheme, tt.introduced, tt.fixed, tt.last, got, tt.want)
		}
	}

	r, err := RangeFrom("generic", "2.4.0", "2.4.58", "")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{"2.3.9": false, "2.4.0": true, "2.4": true, "2.4.57": true, "2.4.58": false} {
		if got, err := r.Contains(v); err != nil || got != want {
			t.Errorf("%v Contains(%q) = %v, %v; want %v", r, v, got, err, want)
		}
	}

	bad := []struct{ scheme, introduced, fixed, last string }{
		{"generic", "1.0", "2.0", "1.5"},   // both fixed and last affected
		{"generic", "2.0", "1.0", ""},      // fixed before introduced
		{"generic", "1.0", "1.0.0", ""},    // fixed at introduced: empty
		{"generic", "2.0", "", "1.0"},      // last affected before introduced
		{"semver", "1.0.0", "1.2.3.4", ""}, // not semver
		{"semver", "", "x", ""},
		{"generic", "1.0", "", ""},
	}
	bad[len(bad)-1].introduced = strings.Repeat("1", MaxVersionLen+1)
	for _, tt := range bad {
		if r, err := RangeFrom(tt.scheme, tt.introduced, tt.fixed, tt.last); err == nil {
			t.Errorf("RangeFrom(%q, %q, %q, %q) = %v; want an error", tt.scheme, tt.introduced, tt.fixed, tt.last, r)
		} else if e := errs.As(err); e == nil || e.Field != "range" {
			t.Errorf("RangeFrom(%q, %q, %q, %q) error = %v; want one on field range", tt.scheme, tt.introduced, tt.fixed, tt.last, err)
		}
	}
}

func TestRangeAccessors(t *testing.T) {
	r := MustParseRange("vers:npm/<5.0.0|>=2.0.0|1.2.3")
	want := []Constraint{{OpEQ, "1.2.3"}, {OpGE, "2.0.0"}, {OpLT, "5.0.0"}}
	got := r.Constraints()
	if !slices.Equal(got, want) || r.Scheme() != "npm" || r.All() || r.IsZero() {
		t.Errorf("accessors of %v = %v, %q, %v, %v", r, got, r.Scheme(), r.All(), r.IsZero())
	}
	got[0].Version = "9.9.9" // a copy: the range is unchanged
	if r.String() != "vers:npm/1.2.3|>=2.0.0|<5.0.0" {
		t.Errorf("Constraints() did not return a copy: range is now %v", r)
	}
	if !MustParseRange("vers:npm/*").All() || !(Range{}).IsZero() {
		t.Errorf("All or IsZero wrong")
	}
}

func TestRangeContainsDoesNotAllocate(t *testing.T) {
	r := MustParseRange("vers:generic/<1.0|>=2.0|<2.4.58|>=3.0|!=3.1|<3.2")
	n := testing.AllocsPerRun(100, func() {
		if _, err := r.Contains("2.4.57"); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("Contains allocates %v times; want 0", n)
	}
}
