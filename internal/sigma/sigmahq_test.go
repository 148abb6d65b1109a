package sigma

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/samdrift/samdrift/internal/sigma/sigmatest"
)

// sharedSigma is SigmaHQ's data beside the repository.
func sharedSigma(t testing.TB) string { return sigmatest.Root(t) }

func loadTrees(t testing.TB, root string, trees ...string) *RuleSet {
	t.Helper()
	set := &RuleSet{}
	for _, tr := range trees {
		s, err := LoadDir(filepath.Join(root, tr))
		if err != nil {
			t.Fatal(err)
		}
		set.Add(s)
	}
	return set
}

func TestSigmaHQRegression(t *testing.T) {
	root := sharedSigma(t)
	set := loadTrees(t, root, "rules", "rules-emerging-threats", "rules-threat-hunting")
	for _, err := range set.Rejected {
		t.Logf("parse: %v", err)
	}
	e, errs := NewEngine(set.Rules, Options{})
	for _, err := range errs {
		t.Logf("compile: %v", err)
	}
	results := RunRegression(e, set.Rules, root)
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
			t.Errorf("%s (%s): %s", r.Rule.ID, r.Rule.File, r.Reason)
		}
	}
	t.Logf("%d rules, %d rejected at parse, %d at compile, %d unrouted; regression %d passed, %d failed",
		len(set.Rules), len(set.Rejected), len(errs), len(e.Unrouted()), len(results)-failed, failed)
	if len(results) < 200 {
		t.Errorf("only %d rules carry regression tests; want the 202+ of SigmaHQ", len(results))
	}
}

// TestSigmaHQCiscoRaw: the Cisco rule whose regression test SigmaHQ ships
// commented out (a raw IOS line without a syslog header) fires when the
// line is read as samdrift's syslog receiver reads it.
func TestSigmaHQCiscoRaw(t *testing.T) {
	root := sharedSigma(t)
	set := loadTrees(t, root, "rules/network/cisco/aaa/cisco_cli_dot1x_disabled.yml")
	if len(set.Rules) != 1 {
		t.Fatalf("loaded %d rules; want the Cisco dot1x rule", len(set.Rules))
	}
	r := set.Rules[0]
	dir := filepath.Join(root, "regression_data/rules/cisco/aaa/cisco_cli_dot1x_disabled")
	// The info.yml has its test commented out; write the test it describes.
	tmp := t.TempDir()
	raw, err := filepath.Glob(filepath.Join(dir, "*.raw"))
	if err != nil || len(raw) != 1 {
		t.Fatalf("raw sample: %v %v", raw, err)
	}
	line, err := os.ReadFile(raw[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "sample.raw"), line, 0o644); err != nil {
		t.Fatal(err)
	}
	info := "regression_tests_info:\n  - name: Positive Detection Test\n    type: raw\n    match_count: 1\n    path: sample.raw\n"
	if err := os.WriteFile(filepath.Join(tmp, "info.yml"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	r.RegressionTestsPath = "info.yml"
	e, errs := NewEngine(set.Rules, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	res := RunRegression(e, set.Rules, tmp)
	if len(res) != 1 || !res[0].Passed {
		t.Fatalf("Cisco raw regression = %+v; want passed", res)
	}
	// And a line without the dot1x command must not fire.
	if err := os.WriteFile(filepath.Join(tmp, "other.raw"), []byte("172.16.5.10 6706: Feb 17 13:41:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged command:interface Gi1/0/1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	info = "regression_tests_info:\n  - {name: n, type: raw, match_count: 1, path: other.raw}\n"
	if err := os.WriteFile(filepath.Join(tmp, "info.yml"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := RunRegression(e, set.Rules, tmp); len(res) != 1 || res[0].Passed {
		t.Fatalf("benign Cisco line = %+v; want not fired", res)
	}
}

// TestSigmaHQRulesLoad: every rule under rules/ loads (none is on an
// unsupported list today), and the thor.yml mapping SigmaHQ ships passes
// the regression set too.
func TestSigmaHQRulesLoad(t *testing.T) {
	root := sharedSigma(t)
	set := loadTrees(t, root, "rules")
	_, errs := NewEngine(set.Rules, Options{})
	for _, err := range append(set.Rejected, errs...) {
		t.Errorf("rules/ must load completely: %v", err)
	}
	if len(set.Rules) < 3000 {
		t.Errorf("loaded %d rules from rules/; want SigmaHQ's 3,000+", len(set.Rules))
	}
	data, err := os.ReadFile(filepath.Join(root, "tests", "thor.yml"))
	if err != nil {
		t.Fatal(err)
	}
	thor, err := ParsePipeline("thor.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	all := loadTrees(t, root, "rules", "rules-emerging-threats", "rules-threat-hunting")
	e, _ := NewEngine(all.Rules, Options{Pipelines: []*Pipeline{thor}})
	for _, r := range RunRegression(e, all.Rules, root) {
		if !r.Passed {
			t.Errorf("with thor.yml: %s %s: %s", r.Rule.ID, r.Rule.File, r.Reason)
		}
	}
}
