package eventstore

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
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
