package event

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// referenceFlatten is the straightforward flattening through
// map[string]any that flattenJSON replaced; the fuzz test below holds the
// two to the same results (as sets: maps have no order).
func referenceFlatten(data []byte) ([]Field, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if !json.Valid(data) || obj == nil { // one value only; "null" is no object either
		return nil, errJSON
	}
	var out []Field
	refFlatten("", obj, &out)
	return out, nil
}

func refFlatten(prefix string, v any, out *[]Field) {
	switch x := v.(type) {
	case map[string]any:
		for k, vv := range x {
			refFlatten(join(prefix, k), vv, out)
		}
	case []any:
		for i, vv := range x {
			switch vv.(type) {
			case map[string]any, []any:
				refFlatten(prefix+"."+strconv.Itoa(i), vv, out)
			case nil:
			default:
				*out = append(*out, Field{Key: prefix, Value: refScalar(vv)})
			}
		}
	case nil:
	default:
		*out = append(*out, Field{Key: prefix, Value: refScalar(x)})
	}
}

func refScalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func fieldSet(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = strconv.Quote(f.Key) + "=" + strconv.Quote(f.Value)
	}
	slices.Sort(out)
	return out
}

func TestFlattenJSON(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Field
	}{
		{`{"a":1,"b":{"c":"x","d":[1,2,null]},"e":null,"f":[{"g":true}],"h":"\u00e6\n"}`,
			[]Field{{"a", "1"}, {"b.c", "x"}, {"b.d", "1"}, {"b.d", "2"}, {"f.0.g", "true"}, {"h", "æ\n"}}},
		{` { } `, nil},
		{`{"n":-1.5e+3}`, []Field{{"n", "-1.5e+3"}}},
	} {
		var out []Field
		if err := flattenJSON(c.in, &out); err != nil || !slices.Equal(out, c.want) {
			t.Errorf("%s = %v, %v; want %v (in document order)", c.in, out, err, c.want)
		}
	}
	for _, bad := range []string{`{`, `{"a":}`, `{"a":01}`, `{"a":1}x`, `[1]`, `{"a":"\x"}`, "{\"a\":\"\x01\"}", `{"a":tru}`, `{"a":1,}`, `{"a" 1}`, `{"a":-}`, `{"a":1.}`} {
		var out []Field
		if err := flattenJSON(bad, &out); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func FuzzFlattenJSON(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":{"c":[1,"x",{"d":null}]}}`, `{"e":"\u00e6\ud83d\ude00"}`, `{"n":1e5,"m":-0.5}`, `{"a":[[1],[2]]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if tooDeep([]byte(in)) {
			return
		}
		var got []Field
		err := flattenJSON(in, &got)
		want, rerr := referenceFlatten([]byte(in))
		if (err == nil) != (rerr == nil) {
			t.Fatalf("%q: flattenJSON error %v, encoding/json error %v", in, err, rerr)
		}
		if err != nil {
			return
		}
		checkLastWins(t, in, got, want)
	})
}

// checkLastWins holds flattenJSON's leaves to encoding/json's, as
// multisets of values per name: a key repeated within an object keeps its
// last value in both (a map keeps one), an array's values are each a
// field, and two different paths that flatten to one name ({"a.b":1,
// "a":{"b":2}}) keep both.
func checkLastWins(t *testing.T, in string, got, want []Field) {
	t.Helper()
	if !slices.Equal(fieldSet(got), fieldSet(want)) {
		t.Fatalf("%q:\n got %v\nwant %v", in, fieldSet(got), fieldSet(want))
	}
}

