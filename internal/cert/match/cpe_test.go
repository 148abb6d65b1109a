package match

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

func TestParseCPE(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*", "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*"},
		{"CPE:2.3:A:Microsoft:Exchange_Server:2019:CU12:*:*:*:*:*:*", "cpe:2.3:a:microsoft:exchange_server:2019:cu12:*:*:*:*:*:*"},
		{"  cpe:2.3:o:linux:linux_kernel:6.1:-:*:*:*:*:*:*\n", "cpe:2.3:o:linux:linux_kernel:6.1:-:*:*:*:*:*:*"},
		{`cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*`, `cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*`},
		{`cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*`, `cpe:2.3:a:foo\\bar:big\$money:2010:*:*:*:special:ipod_touch:80gb:*`},
		{`cpe:2.3:a:foo:bar\:baz:1.0:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar\:baz:1.0:*:*:*:*:*:*:*`},
		{`cpe:2.3:a:foo:bar:1\.0\_1\-2:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar:1.0_1-2:*:*:*:*:*:*:*`}, // needless escapes dropped
		{`cpe:2.3:a:foo:bar:\-:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar:\-:*:*:*:*:*:*:*`},              // a literal hyphen is not NA
		{`cpe:2.3:a:foo:bar!:1.0:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar\!:1.0:*:*:*:*:*:*:*`},         // bare punctuation is escaped
		{`cpe:2.3:a:foo:bar:2.4.*:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar:2.4.*:*:*:*:*:*:*:*`},
		{`cpe:2.3:a:foo:*bar:??.4:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:*bar:??.4:*:*:*:*:*:*:*`},
		{`cpe:2.3:a:foo:bar:2\*:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar:2\*:*:*:*:*:*:*:*`}, // an escaped star is a literal
		{`cpe:2.3:a:foo:b\*a\?r:1:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:b\*a\?r:1:*:*:*:*:*:*:*`},
		{`cpe:2.3:*:*:*:*:*:*:*:*:*:*:*`, `cpe:2.3:*:*:*:*:*:*:*:*:*:*:*`},
		// CPE 2.2 URIs.
		{"cpe:/a:microsoft:internet_explorer:8.0.6001:beta", "cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*"},
		{"cpe:/o:microsoft:windows_xp::sp2:pro", "cpe:2.3:o:microsoft:windows_xp:*:sp2:pro:*:*:*:*:*"},
		{"cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~", "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*"},
		{"cpe:/a:foo%5cbar:big%24money_manager_2010:::~~special~ipod_touch~80gb~", `cpe:2.3:a:foo\\bar:big\$money_manager_2010:*:*:*:*:special:ipod_touch:80gb:*`},
		{"cpe:/a:apache:http_server:-", "cpe:2.3:a:apache:http_server:-:*:*:*:*:*:*:*"},
		{"cpe:/a:foo:bar:1.%02", "cpe:2.3:a:foo:bar:1.*:*:*:*:*:*:*:*"},
		{"cpe:/a:foo:bar:%01.4", "cpe:2.3:a:foo:bar:?.4:*:*:*:*:*:*:*"},
		{"cpe:/a:foo:bar:1.0:%2d", `cpe:2.3:a:foo:bar:1.0:\-:*:*:*:*:*:*`},
		{"cpe:/a:foo:bar:1.0:::EN-us", "cpe:2.3:a:foo:bar:1.0:*:*:en-us:*:*:*:*"},
		{"cpe:/A", "cpe:2.3:a:*:*:*:*:*:*:*:*:*:*"},
		{"cpe:/", "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		c, err := ParseCPE(tt.in)
		if err != nil {
			t.Errorf("ParseCPE(%q): %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.want {
			t.Errorf("ParseCPE(%q).String() = %q; want %q", tt.in, got, tt.want)
		}
		again, err := ParseCPE(c.String())
		if err != nil || again != c {
			t.Errorf("ParseCPE(%q) = %v, %v; want the round trip to give %v", c.String(), again, err, c)
		}
	}
}

func TestCPEAccessors(t *testing.T) {
	c := MustParseCPE(`cpe:2.3:a:microsoft:exchange_server:2019:cu12:*:*:*:*:x64:*`)
	got := []string{c.Part(), c.Vendor(), c.Product(), c.Version(), c.Value(AttrUpdate), c.Value(AttrTargetHW), c.Value(AttrOther), c.Value(Attribute(42))}
	want := []string{"a", "microsoft", "exchange_server", "2019", "cu12", "x64", "*", "*"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("accessors = %q; want %q", got, want)
	}
	if c.IsZero() || !(CPE{}).IsZero() {
		t.Errorf("IsZero wrong: %v for %v, %v for the zero CPE", c.IsZero(), c, (CPE{}).IsZero())
	}
	if got := (CPE{}).String(); got != "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*" {
		t.Errorf("CPE{}.String() = %q; want all ANY", got)
	}
}

func TestParseCPEErrors(t *testing.T) {
	tests := []string{
		"",
		"cpe:2.2:a:foo:bar:1.0:*:*:*:*:*:*:*",
		"cpe:a:foo:bar",
		"pkg:npm/foo",
		"cpe:2.3:a:foo:bar",                        // too few components
		"cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*",        // 10
		"cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*:*",    // 12
		"cpe:2.3:x:foo:bar:1.0:*:*:*:*:*:*:*",      // bad part
		"cpe:2.3:-:foo:bar:1.0:*:*:*:*:*:*:*",      // NA part
		"cpe:2.3:a::bar:1.0:*:*:*:*:*:*:*",         // empty component
		`cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*\`,     // dangling escape
		"cpe:2.3:a:foo:bar:1.*.3:*:*:*:*:*:*:*",    // wildcard inside
		"cpe:2.3:a:foo:bar:1?2:*:*:*:*:*:*:*",      // wildcard inside
		"cpe:2.3:a:foo:bar:**:*:*:*:*:*:*:*",       // two stars
		"cpe:2.3:a:foo:bar:*?1:*:*:*:*:*:*:*",      // mixed run
		"cpe:2.3:a:foo:bar:1.0 beta:*:*:*:*:*:*:*", // space
		"cpe:2.3:a:foo:bär:1.0:*:*:*:*:*:*:*",      // not ASCII
		"cpe:/x:foo:bar",
		"cpe:/a:b:c:d:e:f:g:h", // 8 components
		"cpe:/a:b:c:d:e:~x~y",  // packed edition with 2 parts
		"cpe:/a:foo:bar:1.%zz",
		"cpe:/a:foo:bar:1.%0",
		"cpe:/a:foo:bar:1.%0a",
		"cpe:/a:foo:b%01r",
		"cpe:2.3:" + strings.Repeat("a", 3000),
	}
	for _, in := range tests {
		c, err := ParseCPE(in)
		if err == nil {
			t.Errorf("ParseCPE(%q) = %v; want an error", in, c)
			continue
		}
		if e := errs.As(err); e == nil || e.Code != errs.Invalid || e.Field != "cpe" {
			t.Errorf("ParseCPE(%q) error = %v; want errs.Invalid on field cpe", in, err)
		}
	}
}

func TestCPEMatches(t *testing.T) {
	const (
		exch = "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*"
	)
	tests := []struct {
		name, src, tgt string
		want           bool
	}{
		{"equal", exch, exch, true},
		{"all ANY matches anything", "cpe:2.3:*:*:*:*:*:*:*:*:*:*:*", exch, true},
		{"ANY version", "cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*", exch, true},
		{"case-insensitive", "cpe:2.3:a:Microsoft:Exchange_Server:2019:*:*:*:*:*:*:*", exch, true},
		{"other vendor", "cpe:2.3:a:apple:exchange_server:*:*:*:*:*:*:*:*", exch, false},
		{"other part", "cpe:2.3:o:microsoft:exchange_server:*:*:*:*:*:*:*:*", exch, false},
		{"value does not match ANY target", "cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*", "cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*", false},
		{"version 1.2 is 1.2.0", "cpe:2.3:a:foo:bar:1.2:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.2.0:*:*:*:*:*:*:*", true},
		{"other version", "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*", false},
		{"NA matches NA", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", true},
		{"NA does not match a value", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:sp1:*:*:*:*:*:*", false},
		{"NA does not match ANY", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*", false},
		{"value does not match NA", "cpe:2.3:a:foo:bar:1.0:sp1:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", false},
		{"ANY matches NA", "cpe:2.3:a:foo:bar:1.0:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", true},
		{"literal hyphen is not NA", `cpe:2.3:a:foo:bar:1.0:\-:*:*:*:*:*:*`, "cpe:2.3:a:foo:bar:1.0:-:*:*:*:*:*:*", false},
		{"trailing star", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", true},
		{"trailing star, empty rest", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.:*:*:*:*:*:*:*", true},
		{"trailing star, other prefix", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.5.1:*:*:*:*:*:*:*", false},
		{"leading star", "cpe:2.3:a:microsoft:*server:*:*:*:*:*:*:*:*", exch, true},
		{"both stars", "cpe:2.3:a:microsoft:*change*:*:*:*:*:*:*:*:*", exch, true},
		{"both stars, absent", "cpe:2.3:a:microsoft:*sql*:*:*:*:*:*:*:*:*", exch, false},
		{"leading ?", "cpe:2.3:a:foo:bar:?.4:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:2.4:*:*:*:*:*:*:*", true},
		{"leading ? is one character", "cpe:2.3:a:foo:bar:?.4:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:12.4:*:*:*:*:*:*:*", false},
		{"leading ? is not zero characters", "cpe:2.3:a:foo:bar:?.4:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:.4:*:*:*:*:*:*:*", false},
		{"no star, no extra characters", "cpe:2.3:a:foo:bar:?.4:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:2.45:*:*:*:*:*:*:*", false},
		{"trailing ??", "cpe:2.3:a:foo:bar:2.4.??:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:2.4.57:*:*:*:*:*:*:*", true},
		{"trailing ??, too short", "cpe:2.3:a:foo:bar:2.4.??:*:*:*:*:*:*:*", "cpe:2.3:a:foo:bar:2.4.5:*:*:*:*:*:*:*", false},
		{"star then ?", "cpe:2.3:a:foo:*ba?:1:*:*:*:*:*:*:*", "cpe:2.3:a:foo:foobar:1:*:*:*:*:*:*:*", true},
		{"star then ?, too short", "cpe:2.3:a:foo:*bar?:1:*:*:*:*:*:*:*", "cpe:2.3:a:foo:foobar:1:*:*:*:*:*:*:*", false},
		{"wildcard in target matches nothing", "cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", false},
		{"pattern against pattern", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*", false},
		{"escaped star is literal", `cpe:2.3:a:foo:bar:2\*:*:*:*:*:*:*:*`, "cpe:2.3:a:foo:bar:2x:*:*:*:*:*:*:*", false},
		{"escaped star equals escaped star", `cpe:2.3:a:foo:bar:2\*:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:bar:2\*:*:*:*:*:*:*:*`, true},
		{"escapes with wildcard", `cpe:2.3:a:foo:big\$*:1:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:big\$money:1:*:*:*:*:*:*:*`, true},
		{"escape counts one character", `cpe:2.3:a:foo:?\$money:1:*:*:*:*:*:*:*`, `cpe:2.3:a:foo:b\$money:1:*:*:*:*:*:*:*`, true},
		{"2.2 URI against 2.3", "cpe:/a:microsoft:exchange_server:2019", exch, true},
	}
	for _, tt := range tests {
		src, tgt := MustParseCPE(tt.src), MustParseCPE(tt.tgt)
		if got := src.Matches(tgt); got != tt.want {
			t.Errorf("%s: ParseCPE(%q).Matches(%q) = %v; want %v", tt.name, tt.src, tt.tgt, got, tt.want)
		}
	}
}

func TestMustParseCPEPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParseCPE(\"nope\") did not panic")
		}
	}()
	MustParseCPE("nope")
}
