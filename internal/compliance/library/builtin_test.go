package library_test

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/compliance/library"
)

// TestBuiltin parses and validates the libraries samdrift ships: a
// mistake in one fails here with its FILE:LINE.
func TestBuiltin(t *testing.T) {
	files, err := library.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var libs []*library.Library
	frameworks := map[string]int{}
	seenMapping := false
	for _, f := range files {
		lib, err := library.Parse(f.Name, f.Data)
		if err != nil {
			t.Fatalf("Parse(%s): %v", f.Name, err)
		}
		if lib.Framework != nil {
			if seenMapping {
				t.Errorf("Builtin lists framework %s after a mapping library; frameworks must come first", f.Name)
			}
			n := 0
			for _, node := range lib.Framework.Nodes {
				if node.Assessable {
					n++
				}
				if da, ok := node.Translations["da"]; !ok || da.Name == "" {
					t.Errorf("%s:%d: %s has no Danish name", f.Name, node.Line, node.URN)
				}
			}
			frameworks[lib.Framework.URN] = n
		} else {
			seenMapping = true
		}
		libs = append(libs, lib)
	}
	if err := library.Validate(libs, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"iso27001", "nis2", "gdpr", "tmk"} {
		found := false
		for urn, n := range frameworks {
			if strings.Contains(urn, want) {
				found = n > 0
			}
		}
		if !found {
			t.Errorf("no shipped framework %s with requirements: %v", want, frameworks)
		}
	}
	if n := frameworks["urn:samdrift:risk:framework:iso27001-2022"]; n != 93 {
		t.Errorf("ISO/IEC 27001:2022 Annex A has %d controls; want 93", n)
	}
}
