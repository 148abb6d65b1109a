package event

import (
	"strconv"
	"strings"
	"time"
)

// ParseJSON makes an event from one JSON object: Winlogbeat and Filebeat
// documents (ECS already), NXLog Windows events (flat, EventID/Hostname/
// Channel), or any JSON log line ("message", "@timestamp", "host", …).
// Invalid JSON is kept raw with a parse error.
func ParseJSON(data []byte, received time.Time, sourceIP string) Event {
	e := Event{Received: received, Time: received, SourceIP: sourceIP, Severity: -1, Facility: -1, Format: FormatJSON}
	if err := mergeJSON(&e, data); err != nil {
		e.Format, e.Raw, e.Message = FormatRaw, string(data), string(data)
		e.ParseError = "not a JSON object: " + err.Error()
	}
	return e
}

// maxFields bounds how many fields one event may have (work per event
// stays bounded whatever a sender sends).
const maxFields = 512

// maxDepth bounds JSON nesting; deeper documents are kept raw.
const maxDepth = 64

// mergeJSON flattens a JSON object into e's fields (dotted keys) and maps
// the well-known shapes to ECS names.
func mergeJSON(e *Event, data []byte) error {
	flat := make([]Field, 0, 32)
	if err := flattenJSON(string(data), &flat); err != nil {
		return err
	}
	if len(flat) > maxFields {
		flat = flat[:maxFields]
		e.ParseError = "more than 512 fields; the rest are kept in raw only"
		e.Raw = string(data)
	}
	// Windows events from NXLog (flat: EventID, Channel, the event data at
	// the top level) and Winlogbeat 6 (event_id, log_name, event_data) get
	// the winlog.* names Winlogbeat 7 and 8 already use, so that every
	// shipper's events are presented to rules alike.
	nxlog, beat6 := false, false
	for _, f := range flat {
		switch f.Key {
		case "EventID":
			nxlog = true
		case "log_name":
			beat6 = true
		}
	}
	for i, f := range flat {
		key := f.Key
		switch {
		case nxlog && key == "EventType" && !nxlogEventType(f.Value):
			// Sysmon's registry events carry an EventType (CreateKey,
			// DeleteKey, SetValue…) that NXLog's own field gives way to.
			key = "winlog.event_data.EventType"
		case nxlog:
			key = nxlogKey(key)
		case beat6:
			key = beat6Key(key)
		}
		// The values of one array come one after another under one key:
		// they are all kept (a multi-valued field), where a key set
		// again elsewhere replaces the value.
		if i > 0 && flat[i-1].Key == f.Key && f.Value != "" {
			switch key {
			case "@timestamp", "timestamp", "time", "EventTime", "event.created", "message", "msg", "Message",
				"host", "hostname", "host.name", "host.hostname", "level", "log.level", "severity":
			default:
				e.Fields = append(e.Fields, Field{Key: key, Value: f.Value})
				continue
			}
		}
		switch key {
		case "@timestamp", "timestamp", "time", "EventTime", "event.created":
			if t, ok := parseTime(f.Value); ok {
				e.Time = t
			}
			continue
		case "message", "msg", "Message":
			if e.Message == "" || strings.HasPrefix(strings.TrimSpace(e.Message), "{") {
				e.Message = f.Value
			}
			continue
		case "host", "hostname", "host.name", "host.hostname":
			e.Host = f.Value
			e.Set("host.name", f.Value)
			continue
		case "level", "log.level", "severity":
			if s, ok := severityOf(f.Value); ok {
				e.Severity = s
			}
		}
		e.Set(key, f.Value)
	}
	if code := e.Get("winlog.event_id"); code != "" {
		e.Product = "windows"
		e.SetDefault("event.code", code)
		windowsECS(e)
	}
	return nil
}

