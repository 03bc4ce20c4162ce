package stock

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// The stock gate stands in front of placing an order (seed 003's InventoryCheck). The
// message protocol decides an order's stock seconds after it is placed; in a flash sale
// thousands of buyers would each get an order that is cancelled later. The gate answers
// at once instead: it admits an order only while every line fits in its SKU's headroom,
// the available stock less the units of admitted orders not decided yet.
//
// The database is the gate's only truth: an admission is recorded, under the lock of the
// SKUs' stock rows, only if it fits, and deciding the order deletes it. So the gate never
// admits more than the stock, across replicas and restarts alike. In front of that each
// process keeps a hint of every SKU's headroom for a short while, so that once a SKU is
// sold out the refusals cost no database work; a stale hint can only refuse a buyer who
// could have won (until it expires) or let one through to the database, which refuses.

// ShortError: the gate cannot admit the line of SKU.
type ShortError struct{ SKU string }

func (e *ShortError) Error() string { return ErrInsufficient.Error() + ": " + e.SKU }
func (e *ShortError) Unwrap() error { return ErrInsufficient }

// UnknownSKUError: the order names a SKU that has no stock.
type UnknownSKUError struct{ SKU string }

func (e *UnknownSKUError) Error() string { return ErrSKUNotFound.Error() + ": " + e.SKU }
func (e *UnknownSKUError) Unwrap() error { return ErrSKUNotFound }

// AdmissionLifetime is how long an admission counts without its order being decided.
// One still undecided after it belongs to an order whose placement failed between
// admission and insert (the process died), and would otherwise hold its units for good.
const AdmissionLifetime = time.Hour

// GateStore records admissions.
type GateStore interface {
	// Admit, in one transaction that locks the stock rows of o's SKUs, records o's
	// admission when every line fits in its SKU's headroom (admissions younger than
	// AdmissionLifetime count). An order admitted or decided before is not admitted
	// again. A line that does not fit fails with *ShortError, a SKU without stock with
	// *UnknownSKUError, and nothing is recorded; the SKUs' headroom is answered with
	// them (and only with them: an admission is what consumes headroom).
	Admit(ctx context.Context, o Order) (map[string]int64, error)
	// ReturnAdmission deletes the order's admission; none is fine.
	ReturnAdmission(ctx context.Context, orderID string) error
}

// Gate admits orders (see above).
type Gate struct {
	store GateStore
	hints *hints // nil: every admission asks the database
}

// NewGate returns the gate over store; each SKU's headroom is remembered for hintTTL,
// and not at all when hintTTL is zero.
func NewGate(store GateStore, hintTTL time.Duration, clock func() time.Time) *Gate {
	g := &Gate{store: store}
	if hintTTL > 0 {
		g.hints = &hints{ttl: hintTTL, clock: clock, m: map[string]hint{}}
	}
	return g
}

// Admit admits the order that will have orderID, or refuses it with *ShortError (the
// first SKU in SKU order that does not fit) or *UnknownSKUError. An order placed after
// its admission finds its stock when order.created is decided, unless staff took stock
// away meanwhile.
func (g *Gate) Admit(ctx context.Context, orderID string, lines []Line) error {
	o, err := NewOrder(orderID, lines)
	if err != nil {
		return errs.Invalid(errs.FieldViolation{Field: "order_id", Reason: "must be 1 to 64 characters"})
	}
	if o.malformed != nil || len(o.lines) == 0 {
		return errs.Invalid(errs.FieldViolation{Field: "lines",
			Reason: fmt.Sprintf("must name SKUs of 1 to %d characters, each with a quantity of 1 to %d", MaxKeyLen, MaxLineQuantity)})
	}
	if sku, short := g.hints.take(o.lines); short {
		return &ShortError{SKU: sku}
	}
	headroom, err := g.store.Admit(ctx, o)
	g.hints.set(headroom)
	return err
}

// ReturnAdmission gives back the admission of an order that was never placed. The hints
// keep their value until they expire: giving back only ever makes them too low.
func (g *Gate) ReturnAdmission(ctx context.Context, orderID string) error {
	if !ValidOrderID(orderID) {
		return errs.Invalid(errs.FieldViolation{Field: "order_id", Reason: "must be 1 to 64 characters"})
	}
	return g.store.ReturnAdmission(ctx, orderID)
}

type hint struct {
	headroom int64
	until    time.Time
}

// hints remembers headrooms the database answered, for ttl.
type hints struct {
	ttl   time.Duration
	clock func() time.Time
	mu    sync.Mutex
	m     map[string]hint
}

// maxHints bounds the memory of the hints; past it, expired ones are dropped.
const maxHints = 100_000

// take reports the first line whose fresh hint is below its quantity; otherwise it takes
// every line's quantity from its fresh hint, so that concurrent admissions in this
// process see each other before the database answers. A SKU without a fresh hint passes.
func (h *hints) take(lines []Line) (string, bool) {
	if h == nil {
		return "", false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock()
	for _, l := range lines {
		if e, ok := h.m[l.SKU]; ok && now.Before(e.until) && e.headroom < l.Quantity {
			return l.SKU, true
		}
	}
	for _, l := range lines {
		if e, ok := h.m[l.SKU]; ok && now.Before(e.until) {
			e.headroom -= l.Quantity
			h.m[l.SKU] = e
		}
	}
	return "", false
}

// set remembers what the database answered.
func (h *hints) set(headroom map[string]int64) {
	if h == nil || len(headroom) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.clock()
	if len(h.m) >= maxHints {
		for sku, e := range h.m {
			if !now.Before(e.until) {
				delete(h.m, sku)
			}
		}
	}
	for sku, n := range headroom {
		if _, known := h.m[sku]; known || len(h.m) < maxHints {
			h.m[sku] = hint{headroom: n, until: now.Add(h.ttl)}
		}
	}
}
