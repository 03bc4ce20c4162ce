package chaos

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/bench"
)

// clientOrder is what the load was answered about one order: its promises to check.
type clientOrder struct {
	cancelled bool // POST /orders/{id}/cancel answered 2xx
	paidSeen  bool // the client read PAID
	payments  []*clientPayment
}

type clientPayment struct {
	id        string
	late      bool // completed after the order had timed out: must be refunded
	completed bool // POST /sandbox/payments/{id}/complete answered 2xx
}

// ledger is every order the load was told exists (201), with what it was told since.
type ledger struct {
	mu     sync.Mutex
	orders map[string]*clientOrder
}

func (l *ledger) update(id string, f func(o *clientOrder)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	o := l.orders[id]
	if o == nil {
		o = &clientOrder{}
		l.orders[id] = o
	}
	f(o)
}

// requests counts what the load sent and what the shop did not serve, with the
// moments of the failures (to tell those during the outage from the others).
type requests struct {
	sent, failed atomic.Int64
	mu           sync.Mutex
	byKind       map[string]int
	failedAt     []time.Time
	samples      []string // the first failures, for the log
}

const failureSamples = 20

func (r *requests) add(o bench.Outcome, method, path string) {
	r.sent.Add(1)
	if !o.Failed() {
		return
	}
	r.failed.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byKind[o.ErrorKey()]++
	r.failedAt = append(r.failedAt, time.Now())
	if len(r.samples) < failureSamples {
		what := o.ErrorKey()
		if o.Err != nil {
			what = o.Err.Error()
		}
		r.samples = append(r.samples, fmt.Sprintf("%s %s %s: %s", time.Now().Format("15:04:05.000"), method, path, what))
	}
}

// outside counts failures before from or after to.
func (r *requests) outside(from, to time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.failedAt {
		if t.Before(from) || t.After(to) {
			n++
		}
	}
	return n
}

func (r *requests) kinds() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]string, 0, len(r.byKind))
	for k := range r.byKind {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, r.byKind[k]))
	}
	return strings.Join(parts, ", ")
}

// load is the steady checkout of one scenario: each worker, as one customer, puts one
// unit in the cart, orders the cart and, once the order awaits payment, pays it and
// completes the payment in the sandbox (5 in 10), cancels it (2 in 10), starts a
// payment and completes it only after the order timed out (1 in 10: the late payment
// must be refunded) or leaves it to time out (2 in 10).
type load struct {
	x              *bench.Session
	sku            string
	paymentTimeout time.Duration
	ledger         *ledger
	reqs           *requests
	workers        sync.WaitGroup
	late           sync.WaitGroup
}

func newLoad(x *bench.Session, sku string, paymentTimeout time.Duration) *load {
	return &load{x: x, sku: sku, paymentTimeout: paymentTimeout,
		ledger: &ledger{orders: map[string]*clientOrder{}},
		reqs:   &requests{byKind: map[string]int{}}}
}

// start runs n workers until stop ends; a request in flight then finishes (ctx is the
// run's), so the load's own end is never counted as the shop's failure.
func (l *load) start(ctx, stop context.Context, n int) {
	for w := range n {
		l.workers.Add(1)
		go func() {
			defer l.workers.Done()
			for i := 0; stop.Err() == nil && ctx.Err() == nil; i++ {
				if !l.checkout(ctx, stop, w, i) {
					pause(stop, 100*time.Millisecond) // a failing shop is not hammered
				}
			}
		}()
	}
}

// wait returns when the workers and the late payments have finished.
func (l *load) wait() {
	l.workers.Wait()
	l.late.Wait()
}

func (l *load) call(ctx context.Context, who int, method, path string, body, out any, headers ...string) bench.Outcome {
	o := l.x.Call(ctx, who, method, path, body, out, headers...)
	l.reqs.add(o, method, path)
	return o
}

