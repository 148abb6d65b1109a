// Package catalog is the common service catalog: standard infrastructure
// services with measurable service levels, the mandatory minimum every unit
// must offer, the architecture principles and coordination requirements a
// unit attests to, versions of the catalog and what changed between them,
// units' offerings of catalog services, and conformance (which unit does not
// yet offer the minimum). The catalog is data (YAML), validated with line
// numbers; it must not know the web layer.
package catalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Text is a name or description in Danish and English.
type Text struct {
	Da string `json:"da"`
	En string `json:"en"`
}

// In returns the text in lang ("en" or Danish), falling back to Danish.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.Da
}

// Categories of service, in display order.
var Categories = []string{"server", "storage", "backup", "redundancy", "network", "security"}

// Priorities for response and resolution targets.
var Priorities = []string{"P1", "P2", "P3", "P4"}

// Duration is a target time such as "30m", "4h" or "5d" (days of 24
// hours; business-hours counting is the calendar's job).
type Duration time.Duration

// ParseDuration reads "90m", "4h", "2d" or "1h30m".
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a whole number of days", s)
		}
		return Duration(time.Duration(days) * 24 * time.Hour), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration such as 30m, 4h or 2d", s)
	}
	return Duration(d), nil
}

// String writes d the way the catalog does.
func (d Duration) String() string {
	td := time.Duration(d)
	if td >= 24*time.Hour && td%(24*time.Hour) == 0 {
		return strconv.Itoa(int(td/(24*time.Hour))) + "d"
	}
	if td%time.Hour == 0 {
		return strconv.Itoa(int(td/time.Hour)) + "h"
	}
	if td%time.Minute == 0 {
		return strconv.Itoa(int(td/time.Minute)) + "m"
	}
	return td.String()
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	*d = v
	return err
}

// Principle is an architecture principle or coordination requirement that
// a unit attests to when it offers a service.
type Principle struct {
	ID   string `json:"id"`
	Name Text   `json:"name"`
	Text Text   `json:"text"`
	Line int    `json:"-"`
}

// Level is one service level of a service, with measurable targets.
type Level struct {
	ID        string `json:"id"`
	Name      Text   `json:"name"`
	Mandatory bool   `json:"mandatory"` // part of the minimum every unit must offer
	// Calendar is the support window (a calendar id).
	Calendar string `json:"calendar"`
	// Availability is the monthly availability target in percent, inside
	// the calendar's service window.
	Availability float64 `json:"availability"`
	// Maintenance says whether planned maintenance (an approved change's
	// window) counts against availability: MaintenanceExcluded (the
	// default, "") takes it out of the service time, MaintenanceCounted
	// counts an outage during it as downtime.
	Maintenance string `json:"maintenance,omitempty"`
	// Response and Resolution hold targets per priority P1–P4, counted in
	// the calendar's business time.
	Response        map[string]Duration `json:"response"`
	Resolution      map[string]Duration `json:"resolution"`
	RPO             *Duration           `json:"rpo,omitempty"`
	RTO             *Duration           `json:"rto,omitempty"`
	BackupRetention *Duration           `json:"backup_retention,omitempty"`
	Line            int                 `json:"-"`
}

// The Maintenance rules of a level.
const (
	MaintenanceExcluded = "excluded"
	MaintenanceCounted  = "counted"
)

// MaintenanceCounts reports whether an outage during planned maintenance
// counts as downtime at this level.
func (l Level) MaintenanceCounts() bool { return l.Maintenance == MaintenanceCounted }

// Service is one standard service of the catalog.
type Service struct {
	ID          string  `json:"id"`
	Category    string  `json:"category"`
	Name        Text    `json:"name"`
	Description Text    `json:"description"`
	Mandatory   bool    `json:"mandatory"`
	Unit        Text    `json:"unit"` // unit of measure for orders and prices
	Levels      []Level `json:"levels"`
	Line        int     `json:"-"`
}

// Level returns the level with id.
func (s Service) Level(id string) (Level, bool) {
	for _, l := range s.Levels {
		if l.ID == id {
			return l, true
		}
	}
	return Level{}, false
}

// Catalog is one version of the common service catalog.
type Catalog struct {
	Version      string      `json:"version"`
	Title        Text        `json:"title"`
	Effective    string      `json:"effective"` // YYYY-MM-DD
	Principles   []Principle `json:"principles"`
	Coordination []Principle `json:"coordination"`
	Services     []Service   `json:"services"`
}

// Service returns the service with id.
func (c *Catalog) Service(id string) (Service, bool) {
	for _, s := range c.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// Requirement is one mandatory service level: the minimum is the set of
// them.
type Requirement struct {
	Service string `json:"service"`
	Level   string `json:"level"`
}

// Minimum returns the mandatory service levels, in catalog order.
func (c *Catalog) Minimum() []Requirement {
	var out []Requirement
	for _, s := range c.Services {
		if !s.Mandatory {
			continue
		}
		for _, l := range s.Levels {
			if l.Mandatory {
				out = append(out, Requirement{Service: s.ID, Level: l.ID})
			}
		}
	}
	return out
}
