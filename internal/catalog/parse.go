package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/samdrift/samdrift/internal/calendar"
)

// Problem is one thing wrong with a catalog file, at a line.
type Problem struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Problems is every problem found in one file; it is an error.
type Problems struct {
	File string
	List []Problem
}

// Error lists the problems as FILE:LINE: message, one a line.
func (p *Problems) Error() string {
	var b strings.Builder
	for i, pr := range p.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s:%d: %s", p.File, pr.Line, pr.Message)
	}
	return b.String()
}

// MaxCatalogBytes bounds a catalog file.
const MaxCatalogBytes = 1 << 20

// parser walks the YAML node tree, building the catalog and collecting
// every problem with its line instead of stopping at the first.
type parser struct {
	problems []Problem
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.problems = append(p.problems, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
}

// Parse reads a catalog from data (named file in messages). It returns the
// catalog, or a *Problems listing everything wrong with it.
func Parse(file string, data []byte) (*Catalog, error) {
	if len(data) > MaxCatalogBytes {
		return nil, &Problems{File: file, List: []Problem{{Line: 1, Message: fmt.Sprintf("file is larger than %d bytes", MaxCatalogBytes)}}}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Problems{File: file, List: []Problem{yamlProblem(err)}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Problems{File: file, List: []Problem{{Line: 1, Message: "the file is empty"}}}
	}
	p := &parser{}
	c := p.catalog(doc.Content[0])
	p.check(c)
	if len(p.problems) > 0 {
		sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
		return nil, &Problems{File: file, List: p.problems}
	}
	return c, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.TrimSpace(strings.Replace(msg, m[0]+":", "", 1))
	}
	return Problem{Line: line, Message: "not valid YAML: " + msg}
}

// fields walks a mapping node, calling set for each known key and reporting
// unknown and repeated keys and missing required ones.
func (p *parser) fields(n *yaml.Node, what string, known []string, required []string, set func(key string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping (key: value)", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !slices.Contains(known, k.Value):
			p.errorf(k, "unknown key %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
		case seen[k.Value]:
			p.errorf(k, "key %q repeated in %s", k.Value, what)
		default:
			seen[k.Value] = true
			set(k.Value, v)
		}
	}
	for _, r := range required {
		if !seen[r] {
			p.errorf(n, "%s lacks %q", what, r)
		}
	}
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s must be a text", what)
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.errorf(n, "%s must be true or false, got %q", what, n.Value)
		return false
	}
	return n.Value == "true"
}

func (p *parser) number(n *yaml.Node, what string) float64 {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!float" || n.Tag == "!!int") {
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	p.errorf(n, "%s must be a number, got %q", what, n.Value)
	return 0
}

func (p *parser) duration(n *yaml.Node, what string) Duration {
	s := p.str(n, what)
	if s == "" {
		return 0
	}
	d, err := ParseDuration(s)
	if err != nil {
		p.errorf(n, "%s: %v", what, err)
	}
	return d
}

func (p *parser) durationPtr(n *yaml.Node, what string) *Duration {
	d := p.duration(n, what)
	return &d
}

func (p *parser) text(n *yaml.Node, what string) Text {
	var t Text
	if n.Kind == yaml.ScalarNode {
		p.errorf(n, "%s must have both languages: {da: …, en: …}", what)
		return t
	}
	p.fields(n, what, []string{"da", "en"}, []string{"da", "en"}, func(k string, v *yaml.Node) {
		switch k {
		case "da":
			t.Da = p.str(v, what+".da")
		case "en":
			t.En = p.str(v, what+".en")
		}
	})
	return t
}

func (p *parser) seq(n *yaml.Node, what string, each func(item *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s must be a list", what)
		return
	}
	for _, item := range n.Content {
		each(item)
	}
}

