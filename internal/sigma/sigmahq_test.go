package sigma

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedSigma finds ../shared/sigma beside the repository (the SigmaHQ
// rules and regression data, DRL 1.1). CI must have it; elsewhere the
// tests that need it skip.
func sharedSigma(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		p := filepath.Join(filepath.Dir(d), "shared", "sigma")
		if _, err := os.Stat(filepath.Join(p, "rules")); err == nil {
			return p
		}
	}
	if os.Getenv("SAMDRIFT_TEST_REQUIRE") != "" {
		t.Fatal("../shared/sigma not found beside the repository; CI needs the SigmaHQ rules there")
	}
	t.Skip("../shared/sigma not found beside the repository; skipping SigmaHQ conformance")
	return ""
}

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
