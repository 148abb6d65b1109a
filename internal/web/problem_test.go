package web_test

import (
	"strings"
	"testing"

	"github.com/samdrift/samdrift/internal/store"
	"github.com/samdrift/samdrift/internal/store/storetest"
)

// TestProblemHeadersAndJSONSyntax: a problem detail says its language in
// Content-Language and that it varies by Accept-Language; a body that is
// not JSON is explained in the caller's language — the byte, what was
// found and what was expected there — without encoding/json's English.
func TestProblemHeadersAndJSONSyntax(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		tok := e.token("demo-spoc")
		for _, c := range []struct {
			body, da, en string
		}{
			{`{"title": x}`, "ugyldig JSON ved byte 11: 'x' står, hvor en værdi skulle begynde", "invalid JSON at byte 11: found 'x' where a value should start"},
			{`{title: "x"}`, "ugyldig JSON ved byte 2: 't' står, hvor et feltnavn i dobbelte anførselstegn skulle begynde", "invalid JSON at byte 2: found 't' where a field name in double quotes should start"},
			{`{"title" "x"}`, "'\"' står efter et feltnavn; der skulle stå et kolon (:)", "found '\"' after a field name; expected a colon (:)"},
			{`{"title": "Printer" "impact": 2}`, "står efter et felts værdi; der skulle stå et komma (,) eller objektets slutning (})", "after a field's value; expected a comma (,) or the end of the object (})"},
			{`{"title": "Printer", "impact": 2x}`, "'x' står efter et felts værdi", "found 'x' after a field's value"},
			{`{"title": "Printer", "impact": -x}`, "'x' står i et tal; der skulle stå et ciffer", "found 'x' in a number; expected a digit"},
			{`{"title": tru}`, "'}' står i et ord; der skulle stå true, false eller null", "found '}' in a word; expected true, false or null"},
			{`{"title": "a\qb"}`, "'q' står efter en omvendt skråstreg i en tekst", "found 'q' after a backslash in a string"},
			{`{"title": "Printer"`, "JSON-indholdet slutter for tidligt", "the JSON ends too early"},
		} {
			for _, lang := range []string{"da", "en"} {
				var p problem
				r := e.callWith("POST", "/api/v1/tickets", tok, c.body, map[string]string{"Accept-Language": lang}, &p)
				want := map[string]string{"da": c.da, "en": c.en}[lang]
				if r.StatusCode != 400 || p.Field != "body" || !strings.Contains(p.Detail, want) {
					t.Errorf("%s in %s = %d %+v; want 400 on body with %q", c.body, lang, r.StatusCode, p, want)
				}
				if lang == "da" {
					for _, goText := range []string{"invalid character", "looking for", "object key", "literal", "expecting", "unexpected end"} {
						if strings.Contains(p.Detail, goText) {
							t.Errorf("%s in Danish: %q has Go's %q", c.body, p.Detail, goText)
						}
					}
				}
				if got := r.Header.Get("Content-Language"); got != lang {
					t.Errorf("%s in %s: Content-Language %q", c.body, lang, got)
				}
				if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
					t.Errorf("%s in %s: Vary %q lacks Accept-Language", c.body, lang, r.Header.Values("Vary"))
				}
			}
		}
		// Any problem says its language, the default Danish too.
		r := e.callWith("GET", "/api/v1/tickets/999999", tok, "", map[string]string{"Accept-Language": "de"}, nil)
		if r.StatusCode != 404 || r.Header.Get("Content-Language") != "da" || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Language") {
			t.Errorf("a 404 with Accept-Language: de = %d, Content-Language %q, Vary %q; want da and Vary", r.StatusCode, r.Header.Get("Content-Language"), r.Header.Values("Vary"))
		}
	})
}