// TestFlattenJSONRepeatedKeys: the last occurrence of a key in an object
// replaces the earlier one with everything below it.
func TestFlattenJSONRepeatedKeys(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Field
	}{
		{`{"":0,"":{}}`, nil},
		{`{"a":1,"a":2}`, []Field{{"a", "2"}}},
		{`{"a":{"b":1,"c":2},"x":3,"a":"y"}`, []Field{{"x", "3"}, {"a", "y"}}},
		{`{"a":"y","a":{"b":1}}`, []Field{{"a.b", "1"}}},
		{`{"a":[{"b":1},{"c":2}],"a":[3,4]}`, []Field{{"a", "3"}, {"a", "4"}}},
		{`{"o":{"k":1,"k":null,"m":2},"k":3}`, []Field{{"o.m", "2"}, {"k", "3"}}},
		{`{"a":1,"b":2,"a":3,"b":4,"a":5}`, []Field{{"b", "4"}, {"a", "5"}}},
		{`{"EventID":4625,"Message":"first","Message":"second"}`, []Field{{"EventID", "4625"}, {"Message", "second"}}},
	} {
		var out []Field
		if err := flattenJSON(c.in, &out); err != nil || !slices.Equal(out, c.want) {
			t.Errorf("flattenJSON(%s) = %v, %v; want %v", c.in, out, err, c.want)
		}
		want, err := referenceFlatten([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		checkLastWins(t, c.in, out, want)
	}
	// Many keys (past the members kept on the stack), one repeated far apart.
	var b strings.Builder
	b.WriteString(`{"dup":"old"`)
	for i := range 40 {
		b.WriteString(`,"k` + strconv.Itoa(i) + `":` + strconv.Itoa(i))
	}
	b.WriteString(`,"dup":"new"}`)
	var out []Field
	if err := flattenJSON(b.String(), &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 41 || out[0].Key != "k0" || out[40] != (Field{"dup", "new"}) {
		t.Errorf("40 keys and a repeated one: got %d fields, first %v, last %v", len(out), out[0], out[len(out)-1])
	}
}

// TestParseJSONRepeatedKeys: the event (not only the flattener) keeps the
// last value of a repeated key, message included.
func TestParseJSONRepeatedKeys(t *testing.T) {
	e := ParseJSON([]byte(`{"message":"first","user":{"name":"a"},"message":"second","user":"b"}`), time.Now(), "")
	if e.Message != "second" || e.Get("user") != "b" || e.Has("user.name") {
		t.Errorf("ParseJSON with repeated keys: message %q, user %q, user.name present %v; want second, b, false", e.Message, e.Get("user"), e.Has("user.name"))
	}
}

// tooDeep (for the fuzz test) reports whether data nests objects or arrays deeper than maxDepth.
func tooDeep(data []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxDepth {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// TestParseJSONArraysAreMultiValued: an array of scalars is one field per
// value (so each can be searched and matched), in order.
func TestParseJSONArraysAreMultiValued(t *testing.T) {
	e := ParseJSON([]byte(`{"tags":["beats","kk"],"event":{"category":["network","authentication"]},"message":["first","second"],"n":[1,null,3]}`), time.Now(), "")
	for key, want := range map[string][]string{"tags": {"beats", "kk"}, "event.category": {"network", "authentication"}, "n": {"1", "3"}} {
		if got := e.Values(key); !slices.Equal(got, want) {
			t.Errorf("Values(%q) = %q; want %q", key, got, want)
		}
	}
	if e.Message != "first" || e.Get("tags") != "beats" {
		t.Errorf("message %q, Get(tags) %q; want the first values", e.Message, e.Get("tags"))
	}
}

// TestWindowsShippers: NXLog's and Winlogbeat 6's Windows events get the
// winlog.* names Winlogbeat 7 and 8 use.
func TestWindowsShippers(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     map[string]string
	}{
		{"nxlog sysmon registry", `{"EventID":12,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon","Hostname":"ws1.kk.dk","RecordNumber":77,"EventType":"DeleteKey","TargetObject":"HKLM\\x"}`,
			map[string]string{"winlog.event_id": "12", "winlog.provider_name": "Microsoft-Windows-Sysmon", "winlog.computer_name": "ws1.kk.dk", "winlog.record_id": "77",
				"winlog.event_data.EventType": "DeleteKey", "winlog.event_data.TargetObject": "HKLM\\x"}},
		{"nxlog own event type", `{"EventID":4624,"Channel":"Security","EventType":"AUDIT_SUCCESS"}`,
			map[string]string{"winlog.eventType": "AUDIT_SUCCESS", "winlog.event_data.EventType": ""}},
		{"nxlog classic powershell", `{"EventID":400,"Channel":"Windows PowerShell","Message":"Engine state is changed\n\tHostApplication=powershell -enc AAAA"}`,
			map[string]string{"winlog.event_data.Data": "Engine state is changed\n\tHostApplication=powershell -enc AAAA"}},
		{"winlogbeat 6", `{"event_id":4688,"log_name":"Security","source_name":"Microsoft-Windows-Security-Auditing","computer_name":"ws2","record_number":"9","event_data":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe"}}`,
			map[string]string{"winlog.event_id": "4688", "winlog.channel": "Security", "winlog.provider_name": "Microsoft-Windows-Security-Auditing",
				"winlog.computer_name": "ws2", "winlog.record_id": "9", "winlog.event_data.NewProcessName": `C:\Windows\System32\whoami.exe`, "host.name": "ws2"}},
		{"winlogbeat 6 classic powershell", `{"event_id":400,"log_name":"Windows PowerShell","event_data":{"param1":"Available","param2":"None","param3":"HostApplication=powershell"}}`,
			map[string]string{"winlog.event_data.Data": "Available"}},
	} {
		e := ParseJSON([]byte(c.in), time.Now(), "")
		for k, want := range c.want {
			if got := e.Get(k); got != want {
				t.Errorf("%s: %s = %q; want %q", c.name, k, got, want)
			}
		}
	}
}
