package order

import "time"

// Event is a change of an order other services must hear about. The store sends it as a
// transactional message in the same database transaction as the change, so it leaves
// if and only if the change committed.
type Event interface {
	// OrderID keys the message, so a broker can look up everything about one order.
	OrderID() string
	event()
}

// OrderCreated: an order was placed PENDING; the product service reserves its stock.
type OrderCreated struct {
	ID        string
	UserID    string
	Lines     []Line
	CreatedAt time.Time
}

// OrderPaid: turn the order's reservation into a sale.
type OrderPaid struct {
	ID        string
	PaymentID string
}

// OrderCancelled: release the order's reservation.
type OrderCancelled struct {
	ID     string
	Reason CancelReason
}

// RefundRequested: a payment arrived that the order cannot take; give it back.
type RefundRequested struct {
	ID        string
	PaymentID string
	Reason    RefundReason
}

func (e OrderCreated) OrderID() string    { return e.ID }
func (e OrderPaid) OrderID() string       { return e.ID }
func (e OrderCancelled) OrderID() string  { return e.ID }
func (e RefundRequested) OrderID() string { return e.ID }

func (OrderCreated) event()    {}
func (OrderPaid) event()       {}
func (OrderCancelled) event()  {}
func (RefundRequested) event() {}
