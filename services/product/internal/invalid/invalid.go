// Package invalid collects every invalid field of a request, so a caller hears about all
// of them in one answer instead of fixing them one round trip at a time.
package invalid

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Field names one invalid field by the JSON path the client sent (e.g. "skus[1].sku").
type Field struct {
	Name   string
	Reason string
}

// Error is a request with invalid fields. The handler turns it into INVALID_ARGUMENT with
// one detail per field; it lives here rather than in pkg/errs so that the domain packages
// stay free of the RPC framework pkg/errs depends on.
type Error struct {
	Fields []Field
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Name + ": " + f.Reason
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// List accumulates violations; the zero value is ready to use.
type List struct {
	fields []Field
}

// Add records that field is invalid for reason.
func (l *List) Add(field, reason string) {
	l.fields = append(l.fields, Field{Name: field, Reason: reason})
}

// Addf records a violation with a formatted reason.
func (l *List) Addf(field, format string, args ...any) {
	l.Add(field, fmt.Sprintf(format, args...))
}

// Text checks that value is valid UTF-8 of min..max characters (runes, not bytes, so
// a limit means the same in every script) and reports whether it is.
func (l *List) Text(field, value string, min, max int) bool {
	if !utf8.ValidString(value) {
		l.Add(field, "must be valid UTF-8 text")
		return false
	}
	n := utf8.RuneCountInString(value)
	switch {
	case min > 0 && n == 0:
		l.Add(field, "is required")
	case n < min || n > max:
		if min == 0 {
			l.Addf(field, "must be at most %d characters", max)
		} else {
			l.Addf(field, "must be %d to %d characters", min, max)
		}
	default:
		return true
	}
	return false
}

// Err returns the violations as an *Error, or nil when there are none.
func (l *List) Err() error {
	if len(l.fields) == 0 {
		return nil
	}
	return &Error{Fields: append([]Field(nil), l.fields...)}
}
