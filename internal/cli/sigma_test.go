package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/sigma/sigmatest"
)

func TestSigmaTestCommand(t *testing.T) {
	root := sigmatest.Root(t)
	code, out, errOut := run(t, "", "sigma", "test", "--rules", filepath.Join(root, "rules"), "--rules", filepath.Join(root, "rules-emerging-threats"),
		"--rules", filepath.Join(root, "rules-threat-hunting"), "--regression", root)
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "202 passed, 0 failed") {
		t.Fatalf("sigma test = %d\n%s\n%s", code, out, errOut)
	}
	// A rule that cannot fire on its sample fails with exit 1 and a line
	// naming it.
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "rules/windows/builtin/security/win_security_explicit_credential_local_logon.yml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "EventID: 4648", "EventID: 4649", 1)
	if broken == string(src) {
		t.Fatal("sample rule changed upstream; pick another")
	}
	if err := os.WriteFile(filepath.Join(dir, "r.yml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "", "sigma", "test", "--rules", dir, "--regression", root)
	if code != 1 || !strings.Contains(out, "FAIL") || !strings.HasSuffix(strings.TrimSpace(out), "0 passed, 1 failed") {
		t.Fatalf("sigma test on a broken rule = %d\n%s", code, out)
	}
}

func TestSigmaCheckCommand(t *testing.T) {
	dir := t.TempDir()
	good := "title: ok\nid: a\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: '\\x.exe'}\n  condition: sel\n"
	bad := "title: bad\nid: b\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|soundex: x}\n  condition: sel\n"
	for name, src := range map[string]string{"good.yml": good, "bad.yml": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, "", "sigma", "check", dir)
	if code != 0 {
		t.Fatalf("sigma check = %d: %s %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "bad.yml:5: rule b:") || !strings.Contains(lines[0], `"soundex"`) ||
		!strings.HasPrefix(lines[1], "1 loaded") || !strings.Contains(lines[1], "1 rejected") {
		t.Fatalf("sigma check output:\n%s", out)
	}
}

func TestSigmaScanCommand(t *testing.T) {
	rules := t.TempDir()
	rule := "title: Whoami\nid: w1\nlevel: medium\nlogsource: {product: windows, category: process_creation}\ndetection:\n  sel: {Image|endswith: '\\whoami.exe'}\n  condition: sel\n"
	if err := os.WriteFile(filepath.Join(rules, "w.yml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	// Three events: a Sysmon 1 in evtx_dump shape, a samdrift NDJSON export
	// of a Winlogbeat event, and one that must not match.
	// A malformed line and a Winlogbeat 7 and an NXLog event follow; the
	// broken line is named and skipped, the rest still scanned.
	events := `{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\WHOAMI.EXE"}}}
{"format":"json","message":"x","fields":[{"k":"winlog.event_id","v":"4688"},{"k":"winlog.channel","v":"Security"},{"k":"winlog.event_data.NewProcessName","v":"C:\\Windows\\System32\\whoami.exe"}]}
{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"Image":"C:\\Windows\\System32\\cmd.exe"}}}
{"Event": this line was cut by a careless copy
{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":1,"event_data":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}
{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","SourceName":"Microsoft-Windows-Sysmon","Hostname":"ws1","Image":"C:\\Windows\\System32\\whoami.exe"}
`
	file := filepath.Join(t.TempDir(), "events.json")
	if err := os.WriteFile(file, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "", "sigma", "scan", "--rules", rules, file)
	if code != 0 {
		t.Fatalf("sigma scan = %d: %s %s", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || lines[4] != "5 events, 4 matches, 1 malformed skipped" || !strings.Contains(errOut, "event 4 at byte") {
		t.Fatalf("sigma scan output:\n%s\nstderr:\n%s", out, errOut)
	}
	for i, want := range []int{0, 1, 3, 4} {
		var m struct {
			RuleID string `json:"rule_id"`
			Title  string `json:"title"`
			Level  string `json:"level"`
			File   string `json:"file"`
			Index  int    `json:"index"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		if m.RuleID != "w1" || m.Title != "Whoami" || m.Level != "medium" || m.File != file || m.Index != want {
			t.Errorf("match %d = %+v; want rule w1 at index %d", i, m, want)
		}
	}
}
