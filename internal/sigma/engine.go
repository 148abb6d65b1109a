package sigma

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Options configure an engine.
type Options struct {
	// Pipelines route log sources; nil means BuiltinPipelines. An empty,
	// non-nil list means no routing: every rule sees every event.
	Pipelines []*Pipeline
	// Placeholders give the values of %name% placeholders for rules using
	// the expand modifier, for every tenant. A rule whose placeholder has
	// no value is rejected.
	Placeholders map[string][]string
	// TenantPlaceholders give placeholder values per tenant (over
	// Placeholders). A rule that needs a placeholder only some tenants
	// define is compiled once for each of them and matches only their
	// events; it is rejected only when no tenant can resolve it.
	TenantPlaceholders map[int64]map[string][]string
	// Filters tune rules: a match of a filtered rule counts only when the
	// filter's condition holds too, for the tenants the filter is scoped to.
	Filters []ScopedFilter
	// Correlations are compiled for NewCorrelator; their group-by fields
	// become readable fields of every Doc.
	Correlations []*Correlation
}

// ScopedFilter is a meta-filter and the tenants it applies to (none: all).
type ScopedFilter struct {
	Filter  *Filter
	Tenants []int64
}

// compiledFilter is a filter compiled for one route's field names.
type compiledFilter struct {
	f       *Filter
	tenants []int64
	sels    []selection
	cond    *node
}

func (f *compiledFilter) applies(tenant int64) bool {
	if len(f.tenants) == 0 {
		return true
	}
	return slices.Contains(f.tenants, tenant)
}

// compiledRule is a rule compiled for one route's field names.
type compiledRule struct {
	rule    *Rule
	tenant  int64 // 0: every tenant; else the tenant whose placeholders it uses
	sels    []selection
	cond    *node
	filters []*compiledFilter
}

func (c *compiledRule) eval(d *Doc, tenant int64) bool {
	memo := d.memo[:len(c.sels)]
	clear(memo)
	if !c.cond.eval(d, c.sels, memo) {
		return false
	}
	for _, f := range c.filters {
		if !f.applies(tenant) {
			continue
		}
		memo := d.memo[:len(f.sels)]
		clear(memo)
		if !f.cond.eval(d, f.sels, memo) {
			return false
		}
	}
	return true
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
	// keySlots are the fields routes are dispatched on (nil: no
	// dispatch; every route is tested for every event).
	keySlots []int
	filters  map[string][]ScopedFilter // by rule id and name
	corrs    []*Correlation
	// referenced holds rules that correlations use without generate:
	// their matches feed correlations but are no alerts of their own.
	referenced map[string]bool
}

