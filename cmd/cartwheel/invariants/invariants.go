// Package invariants checks, straight from the services' databases, the promises of
// ARCHITECTURE.md §5 that no single service can see whole: stock adds up, reservations
// follow their orders, and every cent paid is either kept for a paid order or refunded.
// Load and fault tests run it after they finish.
package invariants

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// Databases are the three schemas the promises span.
type Databases struct {
	Product *sql.DB
	Order   *sql.DB
	Payment *sql.DB
}

// Options tune what counts as settled.
type Options struct {
	// AllowPending accepts orders still PENDING (a check taken while traffic flows).
	AllowPending bool
}

// Check returns every broken promise, sorted; none means the shop is consistent.
func Check(ctx context.Context, dbs Databases, opts Options) ([]string, error) {
	var broken []string
	add := func(format string, args ...any) { broken = append(broken, fmt.Sprintf(format, args...)) }

	if err := checkStock(ctx, dbs.Product, add); err != nil {
		return nil, err
	}
	orders, err := loadOrders(ctx, dbs.Order)
	if err != nil {
		return nil, err
	}
	if err := checkReservations(ctx, dbs.Product, orders, opts, add); err != nil {
		return nil, err
	}
	if err := checkPayments(ctx, dbs.Payment, orders, add); err != nil {
		return nil, err
	}
	sort.Strings(broken)
	return broken, nil
}

