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
	"github.com/cartwheel-shop/cartwheel/pkg/ids"

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

	ErrIdempotencyKeyReused = errors.New("the idempotency key was used with a different adjustment")
	// ErrIdempotencyKeyTaken is the store's answer when the actor already recorded an
	// adjustment under the key; the service then answers as for a retry.
	ErrIdempotencyKeyTaken = errors.New("idempotency key taken")
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

// AdjustRequest is an adjustment as a member of staff asked for it.
type AdjustRequest struct {
	SKU     string
	Delta   int64
	Reason  string
	ActorID string
	// IdempotencyKey, when set, makes the adjustment at most once per actor and key;
	// nil adjusts on every call. A key that is set must be valid, even when empty.
	IdempotencyKey *string
}

// Adjustment is a validated change of available stock by a member of staff.
type Adjustment struct {
	SKU     string
	Delta   int64
	Reason  string
	ActorID string
	Key     string // the idempotency key; "" for none
}

// NewAdjustment validates an adjustment, reporting every invalid field at once. An
// unknown SKU is for the store to find.
func NewAdjustment(r AdjustRequest) (Adjustment, error) {
	var l errs.Violations
	if r.SKU == "" {
		l.Add("sku", "is required")
	}
	if r.Delta == 0 || r.Delta < -MaxDelta || r.Delta > MaxDelta {
		l.Add("delta", fmt.Sprintf("must be non-zero and between -%d and %d", MaxDelta, MaxDelta))
	}
	reason := strings.TrimSpace(r.Reason)
	text.Check(&l, "reason", reason, 1, MaxReasonLen)
	if r.ActorID == "" {
		l.Add("actor_id", "is required")
	} else if !utf8.ValidString(r.ActorID) || len(r.ActorID) > MaxActorLen {
		l.Add("actor_id", fmt.Sprintf("must be at most %d bytes of UTF-8", MaxActorLen))
	}
	key := ""
	if r.IdempotencyKey != nil {
		key = *r.IdempotencyKey
		if !ids.ValidIdempotencyKey(key) {
			l.Add("idempotency_key", fmt.Sprintf("must be 1 to %d letters, digits, '_', '.', ':' or '-'", ids.MaxIdempotencyKeyLen))
		}
	}
	if err := l.Err(); err != nil {
		return Adjustment{}, err
	}
	return Adjustment{SKU: r.SKU, Delta: r.Delta, Reason: reason, ActorID: r.ActorID, Key: key}, nil
}

// Movement is the change the adjustment makes.
func (a Adjustment) Movement() Movement { return Movement{SKU: a.SKU, Available: a.Delta} }

// Fingerprint identifies what a keyed adjustment asked for, so a retry can be told
// from another adjustment under the same key (ids.Fingerprint). The actor is not in it:
// keys belong to an actor already. The reason is the trimmed one, so a retry differing
// only in surrounding spaces is a retry.
func (a Adjustment) Fingerprint() string {
	canonical := struct {
		Version int    `json:"v"`
		SKU     string `json:"sku"`
		Delta   int64  `json:"delta"`
		Reason  string `json:"reason"`
	}{Version: 1, SKU: a.SKU, Delta: a.Delta, Reason: a.Reason}
	return ids.Fingerprint(canonical)
}

