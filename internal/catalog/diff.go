package catalog

import (
	"cmp"
	"fmt"
	"strings"
)

// Change is one difference between two catalog versions.
type Change struct {
	Kind    string `json:"kind"` // added, removed, changed
	Service string `json:"service"`
	Level   string `json:"level,omitempty"`
	Field   string `json:"field,omitempty"`
	From    string `json:"from,omitempty"`
	To      string `json:"to,omitempty"`
}

// String describes the change in one line.
func (c Change) String() string {
	where := c.Service
	if c.Level != "" {
		where += "/" + c.Level
	}
	if c.Kind == "changed" {
		return fmt.Sprintf("%s %s: %s → %s", where, c.Field, c.From, c.To)
	}
	return c.Kind + " " + where
}

// Diff lists what changed from catalog a to catalog b: services and levels
// added or removed, and every changed field of those in both (names,
// mandatory flags, calendars, targets), in b's order.
func Diff(a, b *Catalog) []Change {
	var out []Change
	for _, sb := range b.Services {
		sa, ok := a.Service(sb.ID)
		if !ok {
			out = append(out, Change{Kind: "added", Service: sb.ID})
			continue
		}
		field := func(level, name, from, to string) {
			if from != to {
				out = append(out, Change{Kind: "changed", Service: sb.ID, Level: level, Field: name, From: from, To: to})
			}
		}
		field("", "category", sa.Category, sb.Category)
		field("", "name", sa.Name.Da+" / "+sa.Name.En, sb.Name.Da+" / "+sb.Name.En)
		field("", "description", sa.Description.Da, sb.Description.Da)
		field("", "mandatory", fmt.Sprint(sa.Mandatory), fmt.Sprint(sb.Mandatory))
		field("", "unit", sa.Unit.Da, sb.Unit.Da)
		for _, lb := range sb.Levels {
			la, ok := sa.Level(lb.ID)
			if !ok {
				out = append(out, Change{Kind: "added", Service: sb.ID, Level: lb.ID})
				continue
			}
			field(lb.ID, "name", la.Name.Da, lb.Name.Da)
			field(lb.ID, "mandatory", fmt.Sprint(la.Mandatory), fmt.Sprint(lb.Mandatory))
			field(lb.ID, "calendar", la.Calendar, lb.Calendar)
			field(lb.ID, "availability", fmt.Sprintf("%g%%", la.Availability), fmt.Sprintf("%g%%", lb.Availability))
			field(lb.ID, "maintenance", cmp.Or(la.Maintenance, MaintenanceExcluded), cmp.Or(lb.Maintenance, MaintenanceExcluded))
			for _, p := range Priorities {
				field(lb.ID, "response."+p, la.Response[p].String(), lb.Response[p].String())
				field(lb.ID, "resolution."+p, la.Resolution[p].String(), lb.Resolution[p].String())
			}
			field(lb.ID, "rpo", optional(la.RPO), optional(lb.RPO))
			field(lb.ID, "rto", optional(la.RTO), optional(lb.RTO))
			field(lb.ID, "backup_retention", optional(la.BackupRetention), optional(lb.BackupRetention))
		}
		for _, la := range sa.Levels {
			if _, ok := sb.Level(la.ID); !ok {
				out = append(out, Change{Kind: "removed", Service: sb.ID, Level: la.ID})
			}
		}
	}
	for _, sa := range a.Services {
		if _, ok := b.Service(sa.ID); !ok {
			out = append(out, Change{Kind: "removed", Service: sa.ID})
		}
	}
	principles := func(kind string, pa, pb []Principle) {
		ids := func(ps []Principle) map[string]Principle {
			m := map[string]Principle{}
			for _, p := range ps {
				m[p.ID] = p
			}
			return m
		}
		ma, mb := ids(pa), ids(pb)
		for _, p := range pb {
			if old, ok := ma[p.ID]; !ok {
				out = append(out, Change{Kind: "added", Service: kind + ":" + p.ID})
			} else if old.Text != p.Text || old.Name != p.Name {
				out = append(out, Change{Kind: "changed", Service: kind + ":" + p.ID, Field: "text", From: old.Text.Da, To: p.Text.Da})
			}
		}
		for _, p := range pa {
			if _, ok := mb[p.ID]; !ok {
				out = append(out, Change{Kind: "removed", Service: kind + ":" + p.ID})
			}
		}
	}
	principles("principle", a.Principles, b.Principles)
	principles("coordination", a.Coordination, b.Coordination)
	return out
}

func optional(d *Duration) string {
	if d == nil {
		return "–"
	}
	return d.String()
}

// Summary counts a diff's changes by kind, e.g. "2 added, 1 removed, 5 changed".
func Summary(cs []Change) string {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Kind]++
	}
	var parts []string
	for _, k := range []string{"added", "removed", "changed"} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, ", ")
}
