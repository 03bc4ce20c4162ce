package account

import (
	"errors"
	"strings"
)

// Sentinel errors. Their text is what a client reads (the handler's error table sends it
// as the message), so it must never carry internal detail.
var (
	ErrEmailTaken          = errors.New("an account with this email already exists")
	ErrInvalidCredentials  = errors.New("email or password is wrong")
	ErrRefreshTokenInvalid = errors.New("the refresh token is invalid, expired or already used")
	ErrUserNotFound        = errors.New("user not found")
	ErrAddressNotFound     = errors.New("address not found")
	ErrTooManyAddresses    = errors.New("the address book is full")
)

// Violation names one invalid input field by the JSON name the client sent.
type Violation struct {
	Field  string
	Reason string
}

// ValidationError lists every invalid field of one request, so a client can fix them
// all in one round trip.
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Reason
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// violations collects field problems while a whole request is checked.
type violations []Violation

func (v *violations) add(field, reason string) {
	*v = append(*v, Violation{Field: field, Reason: reason})
}

// check records reason for field when reason is not empty, so validators can be
// written as functions returning "" for a good value.
func (v *violations) check(field, reason string) {
	if reason != "" {
		v.add(field, reason)
	}
}

// err is nil when nothing was collected.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Violations: v}
}
