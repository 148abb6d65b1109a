package catalog_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/catalog"
)

func TestStandardCatalog(t *testing.T) {
	c, err := catalog.Standard()
	if err != nil {
		t.Fatalf("the shipped catalog does not validate:\n%v", err)
	}
	if len(c.Services) < 15 {
		t.Errorf("standard catalog has %d services; want at least 15", len(c.Services))
	}
	cats := map[string]int{}
	for _, s := range c.Services {
		cats[s.Category]++
		if s.Name.Da == "" || s.Name.En == "" || s.Description.Da == "" || s.Description.En == "" {
			t.Errorf("service %s lacks a Danish or English name or description", s.ID)
		}
	}
	for _, cat := range catalog.Categories {
		if cats[cat] == 0 {
			t.Errorf("no service in category %s", cat)
		}
	}
	if len(c.Minimum()) == 0 || len(c.Principles) == 0 || len(c.Coordination) == 0 {
		t.Errorf("minimum %d, principles %d, coordination %d; want all non-empty", len(c.Minimum()), len(c.Principles), len(c.Coordination))
	}
	b, _ := c.Service("backup-restore")
	l, ok := b.Level("standard")
	if !ok || l.RPO == nil || l.BackupRetention == nil || l.BackupRetention.String() != "90d" {
		t.Errorf("backup-restore/standard = %+v; want RPO and 90d retention", l)
	}
}

const bad = `version: "x1"
title: {da: Prøve, en: Test}
effective: 2026-13-01
colour: blue
services:
  - id: vm
    category: server
    name: {da: VM, en: VM}
    description: {da: d, en: d}
    mandatory: true
    unit: {da: stk, en: pcs}
    levels:
      - id: basis
        name: {da: Basis, en: Basic}
        calendar: weekdays-9-17
        availability: 120
        response: {P1: 1h, P2: 2h, P3: 4h, P4: 8h}
        resolution: {P1: 30m, P2: 4h, P3: 8h, P4: soon}
  - id: vm
    category: spaceships
    name: {da: VM2}
    description: {da: d, en: d}
    mandatory: maybe
    unit: {da: stk, en: pcs}
    levels:
      - id: basis
        name: {da: Basis, en: Basic}
        calendar: always
        availability: 99.5
        response: {P1: 1h, P2: 2h, P3: 4h}
        resolution: {P1: 4h, P2: 4h, P3: 8h, P4: 8h}
        rpo: 4h
        maintenance: sometimes
`

func TestValidationErrorsHaveLines(t *testing.T) {
	_, err := catalog.Parse("bad.yaml", []byte(bad))
	var p *catalog.Problems
	if !errors.As(err, &p) {
		t.Fatalf("Parse(bad) = %v; want *Problems", err)
	}
	text := err.Error()
	for _, want := range []string{
		"bad.yaml:3: effective must be a date",
		`bad.yaml:4: unknown key "colour"`,
		"bad.yaml:6: service vm is mandatory but none of its levels is",
		`bad.yaml:15: calendar "weekdays-9-17" does not exist`,
		"bad.yaml:16: availability 120% is out of range",
		"bad.yaml:18: resolution.P4:",
		"bad.yaml:13: level basis of vm: resolution 30m for P1 is shorter than its response 1h",
		`bad.yaml:19: duplicate service id "vm" (first at line 6)`,
		`bad.yaml:20: unknown category "spaceships"`,
		`bad.yaml:21: name lacks "en"`,
		"bad.yaml:23: mandatory must be true or false",
		`bad.yaml:30: response lacks "P4"`,
		"bad.yaml:26: level basis of vm: give rpo and rto together",
		`bad.yaml:33: maintenance "sometimes" must be excluded`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q; got:\n%s", want, text)
		}
	}
	if strings.Contains(text, "0h for P4") {
		t.Errorf("an unreadable target was compared as zero:\n%s", text)
	}
	for i := 1; i < len(p.List); i++ {
		if p.List[i].Line < p.List[i-1].Line {
			t.Errorf("problems not in line order: %v", p.List)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := catalog.Parse("x.yaml", []byte("version: 1\nservices: [\n  - a\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.yaml:") || !strings.Contains(err.Error(), "not valid YAML") {
		t.Errorf("Parse(broken YAML) = %v; want x.yaml:LINE: not valid YAML", err)
	}
}

func TestDuration(t *testing.T) {
	for in, want := range map[string]string{"30m": "30m", "4h": "4h", "2d": "2d", "90m": "90m", "48h": "2d", "1h30m": "90m"} {
		d, err := catalog.ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "-1h", "0d", "1.5d"} {
		if _, err := catalog.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) succeeded", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	a, err := catalog.Standard()
	if err != nil {
		t.Fatal(err)
	}
	src := string(catalog.StandardYAML())
	src = strings.Replace(src, `version: "2026.1"`, `version: "2026.2"`, 1)
	// Raise one availability target, drop one service, add one.
	src = strings.Replace(src, "  - id: storage-object\n", "  - id: storage-archive\n", 1)
	i := strings.Index(src, "  - id: network-internet")
	j := strings.Index(src[i:], "availability: 99.8") + i
	src = src[:j] + "availability: 99.9" + src[j+len("availability: 99.8"):]
	b, err := catalog.Parse("b.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, c := range catalog.Diff(a, b) {
		got[c.String()] = true
	}
	for _, want := range []string{"added storage-archive", "removed storage-object", "network-internet/standard availability: 99.8% → 99.9%"} {
		if !got[want] {
			t.Errorf("Diff lacks %q; got %v", want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("Diff has %d changes; want exactly 3: %v", len(got), got)
	}
	if d := catalog.Diff(a, a); len(d) != 0 {
		t.Errorf("Diff(a, a) = %v; want none", d)
	}
}
