package event

import (
	"encoding/json"
	"reflect"
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
