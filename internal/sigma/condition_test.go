package sigma

import (
	"strings"
	"testing"
)

func TestConditions(t *testing.T) {
	// Selections a, b, c, sel_1, sel_2, _hidden test the fields of the same
	// name for "1".
	det := `a: {A: '1'}
b: {B: '1'}
c: {C: '1'}
sel_1: {S1: '1'}
sel_2: {S2: '1'}
_hidden: {H: '1'}
condition: %s`
	cases := []struct {
		cond string
		ev   string // fields set to "1"
		want bool
	}{
		{"a or b and c", "A", true}, // and binds tighter than or
		{"a or b and c", "B", false},
		{"(a or b) and c", "A", false},
		{"(a or b) and c", "A C", true},
		{"not a and b", "B", true}, // not binds tightest
		{"not a and b", "A B", false},
		{"not (a and b)", "A", true},
		{"a and not b", "A B", false},
		{"1 of sel_*", "S2", true},
		{"all of sel_*", "S2", false},
		{"all of sel_*", "S1 S2", true},
		{"1 of them", "H", false}, // them skips identifiers starting with _
		{"all of them", "A B C S1 S2", true},
		{"1 of them", "C", true},
		{"a and not 1 of sel_*", "A S1", false},
		{"A AND B", "A B", false}, // identifiers are case-sensitive: A is not a
		{"a AND b", "A B", true},  // operators are not
		{"not not a", "A", true},
		{"_hidden", "H", true},
	}
	for _, c := range cases {
		t.Run(c.cond+"/"+c.ev, func(t *testing.T) {
			e, errs := unrouted(t, ruleYAML(strings.Replace(det, "%s", "'"+c.cond+"'", 1)), nil)
			if strings.HasPrefix(c.cond, "A AND") {
				if len(errs) == 0 {
					t.Fatalf("condition %q accepted; want an unknown identifier error", c.cond)
				}
				return
			}
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			ev := map[string]string{}
			for _, f := range strings.Fields(c.ev) {
				ev[f] = "1"
			}
			if got := matches(e, ev); got != c.want {
				t.Errorf("%q with %s = %v; want %v", c.cond, c.ev, got, c.want)
			}
		})
	}
}

func TestConditionList(t *testing.T) {
	e, errs := unrouted(t, ruleYAML("a: {A: '1'}\nb: {B: '1'}\ncondition:\n  - a\n  - b"), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !matches(e, map[string]string{"B": "1"}) {
		t.Error("a list of conditions must match when any does")
	}
}

func TestRejections(t *testing.T) {
	cases := []struct {
		name, det, want string
		line            int
	}{
		{"unknown modifier", "sel: {A|sounds_like: x}\ncondition: sel", `modifier "sounds_like" is not a Sigma v2.1 modifier`, 6},
		{"lookahead regex", "sel: {A|re: 'a(?=b)'}\ncondition: sel", "regular expression", 6},
		{"aggregation", "sel: {A: x}\ncondition: sel | count() > 5", "aggregations", 7},
		{"near", "sel: {A: x}\nb: {B: y}\ncondition: sel near b", "'near' is deprecated", 8},
		{"unknown identifier", "sel: {A: x}\ncondition: sel and other", `"other" is not a search identifier`, 7},
		{"unbalanced", "sel: {A: x}\ncondition: (sel", "missing ')'", 7},
		{"pattern matches nothing", "sel: {A: x}\ncondition: 1 of filter_*", "matches no search identifier", 7},
		{"placeholder without value", "sel: {A|expand: '%admins%'}\ncondition: sel", "placeholder %admins% has no value", 6},
		{"sub-modifier alone", "sel: {A|i: x}\ncondition: sel", "sub-modifier of re", 6},
		{"utf16 without base64", "sel: {A|wide: x}\ncondition: sel", "utf16", 6},
		{"bad cidr", "sel: {A|cidr: 10.0.0.0/33}\ncondition: sel", "cidr", 6},
		{"lt not a number", "sel: {A|lt: ten}\ncondition: sel", "lt takes a number", 6},
		{"no condition", "sel: {A: x}", "no condition", 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := unrouted(t, ruleYAML(c.det), nil)
			if len(errs) != 1 {
				t.Fatalf("got %d errors %v; want one rejection", len(errs), errs)
			}
			re, ok := errs[0].(*RuleError)
			if !ok {
				t.Fatalf("error %T %v; want *RuleError", errs[0], errs[0])
			}
			if !strings.Contains(re.Reason, c.want) || re.ID == "" || re.File != "test.yml" || re.Line != c.line {
				t.Errorf("rejection = %q (file %s line %d id %q); want reason containing %q at line %d", re.Reason, re.File, re.Line, re.ID, c.want, c.line)
			}
		})
	}
}

func TestExpandPlaceholders(t *testing.T) {
	src := ruleYAML("sel: {User|expand: '%admins%'}\ncondition: sel")
	e, errs := unrouted(t, src, map[string][]string{"admins": {"anna", "bo"}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if !matches(e, map[string]string{"User": "BO"}) || matches(e, map[string]string{"User": "carl"}) {
		t.Error("expand must match exactly the placeholder's values")
	}
}

func TestTenantPlaceholders(t *testing.T) {
	src := ruleYAML("sel: {User|expand: '%admins%'}\ncondition: sel")
	docs, _ := ParseFile("test.yml", []byte(src))
	rules := []*Rule{docs[0].Rule}
	e, errs := NewEngine(rules, Options{Pipelines: []*Pipeline{}, TenantPlaceholders: map[int64]map[string][]string{
		101: {"admins": {"anna"}}, 147: {"admins": {"bo", "carl"}}}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d := e.NewDoc()
	match := func(tenant int64, user string) bool {
		d.Reset()
		d.Set("User", user)
		return len(e.MatchFor(d, tenant, nil)) > 0
	}
	for _, c := range []struct {
		tenant int64
		user   string
		want   bool
	}{{101, "anna", true}, {101, "bo", false}, {147, "BO", true}, {147, "anna", false}, {461, "anna", false}, {0, "anna", false}} {
		if got := match(c.tenant, c.user); got != c.want {
			t.Errorf("tenant %d user %s = %v; want %v", c.tenant, c.user, got, c.want)
		}
	}
	if len(e.Rules()) != 1 {
		t.Errorf("engine lists %d rules; want the one rule once", len(e.Rules()))
	}
	// No tenant resolves it: rejected, and marked as a placeholder rejection.
	_, errs = NewEngine(rules, Options{Pipelines: []*Pipeline{}, TenantPlaceholders: map[int64]map[string][]string{101: {"other": {"x"}}}})
	if len(errs) != 1 || !errs[0].(*RuleError).Placeholder() {
		t.Errorf("errors = %v; want one placeholder rejection", errs)
	}
}
