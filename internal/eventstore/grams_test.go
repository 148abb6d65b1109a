package eventstore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

// TestGramFilterAdmitsEveryMatch: a block's filter admits every query the
// matcher finds an event for — random pieces of the events' values in
// random case, as message terms, field terms, phrases and wildcard
// patterns, under and/or — and rules out most terms that are in no event.
func TestGramFilterAdmitsEveryMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"sshd", "Failed", "password", "for", "root", "from", "10.1.2.3", "Søren", "ÆBLE", "\u212Aelvin", "cmd.exe", "C:\\Windows", "port", "22", "deny", "tcp", "x"}
	phrase := func(n int) string {
		var ws []string
		for range n {
			ws = append(ws, words[rng.IntN(len(words))])
		}
		return strings.Join(ws, " ")
	}
	randCase := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if rng.IntN(2) == 0 {
				b.WriteString(strings.ToUpper(string(r)))
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	quote := func(s string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"` }
	var gb gramBuilder
	gb.words = make([]uint64, gramMaxWords)
	rejected, unrelated, checked := 0, 0, 0
	for round := range 200 {
		var evs []event.Event
		for i := range 1 + rng.IntN(300) {
			e := event.Event{ID: fmt.Sprint(round, "-", i), Time: time.Unix(int64(i), 0), Host: phrase(1), Message: phrase(1 + rng.IntN(8))}
			e.Set("user.name", phrase(1))
			e.Set("process.command_line", phrase(3))
			evs = append(evs, e)
		}
		// Sized small on purpose for some rounds: folding must keep
		// every trigram.
		gb.begin(rng.IntN(len(evs) * 200))
		f := gb.filter(evs)
		if len(f)&(len(f)-1) != 0 || len(f) < gramMinWords*8 {
			t.Fatalf("round %d: a filter of %d bytes", round, len(f))
		}
		for range 30 {
			e := &evs[rng.IntN(len(evs))]
			var q string
			switch rng.IntN(5) {
			case 0: // a piece of the message
				i, j := rng.IntN(len(e.Message)+1), rng.IntN(len(e.Message)+1)
				q = quote(randCase(e.Message[min(i, j):max(i, j)]))
			case 1:
				q = "user.name:" + quote(randCase(e.Fields[0].Value))
			case 2:
				q = "host:" + quote(randCase(e.Host)) + " AND " + quote(randCase(e.Message))
			case 3:
				v := e.Fields[1].Value
				q = "process.command_line:*" + strings.ReplaceAll(quote(randCase(v[len(v)/3:])), " ", "?")
				q = strings.Trim(q, `"`)
				if strings.ContainsAny(q, `" \`) {
					q = "process.command_line:" + quote(randCase(v))
				}
			default:
				q = quote("no such thing at all") + " OR " + quote(randCase(e.Message))
			}
			n, err := parseQuery(q)
			if err != nil {
				continue // a piece that does not parse as a query (a lone quote)
			}
			m, err := compileMatcher(n)
			if err != nil {
				t.Fatalf("round %d: %s: %v", round, q, err)
			}
			found := false
			for i := range evs {
				found = found || m(&evs[i])
			}
			if !found {
				continue
			}
			checked++
			if !gramRequirement(n).admits(f) {
				t.Fatalf("round %d: the filter ruled out %s, which matches an event of the block", round, q)
			}
		}
		for range 10 {
			q := quote(fmt.Sprintf("zq%dvw%dkj", rng.IntN(1e6), rng.IntN(1e6)))
			n, _ := parseQuery(q)
			unrelated++
			if !gramRequirement(n).admits(f) {
				rejected++
			}
		}
	}
	if checked < 3000 {
		t.Errorf("only %d queries matched an event; the test says little", checked)
	}
	if rejected < unrelated*9/10 {
		t.Errorf("the filters ruled out %d of %d terms that are in no event; want nearly all", rejected, unrelated)
	}
}

// TestGramRequirementNeedsNothing: queries without text terms of three
// bytes or more, negations and or-branches without terms require nothing.
func TestGramRequirementNeedsNothing(t *testing.T) {
	for _, q := range []string{``, `severity:<4`, `NOT password`, `password OR severity:3`, `user.name:*`, `user.name:a*b`, `raw:*denied*`, `event.original:"no such"`, `id:abc-123`} {
		n, err := parseQuery(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if r := gramRequirement(n); r != nil {
			t.Errorf("%q requires %+v; want nothing", q, r)
		}
	}
	n, _ := parseQuery(`password AND user.name:ro*`)
	if r := gramRequirement(n); r == nil || len(r.and) != 1 || r.and[0].has {
		t.Errorf("password AND user.name:ro* requires %+v; want the trigrams of password only", r)
	}
	n, _ = parseQuery(`destination.port:22`)
	if r := gramRequirement(n); r == nil || !r.has || len(r.grams) != 0 {
		t.Errorf("destination.port:22 requires %+v; want the whole value 22", r)
	}
}
