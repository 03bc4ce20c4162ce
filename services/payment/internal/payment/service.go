package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Options are the collaborators and settings of a Service.
type Options struct {
	Store    Storer
	Orders   Orders
	Provider Provider
	// Payer is nil when the sandbox is off: SandboxComplete then answers
	// ErrSandboxDisabled.
	Payer Payer
	// WebhookSecret signs the provider's callbacks; WebhookTolerance is how far their
	// timestamp may be from now.
	WebhookSecret    string
	WebhookTolerance time.Duration
	Clock            func() time.Time // nil is time.Now
	Logger           *slog.Logger     // nil is slog.Default()
}

// Service runs the payment use cases.
type Service struct {
	store     Storer
	orders    Orders
	provider  Provider
	payer     Payer
	secret    string
	tolerance time.Duration
	clock     func() time.Time
	log       *slog.Logger
}

// NewService checks that every required collaborator is there.
func NewService(o Options) (*Service, error) {
	if o.Store == nil || o.Orders == nil || o.Provider == nil {
		return nil, errors.New("payment: store, orders and provider are required")
	}
	if o.WebhookSecret == "" || o.WebhookTolerance <= 0 {
		return nil, errors.New("payment: a webhook secret and a positive tolerance are required")
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{
		store: o.Store, orders: o.Orders, provider: o.Provider,
		payer: o.Payer, secret: o.WebhookSecret, tolerance: o.WebhookTolerance,
		clock: o.Clock, log: o.Logger,
	}, nil
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Create opens a payment for the order's total, or returns the order's PENDING payment
// when there is one, so a client that retries does not pay twice.
func (s *Service) Create(ctx context.Context, orderID, userID string) (*Payment, error) {
	var v errs.Violations
	if orderID == "" {
		v.Add("order_id", "is required")
	}
	checkUserID(&v, userID)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !ids.Valid(orderID) {
		return nil, ErrOrderNotFound // a path segment that cannot be an id names no order
	}
	order, err := s.orders.Get(ctx, orderID, userID)
	if err != nil {
		return nil, err
	}
	if order.Status != OrderAwaitingPayment || order.Total.Cents == 0 {
		return nil, ErrOrderNotPayable // a free order has nothing to collect
	}
	live, err := s.store.LiveForOrder(ctx, orderID)
	if err == nil {
		return reuse(live)
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return s.open(ctx, order)
}

// open creates the payment at the provider and in the store; a concurrent Create for the
// same order may win the store's unique key, and then its payment is the answer.
func (s *Service) open(ctx context.Context, order Order) (*Payment, error) {
	p, err := New(Draft{OrderID: order.ID, UserID: order.UserID, Amount: order.Total, Provider: s.provider.Name(), Now: s.now()})
	if err != nil {
		return nil, err
	}
	if p.checkoutURL, err = s.provider.Checkout(ctx, p); err != nil {
		return nil, fmt.Errorf("payment: checkout at %s: %w", s.provider.Name(), err)
	}
	err = s.store.Create(ctx, p)
	if errors.Is(err, ErrOrderHasPayment) {
		live, err := s.store.LiveForOrder(ctx, order.ID)
		if err != nil {
			return nil, err
		}
		return reuse(live)
	}
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "payment created", "payment_id", p.ID(), "order_id", p.OrderID(), "amount", p.Amount().String())
	return p, nil
}

// reuse answers Create with the order's live payment: a PENDING one is still payable; a
// settled one means the order is paid (or refunded) and its status has not caught up yet.
func reuse(live *Payment) (*Payment, error) {
	if live.Status() == StatusPending {
		return live, nil
	}
	return nil, ErrOrderNotPayable
}

// Get returns the payment if userID owns it ("" reads any). An unknown, malformed or
// foreign id is ErrNotFound alike, so ids cannot be probed.
func (s *Service) Get(ctx context.Context, id, userID string) (*Payment, error) {
	if !ids.Valid(id) {
		return nil, ErrNotFound
	}
	p, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !p.OwnedBy(userID) {
		return nil, ErrNotFound
	}
	return p, nil
}

// ForOrder lists every payment made for the order, oldest first, with refunds (admin
// callers: there is no owner check). A malformed order id is INVALID_ARGUMENT; an order
// without payments has an empty list.
func (s *Service) ForOrder(ctx context.Context, orderID string) ([]Record, error) {
	if !ids.Valid(orderID) {
		var v errs.Violations
		v.Add("order_id", "must be an order id")
		return nil, v.Err()
	}
	return s.store.ForOrder(ctx, orderID)
}

// SandboxComplete plays the payer of the owner's PENDING payment. The provider confirms
// through the webhook later, so the payment returned is still PENDING.
func (s *Service) SandboxComplete(ctx context.Context, id, userID string) (*Payment, error) {
	if s.payer == nil {
		return nil, ErrSandboxDisabled
	}
	var v errs.Violations
	checkUserID(&v, userID)
	if err := v.Err(); err != nil {
		return nil, err
	}
	p, err := s.Get(ctx, id, userID)
	if err != nil {
		return nil, err
	}
	if p.Status() != StatusPending {
		return nil, fmt.Errorf("%w: payment is %s", ErrStateConflict, p.Status())
	}
	if err := s.payer.Complete(ctx, p); err != nil {
		return nil, fmt.Errorf("payment: sandbox complete: %w", err)
	}
	return p, nil
}

// checkUserID requires the caller's user id: payments always belong to someone.
func checkUserID(v *errs.Violations, userID string) {
	switch {
	case userID == "":
		v.Add("user_id", "is required")
	case !ids.Valid(userID):
		v.Add("user_id", "must be an id")
	}
}
