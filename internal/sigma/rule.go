package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LogSource is a rule's log source: what kind of events it is written for.
// Pipelines route it to event predicates and field names.
type LogSource struct {
	Category string `json:"category,omitempty"`
	Product  string `json:"product,omitempty"`
	Service  string `json:"service,omitempty"`
}

// String returns "category/product/service" with empty parts as "-".
func (l LogSource) String() string {
	p := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	return p(l.Category) + "/" + p(l.Product) + "/" + p(l.Service)
}

// Rule is one Sigma detection rule as read from YAML. Its detection is kept
// as YAML and compiled per route by the engine.
type Rule struct {
	ID          string    `json:"id"`
	Name        string    `json:"name,omitempty"`
	Title       string    `json:"title"`
	Status      string    `json:"status,omitempty"`
	Level       string    `json:"level,omitempty"`
	Description string    `json:"description,omitempty"`
	Author      string    `json:"author,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	LogSource   LogSource `json:"logsource"`
	// RegressionTestsPath is SigmaHQ's pointer to labelled sample events
	// (relative to the regression data root).
	RegressionTestsPath string `json:"regression_tests_path,omitempty"`
	File                string `json:"file,omitempty"`
	Line                int    `json:"line,omitempty"`

	detection *yaml.Node
	detLine   int
}

// Correlation is a Sigma correlation rule: it counts, collects or orders
// matches of other rules per group within a timespan.
type Correlation struct {
	ID        string   `json:"id"`
	Name      string   `json:"name,omitempty"`
	Title     string   `json:"title"`
	Level     string   `json:"level,omitempty"`
	Tags      []string `json:"tags,omitempty"`
	Type      string   `json:"type"`
	Rules     []string `json:"rules"`
	GroupBy   []string `json:"group_by,omitempty"`
	Timespan  time.Duration
	Generate  bool
	Aliases   map[string]map[string]string // alias -> rule ref -> field
	Condition CorrelationCondition
	File      string
	Line      int
}

// CorrelationCondition is the threshold of a correlation: one or more
// bounds that must all hold (a range is gt and lte together), the field
// for value_* types and the percentile for value_percentile.
type CorrelationCondition struct {
	Field      string
	Bounds     []Bound
	Percentile float64
}

// Bound is one comparison of a correlation condition.
type Bound struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value float64
}

// Filter is a Sigma meta-filter: a detection that excludes matches of the
// named rules (local tuning per organisation).
type Filter struct {
	ID        string
	Title     string
	Rules     []string
	LogSource LogSource
	File      string
	Line      int

	detection *yaml.Node
}

// RuleError says why a rule, correlation or filter was rejected: where
// (file, line), which (id) and why.
type RuleError struct {
	File   string
	Line   int
	ID     string
	Reason string
	// Rule is the rejected rule when it could be read (nil when the YAML
	// itself was bad).
	Rule *Rule
	// placeholder: rejected only for a placeholder without a value.
	placeholder bool
}

// Placeholder reports whether the rule was rejected only because a
// placeholder has no value (it may load once an organisation defines it).
func (e *RuleError) Placeholder() bool { return e.placeholder }

func (e *RuleError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.ID != "" {
		return fmt.Sprintf("%s: rule %s: %s", loc, e.ID, e.Reason)
	}
	return fmt.Sprintf("%s: %s", loc, e.Reason)
}

// Document is what one YAML document of a rule file holds: exactly one of
// Rule, Correlation, Filter.
type Document struct {
	Rule        *Rule
	Correlation *Correlation
	Filter      *Filter
}

// maxRuleFile bounds a rule file's size (SigmaHQ's largest is ≈ 60 KiB).
const maxRuleFile = 4 << 20

// ParseFile reads every YAML document of a rule file. Documents that
// cannot be used come back as *RuleError in errs; the good ones in docs.
func ParseFile(file string, data []byte) (docs []Document, errs []error) {
	if len(data) > maxRuleFile {
		return nil, []error{&RuleError{File: file, Reason: fmt.Sprintf("file is %d bytes; rule files are limited to %d", len(data), maxRuleFile)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, errs
		}
		if err != nil {
			return docs, append(errs, &RuleError{File: file, Reason: "YAML: " + err.Error()})
		}
		if len(n.Content) == 0 {
			continue
		}
		root := n.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, &RuleError{File: file, Line: root.Line, Reason: "a rule document must be a YAML mapping"})
			continue
		}
		d, err := parseDocument(file, root)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		docs = append(docs, d)
	}
}

func parseDocument(file string, root *yaml.Node) (Document, error) {
	m := mapping(root)
	id := scalar(m["id"])
	fail := func(line int, format string, args ...any) (Document, error) {
		return Document{}, &RuleError{File: file, Line: line, ID: id, Reason: fmt.Sprintf(format, args...)}
	}
	if a := m["action"]; a != nil {
		return fail(a.Line, "'action: %s' (Sigma v1 rule collections) is not part of Sigma v2; split the file into self-contained rules", scalar(a))
	}
	switch {
	case m["correlation"] != nil:
		c, err := parseCorrelation(file, root, m)
		return Document{Correlation: c}, err
	case m["filter"] != nil:
		f, err := parseFilter(file, root, m)
		return Document{Filter: f}, err
	}
	det := m["detection"]
	if det == nil {
		return fail(root.Line, "no detection section")
	}
	if det.Kind != yaml.MappingNode {
		return fail(det.Line, "detection must be a mapping of search identifiers and a condition")
	}
	if scalar(m["title"]) == "" {
		return fail(root.Line, "no title")
	}
	r := &Rule{
		ID: id, Name: scalar(m["name"]), Title: scalar(m["title"]), Status: scalar(m["status"]),
		Level: scalar(m["level"]), Description: scalar(m["description"]), Author: scalar(m["author"]),
		Tags: scalars(m["tags"]), RegressionTestsPath: scalar(m["regression_tests_path"]),
		File: file, Line: root.Line, detection: det, detLine: det.Line,
	}
	if ls := m["logsource"]; ls != nil {
		lm := mapping(ls)
		r.LogSource = LogSource{Category: scalar(lm["category"]), Product: scalar(lm["product"]), Service: scalar(lm["service"])}
	}
	switch r.Level {
	case "", "informational", "low", "medium", "high", "critical":
	default:
		return fail(m["level"].Line, "level %q is not one of informational, low, medium, high, critical", r.Level)
	}
	return Document{Rule: r}, nil
}

func parseFilter(file string, root *yaml.Node, m map[string]*yaml.Node) (*Filter, error) {
	f := &Filter{ID: scalar(m["id"]), Title: scalar(m["title"]), File: file, Line: root.Line}
	fm := mapping(m["filter"])
	f.Rules = scalars(fm["rules"])
	if len(f.Rules) == 0 {
		return nil, &RuleError{File: file, Line: m["filter"].Line, ID: f.ID, Reason: "filter names no rules (filter.rules)"}
	}
	if ls := m["logsource"]; ls != nil {
		lm := mapping(ls)
		f.LogSource = LogSource{Category: scalar(lm["category"]), Product: scalar(lm["product"]), Service: scalar(lm["service"])}
	}
	f.detection = &yaml.Node{Kind: yaml.MappingNode, Line: m["filter"].Line}
	for i := 0; i+1 < len(m["filter"].Content); i += 2 {
		k := m["filter"].Content[i]
		if k.Value == "rules" {
			continue
		}
		f.detection.Content = append(f.detection.Content, k, m["filter"].Content[i+1])
	}
	if mapping(f.detection)["condition"] == nil {
		return nil, &RuleError{File: file, Line: m["filter"].Line, ID: f.ID, Reason: "filter has no condition"}
	}
	return f, nil
}

// mapping returns a mapping node's keys and values (nil for others).
func mapping(n *yaml.Node) map[string]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

// scalar returns a scalar node's value, or "".
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// scalars returns a sequence's (or a single scalar's) values.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}