// checkStock: per SKU, stock is never negative, everything ever added by adjustments is
// exactly available + reserved + sold, reserved and sold equal the active and sold
// reservations, and the stock gate's counter holds the units of its admission rows.
func checkStock(ctx context.Context, product *sql.DB, add func(string, ...any)) error {
	rows, err := product.QueryContext(ctx, `
		SELECT s.sku, s.available, s.reserved, s.sold,
		       COALESCE((SELECT SUM(a.delta) FROM stock_adjustments a WHERE a.sku = s.sku), 0),
		       COALESCE((SELECT SUM(r.quantity) FROM reservations r WHERE r.sku = s.sku AND r.state = 'active'), 0),
		       COALESCE((SELECT SUM(r.quantity) FROM reservations r WHERE r.sku = s.sku AND r.state = 'sold'), 0),
		       s.admitted,
		       COALESCE((SELECT SUM(a.quantity) FROM stock_admissions a WHERE a.sku = s.sku), 0)
		FROM stock s`)
	if err != nil {
		return fmt.Errorf("invariants: stock: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sku string
		var available, reserved, sold, added, active, soldRes, admitted, admissions int64
		if err := rows.Scan(&sku, &available, &reserved, &sold, &added, &active, &soldRes, &admitted, &admissions); err != nil {
			return fmt.Errorf("invariants: stock: %w", err)
		}
		if available < 0 || reserved < 0 || sold < 0 {
			add("stock %s: negative (available %d, reserved %d, sold %d)", sku, available, reserved, sold)
		}
		if available+reserved+sold != added {
			add("stock %s: available %d + reserved %d + sold %d != %d ever added", sku, available, reserved, sold, added)
		}
		if reserved != active || sold != soldRes {
			add("stock %s: reserved %d / sold %d but reservations say %d / %d", sku, reserved, sold, active, soldRes)
		}
		if admitted != admissions {
			add("stock %s: the gate counts %d admitted units, its admissions hold %d", sku, admitted, admissions)
		}
	}
	return rows.Err()
}

type orderFacts struct {
	status, cancelReason string
	totalCents           int64
	lines                map[string]int64 // sku -> quantity
}

func loadOrders(ctx context.Context, order *sql.DB) (map[string]*orderFacts, error) {
	out := map[string]*orderFacts{}
	rows, err := order.QueryContext(ctx, `SELECT id, status, cancel_reason, total_cents FROM orders`)
	if err != nil {
		return nil, fmt.Errorf("invariants: orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		o := &orderFacts{lines: map[string]int64{}}
		if err := rows.Scan(&id, &o.status, &o.cancelReason, &o.totalCents); err != nil {
			return nil, fmt.Errorf("invariants: orders: %w", err)
		}
		out[id] = o
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lines, err := order.QueryContext(ctx, `SELECT order_id, sku, quantity FROM order_lines`)
	if err != nil {
		return nil, fmt.Errorf("invariants: order lines: %w", err)
	}
	defer lines.Close()
	for lines.Next() {
		var id, sku string
		var qty int64
		if err := lines.Scan(&id, &sku, &qty); err != nil {
			return nil, fmt.Errorf("invariants: order lines: %w", err)
		}
		if o, ok := out[id]; ok {
			o.lines[sku] += qty
		}
	}
	return out, lines.Err()
}

// settledPaid are the statuses that hold a sale.
var settledPaid = map[string]bool{"PAID": true, "SHIPPED": true, "RECEIVED": true, "COMPLETED": true}

// checkReservations: an order awaiting payment holds an active reservation of every
// line, a paid one a sold reservation of every line, a cancelled one nothing; and no
// reservation belongs to an unknown order.
func checkReservations(ctx context.Context, product *sql.DB, orders map[string]*orderFacts, opts Options, add func(string, ...any)) error {
	held := map[string]map[string]string{} // order -> sku -> "state:qty"
	rows, err := product.QueryContext(ctx, `SELECT order_id, sku, quantity, state FROM reservations`)
	if err != nil {
		return fmt.Errorf("invariants: reservations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, sku, state string
		var qty int64
		if err := rows.Scan(&id, &sku, &qty, &state); err != nil {
			return fmt.Errorf("invariants: reservations: %w", err)
		}
		if held[id] == nil {
			held[id] = map[string]string{}
		}
		held[id][sku] = fmt.Sprintf("%s:%d", state, qty)
		if _, known := orders[id]; !known {
			add("reservation %s/%s: no such order", id, sku)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, o := range orders {
		switch {
		case o.status == "PENDING":
			if !opts.AllowPending {
				add("order %s: still PENDING", id)
			}
		case o.status == "AWAITING_PAYMENT":
			expectLines(id, o, held[id], "active", add)
		case settledPaid[o.status]:
			expectLines(id, o, held[id], "sold", add)
		case o.status == "CANCELLED":
			for sku, h := range held[id] {
				if !strings.HasPrefix(h, "released:") {
					add("order %s: cancelled but reservation %s is %s", id, sku, h)
				}
			}
		}
	}
	return nil
}

func expectLines(id string, o *orderFacts, held map[string]string, state string, add func(string, ...any)) {
	for sku, qty := range o.lines {
		if want := fmt.Sprintf("%s:%d", state, qty); held[sku] != want {
			add("order %s %s: reservation of %s is %q, want %q", id, o.status, sku, held[sku], want)
		}
	}
}

// checkPayments: a paid order has exactly one succeeded payment for its total; a
// succeeded payment of a cancelled order does not exist (it was refunded), and every
// refunded payment has its refund recorded.
func checkPayments(ctx context.Context, payment *sql.DB, orders map[string]*orderFacts, add func(string, ...any)) error {
	rows, err := payment.QueryContext(ctx, `
		SELECT p.id, p.order_id, p.status, p.amount_cents,
		       (SELECT COUNT(*) FROM refunds r WHERE r.payment_id = p.id)
		FROM payments p`)
	if err != nil {
		return fmt.Errorf("invariants: payments: %w", err)
	}
	defer rows.Close()
	succeeded := map[string][]int64{}
	for rows.Next() {
		var id, orderID, status string
		var cents, refunds int64
		if err := rows.Scan(&id, &orderID, &status, &cents, &refunds); err != nil {
			return fmt.Errorf("invariants: payments: %w", err)
		}
		o, known := orders[orderID]
		switch {
		case !known:
			add("payment %s: no such order %s", id, orderID)
		case status == "SUCCEEDED" && !settledPaid[o.status]:
			add("payment %s: succeeded but order %s is %s (money kept without a sale)", id, orderID, o.status)
		case status == "REFUNDED" && refunds != 1:
			add("payment %s: refunded with %d refund records", id, refunds)
		}
		if status == "SUCCEEDED" {
			succeeded[orderID] = append(succeeded[orderID], cents)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for id, o := range orders {
		if !settledPaid[o.status] {
			continue
		}
		if got := succeeded[id]; len(got) != 1 || got[0] != o.totalCents {
			add("order %s %s: succeeded payments %v, want exactly one of %d", id, o.status, got, o.totalCents)
		}
	}
	return nil
}
