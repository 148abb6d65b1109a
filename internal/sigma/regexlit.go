package sigma

import "regexp/syntax"

// regexLiterals returns literals one of which every string the regular
// expression expr matches must contain, or nil when it finds no such set.
// Even a one-character literal is kept: a rare character ("`") keys well,
// and a common one costs only candidates, never a missed match.
// The prefilter scans folded values, so the literals are compared folded:
// a value that contains a literal contains its folding too, whatever the
// expression's case flags.
func regexLiterals(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return requiredLiterals(re.Simplify())
}

// requiredLiterals: a literal is required by itself; a concatenation
// requires the best of its parts (runs of literals joined); an
// alternation requires one of each branch's sets; captures and repeats
// of at least one pass their operand's set; anything else requires
// nothing (nil).
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			sub := requiredLiterals(s)
			if sub == nil {
				return nil
			}
			out = append(out, sub...)
		}
		return out
	case syntax.OpConcat:
		var best []string
		run := ""
		consider := func(set []string) {
			if litSetBetter(set, best) {
				best = set
			}
		}
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral {
				run += string(s.Rune)
				continue
			}
			if run != "" {
				consider([]string{run})
				run = ""
			}
			consider(requiredLiterals(s))
		}
		if run != "" {
			consider([]string{run})
		}
		return best
	}
	return nil
}

// litSetBetter ranks literal sets as atomSet.better does.
func litSetBetter(s, o []string) bool { return asAtoms(s).better(asAtoms(o)) }

func asAtoms(lits []string) atomSet {
	if lits == nil {
		return nil
	}
	out := make(atomSet, len(lits))
	for i, l := range lits {
		out[i] = atom{lit: l}
	}
	return out
}
