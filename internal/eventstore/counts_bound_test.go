package eventstore

import (
	"strings"
	"testing"
)

// TestCountBounded keeps at most maxCountBytes of distinct values: long
// values past it count in Other and the answer says it is not exact.
func TestCountBounded(t *testing.T) {
	c := valueCounter{m: map[string]*int{}}
	long := strings.Repeat("x", 1<<20)
	for i := range 100 {
		c.events++
		c.add(long[:len(long)-i], 1)
	}
	r := c.result("process.command_line", 10)
	if r.Distinct != maxCountBytes/(1<<20) || r.Exact || r.Total != 100 || r.Other != 100-10 {
		t.Errorf("100 values of 1 MiB: distinct %d, exact %v, total %d, other %d; want %d, false, 100, 90",
			r.Distinct, r.Exact, r.Total, r.Other, maxCountBytes/(1<<20))
	}
	if c.bytes > maxCountBytes {
		t.Errorf("kept %d bytes of values; want at most %d", c.bytes, maxCountBytes)
	}
}
