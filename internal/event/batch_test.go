package event

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

func sampleBatch() []Event {
	now := time.Date(2026, 11, 29, 8, 0, 0, 123456000, time.UTC)
	return []Event{
		{ID: "a-1", Time: now, Received: now.Add(time.Second), Tenant: 1001, Source: "fw", SourceID: 7, SourceIP: "10.0.0.1", Host: "fw1",
			App: "sshd", Severity: 6, Facility: 4, Message: "Accepted password for anna ✓", Format: FormatRFC5424, Product: "linux",
			Fields: []Field{{"user.name", "anna"}, {"source.ip", "10.2.3.4"}, {"empty", ""}}},
		{ID: "a-2", Time: now, Received: now, Tenant: 0, Severity: -1, Facility: -1, Message: "", Format: FormatRaw, Raw: "\x00\xff bytes", ParseError: "bad"},
		{},
	}
}

func TestBatchRoundTrip(t *testing.T) {
	in := sampleBatch()
	in[2].Time, in[2].Received = time.Time{}.UTC(), time.Time{}.UTC()
	b, err := EncodeBatch(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !in[i].Time.Equal(out[i].Time) || !in[i].Received.Equal(out[i].Received) {
			t.Errorf("event %d times %v/%v; want %v/%v", i, out[i].Time, out[i].Received, in[i].Time, in[i].Received)
		}
		out[i].Time, out[i].Received = in[i].Time, in[i].Received
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n got %+v\nwant %+v", out, in)
	}
	// A JSON batch of an earlier version still reads.
	js, _ := json.Marshal(in[:1])
	old, err := DecodeBatch(js)
	if err != nil || len(old) != 1 || old[0].Message != in[0].Message {
		t.Errorf("JSON batch = %+v, %v", old, err)
	}
	// Every truncation is an error, never a panic or a short batch.
	for n := 0; n < len(b); n++ {
		if _, err := DecodeBatch(b[:n]); err == nil {
			t.Errorf("a batch cut at %d of %d bytes decoded", n, len(b))
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	b, _ := EncodeBatch(sampleBatch())
	f.Add(b)
	f.Add([]byte{batchV1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := DecodeBatch(data)
		if err != nil {
			return
		}
		again, err := EncodeBatch(evs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeBatch(again); err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
	})
}

func BenchmarkBatchCodec(b *testing.B) {
	evs := make([]Event, 0, 500)
	for len(evs) < 500 {
		evs = append(evs, sampleBatch()[0])
	}
	for _, c := range []struct {
		name string
		enc  func([]Event) ([]byte, error)
		dec  func([]byte) ([]Event, error)
	}{
		{"binary", EncodeBatch, DecodeBatch},
		{"json", func(e []Event) ([]byte, error) { return json.Marshal(e) }, func(d []byte) ([]Event, error) {
			var out []Event
			return out, json.Unmarshal(d, &out)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				data, err := c.enc(evs)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.dec(data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestBatchDecoderReuse decodes batches of different sizes into one
// BatchDecoder: each decode gives the batch as DecodeBatch does, and an
// event kept with Clone is not touched by the decodes after it.
func TestBatchDecoderReuse(t *testing.T) {
	small := sampleBatch()
	var big []Event
	for i := range 3000 {
		e := small[0]
		e.ID = fmt.Sprintf("big-%d", i)
		e.Fields = []Field{{"user.name", fmt.Sprint("u", i)}, {"n", fmt.Sprint(i)}}
		big = append(big, e)
	}
	var d BatchDecoder
	var kept Event
	for round, in := range [][]Event{small, big, small, big} {
		b, err := EncodeBatch(in)
		if err != nil {
			t.Fatal(err)
		}
		want, err := DecodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		shared, err := DecodeBatchShared(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(shared, want) {
			t.Fatalf("round %d: the reused decoder or the shared decode differ from DecodeBatch", round)
		}
		if round == 0 {
			kept = got[0].Clone()
			// A block's events read in place: decoded again into the
			// same buffer, the kept copy must not change with it.
			buf := slices.Clone(b)
			inPlace, err := d.DecodeShared(buf)
			if err != nil || !reflect.DeepEqual(inPlace, want) {
				t.Fatalf("DecodeShared = %v; want the batch", err)
			}
			keptInPlace := inPlace[0].Clone()
			clear(buf)
			if !reflect.DeepEqual(keptInPlace, want[0]) {
				t.Fatalf("an event cloned from a shared decode changed with its buffer: %+v", keptInPlace)
			}
		}
		if !reflect.DeepEqual(kept.Fields, small[0].Fields) || kept.Message != small[0].Message {
			t.Fatalf("round %d: the kept event changed: %+v", round, kept)
		}
	}
	if _, err := d.Decode([]byte{batchV1, 5, 1}); err == nil {
		t.Error("a truncated batch decoded")
	}
}

// BenchmarkBatchDecodeShared decodes a block of 5,000 events in place
// into a reused decoder, as a search does for every block it reads.
func BenchmarkBatchDecodeShared(b *testing.B) {
	evs := make([]Event, 0, 5000)
	for len(evs) < 5000 {
		evs = append(evs, sampleBatch()...)
	}
	evs = evs[:5000]
	data, err := EncodeBatch(evs)
	if err != nil {
		b.Fatal(err)
	}
	var d BatchDecoder
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := d.DecodeShared(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
