package event_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

func distinctKV(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("k" + strings.Repeat("x", i%7) + strconv.Itoa(i) + "=v ")
	}
	return b.String()
}

var hostile = map[string]string{
	"kv distinct":  "<134>Nov 29 10:00:04 h x: " + distinctKV(12000),
	"cef distinct": "<134>Nov 29 10:00:04 h CEF:0|a|b|c|d|e|f|" + distinctKV(12000),
	"json deep":    "<14>Nov 29 10:00:05 a b: " + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000),
}

// TestBoundedWork checks that hostile messages (thousands of fields, deep
// nesting) are cut to bounded work and say so, keeping the raw input.
func TestBoundedWork(t *testing.T) {
	p := event.NewParser(nil)
	for name, in := range hostile {
		e := p.ParseSyslog([]byte(in), time.Now(), "")
		if len(e.Fields) > 530 {
			t.Errorf("%s: %d fields; want at most 512 plus the header fields", name, len(e.Fields))
		}
		if e.ParseError == "" || e.Raw == "" {
			t.Errorf("%s: no parse error or raw input kept (error %q)", name, e.ParseError)
		}
	}
}

// BenchmarkHostile measures the worst messages above, to keep their cost in view.
func BenchmarkHostile(b *testing.B) {
	p := event.NewParser(nil)
	for name, in := range hostile {
		b.Run(strings.ReplaceAll(name, " ", "-"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p.ParseSyslog([]byte(in), time.Now(), "")
			}
		})
	}
}
