package sigma

import (
	"encoding/json"

	"github.com/samdrift/samdrift/internal/event"
)

// FillJSON presents one exported event to rules, whatever its shape:
// evtx_dump JSON ({"Event": …}), samdrift's own NDJSON export (an event
// with "format" and "fields"), or any other JSON document (keys flattened
// with '.', every value searchable by keywords).
func FillJSON(d *Doc, v map[string]any) {
	if _, ok := v["Event"].(map[string]any); ok {
		FillEvtx(d, v)
		return
	}
	if _, ok := v["format"].(string); ok {
		if _, ok := v["fields"]; ok || v["message"] != nil {
			if b, err := json.Marshal(v); err == nil {
				var e event.Event
				if json.Unmarshal(b, &e) == nil {
					FillEvent(d, &e)
					return
				}
			}
		}
	}
	d.flat.Reset()
	flatten(&d.flat, "", v, true)
	d.Fill(&d.flat)
}

// Scan evaluates every event of a file (JSON lines, concatenated JSON or
// arrays; see FillJSON for shapes) and calls fn with the 0-based index of
// each event that matched and its matches. It returns how many events it
// read.
func Scan(e *Engine, file string, fn func(index int, ms []Match) error) (int, error) {
	d := e.NewDoc()
	var ms []Match
	n := 0
	err := EachJSONEvent(file, func(v map[string]any) error {
		d.Reset()
		FillJSON(d, v)
		ms = e.Match(d, ms[:0])
		i := n
		n++
		if len(ms) > 0 {
			return fn(i, ms)
		}
		return nil
	})
	return n, err
}
