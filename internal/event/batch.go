package event

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unsafe"
)

// batchV1 marks the binary batch form; JSON batches (written by earlier
// versions and still in a spine after an upgrade) start with '['.
const batchV1 = 0x01

// maxBatchEvents bounds what one batch may claim to hold.
const maxBatchEvents = 1 << 20

// EncodeBatch writes events for the spine in a compact binary form:
// a version byte, the count, then per event its values in a fixed order
// (strings and counts as uvarint-prefixed, numbers as varints; times in
// microseconds, the store's precision). It is about
// ten times cheaper than JSON to write and read, which matters on the hot
// path (measured in BenchmarkBatchCodec).
func EncodeBatch(events []Event) ([]byte, error) {
	size := 8
	for i := range events {
		size += EncodedSize(&events[i])
	}
	return AppendBatch(make([]byte, 0, size), events), nil
}

// AppendBatch appends what EncodeBatch writes for events to b, for
// callers that reuse one buffer.
func AppendBatch(b []byte, events []Event) []byte {
	b = append(b, batchV1)
	b = binary.AppendUvarint(b, uint64(len(events)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for i := range events {
		e := &events[i]
		str(e.ID)
		b = binary.AppendVarint(b, e.Time.UnixMicro())
		b = binary.AppendVarint(b, e.Received.UnixMicro())
		b = binary.AppendVarint(b, e.Tenant)
		str(e.Source)
		b = binary.AppendVarint(b, e.SourceID)
		str(e.SourceIP)
		str(e.Host)
		str(e.App)
		b = binary.AppendVarint(b, int64(e.Severity))
		b = binary.AppendVarint(b, int64(e.Facility))
		str(e.Message)
		str(e.Format)
		str(e.Product)
		b = binary.AppendUvarint(b, uint64(len(e.Fields)))
		for _, f := range e.Fields {
			str(f.Key)
			str(f.Value)
		}
		str(e.Raw)
		str(e.ParseError)
	}
	return b
}

// EncodedSize is at least the bytes EncodeBatch writes for e (it errs on
// the large side), for splitting batches to a size.
func EncodedSize(e *Event) int {
	size := 64 + len(e.ID) + len(e.Source) + len(e.SourceIP) + len(e.Host) + len(e.App) + len(e.Message) + len(e.Format) +
		len(e.Product) + len(e.Raw) + len(e.ParseError)
	for _, f := range e.Fields {
		size += 4 + len(f.Key) + len(f.Value)
	}
	return size
}

var errBatch = errors.New("cannot decode event batch: truncated or corrupt")

// DecodeBatch reads what EncodeBatch wrote (or a JSON batch of an earlier
// version). Strings share one copy of data.
func DecodeBatch(data []byte) ([]Event, error) {
	var d BatchDecoder
	return d.decode(data, false, false)
}

// DecodeBatchShared is DecodeBatch without the copy: the events' strings
// point into data, which must not change while they are in use. The
// spine's consumers decode messages that are theirs alone this way, which
// halves what a batch in hand holds.
func DecodeBatchShared(data []byte) ([]Event, error) {
	var d BatchDecoder
	return d.decode(data, false, true)
}

// BatchDecoder decodes batches into memory it keeps for the next one, for
// readers that go through many batches and keep few of their events
// (search reads thousands of blocks). The events (and their Fields
// slices) Decode returns are valid until the next Decode; their strings
// stay valid, as with DecodeBatch. Keep an event past that with Clone.
type BatchDecoder struct {
	events []Event
	fields []Field
}

// Decode is DecodeBatch into d's memory.
func (d *BatchDecoder) Decode(data []byte) ([]Event, error) {
	return d.decode(data, true, false)
}

// DecodeShared is Decode without copying data: the events' strings point
// into it, so they too are valid only until data changes. A reader that
// decodes block after block into one buffer allocates nothing per block
// this way, and the collector (whose write barriers made every decoded
// pointer dear while it ran) stays idle.
func (d *BatchDecoder) DecodeShared(data []byte) ([]Event, error) {
	return d.decode(data, true, true)
}

func (d *BatchDecoder) decode(data []byte, reuse, shared bool) ([]Event, error) {
	if len(data) > 0 && data[0] == '[' {
		var out []Event
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("cannot decode event batch: %w", err)
		}
		return out, nil
	}
	if len(data) == 0 || data[0] != batchV1 {
		return nil, fmt.Errorf("cannot decode event batch: unknown format")
	}
	var s string // every string below is a slice of it
	if shared {
		s = unsafe.String(unsafe.SliceData(data), len(data))
	} else {
		s = string(data) // one copy
	}
	r := decoder{s: s, i: 1}
	n := r.uvarint()
	if r.err != nil || n > maxBatchEvents || n > uint64(len(s)) {
		return nil, errBatch
	}
	var out []Event
	var slab []Field // the events' fields, cut from few allocations
	if reuse && uint64(cap(d.events)) >= n {
		out, slab = d.events[:n], d.fields[:0]
	} else if reuse {
		out = make([]Event, n, n+n/4) // room for a somewhat larger batch next time
		d.events, slab = out, d.fields[:0]
	} else {
		out = make([]Event, n)
	}
	for i := range out {
		e := &out[i]
		e.ID = r.str()
		e.Time = time.UnixMicro(r.varint()).UTC()
		e.Received = time.UnixMicro(r.varint()).UTC()
		e.Tenant = r.varint()
		e.Source = r.str()
		e.SourceID = r.varint()
		e.SourceIP = r.str()
		e.Host = r.str()
		e.App = r.str()
		e.Severity = r.int()
		e.Facility = r.int()
		e.Message = r.str()
		e.Format = r.str()
		e.Product = r.str()
		e.Fields = nil
		nf := r.uvarint()
		if r.err != nil || nf > uint64(len(s)-r.i) {
			return nil, errBatch
		}
		if nf > 0 {
			grow := uint64(1024)
			if reuse {
				grow = max(grow, 2*uint64(cap(slab)))
			}
			e.Fields, slab = r.fields(slab, nf, grow)
		}
		e.Raw = r.str()
		e.ParseError = r.str()
		if r.err != nil {
			return nil, errBatch
		}
	}
	if r.i != len(s) {
		return nil, errBatch
	}
	if reuse && cap(slab) > cap(d.fields) {
		d.fields = slab[:0]
	}
	return out, nil
}

// Clone returns a copy of e that shares no memory with it: its strings
// and fields copied, for keeping an event a BatchDecoder returned.
func (e *Event) Clone() Event {
	c := *e
	c.ID, c.Source, c.SourceIP, c.Host, c.App = strings.Clone(e.ID), strings.Clone(e.Source), strings.Clone(e.SourceIP), strings.Clone(e.Host), strings.Clone(e.App)
	c.Message, c.Format, c.Product = strings.Clone(e.Message), strings.Clone(e.Format), strings.Clone(e.Product)
	c.Raw, c.ParseError = strings.Clone(e.Raw), strings.Clone(e.ParseError)
	if e.Fields != nil {
		c.Fields = make([]Field, len(e.Fields))
		for i, f := range e.Fields {
			c.Fields[i] = Field{Key: strings.Clone(f.Key), Value: strings.Clone(f.Value)}
		}
	}
	return c
}

type decoder struct {
	s   string
	i   int
	err error
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for k := 0; k < binary.MaxVarintLen64; k++ {
		if d.i >= len(d.s) {
			d.err = errBatch
			return 0
		}
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.err = errBatch
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) int() int {
	v := d.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.err = errBatch
	}
	return int(v)
}

// fields reads nf fields (key, value) into slab, or into a new slab of
// at least grow when it lacks room (earlier events keep the slab they were
// cut from); it returns them and the slab.
func (d *decoder) fields(slab []Field, nf, grow uint64) ([]Field, []Field) {
	if uint64(cap(slab)-len(slab)) < nf {
		slab = make([]Field, 0, max(nf, grow))
	}
	k := len(slab)
	slab = slab[:k+int(nf)]
	fs := slab[k : k+int(nf) : k+int(nf)]
	for j := range fs {
		fs[j].Key = d.str()
		fs[j].Value = d.str()
	}
	return fs, slab
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)-d.i) {
		d.err = errBatch
		return ""
	}
	v := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return v
}