// Release frees the parsed YAML of rules and filters that an engine has
// been built from: the engine keeps what it compiled, not the source
// (3,141 SigmaHQ rules' nodes are some 15 MB the collector would
// otherwise carry for as long as the engine lives). The rules cannot be
// compiled again afterwards; parse them anew for another engine.
func Release(rules []*Rule, filters []ScopedFilter) {
	for _, r := range rules {
		r.detection = nil
	}
	for _, f := range filters {
		if f.Filter != nil {
			f.Filter.detection = nil
		}
	}
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
	var errs []error
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
	e.filters = map[string][]ScopedFilter{}
	for _, sf := range opts.Filters {
		// A filter that does not compile is rejected on its own; the
		// rules it names keep working unfiltered.
		if _, err := (&compiler{schema: newSchema(), placeholders: opts.Placeholders}).compileFilter(sf); err != nil {
			errs = append(errs, &RuleError{File: sf.Filter.File, Line: sf.Filter.Line, ID: sf.Filter.ID, Reason: err.Error()})
			continue
		}
		for _, ref := range sf.Filter.Rules {
			e.filters[ref] = append(e.filters[ref], sf)
		}
	}
	added := map[*Rule]bool{}
	for _, r := range rules {
		_, err := e.add(r, opts.Placeholders, 0, added)
		var re *RuleError
		if err == nil || !errors.As(err, &re) || !re.placeholder || len(opts.TenantPlaceholders) == 0 {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		// Compile the rule for every tenant whose values resolve it.
		tenants := make([]int64, 0, len(opts.TenantPlaceholders))
		for t := range opts.TenantPlaceholders {
			tenants = append(tenants, t)
		}
		slices.Sort(tenants)
		for _, t := range tenants {
			merged := maps.Clone(opts.Placeholders)
			if merged == nil {
				merged = map[string][]string{}
			}
			maps.Copy(merged, opts.TenantPlaceholders[t])
			if _, terr := e.add(r, merged, t, added); terr == nil {
				err = nil
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, e.addCorrelations(opts.Correlations)...)
	e.buildDispatch()
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
func (e *Engine) add(r *Rule, placeholders map[string][]string, tenant int64, added map[*Rule]bool) (bool, error) {
	fail := func(err error) (bool, error) {
		line := r.detLine
		var ce *compileError
		reason := err.Error()
		ph := false
		if errors.As(err, &ce) {
			if ce.line > 0 {
				line = ce.line
			}
			reason, ph = ce.reason, ce.placeholder != ""
		}
		return false, &RuleError{File: r.File, Line: line, ID: r.ID, Reason: reason, Rule: r, placeholder: ph}
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
		cr := &compiledRule{rule: r, tenant: tenant, cond: root}
		for _, name := range names {
			sel, err := c.compileSelection(name, mapping(r.detection)[name])
			if err != nil {
				return nil, err
			}
			cr.sels = append(cr.sels, sel)
		}
		for _, sf := range e.rulesFilters(r) {
			cf, err := c.compileFilter(sf)
			if err != nil {
				return nil, err
			}
			cr.filters = append(cr.filters, cf)
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
	if added[r] {
		return routed, nil
	}
	added[r] = true
	e.rules = append(e.rules, r)
	e.maxSels = max(e.maxSels, len(names))
	for _, sf := range e.rulesFilters(r) {
		e.maxSels = max(e.maxSels, len(mapping(sf.Filter.detection))-1)
	}
	if !routed {
		e.unrouted = append(e.unrouted, r)
	}
	return routed, nil
}

// detectionParts returns a detection's search identifiers (in order) and
// its condition(s).
func detectionParts(det *yaml.Node) ([]string, []*yaml.Node, error) {
	if det == nil {
		return nil, nil, errAt(nil, "the rule's source was released after an engine was built from it; parse it again")
	}
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

// rulesFilters returns the filters naming r by id or name.
func (e *Engine) rulesFilters(r *Rule) []ScopedFilter {
	out := e.filters[r.ID]
	if r.Name != "" && r.Name != r.ID {
		out = append(slices.Clip(out), e.filters[r.Name]...)
	}
	return out
}

// compileFilter compiles a meta-filter's selections and condition with
// the rule's field names.
func (c *compiler) compileFilter(sf ScopedFilter) (*compiledFilter, error) {
	f := sf.Filter
	names, conds, err := detectionParts(f.detection)
	if err != nil {
		return nil, fmt.Errorf("filter %s (%s:%d): %w", f.ID, f.File, f.Line, err)
	}
	cf := &compiledFilter{f: f, tenants: sf.Tenants}
	var roots []*node
	for _, cn := range conds {
		n, err := parseCondition(cn.Value, names)
		if err != nil {
			return nil, fmt.Errorf("filter %s (%s:%d): condition: %w", f.ID, f.File, cn.Line, err)
		}
		roots = append(roots, n)
	}
	cf.cond = roots[0]
	if len(roots) > 1 {
		cf.cond = &node{op: nOr, kids: roots}
	}
	for _, name := range names {
		sel, err := c.compileSelection(name, mapping(f.detection)[name])
		if err != nil {
			return nil, fmt.Errorf("filter %s (%s:%d): %w", f.ID, f.File, f.Line, err)
		}
		cf.sels = append(cf.sels, sel)
	}
	return cf, nil
}

// Match appends the rules that match the event in d to out, with no
// tenant-scoped filters applied (filters for all tenants are).
func (e *Engine) Match(d *Doc, out []Match) []Match { return e.MatchFor(d, 0, out) }

// MatchFor appends the rules that match the event of tenant in d to out,
// after the filters that apply to that tenant. A rule routed twice for
// one event (two routes whose predicates both hold) is reported once.
func (e *Engine) MatchFor(d *Doc, tenant int64, out []Match) []Match {
	start := len(out)
	if rs, ok := e.routesFor(d); ok {
		for _, i := range rs {
			rt := e.routes[i]
			if rt.dynamic && !rt.matches(d) {
				continue
			}
			out = e.matchRoute(d, rt, tenant, out, start)
		}
		return out
	}
	for _, rt := range e.routes {
		if len(rt.rules) == 0 || !rt.matches(d) {
			continue
		}
		out = e.matchRoute(d, rt, tenant, out, start)
	}
	return out
}

// matchRoute appends the matches of one route's rules, skipping rules
// already in out[start:].
func (e *Engine) matchRoute(d *Doc, rt *route, tenant int64, out []Match, start int) []Match {
	d.cands, d.touched = rt.pf.candidates(d, d.hits, d.touched, d.cands[:0])
rules:
	for _, i := range d.cands {
		cr := rt.rules[i]
		if (cr.tenant != 0 && cr.tenant != tenant) || !cr.eval(d, tenant) {
			continue
		}
		for _, m := range out[start:] {
			if m.Rule == cr.rule {
				continue rules
			}
		}
		out = append(out, Match{Rule: cr.rule, Route: rt.name})
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
