package sigma

import (
	"embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Pipeline routes rule log sources to events: each entry names a log
// source (category, product, service), the event predicate that says an
// event belongs to it, and the field names its rules' fields map to.
// The file format is the one of SigmaHQ's tests/thor.yml: entries with
// conditions, rewrite (to a product/service entry whose sources apply
// too), fieldmappings and sources ("WinEventLog:<channel>").
type Pipeline struct {
	Name    string
	File    string
	Entries []PipelineEntry
	// Skipped lists entries that cannot select events here (for example
	// only "File:" sources) and why.
	Skipped []string
}

// PipelineEntry is one log source of a pipeline.
type PipelineEntry struct {
	Name          string
	LogSource     LogSource
	Rewrite       LogSource
	FieldMappings map[string]string
	Channels      []string

	conditions *yaml.Node
	line       int
}

//go:embed pipelines/*.yml
var builtinPipelines embed.FS

// BuiltinPipelines returns samdrift's own pipelines: windows (Sysmon,
// Security 4688 and the Windows channels) and syslog (samdrift's
// normalised syslog, Linux and network device events).
func BuiltinPipelines() ([]*Pipeline, error) {
	ents, err := builtinPipelines.ReadDir("pipelines")
	if err != nil {
		return nil, err
	}
	var out []*Pipeline
	for _, e := range ents {
		data, err := builtinPipelines.ReadFile("pipelines/" + e.Name())
		if err != nil {
			return nil, err
		}
		p, err := ParsePipeline("pipelines/"+e.Name(), data)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePipeline reads a pipeline file.
func ParsePipeline(file string, data []byte) (*Pipeline, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", file, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("pipeline %s: empty file", file)
	}
	m := mapping(root.Content[0])
	p := &Pipeline{Name: scalar(m["title"]), File: file}
	ls := m["logsources"]
	if ls == nil || ls.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("pipeline %s: no logsources mapping", file)
	}
	for i := 0; i+1 < len(ls.Content); i += 2 {
		name, body := ls.Content[i].Value, ls.Content[i+1]
		bm := mapping(body)
		e := PipelineEntry{Name: name, line: body.Line,
			LogSource:  LogSource{Category: scalar(bm["category"]), Product: scalar(bm["product"]), Service: scalar(bm["service"])},
			conditions: bm["conditions"]}
		if rw := mapping(bm["rewrite"]); rw != nil {
			e.Rewrite = LogSource{Product: scalar(rw["product"]), Service: scalar(rw["service"])}
		}
		if fm := bm["fieldmappings"]; fm != nil {
			e.FieldMappings = map[string]string{}
			for k, v := range mapping(fm) {
				if v.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("pipeline %s:%d: field mapping %q must map to one field", file, v.Line, k)
				}
				e.FieldMappings[k] = v.Value
			}
		}
		var fileOnly bool
		for _, s := range scalars(bm["sources"]) {
			switch {
			case strings.HasPrefix(s, "WinEventLog:"):
				e.Channels = append(e.Channels, strings.TrimPrefix(s, "WinEventLog:"))
			default:
				fileOnly = true
			}
		}
		if e.conditions == nil && len(e.Channels) == 0 && e.Rewrite == (LogSource{}) {
			reason := "no conditions and no sources"
			if fileOnly {
				reason = "only file sources, which events received here do not carry"
			}
			p.Skipped = append(p.Skipped, fmt.Sprintf("%s: %s", name, reason))
			continue
		}
		p.Entries = append(p.Entries, e)
	}
	return p, nil
}

// route is a pipeline entry made ready: its event predicate and the rules
// routed to it.
type route struct {
	name     string
	pipeline string
	ls       LogSource // service after rewrite
	all      bool      // catch-all route: every rule, every event
	fieldmap map[string]string
	pred     []selection // all must hold
	rules    []*compiledRule
	pf       *prefilter
	// dynamic routes' predicates read keyword values: they are tested
	// for every event, not dispatched on key fields.
	dynamic bool
}

// covers reports whether a rule with log source l is routed to r.
func (r *route) covers(l LogSource) bool {
	if r.all {
		return true
	}
	if l.Product != "" && r.ls.Product != l.Product {
		return false
	}
	if l.Category != "" {
		return r.ls.Category == l.Category && (l.Service == "" || r.ls.Service == l.Service)
	}
	if r.ls.Category != "" {
		return false
	}
	if l.Service != "" {
		return r.ls.Service == l.Service
	}
	if l.Product == "" {
		return true // a rule without a log source sees every routed event
	}
	return r.ls.Service == ""
}

// buildRoutes compiles a pipeline's entries into routes.
func buildRoutes(p *Pipeline, schema *Schema) ([]*route, error) {
	byService := map[LogSource]*PipelineEntry{}
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.LogSource.Category == "" && e.LogSource.Service != "" {
			byService[LogSource{Product: e.LogSource.Product, Service: e.LogSource.Service}] = e
		}
	}
	var out []*route
	for i := range p.Entries {
		e := &p.Entries[i]
		r := &route{name: e.Name, pipeline: p.Name, ls: e.LogSource, fieldmap: e.FieldMappings}
		c := &compiler{schema: schema}
		add := func(ent *PipelineEntry) error {
			if ent.conditions != nil {
				sel, err := c.compileSelection(ent.Name, ent.conditions)
				if err != nil {
					return fmt.Errorf("pipeline %s:%d: entry %s: %w", p.File, ent.line, ent.Name, err)
				}
				r.pred = append(r.pred, sel)
			}
			if len(ent.Channels) > 0 {
				t := test{slot: schema.slot("Channel"), field: "Channel", kind: tStr}
				for _, ch := range ent.Channels {
					t.pats = append(t.pats, compilePattern(sigmaString{{lit: foldString(ch)}}))
				}
				r.pred = append(r.pred, selection{name: ent.Name + " channels", alts: [][]test{{t}}})
			}
			return nil
		}
		if err := add(e); err != nil {
			return nil, err
		}
		if e.Rewrite != (LogSource{}) {
			if e.Rewrite.Service != "" {
				r.ls.Service = e.Rewrite.Service
			}
			if svc := byService[e.Rewrite]; svc != nil && svc != e {
				if err := add(svc); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (r *route) matches(d *Doc) bool {
	for i := range r.pred {
		if !r.pred[i].eval(d) {
			return false
		}
	}
	return true
}
