// Package errs holds samdrift's one coded error type. Domain packages return
// *Error values with a Code; the web layer maps the code to an HTTP status in
// one table and shows Message (and Field, when the error is about one input
// field) to the user. Anything that is not an *Error is internal and its text
// is never shown to users.
package errs

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers and for the HTTP status mapping.
type Code string

// The error codes. Keep the set small: a caller must be able to act on each.
const (
	Invalid      Code = "EINVALID"      // bad input; Field names which
	NotFound     Code = "ENOTFOUND"     // no such thing, or not visible to the caller
	Forbidden    Code = "EFORBIDDEN"    // authenticated, but not allowed
	Unauthorized Code = "EUNAUTHORIZED" // no valid credentials
	Conflict     Code = "ECONFLICT"     // clashes with existing state (duplicate, stale)
	TooMany      Code = "ETOOMANY"      // throttled; try again later
	Internal     Code = "EINTERNAL"     // a bug or an outage; details are logged, not shown
)

// Error is samdrift's coded error. Message is safe to show to the user who
// caused it; Field, when set, names the input the error is about.
type Error struct {
	Code    Code
	Field   string
	Message string
	Err     error // optional cause, not shown to users

	// format and args are what E or Field were given: the format is the
	// message's key in the translations (see Danish), so In can render
	// the message in another language.
	format string
	args   []any
}

// Error implements error.
func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		s = string(e.Code) + ": " + e.Field + ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E returns an *Error with code and a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), format: format, args: args}
}

// Field returns an Invalid error about one named input field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...), format: format, args: args}
}

// Wrap returns an Internal error that keeps err as its cause and says what
// was being done, e.g. Wrap(err, "cannot load user %d", id).
func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err // already coded: keep its code and user-facing message
	}
	return &Error{Code: Internal, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
// CodeOf(nil) is "".
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// InField returns err re-labelled as being about field, when it is a coded
// error that users may see (for a lookup done on behalf of an input field);
// internal errors are returned unchanged.
func InField(field string, err error) error {
	e := As(err)
	if e == nil || e.Code == Internal {
		return err
	}
	c := *e
	c.Field = field
	if c.Code == NotFound {
		c.Code = Invalid
	}
	return &c
}
