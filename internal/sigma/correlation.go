package sigma

import (
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Correlation types of Sigma v2.1.
const (
	EventCount      = "event_count"
	ValueCount      = "value_count"
	Temporal        = "temporal"
	TemporalOrdered = "temporal_ordered"
	ValueSum        = "value_sum"
	ValueAvg        = "value_avg"
	ValuePercentile = "value_percentile"
)

func parseCorrelation(file string, root *yaml.Node, m map[string]*yaml.Node) (*Correlation, error) {
	c := &Correlation{ID: scalar(m["id"]), Name: scalar(m["name"]), Title: scalar(m["title"]), Level: scalar(m["level"]),
		Tags: scalars(m["tags"]), File: file, Line: root.Line}
	fail := func(n *yaml.Node, format string, args ...any) (*Correlation, error) {
		line := root.Line
		if n != nil {
			line = n.Line
		}
		return nil, &RuleError{File: file, Line: line, ID: c.ID, Reason: fmt.Sprintf(format, args...)}
	}
	cn := m["correlation"]
	cm := mapping(cn)
	if cm == nil {
		return fail(cn, "correlation must be a mapping")
	}
	if c.Title == "" {
		return fail(root, "correlation has no title")
	}
	c.Type = scalar(cm["type"])
	switch c.Type {
	case EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile:
	case "":
		return fail(cn, "correlation has no type")
	default:
		return fail(cm["type"], "correlation type %q is not one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile", c.Type)
	}
	c.Rules = scalars(cm["rules"])
	if len(c.Rules) == 0 {
		return fail(cn, "correlation names no rules")
	}
	if (c.Type == Temporal || c.Type == TemporalOrdered) && len(c.Rules) < 2 {
		return fail(cm["rules"], "a %s correlation needs at least two rules", c.Type)
	}
	c.GroupBy = scalars(cm["group-by"])
	ts := scalar(cm["timespan"])
	if ts == "" {
		ts = scalar(cm["timeframe"])
	}
	d, err := parseTimespan(ts)
	if err != nil {
		return fail(cm["timespan"], "timespan: %v", err)
	}
	c.Timespan = d
	gen := m["generate"]
	if cm["generate"] != nil {
		gen = cm["generate"]
	}
	c.Generate = scalar(gen) == "true"
	if am := mapping(cm["aliases"]); am != nil {
		c.Aliases = map[string]map[string]string{}
		for alias, n := range am {
			per := map[string]string{}
			for ref, f := range mapping(n) {
				per[ref] = scalar(f)
			}
			c.Aliases[alias] = per
		}
	}
	cond := cm["condition"]
	if cond == nil {
		if c.Type == Temporal || c.Type == TemporalOrdered {
			// All referenced rules must match (the default).
			c.Condition.Bounds = []Bound{{Op: "gte", Value: float64(len(c.Rules))}}
			return c, nil
		}
		return fail(cn, "a %s correlation needs a condition", c.Type)
	}
	if cond.Kind != yaml.MappingNode {
		return fail(cond, "correlation condition must be a mapping such as {gte: 10}")
	}
	for i := 0; i+1 < len(cond.Content); i += 2 {
		k, v := cond.Content[i].Value, cond.Content[i+1]
		switch k {
		case "field":
			c.Condition.Field = scalar(v)
		case "percentile":
			p, err := strconv.ParseFloat(scalar(v), 64)
			if err != nil || p < 0 || p > 100 {
				return fail(v, "percentile %q must be a number from 0 to 100", scalar(v))
			}
			c.Condition.Percentile = p
		case "gt", "gte", "lt", "lte", "eq", "neq":
			f, err := strconv.ParseFloat(scalar(v), 64)
			if err != nil {
				return fail(v, "condition %s: %q is not a number", k, scalar(v))
			}
			c.Condition.Bounds = append(c.Condition.Bounds, Bound{Op: k, Value: f})
		default:
			return fail(cond.Content[i], "condition key %q is not one of gt, gte, lt, lte, eq, neq, field, percentile", k)
		}
	}
	if len(c.Condition.Bounds) == 0 {
		return fail(cond, "correlation condition has no comparison (gt, gte, lt, lte, eq, neq)")
	}
	switch c.Type {
	case ValueCount, ValueSum, ValueAvg, ValuePercentile:
		if c.Condition.Field == "" {
			return fail(cond, "a %s correlation needs condition.field", c.Type)
		}
	}
	if c.Type == ValuePercentile && cond != nil && mapping(cond)["percentile"] == nil {
		return fail(cond, "a value_percentile correlation needs condition.percentile")
	}
	return c, nil
}

// parseTimespan reads Sigma's "number + unit" spans: 30s, 5m, 1h, 2d, 1w.
func parseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a span like 30s, 5m, 1h or 1d", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a span like 30s, 5m, 1h or 1d", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, fmt.Errorf("%q has unit %q; use s, m, h, d or w", s, s[len(s)-1:])
	}
	if time.Duration(n) > (400*24*time.Hour)/unit {
		return 0, fmt.Errorf("%q is longer than the 400 days correlation state may span", s)
	}
	return time.Duration(n) * unit, nil
}
