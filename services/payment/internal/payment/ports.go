package payment

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// Storer keeps payments. Implementations translate their driver's errors into the
// sentinels named here.
type Storer interface {
	// Create inserts p; ErrOrderHasPayment when its order already has a live payment
	// (PENDING, SUCCEEDED or REFUNDED), which the store guarantees under concurrency.
	Create(ctx context.Context, p *Payment) error
	// Get loads a payment; ErrNotFound when there is none.
	Get(ctx context.Context, id string) (*Payment, error)
	// LiveForOrder loads the order's live payment; ErrNotFound when there is none.
	LiveForOrder(ctx context.Context, orderID string) (*Payment, error)
	// ForOrder loads every payment of the order, oldest first, each with its refund
	// when it has one; none is an empty list, not an error.
	ForOrder(ctx context.Context, orderID string) ([]Record, error)
}

// Record is a payment as an admin reads it: the payment and, once refunded, its refund.
type Record struct {
	Payment *Payment
	Refund  *Refund
}

// Announcer saves a state change that other services must hear about together with its
// message (ARCHITECTURE.md §5): the change commits if and only if the message does. Both
// methods save p only over the version it was loaded at, else ErrStale.
type Announcer interface {
	// Succeeded saves p, just moved to SUCCEEDED, and sends payment.succeeded;
	// ErrTxnTaken when its provider transaction is recorded on another payment.
	Succeeded(ctx context.Context, p *Payment) error
	// Refunded saves p, just moved to REFUNDED, with its refund row, and sends
	// payment.refunded; ErrAlreadyRefunded when the row exists.
	Refunded(ctx context.Context, p *Payment, r Refund) error
}

// OrderAwaitingPayment is the only order status a payment may be created for.
const OrderAwaitingPayment = "AWAITING_PAYMENT"

// Order is what the payment service needs to know of an order.
type Order struct {
	ID     string
	UserID string
	Status string
	Total  money.Money
}

// Orders reads orders from the order service.
type Orders interface {
	// Get returns the order if userID owns it; ErrOrderNotFound otherwise, so another
	// user's order is indistinguishable from a missing one.
	Get(ctx context.Context, orderID, userID string) (Order, error)
}

// Provider is the payment provider (card network, wallet) behind the service. It is the
// one port with a stand-in in this repository, the sandbox, because no real provider
// can be reached from here.
type Provider interface {
	// Name is stored on each payment ("sandbox").
	Name() string
	// Checkout opens the provider's checkout for p and returns where the payer goes.
	Checkout(ctx context.Context, p *Payment) (checkoutURL string, err error)
	// Refund returns p's money and the provider's refund id. It must be idempotent per
	// payment (real providers take an idempotency key), because a refund request is
	// delivered at least once.
	Refund(ctx context.Context, p *Payment) (providerRefundID string, err error)
}

// Payer plays the payer of a checkout; only the sandbox provider offers one.
type Payer interface {
	// Complete pays p at the provider, which then calls the webhook asynchronously.
	Complete(ctx context.Context, p *Payment) error
}
