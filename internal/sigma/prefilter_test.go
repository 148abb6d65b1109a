package sigma

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// unfiltered returns a copy of e whose routes evaluate every rule: the
// reference the prefilter must agree with.
func unfiltered(e *Engine) *Engine {
	c := *e
	c.routes = nil
	for _, rt := range e.routes {
		r := *rt
		all := make([]int32, len(rt.rules))
		for i := range all {
			all[i] = int32(i)
		}
		r.pf = &prefilter{always: all, need: make([]uint64, len(rt.rules))}
		c.routes = append(c.routes, &r)
	}
	return &c
}

func sortedMatches(ms []Match) []string {
	out := matchNames(ms)
	slices.Sort(out)
	return out
}

// TestPrefilterHidesNoMatch: over random rules (contains, prefix, suffix,
// equality and keyword tests under and, or, not, 1 of, all of) and random
// events drawn from the rules' own literals, the prefilter admits every
// rule that matches — whatever clauses commonness and the one-byte rule
// chose.
func TestPrefilterHidesNoMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	pieces := []string{"a", "b", "ab", "abc", "x", "xy", "cmd", "\\win\\", ".exe", " -e ", "Æb", "AB"}
	word := func() string {
		var b strings.Builder
		for range rng.IntN(4) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	mods := []string{"|contains", "|startswith", "|endswith", "", "|contains|all"}
	conds := []string{"s1 and s2", "s1 or s2", "s1 and not s2", "1 of s*", "all of s*", "(s1 or s2) and s3", "not s1", "s1 and (s2 or not s3)", "s3"}
	sel := func() string {
		if rng.IntN(6) == 0 {
			return fmt.Sprintf("['*%s*', '*%s*']", pieces[rng.IntN(len(pieces))], pieces[rng.IntN(len(pieces))])
		}
		var items []string
		for _, f := range []string{"A", "B", "C"}[:1+rng.IntN(3)] {
			var vals []string
			for range 1 + rng.IntN(3) {
				vals = append(vals, fmt.Sprintf("'%s'", strings.ReplaceAll(pieces[rng.IntN(len(pieces))], "\\", "\\\\")))
			}
			items = append(items, fmt.Sprintf("%s%s: [%s]", f, mods[rng.IntN(len(mods))], strings.Join(vals, ", ")))
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	for round := range 40 {
		var src strings.Builder
		for i := range 60 {
			fmt.Fprintf(&src, "title: r%d\nid: 00000000-0000-0000-0000-%012d\nlogsource: {product: test}\ndetection:\n  s1: %s\n  s2: %s\n  s3: %s\n  condition: %s\n---\n",
				i, i, sel(), sel(), sel(), conds[rng.IntN(len(conds))])
		}
		e, errs := unrouted(t, strings.TrimSuffix(src.String(), "---\n"), nil)
		if len(errs) > 0 {
			t.Fatalf("round %d: %v", round, errs[0])
		}
		plain := unfiltered(e)
		d, dp := e.NewDoc(), plain.NewDoc()
		matched := 0
		for ev := range 200 {
			vals := map[string]string{}
			for _, f := range []string{"A", "B", "C"} {
				if rng.IntN(4) > 0 {
					vals[f] = word()
				}
			}
			kw := word()
			for _, doc := range []*Doc{d, dp} {
				doc.Reset()
				for f, v := range vals {
					doc.Set(f, v)
				}
				doc.AddKeyword(kw)
			}
			got, want := sortedMatches(e.Match(d, nil)), sortedMatches(plain.Match(dp, nil))
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, event %d (%q, keyword %q): prefiltered %v, every rule %v", round, ev, vals, kw, got, want)
			}
			matched += len(want)
		}
		if matched == 0 {
			t.Fatalf("round %d: no rule matched any event; the comparison says nothing", round)
		}
	}
}

// TestPrefilterHidesNoSigmaHQMatch: SigmaHQ's rules routed by the built-in
// pipelines find the same matches with and without the prefilter over the
// regression events (as they are and with their values upper-cased) and
// loadgen's events.
func TestPrefilterHidesNoSigmaHQMatch(t *testing.T) {
	root := sharedSigma(t)
	e := fullEngine(t, root)
	plain := unfiltered(e)
	var fill []func(*Doc)
	for _, v := range regressionEvents(t, root) {
		var f, up Flat
		FlattenEvtx(&f, v)
		for _, x := range f.Fields {
			if x.Name != "EventID" && x.Name != "Channel" {
				x.Value = strings.ToUpper(x.Value)
			}
			up.add(x.Name, x.Value, x.Keyword)
		}
		fill = append(fill, func(d *Doc) { d.Fill(&f) }, func(d *Doc) { d.Fill(&up) })
	}
	fill = append(fill, loadgenFills(1000)...)
	agree(t, e, plain, fill, 1, sortedMatches)
}
