package sigma

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// naiveFound lists the ids of lits contained in v.
func naiveFound(lits []string, v string) []int32 {
	var out []int32
	for i, l := range lits {
		if strings.Contains(v, l) {
			out = append(out, int32(i))
		}
	}
	return out
}

func distinct(found []int32) []int32 {
	out := slices.Clone(found)
	slices.Sort(out)
	return slices.Compact(out)
}

// TestLitIndexMatchesContains: over random literal sets drawn from a
// small alphabet (so that literals share grams and prefixes, and texts
// hold many of them), the index finds exactly the literals
// strings.Contains finds.
func TestLitIndexMatchesContains(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const alphabet = `ab\.c-e x`
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	for round := range 600 {
		// Odd rounds draw only long literals, for the skipping scan.
		short, long := 1, 12
		if round%2 == 1 {
			short, long = minSkip, 3*minSkip
		}
		seen := map[string]bool{}
		var lits []string
		for range 1 + rng.IntN(200) {
			l := word(short + rng.IntN(long-short+1))
			if !seen[l] {
				seen[l] = true
				lits = append(lits, l)
			}
		}
		x := newLitIndex(lits)
		shortest := len(slices.MinFunc(lits, func(a, b string) int { return len(a) - len(b) }))
		if (x.skip != nil) != (shortest >= minSkip) {
			t.Fatalf("round %d: skipping is %v with a shortest literal of %d bytes", round, x.skip != nil, shortest)
		}
		for range 20 {
			v := word(rng.IntN(80))
			if rng.IntN(2) == 0 && len(lits) > 0 {
				// Plant literals so that long ones are found too.
				v += lits[rng.IntN(len(lits))] + word(rng.IntN(8)) + lits[rng.IntN(len(lits))]
			}
			got := distinct(x.scan(v, nil))
			if want := naiveFound(lits, v); !slices.Equal(got, want) {
				t.Fatalf("round %d: scan(%q) found %v, want %v (literals %q)", round, v, got, want, lits)
			}
		}
	}
}

// FuzzLitIndex: the index agrees with strings.Contains on any text and
// literals.
func FuzzLitIndex(f *testing.F) {
	f.Add("cmd.exe", "\\cmd.exe /c", "c:\\windows\\system32\\cmd.exe /c whoami")
	f.Add("a", "ab", "abab")
	f.Add("", "-enc", "powershell -enc AAAA")
	f.Fuzz(func(t *testing.T, l1, l2, v string) {
		var lits []string
		for _, l := range []string{l1, l2, l1 + l2, l2 + "x"} {
			if l != "" && !slices.Contains(lits, l) {
				lits = append(lits, l)
			}
		}
		if len(lits) == 0 {
			return
		}
		got := distinct(newLitIndex(lits).scan(v, nil))
		if want := naiveFound(lits, v); !slices.Equal(got, want) {
			t.Fatalf("scan(%q) found %v, want %v (literals %q)", v, got, want, lits)
		}
	})
}

// FuzzFoldInto: the eight-bytes-at-a-time fold agrees with Unicode full
// case folding, and leaves the arena's earlier bytes alone.
func FuzzFoldInto(f *testing.F) {
	for _, s := range []string{"", "ABC", "C:\\Windows\\System32\\CMD.EXE /C WHOAMI", "ſK straße", "abcdefghXYZ", "@[`{", "ÅÆØ åæø"} {
		f.Add(s)
	}
	caser := cases.Fold()
	fo := newFolder()
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		arena := []byte("prefix")
		arena, got := fo.foldInto(arena, s)
		if want := caser.String(s); got != want {
			t.Fatalf("foldInto(%q) = %q, want %q", s, got, want)
		}
		if string(arena[:6]) != "prefix" {
			t.Fatalf("foldInto(%q) overwrote the arena: %q", s, arena)
		}
	})
}

// TestFoldIntoEveryRune: folding rune by rune from the folder's cache
// gives what Unicode full case folding of the whole string gives, for
// every valid rune, alone, between ASCII and repeated (the second time
// from the cache), and after eight ASCII bytes (the word-at-a-time path).
func TestFoldIntoEveryRune(t *testing.T) {
	caser := cases.Fold()
	fo := newFolder()
	var arena []byte
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		c := string(r)
		for _, s := range []string{c, "aB" + c + "Cd" + c, "ABCDEFGH" + c + "x"} {
			var got string
			arena, got = fo.foldInto(arena[:0], s)
			if want := caser.String(s); got != want {
				t.Fatalf("foldInto(%q) = %q, want %q", s, got, want)
			}
		}
	}
	if len(fo.runes) == 0 {
		t.Fatal("no rune was folded from the cache")
	}
}

// FuzzRegexLiterals: when an expression matches a value, the folded value
// contains one of the literals the prefilter keys the expression on — the
// prefilter never hides a match.
func FuzzRegexLiterals(f *testing.F) {
	f.Add(`\w+`+"`"+`(?:\w+|-|.)`+"`"+`[\w+|\s]`, "IN`V`o`Ke-eXp`ResSIOn")
	f.Add(`"(?:\{\d\})+"\s*-f`, `&("{2}{3}{0}"-f 'e')`)
	f.Add(`(?i)\$\{`+"`"+`?e`+"`"+`?n`+"`"+`?v\}`, "${E`NV}")
	f.Add(`(?i)(set).*&&\s?set.*(environment|invoke|\$\{?input)`, "SET x && set y invoke")
	f.Add(`(?i)ſ+tra(ss|ß)e`, "STRASSE")
	f.Add(`\\(cmd|powershell)\.exe$`, `c:\windows\cmd.exe`)
	f.Fuzz(func(t *testing.T, expr, v string) {
		re, err := regexp.Compile(expr)
		if err != nil || !utf8.ValidString(v) || !re.MatchString(v) {
			return
		}
		lits := regexLiterals(re.String())
		if lits == nil {
			return
		}
		fv := foldString(v)
		for _, l := range lits {
			if strings.Contains(fv, foldString(l)) {
				return
			}
		}
		t.Fatalf("%q matches %q, but its folded form %q holds none of %q", expr, v, fv, lits)
	})
}

func TestRegexLiterals(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`\\(cmd|powershell)\.exe$`, []string{`.exe`}},
		{`\\(cmd|powershell)\.`, []string{`cmd`, `powershell`}},
		{`(?i)invoke-(expression|webrequest)`, []string{`expression`, `webrequest`}},
		{`a*b?`, nil},
		{`x{2,}`, []string{`x`}},
		{`"(?:\{\d\})+"\s*-f`, []string{`-f`}},
		{`.*`, nil},
	} {
		var got []string
		for _, l := range regexLiterals(c.expr) {
			got = append(got, foldString(l))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("regexLiterals(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}
