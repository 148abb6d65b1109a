package eventstore

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/event"
)

// logsqlOutside returns a compiled filter with every quoted string taken
// out (what is left is samdrift's own structure), or ok false when a
// quote does not close.
func logsqlOutside(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '"' {
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return "", false
			}
			b.WriteString(`""`)
			i += len(q)
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), true
}

// logsqlStructure is everything the compiler writes outside quotes:
// quoted field names, operators, numbers and times.
var logsqlStructure = regexp.MustCompile(`^(?:""|[ ()\[\],:~*<>=]|AND|OR|NOT|range|-?inf|_time|[0-9TZ.:+eE-]+)*$`)

// FuzzCompileLogsQL: whatever a user types, the LogsQL filter is made of
// samdrift's own structure with the user's text only inside quoted
// strings (no pipe, no other filter, nothing of another tenant can be
// written), and every quoted regular expression compiles.
func FuzzCompileLogsQL(f *testing.F) {
	for _, s := range []string{`a AND (b OR c)`, `x:[1 TO 2]`, `"q\"x"`, `-a:b*`, `a:(b OR c)`, `@timestamp:>=2026-11-29`, `* | delete`,
		`"x) OR (*"`, `user.name:"a\" OR \"b"`, `tenant:[1 TO 5]`, `_time:*`, `severity:{2 TO 5.5}`, `message:*gi0/1*`, "\"\\u00e6\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		out, err := compileLogsQL(q, 1001, func(string) int { return 2 })
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("compile %q: an error that is not EINVALID: %v", q, err)
			}
			return
		}
		rest, ok := logsqlOutside(out)
		if !ok || !logsqlStructure.MatchString(rest) {
			t.Fatalf("%q compiled to %q: outside quotes %q is not samdrift's structure", q, out, rest)
		}
		for _, m := range regexp.MustCompile(`:~("(?:[^"\\]|\\.)*")`).FindAllStringSubmatch(out, -1) {
			re, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%q: %s does not unquote: %v", q, m[1], err)
			}
			if _, err := regexp.Compile(re); err != nil {
				t.Fatalf("%q: regular expression %q does not compile: %v", q, re, err)
			}
		}
	})
}

// FuzzAppendDoc: every event is written as one line of valid JSON that
// reads back as the same strings.
func FuzzAppendDoc(f *testing.F) {
	f.Add("msg", "host", "key", "value")
	f.Add("a\x00b\"c\\\n\t\xff", "h\u2028", "k.ey[1]", "v\x1f")
	f.Fuzz(func(t *testing.T, msg, host, key, value string) {
		e := event.Event{ID: "x", Message: msg, Host: host, Fields: []event.Field{{Key: key, Value: value}, {Key: key, Value: value + "2"}}}
		line := appendDoc(nil, e)
		var got map[string]string
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("%q is not JSON: %v", line, err)
		}
		if !utf8.ValidString(msg) || !utf8.ValidString(host) || !utf8.ValidString(key) || !utf8.ValidString(value) {
			return // invalid UTF-8 becomes U+FFFD
		}
		if got["_msg"] != msg || got[vlColumns["host"]] != host {
			t.Fatalf("read back %q/%q; want %q/%q", got["_msg"], got[vlColumns["host"]], msg, host)
		}
		// An event's key never lands on a column of ours (vlFieldName
		// moves those aside), and its second value is key[1].
		if got[vlFieldName(key, 0)] != value || got[vlFieldName(key, 1)] != value+"2" {
			t.Fatalf("field %q read back as %q, %q; want %q, %q", key, got[vlFieldName(key, 0)], got[vlFieldName(key, 1)], value, value+"2")
		}
	})
}

// FuzzVLFieldName: every event field key and index is written under a
// name that reads back as that key and index, and never as one of
// samdrift's columns.
func FuzzVLFieldName(f *testing.F) {
	for _, k := range []string{"user.name", "a[1]", "sd.host", "_msg", "sd.k.x[2]", "x]", "[0]", ""} {
		f.Add(k, uint8(0))
		f.Add(k, uint8(3))
	}
	f.Fuzz(func(t *testing.T, key string, i uint8) {
		name := vlFieldName(key, int(i))
		got, gi, ok := vlParseName(name)
		if !ok || got != key || gi != int(i) {
			t.Fatalf("key %q value %d is kept as %q, which reads back as %q %d (%v)", key, i, name, got, gi, ok)
		}
		for _, col := range vlColumns {
			if name == col {
				t.Fatalf("key %q is kept as samdrift's column %q", key, col)
			}
		}
	})
}