// nxlogKey maps NXLog's Windows field names to Winlogbeat/ECS ones.
func nxlogKey(k string) string {
	switch k {
	case "EventID":
		return "winlog.event_id"
	case "Channel":
		return "winlog.channel"
	case "SourceName", "ProviderName":
		return "winlog.provider_name"
	case "Hostname":
		return "host.name"
	case "EventTime", "Message":
		return k
	case "RecordNumber":
		return "winlog.record_id"
	case "SeverityValue", "Severity", "EventType", "EventReceivedTime", "SourceModuleName", "SourceModuleType", "Keywords",
		"Opcode", "OpcodeValue", "Task", "Version", "ThreadID", "ExecutionProcessID", "Category", "ProviderGuid", "ActivityID":
		return "winlog." + strings.ToLower(k[:1]) + k[1:]
	}
	if strings.Contains(k, ".") {
		return k
	}
	return "winlog.event_data." + k
}

// nxlogEventType reports whether v is one of the values NXLog gives its
// own EventType field (rather than an event's data named EventType).
func nxlogEventType(v string) bool {
	switch v {
	case "", "INFO", "WARNING", "ERROR", "CRITICAL", "VERBOSE", "DEBUG", "AUDIT_SUCCESS", "AUDIT_FAILURE":
		return true
	}
	return false
}

// beat6Key maps Winlogbeat 6's names to Winlogbeat 7's.
func beat6Key(k string) string {
	switch k {
	case "event_id":
		return "winlog.event_id"
	case "log_name":
		return "winlog.channel"
	case "source_name":
		return "winlog.provider_name"
	case "computer_name":
		return "winlog.computer_name"
	case "record_number":
		return "winlog.record_id"
	case "task", "opcode", "provider_guid", "process_id", "thread_id", "keywords", "version":
		return "winlog." + k
	}
	if rest, ok := strings.CutPrefix(k, "event_data."); ok {
		return "winlog.event_data." + rest
	}
	if rest, ok := strings.CutPrefix(k, "user_data."); ok {
		return "winlog.user_data." + rest
	}
	return k
}

// windowsECS fills ECS fields from Windows event data (Security 4688/4624,
// Sysmon 1 and the like) and the names every shipper's events share: the
// computer, and classic PowerShell's Data (Winlogbeat gives it as param1…,
// NXLog only inside the message).
func windowsECS(e *Event) {
	if e.Get("winlog.computer_name") == "" {
		e.Set("winlog.computer_name", e.Get("host.name"))
	}
	if e.Get("winlog.channel") == "Windows PowerShell" && !e.Has("winlog.event_data.Data") {
		var params []string
		for i := 1; ; i++ {
			v := e.Get("winlog.event_data.param" + strconv.Itoa(i))
			if v == "" {
				break
			}
			params = append(params, v)
		}
		if len(params) == 0 && e.Message != "" {
			params = []string{e.Message}
		}
		for _, v := range params {
			e.Fields = append(e.Fields, Field{Key: "winlog.event_data.Data", Value: v})
		}
	}
	d := func(k string) string { return e.Get("winlog.event_data." + k) }
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := d(k); v != "" {
				return v
			}
		}
		return ""
	}
	e.SetDefault("process.command_line", d("CommandLine"))
	e.SetDefault("process.executable", first("Image", "NewProcessName"))
	e.SetDefault("process.parent.executable", first("ParentImage", "ParentProcessName"))
	e.SetDefault("process.parent.command_line", d("ParentCommandLine"))
	e.SetDefault("user.name", first("TargetUserName", "User", "SubjectUserName"))
	e.SetDefault("user.domain", first("TargetDomainName", "SubjectDomainName"))
	e.SetDefault("source.ip", first("IpAddress", "SourceIp"))
	e.SetDefault("winlog.logon.type", d("LogonType"))
	if e.Host == "" {
		if h := e.Get("winlog.computer_name"); h != "" {
			e.Host = h
			e.SetDefault("host.name", h)
		}
	}
}

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, Copenhagen); err == nil {
			return t.UTC(), true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 1e9 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

// severityOf maps level words and syslog numbers to a syslog severity.
func severityOf(s string) (int, bool) {
	switch strings.ToLower(s) {
	case "emerg", "emergency", "panic":
		return 0, true
	case "alert":
		return 1, true
	case "crit", "critical", "fatal":
		return 2, true
	case "err", "error":
		return 3, true
	case "warn", "warning":
		return 4, true
	case "notice":
		return 5, true
	case "info", "information", "informational":
		return 6, true
	case "debug", "trace":
		return 7, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return n, true
	}
	return 0, false
}
