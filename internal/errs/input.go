package errs

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Text checks a text input: trimmed, valid UTF-8 without NUL, from min to
// max characters. It returns the trimmed text, or an Invalid error on
// field that says what is wrong.
func Text(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return "", Field(field, "is not valid text")
	case n < min && min == 1:
		return "", Field(field, "must not be empty")
	case n < min:
		return "", Field(field, "needs at least %d characters", min)
	case n > max:
		return "", Field(field, "has at most %d characters (got %d)", max, n)
	}
	return s, nil
}

// OneOf returns an Invalid error on field unless v is one of set.
func OneOf(field, v string, set []string) error {
	if !slices.Contains(set, v) {
		return Field(field, "unknown value %q; want one of %s", v, strings.Join(set, ", "))
	}
	return nil
}

// TextField is one text input for Texts: its field name, where its value
// is, and its bounds in characters.
type TextField struct {
	Name     string
	V        *string
	Min, Max int
}

// Texts trims and checks each of fs in turn with Text, writing the
// trimmed value back, and stops at the first that is wrong.
func Texts(fs ...TextField) error {
	for _, f := range fs {
		v, err := Text(f.Name, *f.V, f.Min, f.Max)
		if err != nil {
			return err
		}
		*f.V = v
	}
	return nil
}
