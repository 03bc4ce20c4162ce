package payment

import (
	"errors"
	"strings"
)

// Sentinel errors. Their text is what a client reads (the handler's error table sends it
// as the message), so it never carries internal detail.
var (
	ErrNotFound          = errors.New("payment not found")
	ErrOrderNotFound     = errors.New("order not found")
	ErrOrderNotPayable   = errors.New("the order is not awaiting payment")
	ErrStateConflict     = errors.New("the payment is not in a state that allows this")
	ErrAmountMismatch    = errors.New("the paid amount does not match the payment")
	ErrSignatureInvalid  = errors.New("the webhook signature is invalid or stale")
	ErrSandboxDisabled   = errors.New("the sandbox provider is off")
	ErrIllegalTransition = errors.New("illegal payment status transition")
)

// Store outcomes the use cases act on; they never reach a client as such.
var (
	// ErrStale: the payment changed since it was loaded (optimistic concurrency).
	ErrStale = errors.New("payment: changed concurrently")
	// ErrOrderHasPayment: the order already has a live (non-FAILED) payment.
	ErrOrderHasPayment = errors.New("payment: the order already has a payment")
	// ErrTxnTaken: the provider transaction id is recorded on another payment.
	ErrTxnTaken = errors.New("payment: provider transaction already recorded")
	// ErrAlreadyRefunded: the payment already has its refund row.
	ErrAlreadyRefunded = errors.New("payment: already refunded")
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

// err is nil when nothing was collected.
func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return &ValidationError{Violations: v}
}