type order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// checkout is one customer's journey; false when a request failed.
func (l *load) checkout(ctx, stop context.Context, who, i int) bool {
	if !l.call(ctx, who, "PUT", "/cart/items/"+l.sku, map[string]int{"quantity": 1}, nil).OK() {
		return false
	}
	var o order
	body := map[string]any{"from_cart": true, "address_id": l.x.AddressID(who)}
	if !l.call(ctx, who, "POST", "/orders", body, &o, "Idempotency-Key", l.x.IdempotencyKey()).OK() {
		return false
	}
	l.ledger.update(o.ID, func(*clientOrder) {})
	status, ok := l.await(ctx, stop, who, o.ID, func(s string) bool { return s != "PENDING" }, 30*time.Second)
	if !ok || status != "AWAITING_PAYMENT" {
		return ok
	}
	switch i % 10 {
	case 0, 1, 2, 3, 4:
		return l.pay(ctx, stop, who, o.ID)
	case 5, 6:
		out := l.call(ctx, who, "POST", "/orders/"+o.ID+"/cancel", nil, nil)
		if out.OK() {
			l.ledger.update(o.ID, func(c *clientOrder) { c.cancelled = true })
		}
		return !out.Failed()
	case 7:
		return l.payLate(ctx, who, o.ID)
	}
	return true
}

func (l *load) startPayment(ctx context.Context, who int, orderID string, late bool) (*clientPayment, bool) {
	var p struct{ ID string }
	out := l.call(ctx, who, "POST", "/orders/"+orderID+"/payments", nil, &p)
	if !out.OK() {
		return nil, !out.Failed()
	}
	cp := &clientPayment{id: p.ID, late: late}
	l.ledger.update(orderID, func(c *clientOrder) { c.payments = append(c.payments, cp) })
	return cp, true
}

func (l *load) complete(ctx context.Context, who int, orderID string, cp *clientPayment) bench.Outcome {
	out := l.call(ctx, who, "POST", "/sandbox/payments/"+cp.id+"/complete", nil, nil)
	if out.OK() {
		l.ledger.update(orderID, func(*clientOrder) { cp.completed = true })
	}
	return out
}

// pay pays the order and reads it until it is PAID.
func (l *load) pay(ctx, stop context.Context, who int, orderID string) bool {
	cp, ok := l.startPayment(ctx, who, orderID, false)
	if cp == nil {
		return ok
	}
	if out := l.complete(ctx, who, orderID, cp); !out.OK() {
		return !out.Failed()
	}
	status, ok := l.await(ctx, stop, who, orderID, func(s string) bool { return s != "AWAITING_PAYMENT" }, 30*time.Second)
	if status == "PAID" {
		l.ledger.update(orderID, func(c *clientOrder) { c.paidSeen = true })
	}
	return ok
}

// payLate starts a payment now and completes it once the order has timed out, beside
// the worker (which goes on with the next order).
func (l *load) payLate(ctx context.Context, who int, orderID string) bool {
	cp, ok := l.startPayment(ctx, who, orderID, true)
	if cp == nil {
		return ok
	}
	l.late.Add(1)
	go func() {
		defer l.late.Done()
		// Not cut short by the load's stop: the late payment is the point.
		status, _ := l.await(ctx, ctx, who, orderID, func(s string) bool { return s != "AWAITING_PAYMENT" }, l.paymentTimeout+60*time.Second)
		if status == "CANCELLED" {
			l.complete(ctx, who, orderID, cp)
		}
	}()
	return true
}

// await reads the order every 200 ms until done(status), stop, or limit; ok is false
// when the last read failed.
func (l *load) await(ctx, stop context.Context, who int, id string, done func(string) bool, limit time.Duration) (string, bool) {
	deadline := time.Now().Add(limit)
	for {
		var o order
		out := l.call(ctx, who, "GET", "/orders/"+id, nil, &o)
		if out.OK() && done(o.Status) {
			return o.Status, true
		}
		if time.Now().After(deadline) || stop.Err() != nil {
			return o.Status, !out.Failed()
		}
		pause(stop, 200*time.Millisecond)
	}
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
