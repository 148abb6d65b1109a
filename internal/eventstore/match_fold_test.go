package eventstore

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

// FuzzPatternFold checks that a pattern without wildcards, matched
// without lowering a copy of the value, finds what strings.ToLower and
// strings.Contains (or ==) find: for ASCII values, and for the others
// (KELVIN SIGN lowers to an ASCII 'k') by the fallback.
func FuzzPatternFold(f *testing.F) {
	for _, c := range [][2]string{
		{"Failed password for root", "failed password"}, {"FAILED PASSWORD", "password"}, {"fw01", "FW01"}, {"", ""},
		{"abc", ""}, {"ab", "abc"}, {"xAxAxAb", "aab"}, {"aAaAaAaAb", "aaab"}, {"\u212a", "k"}, {"Søren", "sØren"},
		{"pass word", "password"}, {"a\x80b", "b"}, {"0123456789abcdefXYZ", "fxyz"}, {"[x] y", "] y"},
		{"10.0.26.61", "10.0.26.6"}, {"\u0130 1.2", "1.2"}, {"a\xff1.2", "1.2"}, {"xXxXzZzq", "xzzq"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, value, term string) {
		if strings.ContainsRune(term, wildStar) || strings.ContainsRune(term, wildOne) {
			return // wildcards take the other path
		}
		low := strings.ToLower(value)
		for _, contains := range []bool{true, false} {
			p := newPattern(term, contains)
			want := low == strings.ToLower(term)
			if contains {
				want = strings.Contains(low, strings.ToLower(term))
			}
			if got := p.match(value); got != want {
				t.Errorf("pattern %q (contains %v) on %q = %v; want %v", term, contains, value, got, want)
			}
		}
	})
}

// FuzzBlockAdmits checks that a block is never passed over when it holds
// a match: an event whose message, host or field holds a value is encoded
// as blocks are, and a term (with wildcards or without, on the message or
// on a field) that matches the event must be admitted by the block's
// bytes ('İ' and the Kelvin sign, which lower to ASCII, included), in
// the form blocks had before the split form and in the split form.
func FuzzBlockAdmits(f *testing.F) {
	for _, c := range [][2]string{
		{"Failed password for root", "failed password"}, {"fw01", "FW01"}, {"\u212aelvin", "kelvin"}, {"\u0130stanbul", "istanbul"},
		{"10.0.26.61", "10.0.26.6"}, {"Søren", "sØren"}, {"abcXYZdef", "xyz*def"}, {"GET /index.html", "get?/index"}, {"a\xffbcd", "bcd"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, value, term string) {
		if len(value) > 4096 || len(term) > 256 || term == "" {
			return
		}
		e := event.Event{ID: "x", Time: time.Unix(0, 0), Received: time.Unix(0, 0), Message: value, Host: value,
			Fields: []event.Field{{Key: "user.name", Value: value}}}
		raw := event.AppendBatch(nil, []event.Event{e})
		var split event.SplitWriter
		split.Add([]event.Event{e})
		wild := strings.ContainsAny(term, "*?")
		v := strings.NewReplacer("*", string(wildStar), "?", string(wildOne)).Replace(term)
		for _, field := range []string{"", "host.name", "user.name"} {
			n := &node{kind: nodeTerm, field: field, term: termMatch, value: v, wild: wild}
			m, err := compileMatcher(n)
			if err != nil {
				t.Fatal(err)
			}
			if !m(&e) {
				continue
			}
			r := gramRequirement(n)
			if !r.admitsBytes(&blockText{s: string(raw)}) {
				t.Errorf("%q on %q matches %q, but the block's bytes were ruled out (pieces %q)", term, field, value, r.pieces)
			}
			// In the split form: by the heads alone, and with the rests.
			if !r.admitsBytes(&blockText{s: string(split.Heads), partial: true}) {
				t.Errorf("%q on %q matches %q, but the split block's heads ruled it out (pieces %q)", term, field, value, r.pieces)
			}
			if !r.admitsBytes(&blockText{s: string(split.Heads), rest: string(split.Rests)}) {
				t.Errorf("%q on %q matches %q, but the split block's bytes ruled it out (pieces %q)", term, field, value, r.pieces)
			}
		}
	})
}

// FuzzDecodeBlock checks that any bytes stored as a block decode or fail
// with an error, never a panic, and that a block packed from events
// decodes to them, whole and by its heads.
func FuzzDecodeBlock(f *testing.F) {
	var bw blockWriter
	bw.w.Add([]event.Event{{ID: "a", Time: time.Unix(1, 0).UTC(), Received: time.Unix(2, 0).UTC(), Host: "fw01", Message: "Failed password",
		Fields: []event.Field{{Key: "user.name", Value: "bob"}}, Raw: "<13>1 x"}})
	f.Add(bw.pack(), "fw01")
	f.Add([]byte{blockSplit, 1, 200}, "x")
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0}, "")
	f.Fuzz(func(t *testing.T, data []byte, host string) {
		_, _ = decodeBlock(data) // events or an error, never a panic
		in := []event.Event{{ID: "b", Time: time.Unix(3, 0).UTC(), Received: time.Unix(4, 0).UTC(), Host: host, Message: string(data), Raw: host}}
		var w blockWriter
		w.w.Add(in)
		out, err := decodeBlock(w.pack())
		if err != nil || len(out) != 1 || out[0].Host != host || out[0].Message != string(data) || out[0].Raw != host || out[0].ID != "b" {
			t.Fatalf("a packed block decodes to %+v, %v; want %+v", out, err, in)
		}
		var d blockDecoder
		d.packed = w.pack()
		evs, passed, err := d.scan(math.MaxInt64, nil, math.MinInt64, math.MaxInt64, func(*event.Event) bool { return true }, always)
		if err != nil || passed || len(evs) != 1 || !d.light || evs[0].Host != host || evs[0].Raw != "" {
			t.Fatalf("a block read by its heads gives %+v (light %v), %v", evs, d.light, err)
		}
	})
}
