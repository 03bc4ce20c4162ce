// Package order holds the rules of carts and orders: the Order entity and its state
// machine, request validation, and the Service that plays the order side of the
// consistency protocol. It knows no framework: storage, neighbours and messages are ports.
package order

import (
	"fmt"
	"slices"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/money"
)

// Line is one SKU of an order, priced when the order was placed.
type Line struct {
	SKU       string
	Name      string // the product's name, snapshotted so a later rename does not rewrite history
	Quantity  int64
	UnitPrice money.Money
}

// Address is the shipping address, snapshotted from the user's address book so a later
// edit or deletion there does not move a placed order.
type Address struct {
	Recipient  string
	Line1      string
	Line2      string
	City       string
	Region     string
	PostalCode string
	Country    string
	Phone      string
}

// Order is a customer's order. Its fields change only through the transitions in
// state.go, so every order in memory obeys the state machine.
type Order struct {
	id              string
	userID          string
	status          Status
	cancelReason    CancelReason
	lines           []Line
	total           money.Money
	address         Address
	shipment        *Shipment
	paymentID       string   // the payment that paid the order
	refunds         []string // payments whose refund was requested
	paymentDeadline time.Time
	receivedAt      time.Time
	createdAt       time.Time
	updatedAt       time.Time
	version         int64
}

// Draft is what a new order is made of.
type Draft struct {
	ID              string
	UserID          string
	Lines           []Line
	Currency        string
	Address         Address
	CreatedAt       time.Time
	PaymentDeadline time.Time
}

// NewOrder makes a PENDING order from d, summing its total.
func NewOrder(d Draft) (*Order, error) {
	if d.ID == "" || d.UserID == "" || len(d.Lines) == 0 {
		return nil, fmt.Errorf("%w: id, user and at least one line are required", ErrInvalidOrder)
	}
	if !d.PaymentDeadline.After(d.CreatedAt) {
		return nil, fmt.Errorf("%w: payment deadline must follow creation", ErrInvalidOrder)
	}
	total, err := Total(d.Lines, d.Currency)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidOrder, err)
	}
	return &Order{
		id:              d.ID,
		userID:          d.UserID,
		status:          Pending,
		lines:           slices.Clone(d.Lines),
		total:           total,
		address:         d.Address,
		paymentDeadline: d.PaymentDeadline,
		createdAt:       d.CreatedAt,
		updatedAt:       d.CreatedAt,
	}, nil
}

// Total sums lines in currency. Every line must be priced in currency and hold a
// quantity in 1..MaxQuantity.
func Total(lines []Line, currency string) (money.Money, error) {
	total, err := money.New(0, currency)
	if err != nil {
		return money.Money{}, err
	}
	for _, l := range lines {
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			return money.Money{}, fmt.Errorf("line %s: quantity %d out of range", l.SKU, l.Quantity)
		}
		sub, err := l.UnitPrice.Times(l.Quantity)
		if err != nil {
			return money.Money{}, fmt.Errorf("line %s: %w", l.SKU, err)
		}
		if total, err = total.Add(sub); err != nil {
			return money.Money{}, fmt.Errorf("line %s: %w", l.SKU, err)
		}
	}
	return total, nil
}

// Snapshot is every field of an order, for the store and the RPC edge.
type Snapshot struct {
	ID              string
	UserID          string
	Status          Status
	CancelReason    CancelReason
	Lines           []Line
	Total           money.Money
	Address         Address
	Shipment        *Shipment
	PaymentID       string
	Refunds         []string
	PaymentDeadline time.Time
	ReceivedAt      time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Version counts the writes of the order; the store uses it for optimistic updates.
	Version int64
}

// Snapshot copies the order's fields out.
func (o *Order) Snapshot() Snapshot {
	var shipment *Shipment
	if o.shipment != nil {
		s := *o.shipment
		shipment = &s
	}
	return Snapshot{
		ID: o.id, UserID: o.userID, Status: o.status, CancelReason: o.cancelReason,
		Lines: slices.Clone(o.lines), Total: o.total, Address: o.address, Shipment: shipment,
		PaymentID: o.paymentID, Refunds: slices.Clone(o.refunds),
		PaymentDeadline: o.paymentDeadline, ReceivedAt: o.receivedAt,
		CreatedAt: o.createdAt, UpdatedAt: o.updatedAt, Version: o.version,
	}
}

// Restore rebuilds an order the store read back. It trusts s: only orders made by
// NewOrder and changed by the state machine were ever written.
func Restore(s Snapshot) *Order {
	var shipment *Shipment
	if s.Shipment != nil {
		sh := *s.Shipment
		shipment = &sh
	}
	return &Order{
		id: s.ID, userID: s.UserID, status: s.Status, cancelReason: s.CancelReason,
		lines: slices.Clone(s.Lines), total: s.Total, address: s.Address, shipment: shipment,
		paymentID: s.PaymentID, refunds: slices.Clone(s.Refunds),
		paymentDeadline: s.PaymentDeadline, receivedAt: s.ReceivedAt,
		createdAt: s.CreatedAt, updatedAt: s.UpdatedAt, version: s.Version,
	}
}

func (o *Order) ID() string                 { return o.id }
func (o *Order) UserID() string             { return o.userID }
func (o *Order) Status() Status             { return o.status }
func (o *Order) CancelReason() CancelReason { return o.cancelReason }
func (o *Order) Total() money.Money         { return o.total }
func (o *Order) PaymentDeadline() time.Time { return o.paymentDeadline }
func (o *Order) Lines() []Line              { return slices.Clone(o.lines) }

// createdEvent announces the new order so the product service reserves its stock.
func (o *Order) createdEvent() OrderCreated {
	return OrderCreated{ID: o.id, UserID: o.userID, Lines: slices.Clone(o.lines), CreatedAt: o.createdAt}
}
