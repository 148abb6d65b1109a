package sigma

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options configure an engine.
type Options struct {
	// Pipelines route log sources; nil means BuiltinPipelines. An empty,
	// non-nil list means no routing: every rule sees every event.
	Pipelines []*Pipeline
	// Placeholders give the values of %name% placeholders for rules using
	// the expand modifier. A rule whose placeholder has no value is
	// rejected.
	Placeholders map[string][]string
}

// compiledRule is a rule compiled for one route's field names.
type compiledRule struct {
	rule *Rule
	idx  int
	sels []selection
	cond *node
}

func (c *compiledRule) eval(d *Doc) bool {
	memo := d.memo[:len(c.sels)]
	clear(memo)
	return c.cond.eval(d, c.sels, memo)
}

// Match is one rule that matched an event.
type Match struct {
	Rule  *Rule
	Route string
}

// Engine evaluates events against compiled rules. It is immutable once
// built and safe for concurrent use; each goroutine needs its own Doc.
type Engine struct {
	schema   *Schema
	routes   []*route
	rules    []*Rule
	unrouted []*Rule
	maxSels  int
	maxRules int
}

// NewEngine compiles rules against the pipelines. Rules that cannot be
// compiled are returned as *RuleError and left out; the engine holds the
// rest.
func NewEngine(rules []*Rule, opts Options) (*Engine, []error) {
	pipes := opts.Pipelines
	if pipes == nil {
		var err error
		if pipes, err = BuiltinPipelines(); err != nil {
			return nil, []error{err}
		}
	}
	e := &Engine{schema: newSchema()}
	if len(pipes) == 0 {
		e.routes = []*route{{name: "all", pipeline: "none", all: true}}
	}
	for _, p := range pipes {
		rs, err := buildRoutes(p, e.schema)
		if err != nil {
			return nil, []error{err}
		}
		e.routes = append(e.routes, rs...)
	}
	var errs []error
	for _, r := range rules {
		if _, err := e.add(r, opts.Placeholders); err != nil {
			errs = append(errs, err)
		}
	}
	for _, rt := range e.routes {
		pf, err := buildPrefilter(rt.rules)
		if err != nil {
			return nil, append(errs, err)
		}
		rt.pf = pf
		e.maxRules = max(e.maxRules, len(rt.rules))
	}
	return e, errs
}

// add compiles one rule for every route that covers its log source.
func (e *Engine) add(r *Rule, placeholders map[string][]string) (bool, error) {
	fail := func(err error) (bool, error) {
		line := r.detLine
		var ce *compileError
		reason := err.Error()
		if errors.As(err, &ce) {
			if ce.line > 0 {
				line = ce.line
			}
			reason = ce.reason
		}
		return false, &RuleError{File: r.File, Line: line, ID: r.ID, Reason: reason, Rule: r}
	}
	names, conds, err := detectionParts(r.detection)
	if err != nil {
		return fail(err)
	}
	var roots []*node
	for _, c := range conds {
		n, err := parseCondition(c.Value, names)
		if err != nil {
			return fail(&compileError{line: c.Line, reason: "condition: " + err.Error()})
		}
		roots = append(roots, n)
	}
	root := roots[0]
	if len(roots) > 1 {
		root = &node{op: nOr, kids: roots}
	}
	// Compile once with the rule's own field names, so that errors show
	// whether or not a route takes the rule.
	compile := func(fieldmap map[string]string, schema *Schema) (*compiledRule, error) {
		c := &compiler{schema: schema, fieldmap: fieldmap, placeholders: placeholders}
		cr := &compiledRule{rule: r, idx: len(e.rules), cond: root}
		for _, name := range names {
			sel, err := c.compileSelection(name, mapping(r.detection)[name])
			if err != nil {
				return nil, err
			}
			cr.sels = append(cr.sels, sel)
		}
		return cr, nil
	}
	if _, err := compile(nil, newSchema()); err != nil {
		return fail(err)
	}
	routed := false
	byMap := map[string]*compiledRule{}
	for _, rt := range e.routes {
		if !rt.covers(r.LogSource) {
			continue
		}
		key := fmt.Sprint(rt.fieldmap)
		cr := byMap[key]
		if cr == nil {
			cr, err = compile(rt.fieldmap, e.schema)
			if err != nil {
				return fail(err)
			}
			byMap[key] = cr
		}
		rt.rules = append(rt.rules, cr)
		routed = true
	}
	e.rules = append(e.rules, r)
	e.maxSels = max(e.maxSels, len(names))
	if !routed {
		e.unrouted = append(e.unrouted, r)
	}
	return routed, nil
}

// detectionParts returns a detection's search identifiers (in order) and
// its condition(s).
func detectionParts(det *yaml.Node) ([]string, []*yaml.Node, error) {
	var names []string
	var conds []*yaml.Node
	for i := 0; i+1 < len(det.Content); i += 2 {
		k, v := det.Content[i], det.Content[i+1]
		switch k.Value {
		case "condition":
			switch v.Kind {
			case yaml.ScalarNode:
				conds = append(conds, v)
			case yaml.SequenceNode:
				conds = append(conds, v.Content...)
			}
		case "timeframe":
			// Only meaningful with v1 aggregations, which the condition
			// parser rejects.
		default:
			names = append(names, k.Value)
		}
	}
	if len(conds) == 0 {
		return nil, nil, errAt(det, "detection has no condition")
	}
	for _, c := range conds {
		if c.Kind != yaml.ScalarNode {
			return nil, nil, errAt(c, "condition must be a string or a list of strings")
		}
	}
	return names, conds, nil
}

// NewDoc returns an empty Doc for this engine's fields.
func (e *Engine) NewDoc() *Doc {
	d := newDoc(e.schema)
	d.memo = make([]int8, e.maxSels+1)
	d.hits = make([]uint64, e.maxRules)
	return d
}

// Match appends the rules that match the event in d to out. A rule routed
// twice for one event (two routes whose predicates both hold) is reported
// once.
func (e *Engine) Match(d *Doc, out []Match) []Match {
	start := len(out)
	for _, rt := range e.routes {
		if len(rt.rules) == 0 || !rt.matches(d) {
			continue
		}
		d.cands, d.touched = rt.pf.candidates(d, d.hits, d.touched, d.cands[:0])
	rules:
		for _, i := range d.cands {
			cr := rt.rules[i]
			if !cr.eval(d) {
				continue
			}
			for _, m := range out[start:] {
				if m.Rule == cr.rule {
					continue rules
				}
			}
			out = append(out, Match{Rule: cr.rule, Route: rt.name})
		}
	}
	return out
}

// Rules returns the compiled rules.
func (e *Engine) Rules() []*Rule { return e.rules }

// Unrouted returns the rules that compiled but that no pipeline routes
// events to (for example macOS rules here): loaded, never matching.
func (e *Engine) Unrouted() []*Rule { return e.unrouted }

// RouteStats lists each route with its rule count, for "sigma check".
func (e *Engine) RouteStats() []string {
	var out []string
	for _, rt := range e.routes {
		out = append(out, fmt.Sprintf("%s/%s (%s): %d rules", rt.pipeline, rt.name, rt.ls, len(rt.rules)))
	}
	sort.Strings(out)
	return out
}

// describe is used in errors.
func (r *Rule) describe() string {
	return strings.TrimSpace(r.ID + " " + r.Title)
}
