package event

import (
	"reflect"
	"testing"
	"time"
)

// TestSplitRoundTrip writes events in the split form and reads them back
// into one reused decoder: the heads alone carry the head values and
// nothing of the rest (also after a decode that filled the rest), and
// heads and rests together give the events as they were.
func TestSplitRoundTrip(t *testing.T) {
	in := sampleBatch()
	// Out of time order, as whole batches are stored.
	in[2].Time, in[2].Received = in[0].Time.Add(-time.Hour), time.Time{}.UTC()
	// Written in two calls: times go on from the first call's last.
	var w SplitWriter
	w.Add(in[:1])
	w.Add(in[1:])
	heads, rests := w.Heads, w.Rests
	if w.N != len(in) {
		t.Fatalf("the writer counted %d events; want %d", w.N, len(in))
	}
	var d BatchDecoder
	for round := range 2 {
		evs, err := d.DecodeHeadsShared(heads, len(in))
		if err != nil {
			t.Fatal(err)
		}
		for i := range in {
			want := Event{Time: in[i].Time, Tenant: in[i].Tenant, Host: in[i].Host, App: in[i].App, SourceIP: in[i].SourceIP,
				Severity: in[i].Severity, Format: in[i].Format, Product: in[i].Product, Message: in[i].Message}
			if !reflect.DeepEqual(evs[i], want) {
				t.Errorf("round %d, head of event %d:\n got %+v\nwant %+v", round, i, evs[i], want)
			}
		}
		if err := d.DecodeRestsShared(rests, evs); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(evs, in) {
			t.Errorf("round %d, whole events:\n got %+v\nwant %+v", round, evs, in)
		}
	}
	// Every truncation is an error, never a panic or short events.
	for n := range len(heads) {
		if _, err := d.DecodeHeadsShared(heads[:n], len(in)); err == nil {
			t.Errorf("heads cut at %d of %d bytes decoded", n, len(heads))
		}
	}
	evs, _ := d.DecodeHeadsShared(heads, len(in))
	for n := range len(rests) {
		if err := d.DecodeRestsShared(rests[:n], evs); err == nil {
			t.Errorf("rests cut at %d of %d bytes decoded", n, len(rests))
		}
	}
	if _, err := d.DecodeHeadsShared(heads, len(in)+1); err == nil {
		t.Error("heads claimed to hold one event more decoded")
	}
}

func FuzzDecodeSplit(f *testing.F) {
	var w SplitWriter
	w.Add(sampleBatch())
	f.Add(w.Heads, w.Rests, w.N)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, []byte{0x01}, 1)
	f.Fuzz(func(t *testing.T, heads, rests []byte, n int) {
		var d BatchDecoder
		evs, err := d.DecodeHeadsShared(heads, n)
		if err != nil {
			return
		}
		if len(evs) != n {
			t.Fatalf("%d events decoded, %d claimed", len(evs), n)
		}
		if err := d.DecodeRestsShared(rests, evs); err != nil {
			return
		}
		// What decodes encodes to what decodes to the same again.
		orig := make([]Event, n)
		for i := range evs {
			orig[i] = evs[i].Clone()
		}
		var w SplitWriter
		w.Add(orig)
		again, err := d.DecodeHeadsShared(w.Heads, n)
		if err != nil {
			t.Fatal(err)
		}
		keep := make([]Event, n)
		for i := range again {
			keep[i] = again[i].Clone()
		}
		if err := d.DecodeRestsShared(w.Rests, keep); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(keep, orig) {
			t.Fatalf("events written again read\n %+v\nwant\n %+v", keep, orig)
		}
	})
}

// BenchmarkSplitCodec writes 500 events in the split form and reads their
// heads, the work of a search that tests head columns only, then their
// rests.
func BenchmarkSplitCodec(b *testing.B) {
	evs := make([]Event, 0, 500)
	for len(evs) < 500 {
		evs = append(evs, sampleBatch()[0])
	}
	var w SplitWriter
	w.Add(evs) // for the decoding runs, also when run alone
	var d BatchDecoder
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			w.Reset()
			w.Add(evs)
		}
		b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("heads", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.DecodeHeadsShared(w.Heads, len(evs)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("whole", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := d.DecodeHeadsShared(w.Heads, len(evs))
			if err == nil {
				err = d.DecodeRestsShared(w.Rests, out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	})
}
