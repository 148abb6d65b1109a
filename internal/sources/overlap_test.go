package sources

import (
	"math/rand/v2"
	"path"
	"testing"
)

// TestPatternsMeetAgainstPathMatch holds patternsMeet to path.Match: for
// random small patterns, it must say they meet exactly when some name
// (all names up to length 6 over the patterns' characters, another ASCII
// character and a non-ASCII one) matches both.
func TestPatternsMeetAgainstPathMatch(t *testing.T) {
	alphabet := []string{"a", "b", ".", "/", "c", "é"}
	parts := []string{"a", "b", ".", "/", "*", "?", "[ab]", "[^a]", "[a-b]", "\\.", "[/]"}
	var names []string
	var walk func(prefix string, n int)
	walk = func(prefix string, n int) {
		names = append(names, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			walk(prefix+c, n-1)
		}
	}
	walk("", 6)
	rng := rand.New(rand.NewPCG(1, 2))
	pattern := func() string {
		s := ""
		for range 1 + rng.IntN(3) {
			s += parts[rng.IntN(len(parts))]
		}
		return s
	}
	seen := map[bool]int{}
	for range 400 {
		a, b := pattern(), pattern()
		want := false
		for _, n := range names {
			ma, _ := path.Match(a, n)
			mb, _ := path.Match(b, n)
			if ma && mb {
				want = true
				break
			}
		}
		if got := patternsMeet(a, b); got != want {
			t.Errorf("patternsMeet(%q, %q) = %v; want %v", a, b, got, want)
		}
		seen[want]++
	}
	if seen[true] < 50 || seen[false] < 50 {
		t.Errorf("the random patterns met %d times and missed %d times; want both often", seen[true], seen[false])
	}
}

func TestWideIdentities(t *testing.T) {
	for p, want := range map[string]bool{
		"*": true, "*.dk": true, "*kk.dk": true, "dc?": true, "*.kk.*": true, "dc*.kk.": true,
		"*.frederiksberg.dk": false, "dc*.kk.dk": false, "*1.kk.dk": false, "dc01.kk.dk": false, "dc01": false, "a[.]b.kk.dk": false,
	} {
		if got := widePattern(p); got != want {
			t.Errorf("widePattern(%q) = %v; want %v", p, got, want)
		}
	}
}
