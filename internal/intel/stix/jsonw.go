package stix

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/samdrift/samdrift/internal/jsonx"
)

// timeLayout is STIX's timestamp form: UTC, millisecond precision, "Z".
const timeLayout = "2006-01-02T15:04:05.000Z"

// objWriter appends one JSON object's members in a fixed order without
// reflection: encoding indicators is the TAXII server's hot path. Empty
// values are left out, as STIX wants optional properties absent, not empty.
type objWriter struct {
	b   []byte
	n   int // members written
	err error
}

func (w *objWriter) key(k string) {
	if w.n == 0 {
		w.b = append(w.b, '{')
	} else {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *objWriter) str(k, v string) {
	if v == "" {
		return
	}
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *objWriter) strs(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range vs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendString(w.b, v)
	}
	w.b = append(w.b, ']')
}

func (w *objWriter) time(k string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.key(k)
	w.b = appendTime(w.b, t)
}

// appendTime appends t as a quoted STIX timestamp (timeLayout), cut to
// the millisecond; hand-written because time.AppendFormat, which parses
// its layout each call, was a fifth of the cost of encoding an indicator.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	if year < 0 || year > 9999 {
		return append(append(append(b, '"'), t.AppendFormat(nil, timeLayout)...), '"')
	}
	b = appendDigits(append(b, '"'), year, 4)
	b = appendDigits(append(b, '-'), int(month), 2)
	b = appendDigits(append(b, '-'), day, 2)
	b = appendDigits(append(b, 'T'), hour, 2)
	b = appendDigits(append(b, ':'), min, 2)
	b = appendDigits(append(b, ':'), sec, 2)
	b = appendDigits(append(b, '.'), t.Nanosecond()/1e6, 3)
	return append(b, 'Z', '"')
}

// appendDigits appends v, 0 ≤ v < 10⁴, as width decimal digits.
func appendDigits(b []byte, v, width int) []byte {
	var buf [4]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:width]...)
}

func (w *objWriter) int(k string, v int) {
	if v == 0 {
		return
	}
	w.key(k)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *objWriter) bool(k string, v bool) {
	if v {
		w.key(k)
		w.b = append(w.b, "true"...)
	}
}

// value writes v with encoding/json; for the nested, rarely set
// properties (external references, kill chain phases, the advisory).
func (w *objWriter) value(k string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.key(k)
	w.b = append(w.b, raw...)
}

// raw writes already encoded JSON.
func (w *objWriter) raw(k, v string) {
	w.key(k)
	w.b = append(w.b, v...)
}

func (w *objWriter) end() []byte {
	if w.n == 0 {
		return append(w.b, '{', '}')
	}
	return append(w.b, '}')
}

// appendString appends s as a JSON string (jsonx.AppendString).
func appendString(b []byte, s string) []byte { return jsonx.AppendString(b, s) }
