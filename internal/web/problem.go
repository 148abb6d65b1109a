package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: r.URL.Path, Code: string(code)}
	if e := errs.As(err); e != nil && code != errs.Internal {
		p.Detail, p.Field = e.Message, e.Field
	} else {
		s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "something went wrong on our side; it has been logged. Try again, and tell your administrator if it persists"
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
		return &errs.Error{Code: errs.Invalid, Field: "body", Message: fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit), Err: tooBig}
	case errors.As(err, &syn):
		return errs.Field("body", "invalid JSON at byte %d: %s", syn.Offset, syn.Error())
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
