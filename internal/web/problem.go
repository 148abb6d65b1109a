package web

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/samdrift/samdrift/internal/errs"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[errs.Code]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Forbidden:    http.StatusForbidden,
	errs.Unauthorized: http.StatusUnauthorized,
	errs.Conflict:     http.StatusConflict,
	errs.TooMany:      http.StatusTooManyRequests,
	errs.Internal:     http.StatusInternalServerError,
}

// Problem is an RFC 9457 problem detail. Field is an extension member
// naming the input the problem is about.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
	// Heading is the UI's lead-in to Detail, in the same language: "Ret
	// venligst:" only where the user can correct the input.
	Heading string `json:"-"`
}

// headingOf is the message key of the lead-in the UI shows before a
// problem's detail, by code.
var headingOf = map[errs.Code]string{
	errs.Invalid:      "form.error",
	errs.NotFound:     "error.notfound",
	errs.Forbidden:    "error.forbidden",
	errs.Unauthorized: "error.unauthorized",
	errs.Conflict:     "error.conflict",
	errs.TooMany:      "error.toomany",
	errs.Internal:     "error.internal",
}

// detailLang is the language of a problem's detail: the API follows
// Accept-Language (Danish unless English is preferred), pages follow the
// language the user chose.
func detailLang(r *http.Request) Lang {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return acceptLang(r.Header.Get("Accept-Language"))
	}
	return langOf(r)
}

// acceptLang picks Danish or English from an Accept-Language header
// (RFC 9110 12.5.4): the first of the two with the highest weight, and
// Danish when neither is named or the header cannot be read.
func acceptLang(h string) Lang {
	best, bestQ := Danish, 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		var l Lang
		switch primary {
		case "da":
			l = Danish
		case "en":
			l = English
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// problemFor turns err into a Problem; internal errors are logged with
// their cause and shown only as a generic message.
func (s *Server) problemFor(r *http.Request, err error) Problem {
	code := errs.CodeOf(err)
	status := statusOf[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status = http.StatusRequestEntityTooLarge
	}
	l := detailLang(r)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: r.URL.Path, Code: string(code)}
	switch e := errs.As(err); {
	case e != nil && code != errs.Internal:
		p.Detail, p.Field = e.In(string(l)), e.Field
	case status == http.StatusRequestEntityTooLarge:
		p.Detail = l.T("error.toolarge")
	default:
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = l.T("error.internal.detail")
	}
	p.Heading = l.T(headingOf[errs.Code(p.Code)])
	if p.Heading == headingOf[errs.Code(p.Code)] {
		p.Heading = l.T("error.internal")
	}
	return p
}

// apiError writes err as application/problem+json.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemFor(r, err)
	if p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	w.Header().Set("Content-Type", "application/problem+json")
	// The detail is in the language detailLang chose: say which, and,
	// where Accept-Language chose it, that caches must key on it.
	w.Header().Set("Content-Language", string(detailLang(r)))
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Add("Vary", "Accept-Language")
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Debug("cannot write response", "err", err)
	}
}

// MaxBodyBytes bounds every request body the API reads.
const MaxBodyBytes = 1 << 20

// decodeJSON reads one JSON object from r's body into dst, refusing unknown
// fields, trailing data and bodies over MaxBodyBytes, with errors that name
// the field and position.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	return decodeJSONLimit(w, r, dst, MaxBodyBytes)
}

// decodeJSONLimit is decodeJSON for bodies of up to limit bytes.
func decodeJSONLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errs.Field("Content-Type", "send application/json, not %q", ct)
	}
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errs.Field("body", "the body must hold exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		e := errs.Field("body", "the body is larger than %d bytes", tooBig.Limit)
		e.Err = tooBig
		return e
	case errors.As(err, &syn):
		return syntaxError(syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return errs.Field(field, "want %s, got JSON %s", typ.Type.String(), typ.Value)
	case errors.Is(err, io.EOF):
		return errs.Field("body", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Field("body", "the JSON ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errs.Field(name, "unknown field %q", name)
	}
	return errs.Field("body", "cannot read JSON: %v", err)
}

// syntaxCause reads encoding/json's syntax message: the character it
// stopped at and where it was (see encoding/json's quoteChar).
var syntaxCause = regexp.MustCompile(`^invalid character ('(?:\\'|[^'])*') (.+)$`)

// syntaxError says where a body's JSON breaks and what was expected there,
// in words of our own (with a Danish translation) rather than Go's
// English: the byte offset, the character found and what may stand there.
func syntaxError(syn *json.SyntaxError) error {
	if syn.Error() == "unexpected end of JSON input" {
		return errs.Field("body", "the JSON ends too early")
	}
	m := syntaxCause.FindStringSubmatch(syn.Error())
	if m == nil {
		return errs.Field("body", "invalid JSON at byte %d", syn.Offset)
	}
	at, char, where := syn.Offset, m[1], m[2]
	switch {
	case where == "looking for beginning of value":
		return errs.Field("body", "invalid JSON at byte %d: found %s where a value should start (an object, a list, a string in double quotes, a number, true, false or null)", at, char)
	case where == "looking for beginning of object key string":
		return errs.Field("body", "invalid JSON at byte %d: found %s where a field name in double quotes should start", at, char)
	case where == "after object key":
		return errs.Field("body", "invalid JSON at byte %d: found %s after a field name; expected a colon (:)", at, char)
	case where == "after object key:value pair":
		return errs.Field("body", "invalid JSON at byte %d: found %s after a field's value; expected a comma (,) or the end of the object (})", at, char)
	case where == "after array element":
		return errs.Field("body", "invalid JSON at byte %d: found %s after an element of a list; expected a comma (,) or the end of the list (])", at, char)
	case where == "in string literal":
		return errs.Field("body", "invalid JSON at byte %d: found %s inside a string; control characters must be escaped (such as \\n)", at, char)
	case where == "in string escape code":
		return errs.Field("body", "invalid JSON at byte %d: found %s after a backslash in a string; expected one of \\\" \\\\ / b f n r t u", at, char)
	case where == `in \u hexadecimal character escape`:
		return errs.Field("body", "invalid JSON at byte %d: found %s in a \\u escape; expected four hexadecimal digits", at, char)
	case where == "in numeric literal":
		return errs.Field("body", "invalid JSON at byte %d: found %s in a number; expected a digit", at, char)
	case strings.HasPrefix(where, "in literal "):
		return errs.Field("body", "invalid JSON at byte %d: found %s in a word; expected true, false or null", at, char)
	case where == "after top-level value":
		return errs.Field("body", "invalid JSON at byte %d: found %s after the JSON value; send exactly one JSON object", at, char)
	}
	return errs.Field("body", "invalid JSON at byte %d: found %s", at, char)
}
