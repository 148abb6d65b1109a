package stix

import (
	"fmt"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/indicator"
)

// benchIndicators returns n indicators as samdrift exports them: stable
// ids, a pattern, a description, a marking and validity.
func benchIndicators(n int) []Indicator {
	created := time.Date(2024, 3, 4, 20, 3, 48, 123e6, time.UTC)
	until := created.Add(90 * 24 * time.Hour)
	out := make([]Indicator, n)
	for i := range out {
		o := Observable{indicator.IP, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
		if i%3 == 1 {
			o = Observable{indicator.Domain, fmt.Sprintf("c2-%d.evil.example", i)}
		} else if i%3 == 2 {
			o = Observable{indicator.SHA256, fmt.Sprintf("%064x", i)}
		}
		out[i] = Indicator{
			ID:          DeterministicID("indicator", o.Type+"/"+o.Value),
			Name:        o.Value,
			Description: "Command and control server seen in the phishing wave of March.",
			Pattern:     Pattern(o),
			ValidFrom:   created,
			ValidUntil:  &until,
			Types:       []string{"malicious-activity"},
			Confidence:  75,
			TLP:         TLPAmber,
			Created:     created,
			Modified:    created,
			Labels:      []string{"level:high"},
		}
	}
	return out
}

// BenchmarkEncodeIndicators encodes 100,000 indicators per iteration, ten
// of the TAXII server's largest pages (10,000 objects, 200 ms budget).
func BenchmarkEncodeIndicators(b *testing.B) {
	inds := benchIndicators(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range inds {
			if _, err := Encode(&inds[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(inds))/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkWriteBundlePage encodes and writes one page of 10,000
// indicators as a bundle.
func BenchmarkWriteBundlePage(b *testing.B) {
	inds := benchIndicators(10_000)
	objs := make([]Object, len(inds))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range inds {
			o, err := Encode(&inds[i])
			if err != nil {
				b.Fatal(err)
			}
			objs[i] = o
		}
		if _, err := WriteBundle(objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
}

// BenchmarkParseBundle parses a bundle of 10,000 indicators.
func BenchmarkParseBundle(b *testing.B) {
	inds := benchIndicators(10_000)
	objs := make([]Object, len(inds))
	for i := range inds {
		objs[i], _ = Encode(&inds[i])
	}
	data, _ := WriteBundle(objs)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseBundle("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchable translates the patterns of a feed's indicators.
func BenchmarkMatchable(b *testing.B) {
	inds := benchIndicators(1000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range inds {
			if _, err := Matchable(inds[i].Pattern); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(inds))/b.Elapsed().Seconds(), "patterns/s")
}
