// Package sigmatest finds SigmaHQ's rules and regression data for tests:
// ../shared/sigma beside the repository (DRL 1.1). It is for tests only.
package sigmatest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the SigmaHQ directory (with rules/, regression_data/ and
// tests/). CI must have it (SAMDRIFT_TEST_REQUIRE=1 fails the test);
// elsewhere the test skips with a message.
func Root(t testing.TB) string {
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
