package logstd

import (
	"strings"
	"testing"
	"time"
)

func TestEmbeddedStandard(t *testing.T) {
	s := Default()
	dc, ok := s.Type("domain-controller")
	if !ok || !dc.Required("municipality") || dc.SilentAfter != 15*time.Minute {
		t.Errorf("domain-controller = %+v, %v", dc, ok)
	}
	if s.MaxRetention() < s.Retention {
		t.Errorf("MaxRetention %d < default %d", s.MaxRetention(), s.Retention)
	}
	n := 0
	for _, ty := range s.SourceTypes {
		if ty.Required("municipality") {
			n++
		}
	}
	if n < 5 {
		t.Errorf("only %d source types are required of municipalities", n)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`version: "1"`, "retention_days"},
		{"version: \"1\"\nretention_days: 30\nsource_types:\n - {id: a, name: {da: a, en: a}, silent_after: 10s, events: [{code: x}]}", "at least 1m"},
		{"version: \"1\"\nretention_days: 30\nsource_types:\n - {id: a, name: {da: a, en: a}, silent_after: 1h, required_for: [kommune], events: [{code: x}]}", "not municipality or unit"},
		{"version: \"1\"\nretention_days: 30\nsource_types:\n - {id: a, name: {da: a, en: a}, silent_after: 1h, events: [{code: x}]}\n - {id: a, name: {da: a, en: a}, silent_after: 1h, events: [{code: x}]}", "repeated"},
	} {
		if _, err := Parse([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want %q", c.in, err, c.want)
		}
	}
}
