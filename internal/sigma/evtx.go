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

// FillEvtx presents a Windows event in evtx_dump's JSON shape to rules
// under the names Sigma's Windows rules use: System's EventID, Channel,
// Computer, Provider_Name (attributes joined with '_'), every EventData
// and UserData value under its own name. Keyword searches look through
// the EventData and UserData values. A value that is not an evtx event
// is presented flat (top-level keys, nested keys joined with '.').
func FillEvtx(d *Doc, v map[string]any) {
	ev, ok := v["Event"].(map[string]any)
	if !ok {
		fillFlat(d, "", v, true)
		return
	}
	if sys, ok := ev["System"].(map[string]any); ok {
		for k, x := range sys {
			switch x := x.(type) {
			case map[string]any:
				if a, ok := x["#attributes"].(map[string]any); ok {
					for ak, av := range a {
						// The joined name is looked up without building a
						// string: most attributes are read by no rule.
						d.name = append(append(append(d.name[:0], k...), '_'), ak...)
						if i, ok := d.names.lookupBytes(d.name); ok {
							d.setSlot(i, scalarString(av))
						}
					}
				}
				if t, ok := x["#text"]; ok {
					d.Set(k, scalarString(t))
				}
			case nil:
			default:
				d.Set(k, scalarString(x))
			}
		}
		if tc, ok := sys["TimeCreated"].(map[string]any); ok {
			if a, ok := tc["#attributes"].(map[string]any); ok {
				if st, ok := a["SystemTime"].(string); ok {
					if t, err := time.Parse(time.RFC3339Nano, st); err == nil {
						d.Time = t
					}
				}
			}
		}
	}
	for _, sect := range []string{"EventData", "UserData"} {
		switch x := ev[sect].(type) {
		case map[string]any:
			fillData(d, x)
		}
	}
}

// fillData sets every leaf under its own key (nested UserData documents
// are flattened to their leaves) and adds it to the keyword values.
func fillData(d *Doc, m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if t, ok := x["#text"]; ok {
				setData(d, k, scalarString(t))
				continue
			}
			if k == "#attributes" {
				continue
			}
			fillData(d, x)
		case []any:
			for _, e := range x {
				if e == nil {
					continue
				}
				setData(d, k, scalarString(e))
			}
		case nil:
		default:
			setData(d, k, scalarString(x))
		}
	}
}

// setData sets an event data value under its name and, when the name has
// spaces (Defender's "Threat Name", "Source Name"), under the name without
// them, which is how Sigma rules write it.
func setData(d *Doc, k, v string) {
	d.Set(k, v)
	if strings.IndexByte(k, ' ') >= 0 {
		d.Set(strings.ReplaceAll(k, " ", ""), v)
	}
	d.AddKeyword(v)
}

func fillFlat(d *Doc, prefix string, m map[string]any, keywords bool) {
	for k, x := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		switch x := x.(type) {
		case map[string]any:
			fillFlat(d, name, x, keywords)
		case []any:
			for _, e := range x {
				if _, ok := e.(map[string]any); ok || e == nil {
					continue
				}
				d.Set(name, scalarString(e))
				if keywords {
					d.AddKeyword(scalarString(e))
				}
			}
		case nil:
		default:
			s := scalarString(x)
			d.Set(name, s)
			if keywords {
				d.AddKeyword(s)
			}
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
