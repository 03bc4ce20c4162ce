package order

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

// Policy is the business configuration of the service.
type Policy struct {
	Currency          string        // the one currency the shop sells in
	PaymentTimeout    time.Duration // from placing an order to its payment deadline
	AutoReceiveAfter  time.Duration // SHIPPED this long counts as RECEIVED
	AutoCompleteAfter time.Duration // RECEIVED this long is COMPLETED
	MaxLines          int           // per order, and per cart so a full cart can be ordered
	SweepBatch        int           // orders per status looked at by one sweep
}

// Ports are the service's connections to the outside.
type Ports struct {
	Store     Storer
	Catalog   Catalog
	Addresses AddressBook
	Timeouts  TimeoutScheduler
}

// Service carries out carts, orders and the order side of the consistency protocol.
type Service struct {
	store     Storer
	catalog   Catalog
	addresses AddressBook
	timeouts  TimeoutScheduler
	policy    Policy
	clock     func() time.Time
	log       *slog.Logger
}

// NewService wires the service; clock is the source of "now".
func NewService(ports Ports, policy Policy, clock func() time.Time, log *slog.Logger) *Service {
	return &Service{
		store: ports.Store, catalog: ports.Catalog, addresses: ports.Addresses, timeouts: ports.Timeouts,
		policy: policy, clock: clock, log: log,
	}
}

// now is truncated to microseconds, the precision both databases keep, so an order in
// memory compares equal to the same order read back (keyset paging relies on it).
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// CreateOrder places an order once per idempotency key: a replay of the same request
// answers the same order with replayed=true; another request with the key is refused.
// Stock is not checked here; the product service settles it and answers by message.
func (s *Service) CreateOrder(ctx context.Context, req CreateRequest) (*Order, bool, error) {
	if err := req.validate(s.policy.MaxLines); err != nil {
		return nil, false, err
	}
	fp := req.fingerprint()
	if seen, err := s.replay(ctx, req.UserID, req.IdempotencyKey, fp); seen != nil || err != nil {
		return seen, seen != nil, err
	}
	o, err := s.draft(ctx, req)
	if err != nil {
		return nil, false, err
	}
	p := Placement{Order: o, Key: req.IdempotencyKey, Fingerprint: fp, FromCart: req.FromCart}
	err = s.store.InsertOrder(ctx, p, o.createdEvent())
	if errors.Is(err, ErrIdempotencyKeyTaken) {
		// A concurrent request with the same key inserted first: answer as its replay.
		seen, err := s.replay(ctx, req.UserID, req.IdempotencyKey, fp)
		if seen == nil && err == nil {
			err = fmt.Errorf("idempotency key %q taken, yet no order holds it", req.IdempotencyKey)
		}
		return seen, seen != nil, err
	}
	if err != nil {
		return nil, false, err
	}
	s.scheduleTimeout(context.WithoutCancel(ctx), o.id, o.paymentDeadline)
	return o, false, nil
}

// replay returns the order already placed with the key, nil when the key is unused.
func (s *Service) replay(ctx context.Context, userID, key, fingerprint string) (*Order, error) {
	o, stored, err := s.store.OrderByKey(ctx, userID, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case stored != fingerprint:
		return nil, ErrIdempotencyKeyReused
	}
	return o, nil
}

// draft gathers what a new order is made of: the address, the lines and their prices.
func (s *Service) draft(ctx context.Context, req CreateRequest) (*Order, error) {
	addr, err := s.addresses.Address(ctx, req.UserID, req.AddressID)
	if err != nil {
		return nil, err
	}
	wanted := req.Lines
	if req.FromCart {
		if wanted, err = s.cartLines(ctx, req.UserID); err != nil {
			return nil, err
		}
	}
	codes := make([]string, len(wanted))
	for i, w := range wanted {
		codes[i] = w.SKU
	}
	skus, err := s.catalog.SKUs(ctx, codes)
	if err != nil {
		return nil, err
	}
	lines, err := priceLines(wanted, skus, s.policy.Currency)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return NewOrder(Draft{
		ID: ids.New(), UserID: req.UserID, Lines: lines, Currency: s.policy.Currency,
		Address: addr, CreatedAt: now, PaymentDeadline: now.Add(s.policy.PaymentTimeout),
	})
}

func (s *Service) cartLines(ctx context.Context, userID string) ([]LineRequest, error) {
	items, err := s.store.CartItems(ctx, userID)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ErrCartEmpty
	}
	if len(items) > s.policy.MaxLines { // only after the limit was lowered
		return nil, errs.Invalid(errs.FieldViolation{Field: "from_cart",
			Reason: fmt.Sprintf("the cart holds more than %d lines", s.policy.MaxLines)})
	}
	lines := make([]LineRequest, len(items))
	for i, it := range items {
		lines[i] = LineRequest{SKU: it.SKU, Quantity: it.Quantity}
	}
	return lines, nil
}

// scheduleTimeout asks for the delayed message that cancels the order if unpaid. A
// failure is only logged: the sweeper is the backstop for a lost timeout.
func (s *Service) scheduleTimeout(ctx context.Context, orderID string, deadline time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	delay := max(deadline.Sub(s.now()), 0)
	if err := s.timeouts.ScheduleTimeout(ctx, orderID, deadline, delay); err != nil {
		s.log.WarnContext(ctx, "scheduling the payment timeout failed; the sweeper will cancel the order if unpaid",
			"order_id", orderID, "err", err)
	}
}
