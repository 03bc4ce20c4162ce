package order

import (
	"errors"
	"fmt"
)

// Sentinels; the RPC edge maps each to a catalogued code in one table.
var (
	ErrNotFound          = errors.New("order not found")
	ErrIllegalTransition = errors.New("the order is not in a state that allows this")
	// ErrStockNotSettled is an illegal transition out of PENDING: the product service has
	// not answered yet. Callers retry; message consumers ask for redelivery.
	ErrStockNotSettled = fmt.Errorf("%w: its stock is not settled yet", ErrIllegalTransition)
	// ErrNotDue: a timed transition was asked for before its time.
	ErrNotDue = errors.New("not due yet")
	// ErrAlreadyApplied: a redelivered message whose effect is already recorded.
	ErrAlreadyApplied = errors.New("already applied")
	// ErrConcurrentUpdate: the order kept changing under us; the caller may retry.
	ErrConcurrentUpdate = errors.New("the order was changed concurrently, retry")

	ErrIdempotencyKeyReused = errors.New("the idempotency key was used with a different request")
	// ErrIdempotencyKeyTaken is the store's answer when another request inserted the key
	// first; the service then answers as for a replay.
	ErrIdempotencyKeyTaken = errors.New("idempotency key taken")

	ErrCartEmpty      = errors.New("the cart is empty")
	ErrCartFull       = errors.New("the cart cannot hold more lines")
	ErrSkuNotFound    = errors.New("SKU not found")
	ErrSkuUnavailable = errors.New("the SKU is not for sale")
	// ErrStockInsufficient: the stock gate refused the order (the product service's
	// AdmitOrder): a line asks for more than its SKU can still sell.
	ErrStockInsufficient = errors.New("not enough stock")
	ErrAddressNotFound   = errors.New("address not found")

	// ErrInvalidOrder means a draft breaks an invariant every order keeps; it is a
	// programming error, since requests are validated before a draft is made.
	ErrInvalidOrder = errors.New("invalid order")
)

// SkuError names the SKU a catalog refusal is about, so the client knows which line to fix.
type SkuError struct {
	SKU string
	Err error // ErrSkuNotFound, ErrSkuUnavailable or ErrStockInsufficient
}

func (e *SkuError) Error() string { return e.Err.Error() + ": " + e.SKU }
func (e *SkuError) Unwrap() error { return e.Err }
