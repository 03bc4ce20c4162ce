package payment

import "errors"

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
