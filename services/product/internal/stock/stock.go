// Package stock holds the rules of stock on hand: adjustments by staff, and the
// reservations that orders hold, sell and release (ARCHITECTURE.md §5, steps 2 and 5).
package stock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/text"
)

var (
	ErrSKUNotFound  = errors.New("SKU not found")
	ErrInsufficient = errors.New("not enough stock")
	// ErrAlreadyDecided: the order's stock was decided before; its outcome message was
	// committed with that decision, so there is nothing left to do.
	ErrAlreadyDecided = errors.New("stock for this order is already decided")
	// ErrReservationClosed: the reservation was already sold or released.
	ErrReservationClosed = errors.New("reservation is no longer active")
)

// Level is the stock of one SKU. Every unit is in exactly one bucket, so
// available + reserved + sold changes only through adjustments.
type Level struct {
	SKU       string
	Available int64 // can be reserved
	Reserved  int64 // held by orders awaiting payment
	Sold      int64 // paid for
}

// Movement is a change to the buckets of one SKU. The store applies it in a single
// conditional update that refuses to take any bucket below zero.
type Movement struct {
	SKU       string
	Available int64
	Reserved  int64
	Sold      int64
}

// Adjustment limits, as the API documents them.
const (
	MaxDelta     = 1_000_000
	MaxReasonLen = 200
	MaxActorLen  = 64
)

// Adjustment is a validated change of available stock by a member of staff.
type Adjustment struct {
	SKU     string
	Delta   int64
	Reason  string
	ActorID string
}

// NewAdjustment validates an adjustment, reporting every invalid field at once. An
// unknown SKU is for the store to find.
func NewAdjustment(sku string, delta int64, reason, actorID string) (Adjustment, error) {
	var l errs.Violations
	if sku == "" {
		l.Add("sku", "is required")
	}
	if delta == 0 || delta < -MaxDelta || delta > MaxDelta {
		l.Add("delta", fmt.Sprintf("must be non-zero and between -%d and %d", MaxDelta, MaxDelta))
	}
	reason = strings.TrimSpace(reason)
	text.Check(&l, "reason", reason, 1, MaxReasonLen)
	if actorID == "" {
		l.Add("actor_id", "is required")
	} else if !utf8.ValidString(actorID) || len(actorID) > MaxActorLen {
		l.Add("actor_id", fmt.Sprintf("must be at most %d bytes of UTF-8", MaxActorLen))
	}
	if err := l.Err(); err != nil {
		return Adjustment{}, err
	}
	return Adjustment{SKU: sku, Delta: delta, Reason: reason, ActorID: actorID}, nil
}

// Movement is the change the adjustment makes.
func (a Adjustment) Movement() Movement { return Movement{SKU: a.SKU, Available: a.Delta} }

// Store keeps stock levels, adjustments, reservations and decisions.
type Store interface {
	// Level fails with ErrSKUNotFound.
	Level(ctx context.Context, sku string) (Level, error)
	// Adjust applies a's movement and records a, in one transaction. It fails with
	// ErrSKUNotFound, or ErrInsufficient when available would drop below zero.
	Adjust(ctx context.Context, a Adjustment) (Level, error)
	// Availability reads what the SKUs among skus can sell, without locking.
	Availability(ctx context.Context, skus []string) (map[string]Availability, error)
	// Decision returns the order's decision, if it has one.
	Decision(ctx context.Context, orderID string) (Decision, bool, error)
	// Decide, in one transaction, fails with ErrAlreadyDecided when the order has a
	// decision; otherwise it locks the stock of the order's SKUs in SKU order, asks
	// decide for a decision on what it read and records it: for a reservation, the
	// stock movements and reservation rows; in every case the decision row. An error
	// from decide aborts the transaction and is returned.
	Decide(ctx context.Context, o Order, decide func(map[string]Availability) (Decision, error)) error
	// EnsureDecision records d unless the order already has a decision.
	EnsureDecision(ctx context.Context, d Decision) error
	// SettleReservations, in one transaction, passes each active reservation of the
	// order to settle and applies the movement it returns; reservations that settle
	// refuses with ErrReservationClosed are skipped. It returns how many it settled.
	SettleReservations(ctx context.Context, orderID string, settle func(*Reservation) (Movement, error)) (int, error)
}

// Service is the stock use cases.
type Service struct {
	store Store
}

// NewService returns the stock use cases over store.
func NewService(store Store) *Service { return &Service{store: store} }

// Level returns the stock of sku.
func (s *Service) Level(ctx context.Context, sku string) (Level, error) {
	return s.store.Level(ctx, sku)
}

// Adjust validates and applies an adjustment by staff.
func (s *Service) Adjust(ctx context.Context, sku string, delta int64, reason, actorID string) (Level, error) {
	a, err := NewAdjustment(sku, delta, reason, actorID)
	if err != nil {
		return Level{}, err
	}
	return s.store.Adjust(ctx, a)
}

// Decision returns the order's decision, if it has one.
func (s *Service) Decision(ctx context.Context, orderID string) (Decision, bool, error) {
	return s.store.Decision(ctx, orderID)
}

// Predict decides o on stock read without locks. The outcome message must be chosen
// before its transaction starts; Settle then confirms the prediction under lock.
func (s *Service) Predict(ctx context.Context, o Order) (Decision, error) {
	av, err := s.store.Availability(ctx, o.SKUs())
	if err != nil {
		return Decision{}, err
	}
	return o.Decide(av), nil
}

// OutcomeChangedError means the decision under lock differs from the announced one
// (other orders took the stock in between, or returned it): the transaction is rolled
// back with its message, and the caller may announce Actual instead.
type OutcomeChangedError struct {
	Announced, Actual Decision
}

func (e *OutcomeChangedError) Error() string {
	return fmt.Sprintf("stock decision for order %s changed from %s to %s", e.Actual.OrderID, e.Announced, e.Actual)
}

// Settle decides o under lock and records the decision, provided it is the one
// announced. It must run in the transaction that sends the announcement.
func (s *Service) Settle(ctx context.Context, o Order, announced Decision) error {
	return s.store.Decide(ctx, o, func(av map[string]Availability) (Decision, error) {
		actual := o.Decide(av)
		if actual != announced {
			return Decision{}, &OutcomeChangedError{Announced: announced, Actual: actual}
		}
		return actual, nil
	})
}

// SellOrder turns the order's active reservations into sales; it is idempotent.
func (s *Service) SellOrder(ctx context.Context, orderID string) (int, error) {
	return s.store.SettleReservations(ctx, orderID, (*Reservation).Sell)
}

// CancelOrder releases the order's active reservations; it is idempotent.
func (s *Service) CancelOrder(ctx context.Context, orderID string) (int, error) {
	// A cancellation can overtake its order.created in the queue. Deciding the order
	// void first turns that late order.created into a no-op instead of a reservation
	// that nothing would ever release.
	if err := s.store.EnsureDecision(ctx, Void(orderID)); err != nil {
		return 0, err
	}
	return s.store.SettleReservations(ctx, orderID, (*Reservation).Release)
}
