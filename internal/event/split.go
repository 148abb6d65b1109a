package event

import (
	"encoding/binary"
	"time"
	"unsafe"
)

// The split form stores events in two parts, for stores that mostly test
// a few columns and need the rest only for the events they show. The head
// holds per event its time, tenant, host, app, sender address, severity,
// format, product and message; the rest holds its id, time received,
// source, source id, facility, fields, raw original and parse error. Each
// part is the events' values in order, with no header (the store keeps the
// count), encoded as AppendBatch encodes values; times in the head are
// each the difference from the event before (from zero for the first),
// which keeps them short where events come in time order.

// SplitWriter writes events in the split form, batch after batch, into
// buffers it keeps: Reset, Add the events, then take Heads and Rests (and
// N, how many events they hold).
type SplitWriter struct {
	Heads, Rests []byte
	N            int
	last         int64 // the time of the last event added
}

// Reset empties w, keeping its buffers.
func (w *SplitWriter) Reset() {
	w.Heads, w.Rests, w.N, w.last = w.Heads[:0], w.Rests[:0], 0, 0
}

// Add appends events to the two parts.
func (w *SplitWriter) Add(events []Event) {
	h, r := w.Heads, w.Rests
	for i := range events {
		e := &events[i]
		ts := e.Time.UnixMicro()
		h = binary.AppendVarint(h, ts-w.last)
		w.last = ts
		h = binary.AppendVarint(h, e.Tenant)
		h = appendStr(h, e.Host)
		h = appendStr(h, e.App)
		h = appendStr(h, e.SourceIP)
		h = binary.AppendVarint(h, int64(e.Severity))
		h = appendStr(h, e.Format)
		h = appendStr(h, e.Product)
		h = appendStr(h, e.Message)

		r = appendStr(r, e.ID)
		r = binary.AppendVarint(r, e.Received.UnixMicro())
		r = appendStr(r, e.Source)
		r = binary.AppendVarint(r, e.SourceID)
		r = binary.AppendVarint(r, int64(e.Facility))
		r = binary.AppendUvarint(r, uint64(len(e.Fields)))
		for _, f := range e.Fields {
			r = appendStr(r, f.Key)
			r = appendStr(r, f.Value)
		}
		r = appendStr(r, e.Raw)
		r = appendStr(r, e.ParseError)
	}
	w.Heads, w.Rests, w.N = h, r, w.N+len(events)
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// minHeadBytes is the least an event's head takes (an empty string or a
// small number is one byte; nine values).
const minHeadBytes = 9

// DecodeHeadsShared decodes the head part of n events into d's memory:
// the events have their head values and nothing else (DecodeRestsShared
// adds the rest). As with DecodeShared, their strings point into data and
// the events are valid until d decodes again.
func (d *BatchDecoder) DecodeHeadsShared(data []byte, n int) ([]Event, error) {
	// An event's head takes nine bytes at least: a corrupt count cannot
	// claim more memory than that.
	if n < 0 || n > maxBatchEvents || n > len(data)/minHeadBytes {
		return nil, errBatch
	}
	r := decoder{s: unsafe.String(unsafe.SliceData(data), len(data))}
	if cap(d.events) < n {
		d.events = make([]Event, n, n+n/4) // room for a somewhat larger block next time
	}
	out := d.events[:n]
	ts := int64(0)
	for i := range out {
		ts += r.varint()
		out[i] = Event{
			Time:     time.UnixMicro(ts).UTC(),
			Tenant:   r.varint(),
			Host:     r.str(),
			App:      r.str(),
			SourceIP: r.str(),
			Severity: r.int(),
			Format:   r.str(),
			Product:  r.str(),
			Message:  r.str(),
		}
		if r.err != nil {
			return nil, errBatch
		}
	}
	if r.i != len(r.s) {
		return nil, errBatch
	}
	return out, nil
}

// DecodeRestsShared decodes the rest part of events (those
// DecodeHeadsShared just returned) into them; strings point into data.
func (d *BatchDecoder) DecodeRestsShared(data []byte, events []Event) error {
	r := decoder{s: unsafe.String(unsafe.SliceData(data), len(data))}
	slab := d.fields[:0]
	for i := range events {
		e := &events[i]
		e.ID = r.str()
		e.Received = time.UnixMicro(r.varint()).UTC()
		e.Source = r.str()
		e.SourceID = r.varint()
		e.Facility = r.int()
		e.Fields = nil
		nf := r.uvarint()
		if r.err != nil || nf > uint64(len(r.s)-r.i) {
			return errBatch
		}
		if nf > 0 {
			e.Fields, slab = r.fields(slab, nf, max(1024, 2*uint64(cap(slab))))
		}
		e.Raw = r.str()
		e.ParseError = r.str()
		if r.err != nil {
			return errBatch
		}
	}
	if r.i != len(r.s) {
		return errBatch
	}
	if cap(slab) > cap(d.fields) {
		d.fields = slab[:0]
	}
	return nil
}
