package order

import (
	"context"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// Storer keeps orders and carts. Every write that another service must hear about takes
// its Event and sends it in the same transaction.
type Storer interface {
	// InsertOrder writes a new order, its lines and its idempotency key, removes the
	// ordered SKUs from the cart when it was made from the cart, and sends created.
	// ErrIdempotencyKeyTaken when another order holds the key.
	InsertOrder(ctx context.Context, p Placement, created Event) error
	// OrderByKey returns the order placed with the user's idempotency key and the
	// fingerprint of its request; ErrNotFound when the key is unused.
	OrderByKey(ctx context.Context, userID, key string) (*Order, string, error)
	// Order returns the order; ErrNotFound when there is none.
	Order(ctx context.Context, id string) (*Order, error)
	// ListOrders returns up to limit of the user's orders, newest first, after the cursor.
	ListOrders(ctx context.Context, userID string, status Status, after *Cursor, limit int) ([]*Order, error)
	// UpdateOrder runs rule on the current order and writes the result, unless rule fails.
	// The write succeeds only if nobody wrote the order since it was read; otherwise the
	// rule runs again on the fresh order, a few times, then ErrConcurrentUpdate.
	UpdateOrder(ctx context.Context, id string, rule func(*Order) error) (*Order, error)
	// UpdateOrderAndSend is UpdateOrder whose rule may also return an event, sent as a
	// transactional message with the write. A RefundRequested event is recorded once per
	// payment.
	UpdateOrderAndSend(ctx context.Context, id string, rule func(*Order) (Event, error)) (*Order, error)
	// DueOrders returns the ids of up to limit orders in status whose clock for that status
	// (payment deadline, shipping time, receipt time) is at or before cutoff, oldest first.
	DueOrders(ctx context.Context, status Status, cutoff time.Time, limit int) ([]string, error)

	// CartItems returns the user's cart, oldest line first.
	CartItems(ctx context.Context, userID string) ([]CartItem, error)
	// SetCartItem sets the quantity of a line, adding it when new; ErrCartFull when that
	// would make more than maxLines lines.
	SetCartItem(ctx context.Context, userID string, item CartItem, maxLines int) error
	// RemoveCartItem removes a line; removing an absent line is fine.
	RemoveCartItem(ctx context.Context, userID, sku string) error
}

// Placement is everything CreateOrder writes in one transaction.
type Placement struct {
	Order       *Order
	Key         string // the client's idempotency key
	Fingerprint string // of the request first seen with Key
	FromCart    bool   // remove the ordered SKUs from the cart
}

// SKU is what the catalog says about a SKU.
type SKU struct {
	Code   string
	Name   string // the product's name
	Price  money.Money
	Active bool // false when the SKU or its product is withdrawn from sale
}

// Catalog is the product service as the order service needs it.
type Catalog interface {
	// SKUs returns the catalog's entries for codes; unknown codes are absent.
	SKUs(ctx context.Context, codes []string) (map[string]SKU, error)
	// Admit asks the stock gate to admit the order that will have orderID: a *SkuError
	// with ErrStockInsufficient or ErrSkuNotFound when it refuses. Admitting the same
	// order again is a no-op.
	Admit(ctx context.Context, orderID string, lines []LineRequest) error
	// ReturnAdmission gives back the admission of an order that was not placed.
	ReturnAdmission(ctx context.Context, orderID string) error
}

// AddressBook is the user service as the order service needs it.
type AddressBook interface {
	// Address returns one of the user's addresses; ErrAddressNotFound when it is not
	// theirs or does not exist.
	Address(ctx context.Context, userID, addressID string) (Address, error)
}

// TimeoutScheduler sends the delayed message that cancels an order left unpaid.
type TimeoutScheduler interface {
	ScheduleTimeout(ctx context.Context, orderID string, deadline time.Time, delay time.Duration) error
}
