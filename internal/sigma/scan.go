package sigma

import (
	"encoding/json"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

// FillJSON presents one exported event to rules, whatever its shape:
// evtx_dump JSON ({"Event": …}), samdrift's own NDJSON export (an event
// with "format" and "fields"), or any other JSON document — NXLog's and
// Winlogbeat 6, 7 and 8's Windows events among them — which is read by
// the same parser the receivers use (event.ParseJSON), so that hunting
// over a file matches what live detection would have.
func FillJSON(d *Doc, v map[string]any) {
	if _, ok := v["Event"].(map[string]any); ok {
		FillEvtx(d, v)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		d.flat.Reset()
		flatten(&d.flat, "", v, true)
		d.Fill(&d.flat)
		return
	}
	if _, ok := v["format"].(string); ok {
		if _, ok := v["fields"]; ok || v["message"] != nil {
			var e event.Event
			if json.Unmarshal(b, &e) == nil {
				FillEvent(d, &e)
				return
			}
		}
	}
	e := event.ParseJSON(b, time.Now().UTC(), "")
	FillEvent(d, &e)
}

// Scan evaluates every event of a file (JSON lines, concatenated JSON or
// arrays; see FillJSON for shapes) and calls fn with the 0-based index of
// each event that matched and its matches. It returns how many events it
// read. A malformed event is passed to bad (when not nil) and skipped;
// with bad nil it ends the scan with an error.
func Scan(e *Engine, file string, fn func(index int, ms []Match) error, bad func(where string, err error)) (int, error) {
	d := e.NewDoc()
	var ms []Match
	n := 0
	err := EachJSONEventSkipping(file, func(v map[string]any) error {
		d.Reset()
		FillJSON(d, v)
		ms = e.Match(d, ms[:0])
		i := n
		n++
		if len(ms) > 0 {
			return fn(i, ms)
		}
		return nil
	}, bad)
	return n, err
}
