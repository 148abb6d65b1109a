package sigma

import (
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/event"
)

// windowsNames maps the winlog.* fields samdrift's JSON parser gives
// Windows events to the names Sigma's Windows rules use.
var windowsNames = map[string]string{
	"winlog.event_id":      "EventID",
	"winlog.channel":       "Channel",
	"winlog.provider_name": "Provider_Name",
	"winlog.computer_name": "Computer",
	"winlog.record_id":     "EventRecordID",
	"winlog.task":          "Task",
	"winlog.opcode":        "Opcode",
	"winlog.level":         "Level",
}

const eventDataPrefix = "winlog.event_data."

// FillEvent presents a samdrift event to rules: every field under its ECS
// name, the envelope as message, host.name, source.ip and the routing
// pseudo-fields (_format, _product, _app, _facility), and for Windows
// events the event data under Sigma's Windows names too. Keyword searches
// look through the message (the raw text when it could not be parsed)
// and, for Windows events, the event data values.
func FillEvent(d *Doc, e *event.Event) {
	d.Time = e.Time
	d.Set("_format", e.Format)
	if e.Product != "" {
		d.Set("_product", e.Product)
	}
	if e.App != "" {
		d.Set("_app", e.App)
	}
	if e.Facility >= 0 && d.Reads("_facility") {
		d.Set("_facility", strconv.Itoa(e.Facility))
	}
	if e.Message != "" {
		d.Set("message", e.Message)
		d.AddKeyword(e.Message)
	}
	if e.ParseError != "" && e.Raw != "" && e.Raw != e.Message {
		d.AddKeyword(e.Raw)
	}
	if e.Host != "" {
		d.Set("host.name", e.Host)
	}
	if e.SourceIP != "" {
		d.Set("log.source.address", e.SourceIP)
	}
	for _, f := range e.Fields {
		d.Set(f.Key, f.Value)
		if strings.HasPrefix(f.Key, "winlog.") {
			if name, ok := strings.CutPrefix(f.Key, eventDataPrefix); ok {
				setData(d, name, f.Value)
			} else if name, ok := windowsNames[f.Key]; ok {
				d.Set(name, f.Value)
			}
		}
	}
}
