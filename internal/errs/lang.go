package errs

import (
	"fmt"
	"sync"
)

// The languages a message can be rendered in. English is the language of
// the code; Danish is the default of the UI and the API's problem details.
const (
	English = "en"
	Danish  = "da"
)

var (
	danishMu sync.RWMutex
	danish   = map[string]string{}
)

// AddDanish registers Danish translations of error messages. Each key is
// a format exactly as a package passes it to E or Field; its value is the
// Danish format, with the same verbs for the same arguments (reorder them
// with explicit indexes such as %[2]s when Danish word order needs it).
// Packages call it from an init function in their errors_da.go; a format
// registered twice keeps the later translation. TestDanishComplete fails
// when a format in the code has no translation or a translation's verbs
// differ from its key's.
func AddDanish(m map[string]string) {
	danishMu.Lock()
	defer danishMu.Unlock()
	for k, v := range m {
		danish[k] = v
	}
}

// danishFor returns the Danish format registered for format.
func danishFor(format string) (string, bool) {
	danishMu.RLock()
	defer danishMu.RUnlock()
	v, ok := danish[format]
	return v, ok
}

// In returns the error's message in lang (Danish or English). A message
// without a registered translation, or one built without E or Field, is
// returned in English.
func (e *Error) In(lang string) string {
	if lang != Danish || e.format == "" {
		return e.Message
	}
	f, ok := danishFor(e.format)
	if !ok {
		return e.Message
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		// A coded error passed as an argument speaks the same language.
		if inner, ok := a.(*Error); ok {
			a = inner.In(lang)
		}
		args[i] = a
	}
	return fmt.Sprintf(f, args...)
}

// Translate returns the Danish for an English format registered with
// AddDanish, formatted with args, or the English when lang is not Danish
// or there is no translation. It serves texts that are built outside an
// *Error but come from the same catalogue.
func Translate(lang, format string, args ...any) string {
	if lang == Danish {
		if f, ok := danishFor(format); ok {
			return fmt.Sprintf(f, args...)
		}
	}
	return fmt.Sprintf(format, args...)
}