func (p *parser) catalog(n *yaml.Node) *Catalog {
	c := &Catalog{}
	p.fields(n, "the catalog", []string{"version", "title", "effective", "principles", "coordination", "services"},
		[]string{"version", "title", "services"}, func(k string, v *yaml.Node) {
			switch k {
			case "version":
				c.Version = p.str(v, "version")
				if c.Version != "" && !versionRE.MatchString(c.Version) {
					p.errorf(v, "version %q must be 1–32 characters of letters, digits, '.', '-' and '_'", c.Version)
				}
			case "title":
				c.Title = p.text(v, "title")
			case "effective":
				c.Effective = p.str(v, "effective")
				if _, err := time.Parse("2006-01-02", c.Effective); err != nil {
					p.errorf(v, "effective must be a date YYYY-MM-DD, got %q", c.Effective)
				}
			case "principles":
				c.Principles = p.principles(v, "principles")
			case "coordination":
				c.Coordination = p.principles(v, "coordination")
			case "services":
				p.seq(v, "services", func(item *yaml.Node) { c.Services = append(c.Services, p.service(item)) })
			}
		})
	return c
}

var (
	versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
	idRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	refIDRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
)

func (p *parser) principles(n *yaml.Node, what string) []Principle {
	var out []Principle
	p.seq(n, what, func(item *yaml.Node) {
		pr := Principle{Line: item.Line}
		p.fields(item, "a "+what+" entry", []string{"id", "name", "text"}, []string{"id", "name", "text"}, func(k string, v *yaml.Node) {
			switch k {
			case "id":
				pr.ID = p.str(v, "id")
				if pr.ID != "" && !refIDRE.MatchString(pr.ID) {
					p.errorf(v, "id %q must be letters, digits, '.', '-', '_'", pr.ID)
				}
			case "name":
				pr.Name = p.text(v, "name")
			case "text":
				pr.Text = p.text(v, "text")
			}
		})
		out = append(out, pr)
	})
	return out
}

func (p *parser) service(n *yaml.Node) Service {
	s := Service{Line: n.Line}
	p.fields(n, "a service", []string{"id", "category", "name", "description", "mandatory", "unit", "levels"},
		[]string{"id", "category", "name", "description", "mandatory", "unit", "levels"}, func(k string, v *yaml.Node) {
			switch k {
			case "id":
				s.ID = p.str(v, "id")
				if s.ID != "" && !idRE.MatchString(s.ID) {
					p.errorf(v, "service id %q must be lower-case letters, digits and '-'", s.ID)
				}
			case "category":
				s.Category = p.str(v, "category")
				if s.Category != "" && !slices.Contains(Categories, s.Category) {
					p.errorf(v, "unknown category %q (known: %s)", s.Category, strings.Join(Categories, ", "))
				}
			case "name":
				s.Name = p.text(v, "name")
			case "description":
				s.Description = p.text(v, "description")
			case "mandatory":
				s.Mandatory = p.boolean(v, "mandatory")
			case "unit":
				s.Unit = p.text(v, "unit")
			case "levels":
				p.seq(v, "levels", func(item *yaml.Node) { s.Levels = append(s.Levels, p.level(item)) })
				if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
					p.errorf(v, "service has no levels")
				}
			}
		})
	return s
}

func (p *parser) level(n *yaml.Node) Level {
	l := Level{Line: n.Line}
	p.fields(n, "a level", []string{"id", "name", "mandatory", "calendar", "availability", "maintenance", "response", "resolution", "rpo", "rto", "backup_retention"},
		[]string{"id", "name", "calendar", "availability", "response", "resolution"}, func(k string, v *yaml.Node) {
			switch k {
			case "id":
				l.ID = p.str(v, "id")
				if l.ID != "" && !idRE.MatchString(l.ID) {
					p.errorf(v, "level id %q must be lower-case letters, digits and '-'", l.ID)
				}
			case "name":
				l.Name = p.text(v, "name")
			case "mandatory":
				l.Mandatory = p.boolean(v, "mandatory")
			case "calendar":
				l.Calendar = p.str(v, "calendar")
				if _, ok := calendar.Lookup(l.Calendar); l.Calendar != "" && !ok {
					var ids []string
					for _, c := range calendar.Standard() {
						ids = append(ids, c.ID)
					}
					p.errorf(v, "calendar %q does not exist (known: %s)", l.Calendar, strings.Join(ids, ", "))
				}
			case "availability":
				l.Availability = p.number(v, "availability")
				if l.Availability <= 0 || l.Availability > 100 {
					p.errorf(v, "availability %v%% is out of range (0 < availability <= 100)", l.Availability)
				}
			case "maintenance":
				l.Maintenance = p.str(v, "maintenance")
				if l.Maintenance != MaintenanceExcluded && l.Maintenance != MaintenanceCounted {
					p.errorf(v, "maintenance %q must be %s (planned maintenance is taken out of the service time) or %s (an outage during it is downtime)",
						l.Maintenance, MaintenanceExcluded, MaintenanceCounted)
				}
				if l.Maintenance == MaintenanceExcluded {
					l.Maintenance = ""
				}
			case "response":
				l.Response = p.targets(v, "response")
			case "resolution":
				l.Resolution = p.targets(v, "resolution")
			case "rpo":
				l.RPO = p.durationPtr(v, "rpo")
			case "rto":
				l.RTO = p.durationPtr(v, "rto")
			case "backup_retention":
				l.BackupRetention = p.durationPtr(v, "backup_retention")
			}
		})
	return l
}

