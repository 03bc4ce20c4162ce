package chaos

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
)

// paidStatuses hold a sale (the invariant checker's settledPaid).
var paidStatuses = map[string]bool{"PAID": true, "SHIPPED": true, "RECEIVED": true, "COMPLETED": true}

// stored is an order's and its payments' state in the databases.
type stored struct {
	orders   map[string]string        // id -> status
	payments map[string]storedPayment // id -> payment
	byOrder  map[string][]string      // order id -> payment ids
}

type storedPayment struct {
	orderID, status string
	refunds         int
}

func readStored(ctx context.Context, dbs invariants.Databases) (*stored, error) {
	s := &stored{orders: map[string]string{}, payments: map[string]storedPayment{}, byOrder: map[string][]string{}}
	rows, err := dbs.Order.QueryContext(ctx, `SELECT id, status FROM orders`)
	if err != nil {
		return nil, fmt.Errorf("chaos: orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			return nil, err
		}
		s.orders[id] = status
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prows, err := dbs.Payment.QueryContext(ctx, `
		SELECT p.id, p.order_id, p.status, (SELECT COUNT(*) FROM refunds r WHERE r.payment_id = p.id)
		FROM payments p`)
	if err != nil {
		return nil, fmt.Errorf("chaos: payments: %w", err)
	}
	defer prows.Close()
	for prows.Next() {
		var id string
		var p storedPayment
		if err := prows.Scan(&id, &p.orderID, &p.status, &p.refunds); err != nil {
			return nil, err
		}
		s.payments[id] = p
		s.byOrder[p.orderID] = append(s.byOrder[p.orderID], id)
	}
	return s, prows.Err()
}

// checkLedger holds what the client was answered against what the databases say: a
// 201 order exists and has left PENDING; a cancel answered 2xx left it CANCELLED; an
// order the client saw PAID is paid still, or cancelled with its payment refunded; a
// payment the sandbox completed is captured on a paid order or refunded.
func checkLedger(l *ledger, s *stored) []string {
	var broken []string
	add := func(format string, args ...any) { broken = append(broken, fmt.Sprintf(format, args...)) }
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, c := range l.orders {
		status, ok := s.orders[id]
		switch {
		case !ok:
			add("order %s: answered 201 but not in the database", id)
			continue
		case status == "PENDING":
			add("order %s: still PENDING", id)
		case c.cancelled && status != "CANCELLED":
			add("order %s: cancel answered 2xx but the order is %s", id, status)
		case c.paidSeen && !paidStatuses[status] && !(status == "CANCELLED" && allRefunded(s, id)):
			add("order %s: the client saw it PAID, now %s without a refund", id, status)
		}
		for _, cp := range c.payments {
			p, ok := s.payments[cp.id]
			switch {
			case !ok:
				add("payment %s of order %s: answered 201 but not in the database", cp.id, id)
			case !cp.completed:
			case p.status == "SUCCEEDED" && paidStatuses[status]:
			case p.status == "REFUNDED" && p.refunds == 1:
			default:
				add("payment %s (late %v) completed in the sandbox: %s with %d refunds, order %s", cp.id, cp.late, p.status, p.refunds, status)
			}
		}
	}
	sort.Strings(broken)
	return broken
}

func allRefunded(s *stored, orderID string) bool {
	for _, id := range s.byOrder[orderID] {
		if p := s.payments[id]; p.status == "SUCCEEDED" {
			return false
		}
	}
	return true
}

// settle waits up to limit until the invariant checker and the ledger check both find
// nothing (refunds and timeouts travel as messages), and returns what is left.
func settle(ctx context.Context, dbs invariants.Databases, l *ledger, limit time.Duration) ([]string, error) {
	deadline := time.Now().Add(limit)
	for {
		broken, err := invariants.Check(ctx, dbs, invariants.Options{})
		if err != nil {
			return nil, err
		}
		s, err := readStored(ctx, dbs)
		if err != nil {
			return nil, err
		}
		broken = append(broken, checkLedger(l, s)...)
		if len(broken) == 0 || time.Now().After(deadline) {
			return broken, nil
		}
		pause(ctx, 500*time.Millisecond)
	}
}
