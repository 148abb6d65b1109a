package web

import (
	"strings"
	"unicode"
)

// danishWords are short words that mark a text as Danish; with æ, ø and å
// they tell the SOC's own rule titles ("Ransomware-adfærd på fil01")
// from SigmaHQ's English ones ("Suspicious Encoded PowerShell Command").
var danishWords = []string{"på", "og", "af", "til", "fra", "med", "ikke", "mod", "fejl", "for", "mange", "ny", "nye", "ved", "efter", "eller", "uden"}

// TextLang is the language attribute for a text samdrift shows as it came
// (rule and alert titles): "en" for English, "" when it is Danish and so
// in the page's own language — screen readers then read each in its own
// pronunciation (WCAG 3.1.2). Alerts keep no record of their rule's
// origin, so the text itself decides.
func (v view) TextLang(s string) string {
	if isDanish(s) {
		if v.Lang == English {
			return "da"
		}
		return ""
	}
	if v.Lang == English {
		return ""
	}
	return "en"
}

// isDanish reports whether s reads as Danish.
func isDanish(s string) bool {
	if strings.ContainsAny(s, "æøåÆØÅ") {
		return true
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) }) {
		for _, d := range danishWords {
			if w == d {
				return true
			}
		}
	}
	return false
}
