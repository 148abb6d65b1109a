package sigma

import (
	"strings"
	"testing"
)

// ruleYAML wraps a detection in a minimal rule.
func ruleYAML(detection string) string {
	return "title: t\nid: 11111111-1111-1111-1111-111111111111\nlogsource: {product: test}\nlevel: high\ndetection:\n" + indent(detection) + "\n"
}

func indent(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n")
}

// unrouted builds an engine without routing (every rule sees every event).
func unrouted(t *testing.T, src string, placeholders map[string][]string) (*Engine, []error) {
	t.Helper()
	docs, perrs := ParseFile("test.yml", []byte(src))
	if len(perrs) > 0 {
		return nil, perrs
	}
	var rules []*Rule
	for _, d := range docs {
		if d.Rule != nil {
			rules = append(rules, d.Rule)
		}
	}
	return NewEngine(rules, Options{Pipelines: []*Pipeline{}, Placeholders: placeholders})
}

func matches(e *Engine, ev map[string]string, keywords ...string) bool {
	d := e.NewDoc()
	d.Reset()
	for k, v := range ev {
		d.Set(k, v)
	}
	for _, k := range keywords {
		d.AddKeyword(k)
	}
	return len(e.Match(d, nil)) > 0
}

func TestValueSemantics(t *testing.T) {
	cases := []struct {
		name, det string
		ev        map[string]string
		kw        []string
		want      bool
	}{
		{"equal ignores case", `sel: {Image: 'C:\Windows\System32\CMD.exe'}` + "\ncondition: sel", map[string]string{"Image": `c:\windows\system32\cmd.exe`}, nil, true},
		{"equal is whole value", `sel: {Image: 'cmd.exe'}` + "\ncondition: sel", map[string]string{"Image": `c:\cmd.exe`}, nil, false},
		{"kelvin sign folds to k", `sel: {CommandLine|contains: 'kerberos::list'}` + "\ncondition: sel", map[string]string{"CommandLine": "mimikatz \u212Aerberos::list"}, nil, true},
		{"long s folds to s", `sel: {CommandLine|contains: 'sekurlsa'}` + "\ncondition: sel", map[string]string{"CommandLine": "mimikatz \u017Fekurl\u017Fa::logonpasswords"}, nil, true},
		{"non-ASCII letters fold", `sel: {User|contains: 'ÆBLE'}` + "\ncondition: sel", map[string]string{"User": "æblegrød"}, nil, true},
		{"cased compares exactly", `sel: {Image|cased: 'CMD.exe'}` + "\ncondition: sel", map[string]string{"Image": "cmd.exe"}, nil, false},
		{"cased equal", `sel: {Image|cased: 'CMD.exe'}` + "\ncondition: sel", map[string]string{"Image": "CMD.exe"}, nil, true},
		{"star wildcard", `sel: {Image: 'C:\\*\cmd.exe'}` + "\ncondition: sel", map[string]string{"Image": `C:\Windows\System32\cmd.exe`}, nil, true},
		{"backslash-star is a literal star", `sel: {Image: 'C:\*\cmd.exe'}` + "\ncondition: sel", map[string]string{"Image": `C:\Windows\System32\cmd.exe`}, nil, false},
		{"question wildcard is one char", `sel: {Name: 'ab?d'}` + "\ncondition: sel", map[string]string{"Name": "abXd"}, nil, true},
		{"question wildcard not two", `sel: {Name: 'ab?d'}` + "\ncondition: sel", map[string]string{"Name": "abXYd"}, nil, false},
		{"question wildcard is one rune", `sel: {Name: 'ab?d'}` + "\ncondition: sel", map[string]string{"Name": "abød"}, nil, true},
		{"escaped star is literal", `sel: {Name: 'a\*b'}` + "\ncondition: sel", map[string]string{"Name": "a*b"}, nil, true},
		{"escaped star does not glob", `sel: {Name: 'a\*b'}` + "\ncondition: sel", map[string]string{"Name": "axxb"}, nil, false},
		{"double backslash is one", `sel: {Name: 'a\\b'}` + "\ncondition: sel", map[string]string{"Name": `a\b`}, nil, true},
		{"glob middle parts in order", `sel: {Name: 'a*b*c'}` + "\ncondition: sel", map[string]string{"Name": "a-c-b"}, nil, false},
		{"list is OR", `sel: {Image|endswith: ['\a.exe', '\b.exe']}` + "\ncondition: sel", map[string]string{"Image": `c:\b.exe`}, nil, true},
		{"map is AND", `sel: {A: x, B: y}` + "\ncondition: sel", map[string]string{"A": "x", "B": "z"}, nil, false},
		{"list of maps is OR", "sel:\n  - {A: x}\n  - {B: y}\ncondition: sel", map[string]string{"B": "y"}, nil, true},
		{"contains all", `sel: {CommandLine|contains|all: [' -enc ', 'hidden']}` + "\ncondition: sel", map[string]string{"CommandLine": "powershell -w hidden -enc AAA"}, nil, true},
		{"contains all misses one", `sel: {CommandLine|contains|all: [' -enc ', 'hidden']}` + "\ncondition: sel", map[string]string{"CommandLine": "powershell -enc AAA"}, nil, false},
		{"startswith", `sel: {Path|startswith: 'C:\Users\'}` + "\ncondition: sel", map[string]string{"Path": `c:\users\x`}, nil, true},
		{"null matches absent", `sel: {Parent: null}` + "\ncondition: sel", map[string]string{"Other": "1"}, nil, true},
		{"null matches empty", `sel: {Parent: null}` + "\ncondition: sel", map[string]string{"Parent": ""}, nil, true},
		{"null not present value", `sel: {Parent: null}` + "\ncondition: sel", map[string]string{"Parent": "x"}, nil, false},
		{"empty string needs field", `sel: {Parent: ''}` + "\ncondition: sel", map[string]string{}, nil, false},
		{"empty string matches empty", `sel: {Parent: ''}` + "\ncondition: sel", map[string]string{"Parent": ""}, nil, true},
		{"number compares as text", `sel: {EventID: 4688}` + "\ncondition: sel", map[string]string{"EventID": "4688"}, nil, true},
		{"exists true", `sel: {Parent|exists: true}` + "\ncondition: sel", map[string]string{"Parent": ""}, nil, true},
		{"exists false", `sel: {Parent|exists: false}` + "\ncondition: sel", map[string]string{"Parent": "x"}, nil, false},
		{"neq", `sel: {User|neq: SYSTEM}` + "\ncondition: sel", map[string]string{"User": "anna"}, nil, true},
		{"neq same", `sel: {User|neq: SYSTEM}` + "\ncondition: sel", map[string]string{"User": "system"}, nil, false},
		{"neq list is none of", `sel: {User|neq: [a, b]}` + "\ncondition: sel", map[string]string{"User": "b"}, nil, false},
		{"windash slash for dash", `sel: {CommandLine|contains|windash: ' -enc '}` + "\ncondition: sel", map[string]string{"CommandLine": "powershell /enc AAA"}, nil, true},
		{"windash en dash", `sel: {CommandLine|contains|windash: ' -enc '}` + "\ncondition: sel", map[string]string{"CommandLine": "powershell \u2013enc AAA"}, nil, true},
		{"windash horizontal bar for slash", `sel: {CommandLine|contains|windash: ' /c '}` + "\ncondition: sel", map[string]string{"CommandLine": "cmd \u2015c whoami"}, nil, true},
		{"re is case-sensitive", `sel: {CommandLine|re: 'Invoke-[A-Z]+'}` + "\ncondition: sel", map[string]string{"CommandLine": "invoke-mimikatz"}, nil, false},
		{"re i", `sel: {CommandLine|re|i: 'invoke-[a-z]+'}` + "\ncondition: sel", map[string]string{"CommandLine": "INVOKE-MIMIKATZ"}, nil, true},
		{"re s dot matches newline", `sel: {Msg|re|s: 'a.b'}` + "\ncondition: sel", map[string]string{"Msg": "a\nb"}, nil, true},
		{"re m anchors lines", `sel: {Msg|re|m: '^b$'}` + "\ncondition: sel", map[string]string{"Msg": "a\nb"}, nil, true},
		{"re unanchored search", `sel: {Msg|re: 'b+'}` + "\ncondition: sel", map[string]string{"Msg": "abbbc"}, nil, true},
		{"base64", `sel: {Data|base64|contains: 'http://'}` + "\ncondition: sel", map[string]string{"Data": "xx aHR0cDovLw== yy"}, nil, true},
		{"base64offset at offset 1", `sel: {CommandLine|base64offset|contains: 'IEX'}` + "\ncondition: sel", map[string]string{"CommandLine": "powershell -enc " + b64("xIEX (New-Object")}, nil, true},
		{"base64offset at offset 2", `sel: {CommandLine|base64offset|contains: 'IEX'}` + "\ncondition: sel", map[string]string{"CommandLine": b64("xyIEX (New-Object")}, nil, true},
		{"utf16le base64offset", `sel: {CommandLine|wide|base64offset|contains: 'IEX'}` + "\ncondition: sel", map[string]string{"CommandLine": "-enc " + b64(string(encodeUTF16("aIEX (x)", "le")))}, nil, true},
		{"utf16be base64", `sel: {Data|utf16be|base64: 'ab'}` + "\ncondition: sel", map[string]string{"Data": b64("\x00a\x00b")}, nil, true},
		{"utf16 with bom", `sel: {Data|utf16|base64: 'ab'}` + "\ncondition: sel", map[string]string{"Data": b64("\xff\xfea\x00b\x00")}, nil, true},
		{"lt", `sel: {Size|lt: 10}` + "\ncondition: sel", map[string]string{"Size": "9"}, nil, true},
		{"gte", `sel: {Size|gte: 10}` + "\ncondition: sel", map[string]string{"Size": "10.0"}, nil, true},
		{"gt not a number", `sel: {Size|gt: 10}` + "\ncondition: sel", map[string]string{"Size": "big"}, nil, false},
		{"cidr v4", `sel: {DestinationIp|cidr: ['10.0.0.0/8', '192.168.0.0/16']}` + "\ncondition: sel", map[string]string{"DestinationIp": "192.168.4.2"}, nil, true},
		{"cidr v4 outside", `sel: {DestinationIp|cidr: '10.0.0.0/8'}` + "\ncondition: sel", map[string]string{"DestinationIp": "11.0.0.1"}, nil, false},
		{"cidr v6", `sel: {DestinationIp|cidr: 'fe80::/10'}` + "\ncondition: sel", map[string]string{"DestinationIp": "fe80::1"}, nil, true},
		{"cidr v4-mapped v6", `sel: {DestinationIp|cidr: '10.0.0.0/8'}` + "\ncondition: sel", map[string]string{"DestinationIp": "::ffff:10.1.2.3"}, nil, true},
		{"fieldref equal", `sel: {TargetUserName|fieldref: SubjectUserName}` + "\ncondition: sel", map[string]string{"TargetUserName": "Anna", "SubjectUserName": "anna"}, nil, true},
		{"fieldref differs", `sel: {TargetUserName|fieldref: SubjectUserName}` + "\ncondition: sel", map[string]string{"TargetUserName": "anna", "SubjectUserName": "bo"}, nil, false},
		{"fieldref neq", `sel: {TargetUserName|fieldref|neq: SubjectUserName}` + "\ncondition: sel", map[string]string{"TargetUserName": "anna", "SubjectUserName": "bo"}, nil, true},
		{"fieldref endswith", `sel: {Image|fieldref|endswith: Name}` + "\ncondition: sel", map[string]string{"Image": `c:\x\evil.exe`, "Name": "EVIL.exe"}, nil, true},
		{"hour", `sel: {UtcTime|hour: 3}` + "\ncondition: sel", map[string]string{"UtcTime": "2026-01-02 03:04:05.000"}, nil, true},
		{"hour range", `sel: {UtcTime|hour|gte: 22}` + "\ncondition: sel", map[string]string{"UtcTime": "2026-01-02T23:04:05Z"}, nil, true},
		{"year", `sel: {UtcTime|year: 2025}` + "\ncondition: sel", map[string]string{"UtcTime": "2026-01-02T23:04:05Z"}, nil, false},
		{"keyword contains", "keywords: ['port-control force-authorized']\ncondition: keywords", nil, []string{"cmd: dot1x PORT-CONTROL force-authorized"}, true},
		{"keyword absent", "keywords: ['port-control']\ncondition: keywords", nil, []string{"other"}, false},
		{"keyword with modifiers", "keywords:\n  '|all': [alpha, beta]\ncondition: keywords", nil, []string{"beta then alpha"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := ruleYAML(c.det)
			e, errs := unrouted(t, src, nil)
			if len(errs) > 0 {
				t.Fatalf("rule rejected: %v\n%s", errs, src)
			}
			if got := matches(e, c.ev, c.kw...); got != c.want {
				t.Errorf("match(%v, %q) = %v; want %v\n%s", c.ev, c.kw, got, c.want, src)
			}
		})
	}
}

// TestRelease: an engine matches as before once its rules' YAML is
// released; building another engine from the released rules is refused
// with a reason, not a panic.
func TestRelease(t *testing.T) {
	e, errs := unrouted(t, ruleYAML("sel:\n  CommandLine|contains: mimikatz\ncondition: sel"), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	Release(e.Rules(), nil)
	if !matches(e, map[string]string{"CommandLine": "run mimikatz.exe"}) || matches(e, map[string]string{"CommandLine": "notepad"}) {
		t.Error("the engine does not match as before after Release")
	}
	if e.Rules()[0].detection != nil {
		t.Error("Release kept the detection")
	}
	again, rerrs := NewEngine(e.Rules(), Options{Pipelines: []*Pipeline{}})
	if len(rerrs) != 1 || !strings.Contains(rerrs[0].Error(), "released") || len(again.Rules()) != 0 {
		t.Errorf("an engine from released rules: %v rules, errors %v", len(again.Rules()), rerrs)
	}
}
