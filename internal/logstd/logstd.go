// Package logstd is samdrift's common logging standard as data: the log
// source types every municipality and unit must send, the events each must
// carry, how soon a silent source is noticed, and how long logs are kept.
// It holds no SQL; sources (coverage, signals) and eventstore (retention)
// read it.
package logstd

import (
	_ "embed"
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

//go:embed standard.yaml
var standardYAML []byte

// Text is a Danish and English pair.
type Text struct {
	Da string `yaml:"da" json:"da"`
	En string `yaml:"en" json:"en"`
}

// In returns the text in lang ("da" or "en").
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	return t.Da
}

// ExpectedEvent is one kind of event a source type must send.
type ExpectedEvent struct {
	Code string `yaml:"code" json:"code"`
	Da   string `yaml:"da" json:"da"`
	En   string `yaml:"en" json:"en"`
}

// SourceType is one kind of log source.
type SourceType struct {
	ID          string          `yaml:"id" json:"id"`
	Name        Text            `yaml:"name" json:"name"`
	Purpose     Text            `yaml:"purpose" json:"purpose"`
	RequiredFor []string        `yaml:"required_for" json:"required_for"` // organisation kinds
	SilentAfter time.Duration   `yaml:"-" json:"-"`
	Silent      string          `yaml:"silent_after" json:"silent_after"`
	Retention   int             `yaml:"retention_days" json:"retention_days,omitempty"`
	Events      []ExpectedEvent `yaml:"events" json:"events"`
}

// Required reports whether organisations of kind must send this type.
func (t SourceType) Required(kind string) bool { return slices.Contains(t.RequiredFor, kind) }

// Standard is the logging standard.
type Standard struct {
	Version     string       `yaml:"version" json:"version"`
	Retention   int          `yaml:"retention_days" json:"retention_days"`
	SourceTypes []SourceType `yaml:"source_types" json:"source_types"`
}

// Type returns the source type id, if the standard has it.
func (s *Standard) Type(id string) (SourceType, bool) {
	for _, t := range s.SourceTypes {
		if t.ID == id {
			return t, true
		}
	}
	return SourceType{}, false
}

// MaxRetention is the longest retention any type asks for (or the
// default), the horizon beyond which no tenant's events are kept.
func (s *Standard) MaxRetention() int {
	m := s.Retention
	for _, t := range s.SourceTypes {
		m = max(m, t.Retention)
	}
	return m
}

// Parse reads and checks a standard.
func Parse(data []byte) (*Standard, error) {
	var s Standard
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("logging standard: %w", err)
	}
	if s.Version == "" || s.Retention < 1 || s.Retention > 3650 {
		return nil, fmt.Errorf("logging standard: needs a version and retention_days 1–3650")
	}
	seen := map[string]bool{}
	for i := range s.SourceTypes {
		t := &s.SourceTypes[i]
		if t.ID == "" || seen[t.ID] {
			return nil, fmt.Errorf("logging standard: source type %d has no id or a repeated one (%q)", i+1, t.ID)
		}
		seen[t.ID] = true
		d, err := time.ParseDuration(t.Silent)
		if err != nil || d < time.Minute {
			return nil, fmt.Errorf("logging standard: %s: silent_after %q is not a duration of at least 1m", t.ID, t.Silent)
		}
		t.SilentAfter = d
		if t.Name.Da == "" || t.Name.En == "" || len(t.Events) == 0 {
			return nil, fmt.Errorf("logging standard: %s: needs a Danish and English name and at least one event", t.ID)
		}
		for _, k := range t.RequiredFor {
			if k != "municipality" && k != "unit" {
				return nil, fmt.Errorf("logging standard: %s: required_for %q is not municipality or unit", t.ID, k)
			}
		}
		if t.Retention != 0 && (t.Retention < 1 || t.Retention > 3650) {
			return nil, fmt.Errorf("logging standard: %s: retention_days must be 1–3650", t.ID)
		}
	}
	return &s, nil
}

var standard = func() *Standard {
	s, err := Parse(standardYAML)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return s
}()

// Default returns the embedded standard.
func Default() *Standard { return standard }
