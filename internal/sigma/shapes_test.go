package sigma

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/samdrift/samdrift/internal/event"
)

// The shapes Windows events reach samdrift in, made from an evtx_dump
// event the way each shipper writes it: NXLog (im_msvistalog, to_json:
// flat, event data at the top level over NXLog's own fields),
// Winlogbeat 6 (event_id, log_name, event_data), Winlogbeat 7 and 8
// (winlog.*; 8 writes the event id as a string) and samdrift's own export
// of the event NXLog's shape became.

type evtxParts struct {
	system                              map[string]any
	data                                map[string]any // EventData (or UserData leaves)
	list                                []string       // EventData given as an unnamed list (classic PowerShell's Data)
	id                                  string
	channel, provider, computer, record string
}

func evtxOf(v map[string]any) (evtxParts, bool) {
	ev, ok := v["Event"].(map[string]any)
	if !ok {
		return evtxParts{}, false
	}
	sys, _ := ev["System"].(map[string]any)
	p := evtxParts{system: sys, data: map[string]any{}}
	p.id = scalarString(sys["EventID"])
	if m, ok := sys["EventID"].(map[string]any); ok {
		p.id = scalarString(m["#text"])
	}
	p.channel = scalarString(sys["Channel"])
	p.computer = scalarString(sys["Computer"])
	p.record = scalarString(sys["EventRecordID"])
	if pr, ok := sys["Provider"].(map[string]any); ok {
		if a, ok := pr["#attributes"].(map[string]any); ok {
			p.provider = scalarString(a["Name"])
		}
	}
	var leaves func(m map[string]any)
	leaves = func(m map[string]any) {
		for k, x := range m {
			switch x := x.(type) {
			case map[string]any:
				if t, ok := x["#text"]; ok {
					p.data[k] = scalarString(t)
				} else if k != "#attributes" {
					leaves(x)
				}
			case []any:
				for _, e := range x {
					if e != nil {
						p.list = append(p.list, scalarString(e))
					}
				}
			case nil:
			default:
				p.data[k] = scalarString(x)
			}
		}
	}
	for _, sect := range []string{"EventData", "UserData"} {
		if m, ok := ev[sect].(map[string]any); ok {
			leaves(m)
		}
	}
	return p, true
}

// message is what a shipper's rendering of the event holds: classic
// PowerShell's message carries its Data strings.
func (p evtxParts) message() string {
	if len(p.list) > 0 {
		return strings.Join(p.list, "\n")
	}
	return "Event " + p.id
}

func shapesOf(t *testing.T, v map[string]any) map[string][]byte {
	p, ok := evtxOf(v)
	if !ok {
		t.Fatalf("not an evtx_dump event: %.200v", v)
	}
	id, _ := strconv.Atoi(p.id)
	out := map[string][]byte{}
	// NXLog: its own fields first, the event data over them.
	nx := map[string]any{"EventTime": "2026-04-20 12:00:35", "Hostname": p.computer, "EventType": "INFO", "SeverityValue": 2,
		"Severity": "INFO", "EventID": id, "SourceName": p.provider, "RecordNumber": p.record, "Channel": p.channel,
		"Message": p.message(), "EventReceivedTime": "2026-04-20 12:00:36", "SourceModuleName": "eventlog", "SourceModuleType": "im_msvistalog"}
	for k, x := range p.data {
		nx[k] = x
	}
	out["nxlog"] = mustJSON(t, nx)
	data := map[string]any{}
	for k, x := range p.data {
		data[k] = x
	}
	for i, s := range p.list {
		data["param"+strconv.Itoa(i+1)] = s
	}
	out["winlogbeat6"] = mustJSON(t, map[string]any{"@timestamp": "2026-04-20T10:00:35.646Z", "event_id": id, "log_name": p.channel,
		"source_name": p.provider, "computer_name": p.computer, "record_number": p.record, "level": "Information",
		"event_data": data, "message": p.message(), "type": "wineventlog"})
	for _, v := range []string{"7", "8"} {
		var eid any = id
		if v == "8" {
			eid = p.id
		}
		out["winlogbeat"+v] = mustJSON(t, map[string]any{"@timestamp": "2026-04-20T10:00:35.646Z", "message": p.message(),
			"winlog": map[string]any{"channel": p.channel, "event_id": eid, "provider_name": p.provider, "computer_name": p.computer,
				"record_id": p.record, "event_data": data, "api": "wineventlog"},
			"event": map[string]any{"code": eid, "kind": "event", "provider": p.provider}, "host": map[string]any{"name": p.computer},
			"log": map[string]any{"level": "information"}})
	}
	ev := event.ParseJSON(out["nxlog"], testNow, "")
	out["samdrift-export"] = mustJSON(t, ev)
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWindowsShapesAgree: every SigmaHQ regression event, in every shape
// a shipper sends it, matches the same rules as the evtx_dump original —
// through the live path (the JSON parser, then the event adapter) and
// through sigma scan (FillJSON).
func TestWindowsShapesAgree(t *testing.T) {
	root := sharedSigma(t)
	set := loadTrees(t, root, "rules", "rules-emerging-threats", "rules-threat-hunting")
	e, _ := NewEngine(set.Rules, Options{})
	d := e.NewDoc()
	ids := func(ms []Match) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Rule.ID)
		}
		sort.Strings(out)
		return strings.Join(slices.Compact(out), " ")
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(root, "regression_data"), func(p string, de fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	events, matched, differ := 0, 0, map[string]int{}
	for _, f := range files {
		err := EachJSONEvent(f, func(v map[string]any) error {
			if _, ok := v["Event"]; !ok {
				return nil
			}
			events++
			d.Reset()
			FillEvtx(d, v)
			want := ids(e.Match(d, nil))
			if want != "" {
				matched++
			}
			for shape, b := range shapesOf(t, v) {
				ev := event.ParseJSON(b, testNow, "")
				d.Reset()
				FillEvent(d, &ev)
				live := ids(e.Match(d, nil))
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					return err
				}
				d.Reset()
				FillJSON(d, m)
				scan := ids(e.Match(d, nil))
				paths := map[string]string{"live": live, "scan": scan}
				if shape == "samdrift-export" {
					delete(paths, "live") // an export is read back by scan only
				}
				for path, got := range paths {
					if got != want {
						differ[shape+" "+path]++
						if differ[shape+" "+path] <= 3 {
							t.Errorf("%s (%s, %s path): rules %q; the evtx original matches %q", filepath.Base(filepath.Dir(f)), shape, path, got, want)
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d regression events (%d matching a rule) in 5 shapes, 2 paths each; disagreements %v", events, matched, differ)
	if events < 150 || matched < 150 {
		t.Errorf("only %d events, %d matching; want SigmaHQ's regression events", events, matched)
	}
	_ = fmt.Sprint
}

var testNow = time.Date(2026, 4, 20, 10, 0, 36, 0, time.UTC)
