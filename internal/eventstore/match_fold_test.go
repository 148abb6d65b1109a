package eventstore

import (
	"strings"
	"testing"
)

// FuzzPatternFold checks that a pattern without wildcards, matched
// without lowering a copy of the value, finds what strings.ToLower and
// strings.Contains (or ==) find: for ASCII values, and for the others
// (KELVIN SIGN lowers to an ASCII 'k') by the fallback.
func FuzzPatternFold(f *testing.F) {
	for _, c := range [][2]string{
		{"Failed password for root", "failed password"}, {"FAILED PASSWORD", "password"}, {"fw01", "FW01"}, {"", ""},
		{"abc", ""}, {"ab", "abc"}, {"xAxAxAb", "aab"}, {"aAaAaAaAb", "aaab"}, {"\u212a", "k"}, {"Søren", "sØren"},
		{"pass word", "password"}, {"a\x80b", "b"}, {"0123456789abcdefXYZ", "fxyz"}, {"[x] y", "] y"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, value, term string) {
		if strings.ContainsRune(term, wildStar) || strings.ContainsRune(term, wildOne) {
			return // wildcards take the other path
		}
		low := strings.ToLower(value)
		for _, contains := range []bool{true, false} {
			p := newPattern(term, contains)
			want := low == strings.ToLower(term)
			if contains {
				want = strings.Contains(low, strings.ToLower(term))
			}
			if got := p.match(value); got != want {
				t.Errorf("pattern %q (contains %v) on %q = %v; want %v", term, contains, value, got, want)
			}
		}
	})
}
