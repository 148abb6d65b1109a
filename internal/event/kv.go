package event

import (
	"strings"
)

// splitKV splits "a=1 b="two words" c=3" into pairs. Keys are letters,
// digits, '_', '-' and '.'; a value is quoted or runs to the next space.
// Text that is not a pair is skipped.
func splitKV(s string) []Field {
	// One allocation for most messages: at most one pair per '=' (growing
	// the slice was a third of growslice's time at full load); no more
	// than 64 ahead, whatever a sender puts in a message.
	var out []Field
	if n := strings.Count(s, "="); n > 0 {
		out = make([]Field, 0, min(n, 64))
	}
	i := 0
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		k := i
		for i < len(s) && isKeyByte(s[i]) {
			i++
		}
		if i == k || i >= len(s) || s[i] != '=' {
			for i < len(s) && s[i] != ' ' { // not a pair: skip the word
				i++
			}
			continue
		}
		key := s[k:i]
		i++ // '='
		var val string
		if i < len(s) && s[i] == '"' {
			i++
			v := i
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				i++
			}
			val = strings.ReplaceAll(s[v:min(i, len(s))], `\"`, `"`)
			i++
		} else {
			v := i
			for i < len(s) && s[i] != ' ' {
				i++
			}
			val = s[v:i]
		}
		out = append(out, Field{Key: key, Value: val})
	}
	return out
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// kvECS maps the key names firewalls and network gear use (Fortinet,
// Palo Alto, Check Point, Cisco, CEF extensions) to ECS names.
var kvECS = map[string]string{
	"src": "source.ip", "srcip": "source.ip", "src_ip": "source.ip", "saddr": "source.ip",
	"dst": "destination.ip", "dstip": "destination.ip", "dst_ip": "destination.ip", "daddr": "destination.ip",
	"spt": "source.port", "srcport": "source.port", "src_port": "source.port", "sport": "source.port",
	"dpt": "destination.port", "dstport": "destination.port", "dst_port": "destination.port", "dport": "destination.port",
	"act": "event.action", "action": "event.action",
	"proto": "network.transport", "protocol": "network.transport",
	"user": "user.name", "usrName": "user.name", "suser": "source.user.name", "duser": "destination.user.name", "srcuser": "source.user.name",
	"devname": "observer.name", "dvchost": "observer.hostname", "devid": "observer.serial_number",
	"msg": "message.detail", "reason": "event.reason", "policyid": "rule.id", "policyname": "rule.name", "rule": "rule.name",
	"service": "network.application", "app": "network.application", "sentbyte": "source.bytes", "rcvdbyte": "destination.bytes",
	"in": "source.bytes", "out": "destination.bytes", "fname": "file.name", "filePath": "file.path", "request": "url.original",
	"requestMethod": "http.request.method", "shost": "source.domain", "dhost": "destination.domain", "cs1": "labels.cs1",
	"type": "event.type", "subtype": "event.subtype", "level": "log.level", "logid": "event.code",
}

// transports names IP protocol numbers.
var transports = map[string]string{"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp"}

// applyKV stores key=value pairs under ECS names where known and under
// "labels.<key>" otherwise.
func applyKV(e *Event, kv []Field) {
	if len(kv) > maxFields {
		kv = kv[:maxFields]
		e.ParseError = "more than 512 fields; the rest are kept in raw only"
		e.Raw = e.Message
	}
	for _, f := range kv {
		if ecs, ok := kvECS[f.Key]; ok {
			v := f.Value
			if ecs == "network.transport" {
				if t, ok := transports[v]; ok {
					v = t
				} else {
					v = strings.ToLower(v)
				}
			}
			e.Set(ecs, v)
			continue
		}
		e.Set("labels."+f.Key, f.Value)
	}
	if e.Product == "" {
		switch {
		case e.Has("observer.serial_number") && strings.HasPrefix(e.Get("observer.serial_number"), "FG"):
			e.Product = "fortinet"
		case e.Has("observer.name") || e.Has("rule.id"):
			e.Product = "firewall"
		}
	}
}
