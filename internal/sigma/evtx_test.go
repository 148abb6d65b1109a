package sigma

import (
	"slices"
	"testing"
	"time"
)

// TestFlattenEvtx: an evtx_dump event flattens to the names Windows rules
// use (attributes joined with '_', data names with and without spaces),
// its data values are keyword values, its time is the SystemTime, and a
// flattened event presented with Fill matches the rules the JSON tree
// matches.
func TestFlattenEvtx(t *testing.T) {
	ev, err := ParseEvtxJSON([]byte(`{"Event": {
	  "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Windows Defender"}},
	             "EventID": 1116, "Channel": "Microsoft-Windows-Windows Defender/Operational",
	             "TimeCreated": {"#attributes": {"SystemTime": "2026-11-29T10:00:00.5Z"}}},
	  "EventData": {"Threat Name": "HackTool:Win32/Mimikatz", "Path": "C:\\Temp\\m.exe"},
	  "UserData": {"Log": {"Detail": {"#text": "sekurlsa::logonpasswords"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var f Flat
	FlattenEvtx(&f, ev)
	got := map[string]FlatField{}
	for _, x := range f.Fields {
		got[x.Name] = x
	}
	for name, want := range map[string]FlatField{
		"Provider_Name": {Value: "Microsoft-Windows-Windows Defender"},
		"EventID":       {Value: "1116"},
		"Threat Name":   {Value: "HackTool:Win32/Mimikatz", Keyword: true},
		"ThreatName":    {Value: "HackTool:Win32/Mimikatz"},
		"Detail":        {Value: "sekurlsa::logonpasswords", Keyword: true},
	} {
		want.Name = name
		if got[name] != want {
			t.Errorf("field %s = %+v, want %+v", name, got[name], want)
		}
	}
	if want := time.Date(2026, 11, 29, 10, 0, 0, 5e8, time.UTC); !f.Time.Equal(want) {
		t.Errorf("time %v, want %v", f.Time, want)
	}

	e, errs := unrouted(t, `title: a
id: 44444444-4444-4444-4444-444444444444
logsource: {product: windows}
detection: {sel: {ThreatName|contains: mimikatz, Provider_Name|endswith: defender}, condition: sel}
---
title: b
id: 55555555-5555-5555-5555-555555555555
logsource: {product: windows}
detection: {kw: ['sekurlsa::'], condition: kw}
---
title: c
id: 66666666-6666-6666-6666-666666666666
logsource: {product: windows}
detection: {sel: {Path|endswith: '\other.exe'}, condition: sel}
`, nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ids := func(ms []Match) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Rule.ID[:1])
		}
		slices.Sort(out)
		return out
	}
	d := e.NewDoc()
	d.Reset()
	d.Fill(&f)
	fromFlat := ids(e.Match(d, nil))
	d.Reset()
	FillEvtx(d, ev)
	fromTree := ids(e.Match(d, nil))
	if want := []string{"4", "5"}; !slices.Equal(fromFlat, want) || !slices.Equal(fromTree, want) {
		t.Fatalf("matched %v from the Flat and %v from the JSON tree, want %v", fromFlat, fromTree, want)
	}
}

// TestKeywordText: the folded keyword values are kept one after the
// other, NUL-joined for the prefilter's single scan, and each value is
// still read whole (a NUL inside a value does not split it).
func TestKeywordText(t *testing.T) {
	e, errs := unrouted(t, ruleYAML("kw: ['*d*']\ncondition: kw"), nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	d := e.NewDoc()
	for range 2 { // the second event reuses the arena
		d.Reset()
		for _, k := range []string{"ABC", "d\x00E", "", "ÆØ"} {
			d.AddKeyword(k)
		}
		if got, want := d.keywordValues(false), []string{"abc", "d\x00e", "", "æø"}; !slices.Equal(got, want) {
			t.Fatalf("folded keyword values %q, want %q", got, want)
		}
		if got, want := d.keywordText(), "abc\x00d\x00e\x00\x00æø\x00"; got != want {
			t.Fatalf("keyword text %q, want %q", got, want)
		}
		if got := d.keywordValues(true); !slices.Equal(got, []string{"ABC", "d\x00E", "", "ÆØ"}) {
			t.Fatalf("cased keyword values %q", got)
		}
	}
}