// Store keeps stock levels, adjustments, reservations, admissions and decisions.
// Recording a decision deletes the order's admission in the same transaction.
type Store interface {
	GateStore
	// Level fails with ErrSKUNotFound.
	Level(ctx context.Context, sku string) (Level, error)
	// Adjust applies a's movement and records a, with its key and fingerprint when it
	// has a key, in one transaction. It fails with ErrSKUNotFound, ErrInsufficient when
	// available would drop below zero, or ErrIdempotencyKeyTaken when the actor has
	// recorded an adjustment under the key already; a failure changes nothing.
	Adjust(ctx context.Context, a Adjustment) (Level, error)
	// KeyedAdjustment returns the fingerprint of the adjustment the actor recorded
	// under key, if there is one.
	KeyedAdjustment(ctx context.Context, actorID, key string) (fingerprint string, found bool, err error)
	// Availability reads what the SKUs among skus can sell, without locking.
	Availability(ctx context.Context, skus []string) (map[string]Availability, error)
	// Decision returns the order's decision, if it has one.
	Decision(ctx context.Context, orderID string) (Decision, bool, error)
	// DecideAndSend is the write-and-publish step of order.created (ARCHITECTURE.md §5).
	// It asks decide on the stock read without locks, then sends that decision's
	// announcement (stock.reserved or stock.rejected) as a transactional message whose
	// local transaction locks the stock of the order's SKUs in SKU order, asks decide
	// again and, when the answer is the one announced, records it: for a reservation,
	// the stock movements and reservation rows; in every case the decision row. When the
	// answer changed (other orders moved the stock in between) the message is rolled
	// back and the new answer announced instead, a few times, then *OutcomeChangedError.
	// ErrAlreadyDecided when the order has a decision.
	DecideAndSend(ctx context.Context, o Order, decide func(map[string]Availability) Decision) (Decision, error)
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

// Adjust validates and applies an adjustment by staff. With an idempotency key it
// adjusts at most once per actor and key: a retry (same SKU, delta and reason) adjusts
// nothing and answers the SKU's stock as it is now, not as the first call left it;
// another adjustment under the key fails with ErrIdempotencyKeyReused.
func (s *Service) Adjust(ctx context.Context, r AdjustRequest) (Level, error) {
	a, err := NewAdjustment(r)
	if err != nil {
		return Level{}, err
	}
	if a.Key == "" {
		return s.store.Adjust(ctx, a)
	}
	if l, seen, err := s.replay(ctx, a); seen || err != nil {
		return l, err
	}
	l, err := s.store.Adjust(ctx, a)
	if !errors.Is(err, ErrIdempotencyKeyTaken) && !errors.Is(err, ErrInsufficient) {
		return l, err
	}
	// A concurrent call with the key committed after the look-up above (its movement
	// may be what left too little stock for this one): answer as its retry.
	replayed, seen, rerr := s.replay(ctx, a)
	switch {
	case rerr != nil:
		return Level{}, rerr
	case seen:
		return replayed, nil
	case errors.Is(err, ErrIdempotencyKeyTaken):
		return Level{}, fmt.Errorf("stock: idempotency key %q taken, yet no adjustment holds it", a.Key)
	}
	return Level{}, err
}

// replay answers a retry of the keyed adjustment a with the SKU's stock now; seen is
// false when the actor has not used the key.
func (s *Service) replay(ctx context.Context, a Adjustment) (l Level, seen bool, err error) {
	fingerprint, found, err := s.store.KeyedAdjustment(ctx, a.ActorID, a.Key)
	switch {
	case err != nil:
		return Level{}, false, err
	case !found:
		return Level{}, false, nil
	case fingerprint != a.Fingerprint():
		return Level{}, false, ErrIdempotencyKeyReused
	}
	l, err = s.store.Level(ctx, a.SKU)
	return l, err == nil, err
}

// Decision returns the order's decision, if it has one.
func (s *Service) Decision(ctx context.Context, orderID string) (Decision, bool, error) {
	return s.store.Decision(ctx, orderID)
}

// Reserve decides o's stock and announces the decision with it: every line reserved,
// or nothing and the reason. ErrAlreadyDecided when o was decided before.
func (s *Service) Reserve(ctx context.Context, o Order) (Decision, error) {
	return s.store.DecideAndSend(ctx, o, o.Decide)
}

// OutcomeChangedError means the decision under lock differs from the announced one
// (other orders took the stock in between, or returned it): the transaction is rolled
// back with its message, and Actual may be announced instead.
type OutcomeChangedError struct {
	Announced, Actual Decision
}

func (e *OutcomeChangedError) Error() string {
	return fmt.Sprintf("stock decision for order %s changed from %s to %s", e.Actual.OrderID, e.Announced, e.Actual)
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