func (p *parser) targets(n *yaml.Node, what string) map[string]Duration {
	out := map[string]Duration{}
	p.fields(n, what, Priorities, Priorities, func(k string, v *yaml.Node) {
		out[k] = p.duration(v, what+"."+k)
	})
	return out
}

// check finds what no single node shows: duplicates, inconsistent targets,
// a mandatory service without a mandatory level.
func (p *parser) check(c *Catalog) {
	ids := map[string]int{}
	for _, s := range c.Services {
		if prev, dup := ids[s.ID]; dup && s.ID != "" {
			p.errorf(&yaml.Node{Line: s.Line}, "duplicate service id %q (first at line %d)", s.ID, prev)
		}
		ids[s.ID] = s.Line
		levels := map[string]int{}
		mandatoryLevels := 0
		for _, l := range s.Levels {
			at := &yaml.Node{Line: l.Line}
			if prev, dup := levels[l.ID]; dup && l.ID != "" {
				p.errorf(at, "duplicate level id %q in service %s (first at line %d)", l.ID, s.ID, prev)
			}
			levels[l.ID] = l.Line
			if l.Mandatory {
				mandatoryLevels++
			}
			for _, pr := range Priorities {
				if r, ok := l.Response[pr]; ok {
					if res, ok := l.Resolution[pr]; ok && res > 0 && res < r {
						p.errorf(at, "level %s of %s: resolution %s for %s is shorter than its response %s", l.ID, s.ID, res, pr, r)
					}
				}
			}
			for i := 1; i < len(Priorities); i++ {
				hi, lo := Priorities[i-1], Priorities[i]
				if l.Response[hi] > l.Response[lo] && l.Response[lo] > 0 {
					p.errorf(at, "level %s of %s: response for %s (%s) is longer than for %s (%s)", l.ID, s.ID, hi, l.Response[hi], lo, l.Response[lo])
				}
			}
			if l.RPO != nil && l.RTO == nil || l.RPO == nil && l.RTO != nil {
				p.errorf(at, "level %s of %s: give rpo and rto together", l.ID, s.ID)
			}
		}
		if s.Mandatory && mandatoryLevels == 0 && len(s.Levels) > 0 {
			p.errorf(&yaml.Node{Line: s.Line}, "service %s is mandatory but none of its levels is (mark the minimum level mandatory: true)", s.ID)
		}
		if !s.Mandatory && mandatoryLevels > 0 {
			p.errorf(&yaml.Node{Line: s.Line}, "service %s is not mandatory but has mandatory levels", s.ID)
		}
	}
	seen := map[string]int{}
	for _, pr := range append(append([]Principle{}, c.Principles...), c.Coordination...) {
		if prev, dup := seen[pr.ID]; dup && pr.ID != "" {
			p.errorf(&yaml.Node{Line: pr.Line}, "duplicate principle or requirement id %q (first at line %d)", pr.ID, prev)
		}
		seen[pr.ID] = pr.Line
	}
}
