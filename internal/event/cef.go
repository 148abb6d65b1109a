package event

import (
	"strings"
)

// parseCEF reads ArcSight Common Event Format:
// CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension
func parseCEF(e *Event, msg string) {
	parts := make([]string, 0, 8)
	var b strings.Builder
	rest := msg[len("CEF:"):]
	i := 0
	for ; i < len(rest) && len(parts) < 7; i++ {
		c := rest[i]
		switch {
		case c == '\\' && i+1 < len(rest) && (rest[i+1] == '|' || rest[i+1] == '\\'):
			b.WriteByte(rest[i+1])
			i++
		case c == '|':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	if len(parts) < 7 {
		e.ParseError = "CEF header has fewer than 8 fields"
		e.Raw = msg
		return
	}
	ext := rest[i:]
	e.Set("cef.version", parts[0])
	e.Set("observer.vendor", parts[1])
	e.Set("observer.product", parts[2])
	e.Set("observer.version", parts[3])
	e.Set("event.code", parts[4])
	e.Set("rule.name", parts[5])
	e.Set("event.severity", parts[6])
	e.Product = strings.ToLower(parts[1])
	e.Message = parts[5]
	applyKV(e, splitCEFExtension(ext))
}

// splitCEFExtension splits "k1=v with spaces k2=v2": a value runs until
// the next " key=" and may escape '=' and '\'.
func splitCEFExtension(s string) []Field {
	var out []Field
	s = strings.TrimSpace(s)
	for len(s) > 0 {
		eq := indexUnescaped(s, '=')
		if eq <= 0 {
			break
		}
		key := s[:eq]
		s = s[eq+1:]
		// The value ends before the last space preceding the next key=.
		end := len(s)
		for j := 0; j < len(s); j++ {
			if s[j] == '=' && (j == 0 || s[j-1] != '\\') {
				sp := strings.LastIndexByte(s[:j], ' ')
				if sp >= 0 {
					end = sp
				}
				break
			}
		}
		val := s[:end]
		if strings.IndexByte(val, '\\') >= 0 {
			val = cefUnescape.Replace(val)
		}
		if isKey(key) {
			out = append(out, Field{Key: key, Value: val})
		}
		if end == len(s) {
			break
		}
		s = s[end+1:]
	}
	return out
}

// cefUnescape undoes the escapes CEF extension values use.
var cefUnescape = strings.NewReplacer(`\=`, "=", `\\`, `\`, `\n`, "\n", `\r`, "\r")

func indexUnescaped(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c && (i == 0 || s[i-1] != '\\') {
			return i
		}
	}
	return -1
}

func isKey(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isKeyByte(s[i]) {
			return false
		}
	}
	return true
}
