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
	// UpdatePayment is the write-and-publish step (ARCHITECTURE.md §5): it runs rule on a
	// fresh read of the payment, then writes the payment over the version read in the
	// local transaction of the message announcing the event rule returned, so the change
	// commits if and only if the message does. A concurrent write makes it read and run
	// rule again, a few times, then ErrStale. rule's errors come back as they are;
	// ErrTxnTaken when the payment's provider transaction is recorded on another
	// payment; ErrAlreadyRefunded when a PaymentRefunded's refund row exists.
	UpdatePayment(ctx context.Context, id string, rule func(*Payment) (Event, error)) (*Payment, error)
}

// Event is a change of a payment that other services hear about.
type Event interface{ isEvent() }

// PaymentSucceeded: the payment was captured (payment.succeeded).
type PaymentSucceeded struct{ Payment *Payment }

// PaymentRefunded: the payment's money went back, recorded as Refund (payment.refunded).
type PaymentRefunded struct {
	Payment *Payment
	Refund  Refund
}

func (PaymentSucceeded) isEvent() {}
func (PaymentRefunded) isEvent()  {}

// Record is a payment as an admin reads it: the payment and, once refunded, its refund.
type Record struct {
	Payment *Payment
	Refund  *Refund
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
