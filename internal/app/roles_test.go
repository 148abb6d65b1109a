package app

import (
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "all",
		"all":                 "all",
		"web":                 "web",
		"jobs, web":           "web,jobs",
		"store,detect":        "store,detect",
		"ingest,store,detect": "ingest,store,detect",
	} {
		r, err := ParseRoles(in)
		if err != nil || r.String() != want {
			t.Errorf("ParseRoles(%q) = %s, %v; want %s", in, r, err, want)
		}
	}
	for in, says := range map[string]string{
		"store":       "store and detect together",
		"detect,web":  "store and detect together",
		"web,printer": `unknown role "printer"`,
	} {
		if _, err := ParseRoles(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("ParseRoles(%q) = %v; want an error saying %q", in, err, says)
		}
	}
}
