package sigma

import (
	"strings"
	"testing"
)

// FuzzParseCondition: any condition text either compiles or is rejected
// with an error; a compiled one evaluates without panicking.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{"a or b and not c", "1 of sel_* and not 1 of filter_*", "all of them", "(a or (b and c))",
		"a | count() > 5", "not", "((", "1 of", "a and", "them", "all of _*", "a near b"} {
		f.Add(s)
	}
	names := []string{"a", "b", "c", "sel_1", "sel_2", "filter_x", "_h"}
	f.Fuzz(func(t *testing.T, src string) {
		n, err := parseCondition(src, names)
		if err != nil {
			if n != nil {
				t.Fatalf("parseCondition(%q) returned a node and error %v", src, err)
			}
			return
		}
		sels := make([]selection, len(names))
		d := &Doc{}
		memo := make([]int8, len(names))
		n.eval(d, sels, memo)
	})
}

// FuzzParseRule: any YAML either loads or is rejected with a *RuleError;
// what loads evaluates an event without panicking.
func FuzzParseRule(f *testing.F) {
	f.Add(ruleYAML("sel: {Image|endswith: '\\cmd.exe', CommandLine|contains|all: ['/c', 'whoami']}\ncondition: sel"))
	f.Add(ruleYAML("keywords: ['a*b', 'c?d']\ncondition: keywords"))
	f.Add(ruleYAML("sel:\n  - {A|re|i: 'x+'}\n  - {B|cidr: 10.0.0.0/8}\nfilter: {C: null}\ncondition: sel and not filter"))
	f.Add(ruleYAML("sel: {A|base64offset|contains: x, B|wide|base64: y, C|gte: 3, D|fieldref: A, E|hour: 2}\ncondition: 1 of them"))
	f.Add("title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [User]\n  timespan: 5m\n  condition: {gte: 3}\n")
	f.Add("title: f\nfilter:\n  rules: [a]\n  sel: {User: x}\n  condition: not sel\n")
	f.Fuzz(func(t *testing.T, src string) {
		docs, perrs := ParseFile("fuzz.yml", []byte(src))
		for _, err := range perrs {
			if _, ok := err.(*RuleError); !ok {
				t.Fatalf("parse error %T %v; want *RuleError", err, err)
			}
		}
		var rules []*Rule
		for _, d := range docs {
			if d.Rule != nil {
				rules = append(rules, d.Rule)
			}
		}
		e, errs := NewEngine(rules, Options{Pipelines: []*Pipeline{}})
		for _, err := range errs {
			if _, ok := err.(*RuleError); !ok {
				t.Fatalf("compile error %T %v; want *RuleError", err, err)
			}
		}
		d := e.NewDoc()
		d.Reset()
		for _, k := range []string{"Image", "CommandLine", "A", "B", "C", "D", "E", "User"} {
			d.Set(k, strings.Repeat(k, 3)+" 10.1.2.3 2026-01-01T02:03:04Z")
		}
		d.AddKeyword("acb cxd")
		e.Match(d, nil)
	})
}
