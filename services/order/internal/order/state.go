package order

import (
	"fmt"
	"slices"
	"time"
)

// Status is where an order stands in its life.
type Status string

const (
	Pending         Status = "PENDING" // placed; the product service has not settled its stock yet
	AwaitingPayment Status = "AWAITING_PAYMENT"
	Paid            Status = "PAID"
	Shipped         Status = "SHIPPED"
	Received        Status = "RECEIVED"
	Completed       Status = "COMPLETED"
	Cancelled       Status = "CANCELLED"
	// Refunded is part of the public API, reserved for returns, a later capability: no
	// transition reaches it yet. (A payment refunded because the order could not take it
	// leaves the order as it is; see ApplyPayment.)
	Refunded Status = "REFUNDED"
)

// Statuses lists every status, in the order an order moves through them.
func Statuses() []Status {
	return []Status{Pending, AwaitingPayment, Paid, Shipped, Received, Completed, Cancelled, Refunded}
}

// ParseStatus accepts the public names of the statuses.
func ParseStatus(s string) (Status, bool) {
	st := Status(s)
	return st, slices.Contains(Statuses(), st)
}

// CancelReason says why an order was cancelled.
type CancelReason string

const (
	OutOfStock     CancelReason = "OUT_OF_STOCK"
	PaymentTimeout CancelReason = "PAYMENT_TIMEOUT"
	UserCancelled  CancelReason = "USER_CANCELLED"
)

// RefundReason says why a payment must be given back.
type RefundReason string

const (
	RefundOrderCancelled   RefundReason = "ORDER_CANCELLED"   // the payment arrived too late
	RefundDuplicatePayment RefundReason = "DUPLICATE_PAYMENT" // another payment already paid the order
	RefundAmountMismatch   RefundReason = "AMOUNT_MISMATCH"   // never keep money that does not match the total
)

// allowed is the whole state machine: the only transitions an order can make. A
// cancellation must carry a reason its edge allows; other edges carry none.
func allowed(from, to Status, reason CancelReason) bool {
	type edge struct{ from, to Status }
	switch (edge{from, to}) {
	case edge{Pending, AwaitingPayment}, // stock reserved
		edge{AwaitingPayment, Paid},
		edge{Paid, Shipped},       // an admin ships
		edge{Shipped, Received},   // the customer confirms, or the sweeper after a while
		edge{Received, Completed}: // the sweeper, after the return window
		return reason == ""
	case edge{Pending, Cancelled}:
		return reason == OutOfStock // nothing was reserved, so nothing to release
	case edge{AwaitingPayment, Cancelled}:
		return reason == PaymentTimeout || reason == UserCancelled
	}
	return false
}

// moveTo applies one transition of the whitelist, or refuses it.
func (o *Order) moveTo(to Status, reason CancelReason, now time.Time) error {
	if !allowed(o.status, to, reason) {
		if o.status == Pending {
			return fmt.Errorf("%w (%s -> %s)", ErrStockNotSettled, o.status, to)
		}
		return fmt.Errorf("%w: %s -> %s", ErrIllegalTransition, o.status, to)
	}
	o.status, o.cancelReason, o.updatedAt = to, reason, now
	return nil
}

// MarkStockReserved: the product service reserved every line.
func (o *Order) MarkStockReserved(now time.Time) error {
	return o.moveTo(AwaitingPayment, "", now)
}

// RejectForStock: some line could not be reserved, and nothing was.
func (o *Order) RejectForStock(now time.Time) error {
	return o.moveTo(Cancelled, OutOfStock, now)
}

// CancelByUser cancels an unpaid order; its reservation is released.
func (o *Order) CancelByUser(now time.Time) (Event, error) {
	if err := o.moveTo(Cancelled, UserCancelled, now); err != nil {
		return nil, err
	}
	return OrderCancelled{ID: o.id, Reason: UserCancelled}, nil
}

// Expire cancels an order whose payment deadline has passed. Before the deadline it
// answers ErrNotDue; an order still PENDING answers ErrStockNotSettled, because its
// stock may yet be reserved and must then be released.
func (o *Order) Expire(now time.Time) (Event, error) {
	if o.status == AwaitingPayment && now.Before(o.paymentDeadline) {
		return nil, ErrNotDue
	}
	if err := o.moveTo(Cancelled, PaymentTimeout, now); err != nil {
		return nil, err
	}
	return OrderCancelled{ID: o.id, Reason: PaymentTimeout}, nil
}

// ApplyPayment takes a succeeded payment. The order becomes PAID when it awaits payment
// and the amount is its total; any other payment is asked back, once per payment, since
// the customer's money must never be kept without an order to show for it.
func (o *Order) ApplyPayment(p Payment, now time.Time) (Event, error) {
	switch {
	case o.status == Pending:
		return nil, ErrStockNotSettled // the payment service only takes payments for settled orders
	case p.ID == o.paymentID || slices.Contains(o.refunds, p.ID):
		return nil, ErrAlreadyApplied
	case o.status == AwaitingPayment && p.Amount == o.total:
		if err := o.moveTo(Paid, "", now); err != nil {
			return nil, err
		}
		o.paymentID = p.ID
		return OrderPaid{ID: o.id, PaymentID: p.ID}, nil
	}
	reason := RefundDuplicatePayment
	switch o.status {
	case AwaitingPayment:
		reason = RefundAmountMismatch
	case Cancelled:
		reason = RefundOrderCancelled
	}
	o.refunds = append(o.refunds, p.ID)
	return RefundRequested{ID: o.id, PaymentID: p.ID, Reason: reason}, nil
}

// Ship records that an admin handed a paid order to a carrier.
func (o *Order) Ship(s Shipment) error {
	if err := o.moveTo(Shipped, "", s.ShippedAt); err != nil {
		return err
	}
	o.shipment = &s
	return nil
}

// ConfirmReceipt: the customer says the parcel arrived.
func (o *Order) ConfirmReceipt(now time.Time) error {
	if err := o.moveTo(Received, "", now); err != nil {
		return err
	}
	o.receivedAt = now
	return nil
}

// AutoReceive takes a shipped order as received once after has passed since shipping,
// for customers who never confirm.
func (o *Order) AutoReceive(now time.Time, after time.Duration) error {
	if o.status == Shipped && now.Before(o.shipment.ShippedAt.Add(after)) {
		return ErrNotDue
	}
	return o.ConfirmReceipt(now)
}

// AutoComplete closes a received order once after has passed since receipt.
func (o *Order) AutoComplete(now time.Time, after time.Duration) error {
	if o.status == Received && now.Before(o.receivedAt.Add(after)) {
		return ErrNotDue
	}
	return o.moveTo(Completed, "", now)
}
