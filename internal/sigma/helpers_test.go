package sigma

import (
	"encoding/base64"
	"slices"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
	"github.com/samdrift/samdrift/internal/loadgen"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// loadgenFills presents n of loadgen's normalised events.
func loadgenFills(n int) []func(*Doc) {
	var fills []func(*Doc)
	p := event.NewParser(time.UTC)
	for _, line := range loadgen.Sample(n, time.Now()) {
		ev := p.ParseSyslog(line, time.Now(), "10.0.0.1")
		fills = append(fills, func(d *Doc) { FillEvent(d, &ev) })
	}
	return fills
}

// agree presents every event to e and to the reference engine ref (each
// with its own Doc), rounds times over, and fails at the first event whose
// matches (as names lists them) differ. It returns e's Doc and how many
// matches there were.
func agree(t *testing.T, e, ref *Engine, fills []func(*Doc), rounds int, names func([]Match) []string) (*Doc, int) {
	t.Helper()
	d, dr := e.NewDoc(), ref.NewDoc()
	matched := 0
	for round := range rounds {
		for i, f := range fills {
			d.Reset()
			f(d)
			dr.Reset()
			f(dr)
			got, want := names(e.Match(d, nil)), names(ref.Match(dr, nil))
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, event %d: matches %v, reference %v", round, i, got, want)
			}
			matched += len(want)
		}
	}
	if matched == 0 {
		t.Fatal("no event matched: the comparison says nothing")
	}
	return d, matched
}
