package errs_test

import (
	"testing"

	"github.com/samdrift/samdrift/internal/errs"
)

func TestText(t *testing.T) {
	for _, c := range []struct {
		in, want string
		min, max int
		field    bool
	}{
		{"  Ransomware  ", "Ransomware", 3, 200, false},
		{"", "", 1, 200, true},
		{"ab", "", 3, 200, true},
		{"æøå", "æøå", 0, 3, false},
		{"æøåx", "", 0, 3, true},
		{"a\x00b", "", 0, 10, true},
		{"\xff", "", 0, 10, true},
	} {
		got, err := errs.Text("title", c.in, c.min, c.max)
		if (err != nil) != c.field || got != c.want || (err != nil && (errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "title")) {
			t.Errorf("Text(%q, %d, %d) = %q, %v", c.in, c.min, c.max, got, err)
		}
	}
	if err := errs.OneOf("severity", "urgent", []string{"low", "high"}); errs.CodeOf(err) != errs.Invalid || errs.As(err).Field != "severity" {
		t.Errorf("OneOf = %v", err)
	}
	if err := errs.OneOf("severity", "low", []string{"low", "high"}); err != nil {
		t.Errorf("OneOf(low) = %v", err)
	}
}
