package library

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on a library file and its texts.
const (
	maxFileBytes = 16 << 20 // a file is refused above this
	maxAliases   = 100      // YAML alias uses; real libraries use none
	maxName      = 500      // characters in a name, ref_id, provider, URN, …
	maxLongText  = 20000    // characters in a description, annotation, …
)

// canonicalURN returns s lower-cased, or why it is not a URN.
//
// The namespace parts (urn:ORG:DOMAIN:TYPE) must be lower-case letters,
// digits, '.', '_' and '-' once lower-cased, like CISO Assistant's own URN
// pattern. What follows is looser than that pattern on purpose: shipped
// libraries use parentheses, brackets, '§', '+', ';', '&', quotes, accented
// letters, en dashes, no-break spaces and even empty trailing parts there
// (e.g. …:ac-2(1), …:gov–4, …:art. 1, …:category-1:), so only spaces,
// control and other invisible characters are refused.
func canonicalURN(s string) (string, string) {
	switch {
	case s == "":
		return "", "is empty"
	case utf8.RuneCountInString(s) > maxName:
		return "", "is longer than 500 characters"
	}
	u := strings.ToLower(s)
	if !strings.HasPrefix(u, "urn:") {
		return "", "must start with \"urn:\""
	}
	parts := strings.SplitN(u, ":", 5)
	if len(parts) < 4 {
		return "", "must have at least four colon-separated parts (urn:ORG:DOMAIN:TYPE:…)"
	}
	for _, p := range parts[1:4] {
		if p == "" || strings.IndexFunc(p, notNamespaceRune) >= 0 {
			return "", "must have namespace parts (urn:ORG:DOMAIN:TYPE:…) of only a–z, 0–9, '.', '_' and '-'"
		}
	}
	for _, r := range u {
		if r == ' ' || r == utf8.RuneError || !unicode.IsGraphic(r) {
			return "", "must not contain spaces, control or invisible characters"
		}
	}
	return u, ""
}

func notNamespaceRune(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
}

// validLang reports whether s looks like a language code: 2–8 letters and
// hyphens, starting with a letter, hyphens only between letters ("da",
// "pt-br", "zh-hant").
func validLang(s string) bool {
	if len(s) < 2 || len(s) > 8 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// textProblem says why s cannot be stored as a text of at most max
// characters, or returns "".
func textProblem(s string, max int) string {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "is not valid text (invalid UTF-8 or a NUL character)"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "has " + strconv.Itoa(n) + " characters; at most " + strconv.Itoa(max) + " are allowed"
	}
	return ""
}
