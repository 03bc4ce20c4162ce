package order

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

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
	// placing runs concurrent copies of one request (user, key and body) once, so a
	// double click takes one admission from the stock gate, not one per copy.
	placing singleflight.Group
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
// The product service's stock gate admits the order first, so a sold-out SKU is refused
// at once (ErrStockInsufficient); the stock itself is decided by order.created, and the
// order answers PENDING until then.
func (s *Service) CreateOrder(ctx context.Context, req CreateRequest) (*Order, bool, error) {
	if err := req.validate(s.policy.MaxLines); err != nil {
		return nil, false, err
	}
	fp := req.fingerprint()
	if seen, err := s.replay(ctx, req.UserID, req.IdempotencyKey, fp); seen != nil || err != nil {
		return seen, seen != nil, err
	}
	type placed struct {
		order    *Order
		replayed bool
	}
	ran := false
	v, err, _ := s.placing.Do(req.UserID+"\x00"+req.IdempotencyKey+"\x00"+fp, func() (any, error) {
		ran = true
		o, replayed, err := s.admitAndPlace(ctx, req, fp)
		return placed{o, replayed}, err
	})
	p, _ := v.(placed)
	// A copy that waited for another answers as its replay.
	return p.order, p.replayed || (!ran && err == nil), err
}

// admitAndPlace has the stock gate admit the order, then places it.
func (s *Service) admitAndPlace(ctx context.Context, req CreateRequest, fp string) (*Order, bool, error) {
	wanted := req.Lines
	if req.FromCart {
		var err error
		if wanted, err = s.cartLines(ctx, req.UserID); err != nil {
			return nil, false, err
		}
	}
	id := ids.New()
	if err := s.catalog.Admit(ctx, id, wanted); err != nil {
		return nil, false, err
	}
	o, replayed, err := s.place(ctx, req, id, wanted, fp)
	if err != nil && !errs.Outage(err) {
		// Not placed: give the admission back. After an outage the order may have been
		// placed all the same, so the admission stays; unused, it lapses within the
		// product service's stock.AdmissionLifetime.
		s.returnAdmission(context.WithoutCancel(ctx), id)
	}
	if replayed {
		s.returnAdmission(context.WithoutCancel(ctx), id)
	}
	return o, replayed, err
}

// place drafts the order with id and inserts it; replayed when a concurrent request
// with the same key placed its own first.
func (s *Service) place(ctx context.Context, req CreateRequest, id string, wanted []LineRequest, fp string) (*Order, bool, error) {
	o, err := s.draft(ctx, req, id, wanted)
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

// returnAdmission gives back the admission of an order that was not placed. A failure
// is only logged: the admission then lapses on its own.
func (s *Service) returnAdmission(ctx context.Context, orderID string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.catalog.ReturnAdmission(ctx, orderID); err != nil {
		s.log.WarnContext(ctx, "returning the stock admission of an order not placed failed; it lapses on its own",
			"order_id", orderID, "err", err)
	}
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
func (s *Service) draft(ctx context.Context, req CreateRequest, id string, wanted []LineRequest) (*Order, error) {
	addr, err := s.addresses.Address(ctx, req.UserID, req.AddressID)
	if err != nil {
		return nil, err
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
		ID: id, UserID: req.UserID, Lines: lines, Currency: s.policy.Currency,
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
