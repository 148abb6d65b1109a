package calendar

import (
	"testing"
	"time"
)

// BenchmarkDeadline is the per-ticket cost of an SLA deadline: a 40-hour
// resolution target on weekdays 8–16 from starts spread over two years.
func BenchmarkDeadline(b *testing.B) {
	for _, id := range []string{"dk-weekdays-8-16", "always"} {
		b.Run(id, func(b *testing.B) {
			c, _ := Lookup(id)
			base := time.Date(2026, 1, 1, 0, 0, 0, 0, Copenhagen)
			starts := make([]time.Time, 1024)
			for i := range starts {
				starts[i] = base.Add(time.Duration(i) * 17 * time.Hour)
			}
			c.Add(base, time.Hour)
			b.ResetTimer()
			for i := range b.N {
				c.Add(starts[i%len(starts)], 40*time.Hour)
			}
		})
	}
}

// BenchmarkBetween is the cost of a clock's elapsed business time.
func BenchmarkBetween(b *testing.B) {
	c, _ := Lookup("dk-weekdays-8-16")
	a := time.Date(2026, 3, 27, 15, 13, 0, 0, Copenhagen)
	e := a.Add(200 * time.Hour)
	for b.Loop() {
		c.Between(a, e)
	}
}
