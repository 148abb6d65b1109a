package eventstore

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
	"github.com/samdrift/samdrift/internal/store"
)

func TestParseQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, `*`},
		{`root`, `_:"root"`},
		{`user.name:root`, `user.name:"root"`},
		{`a b`, `(_:"a" AND _:"b")`},
		{`a AND b OR c`, `((_:"a" AND _:"b") OR _:"c")`},
		{`a OR b c`, `(_:"a" OR (_:"b" AND _:"c"))`},
		{`a AND (b OR c)`, `(_:"a" AND (_:"b" OR _:"c"))`},
		{`NOT a b`, `(NOT _:"a" AND _:"b")`},
		{`-user.name:root sshd`, `(NOT user.name:"root" AND _:"sshd")`},
		{`event.code:(4624 OR 4625)`, `(event.code:"4624" OR event.code:"4625")`},
		{`host.name:dc*`, `host.name:"dc*"`},
		{`host.name:dc\*`, `host.name:"dc*"`},
		{`"failed password" for`, `(_:"failed password" AND _:"for")`},
		{`msg:"a \"quoted\" b"`, `msg:"a \"quoted\" b"`},
		{`destination.port:[1 TO 1023]`, `destination.port:[1 TO 1023]`},
		{`destination.port:{1 TO *]`, `destination.port:{1 TO *]`},
		{`severity:<=4`, `severity:{* TO 4]`},
		{`severity:>3`, `severity:{3 TO *}`},
		{`process.command_line:*`, `process.command_line:*`},
		{`bytes:-5`, `bytes:"-5"`},
		{`path:C\:\\Windows`, `path:"C:\\Windows"`},
		{`københavn`, `_:"københavn"`},
		{`source.ip:fe80::1`, `source.ip:"fe80::1"`},
		{`@timestamp:>=2026-11-28T12:01:00Z`, `@timestamp:[2026-11-28T12:01:00Z TO *}`},
	} {
		n, err := parseQuery(c.in)
		if err != nil {
			t.Errorf("parse %q: %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("parse %q = %s; want %s", c.in, got, c.want)
		}
	}
}

func TestParseQueryWildcardEscape(t *testing.T) {
	n, err := parseQuery(`host.name:dc\*1`)
	if err != nil || n.wild || n.value != "dc*1" {
		t.Errorf(`an escaped star must be literal: %+v, %v`, n, err)
	}
	n, err = parseQuery(`host.name:dc*1`)
	if err != nil || !n.wild {
		t.Errorf(`an unescaped star is a wildcard: %+v, %v`, n, err)
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, c := range []struct {
		in  string
		pos string
	}{
		{`(a OR b`, "position 1"},
		{`a OR b)`, "position 7"},
		{`user.name:"root`, "position 11"},
		{`a AND`, "position 6"},
		{`OR a`, "position 1"},
		{`severity:[1 TO`, "position 10"},
		{`user.name:`, "position 11"},
		{`>5`, "position 1"},
		{`*`, "position 1"},
		{`h*st:x`, "position 1"},
		{`a:(b:c)`, "position 4"},
		{`x\`, "position 2"},
		{strings.Repeat("a ", MaxQueryTerms+1), "position"},
	} {
		_, err := parseQuery(c.in)
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.pos) {
			t.Errorf("parse %q = %v; want EINVALID at %s", c.in, err, c.pos)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`severity:abc`, `"abc" is not a number`},
		{`host.name:[a TO b]`, "ranges need a number"},
		{`destination.port:[a TO 5]`, `"a" is not a number`},
		{`@timestamp:>yesterday`, "is not a time"},
		{`severity:4*`, "wildcards do not apply"},
	} {
		s := &Store{}
		err := s.CheckQuery(c.in)
		if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "position") {
			t.Errorf("compile %q = %v; want EINVALID with %q and a position", c.in, err, c.want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`a AND (b OR c)`, `x:[1 TO 2]`, `"q\"x"`, `-a:b*`, `a:(b OR c)`, `@timestamp:>=2026-11-29`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := parseQuery(q)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("parse %q: an error that is not EINVALID: %v", q, err)
			}
			return
		}
		// What parses, compiles or fails with a user error, never a panic.
		if n != nil {
			c := compiler{a: &store.Args{}, like: "LIKE"}
			if _, err := c.cond(n); err != nil && errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("compile %q: %v", q, err)
			}
		}
	})
}
