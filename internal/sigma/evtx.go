package sigma

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseEvtxJSON reads one Windows event in evtx_dump's JSON shape
// ({"Event": {"System": …, "EventData": …}}) into a generic value tree.
func ParseEvtxJSON(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Flat is an event decoded once into the values rules read by name, as
// an adapter produces it: presenting it to an engine (Doc.Fill) costs one
// name lookup per value. Decoding Windows events into a Flat once, rather
// than walking their JSON tree per engine, is what hunting over exported
// events and the benchmarks do.
type Flat struct {
	Fields []FlatField
	Time   time.Time
}

// FlatField is one named value; Keyword makes it a keyword value too.
type FlatField struct {
	Name, Value string
	Keyword     bool
}

// Reset empties f, keeping its storage.
func (f *Flat) Reset() {
	f.Fields = f.Fields[:0]
	f.Time = time.Time{}
}

func (f *Flat) add(name, value string, keyword bool) {
	f.Fields = append(f.Fields, FlatField{Name: name, Value: value, Keyword: keyword})
}

// Fill presents a flattened event: each value under its name (names no
// rule reads are skipped), the keyword values, the time.
func (d *Doc) Fill(f *Flat) {
	d.Time = f.Time
	for i := range f.Fields {
		x := &f.Fields[i]
		if s, ok := d.names.lookup(x.Name); ok {
			d.setSlot(s, x.Value)
		}
		if x.Keyword {
			d.keywords = append(d.keywords, x.Value)
		}
	}
}

// FillEvtx presents a Windows event in evtx_dump's JSON shape to rules
// (FlattenEvtx, then Fill).
func FillEvtx(d *Doc, v map[string]any) {
	d.flat.Reset()
	FlattenEvtx(&d.flat, v)
	d.Fill(&d.flat)
}

// FlattenEvtx appends a Windows event in evtx_dump's JSON shape to f under
// the names Sigma's Windows rules use: System's EventID, Channel,
// Computer, Provider_Name (attributes joined with '_'), every EventData
// and UserData value under its own name. Keyword searches look through
// the EventData and UserData values. A value that is not an evtx event
// is flattened as it is (top-level keys, nested keys joined with '.').
func FlattenEvtx(f *Flat, v map[string]any) {
	ev, ok := v["Event"].(map[string]any)
	if !ok {
		flatten(f, "", v, true)
		return
	}
	if sys, ok := ev["System"].(map[string]any); ok {
		for k, x := range sys {
			switch x := x.(type) {
			case map[string]any:
				if a, ok := x["#attributes"].(map[string]any); ok {
					for ak, av := range a {
						f.add(k+"_"+ak, scalarString(av), false)
					}
				}
				if t, ok := x["#text"]; ok {
					f.add(k, scalarString(t), false)
				}
			case nil:
			default:
				f.add(k, scalarString(x), false)
			}
		}
		if tc, ok := sys["TimeCreated"].(map[string]any); ok {
			if a, ok := tc["#attributes"].(map[string]any); ok {
				if st, ok := a["SystemTime"].(string); ok {
					if t, err := time.Parse(time.RFC3339Nano, st); err == nil {
						f.Time = t
					}
				}
			}
		}
	}
	for _, sect := range []string{"EventData", "UserData"} {
		switch x := ev[sect].(type) {
		case map[string]any:
			flattenData(f, x)
		}
	}
}

// flattenData adds every leaf under its own key (nested UserData
// documents are flattened to their leaves) as a keyword value too.
func flattenData(f *Flat, m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["#text"]; ok {
				addData(f, k, scalarString(t))
				continue
			}
			if k == "#attributes" {
				continue
			}
			flattenData(f, x)
		case []any:
			for _, e := range x {
				if e == nil {
					continue
				}
				addData(f, k, scalarString(e))
			}
		case nil:
		default:
			addData(f, k, scalarString(x))
		}
	}
}

// addData adds an event data value under its name and, when the name has
// spaces (Defender's "Threat Name", "Source Name"), under the name without
// them, which is how Sigma rules write it.
func addData(f *Flat, k, v string) {
	f.add(k, v, true)
	if strings.IndexByte(k, ' ') >= 0 {
		f.add(strings.ReplaceAll(k, " ", ""), v, false)
	}
}

// setData is addData for a Doc directly (the ECS adapter's winlog data).
func setData(d *Doc, k, v string) {
	d.Set(k, v)
	if strings.IndexByte(k, ' ') >= 0 {
		d.Set(strings.ReplaceAll(k, " ", ""), v)
	}
	d.AddKeyword(v)
}

// flatten adds a JSON document's scalars under their dotted paths.
func flatten(f *Flat, prefix string, m map[string]any, keywords bool) {
	for k, x := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch x := x.(type) {
		case map[string]any:
			flatten(f, name, x, keywords)
		case []any:
			for _, e := range x {
				if _, ok := e.(map[string]any); ok || e == nil {
					continue
				}
				f.add(name, scalarString(e), keywords)
			}
		case nil:
		default:
			f.add(name, scalarString(x), keywords)
		}
	}
}

// scalarString formats a JSON scalar as rules compare it: numbers as
// written, booleans as true/false.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return fmt.Sprint(string(b))
}
