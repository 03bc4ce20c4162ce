package invariants

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite" // registers the "sqlite" driver
)

// Only the columns the checker reads.
const schema = `
CREATE TABLE stock (sku TEXT, available INT, reserved INT, sold INT, admitted INT);
CREATE TABLE stock_admissions (order_id TEXT, sku TEXT, quantity INT);
CREATE TABLE stock_adjustments (sku TEXT, delta INT);
CREATE TABLE reservations (order_id TEXT, sku TEXT, quantity INT, state TEXT);
CREATE TABLE orders (id TEXT, status TEXT, cancel_reason TEXT, total_cents INT);
CREATE TABLE order_lines (order_id TEXT, sku TEXT, quantity INT);
CREATE TABLE payments (id TEXT, order_id TEXT, status TEXT, amount_cents INT);
CREATE TABLE refunds (payment_id TEXT);`

// consistent is a small shop where every promise holds: SKU A had 10 added; order o1
// awaits payment holding 2, o2 is paid and sold 3, o3 was cancelled and released 1 and
// its late payment refunded; the gate holds 1 unit for an order o5 not decided yet.
const consistent = `
INSERT INTO stock VALUES ('A', 5, 2, 3, 1);
INSERT INTO stock_admissions VALUES ('o5', 'A', 1);
INSERT INTO stock_adjustments VALUES ('A', 12), ('A', -2);
INSERT INTO orders VALUES ('o1', 'AWAITING_PAYMENT', '', 200), ('o2', 'PAID', '', 300), ('o3', 'CANCELLED', 'PAYMENT_TIMEOUT', 100);
INSERT INTO order_lines VALUES ('o1', 'A', 2), ('o2', 'A', 3), ('o3', 'A', 1);
INSERT INTO reservations VALUES ('o1', 'A', 2, 'active'), ('o2', 'A', 3, 'sold'), ('o3', 'A', 1, 'released');
INSERT INTO payments VALUES ('p2', 'o2', 'SUCCEEDED', 300), ('p3', 'o3', 'REFUNDED', 100);
INSERT INTO refunds VALUES ('p3');`

func open(t *testing.T, statements ...string) Databases {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	for _, s := range append([]string{schema, consistent}, statements...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return Databases{Product: db, Order: db, Payment: db}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name     string
		mutation string
		want     string // a fragment of the one expected finding; "" for none
	}{
		{"consistent_shop", "", ""},
		{"stock_invented", "UPDATE stock SET available = 6", "ever added"},
		{"stock_negative", "UPDATE stock SET available = -1, sold = 9", "negative"},
		{"reserved_without_reservation", "UPDATE stock SET reserved = 3, available = 4", "reservations say"},
		{"awaiting_without_reservation", "UPDATE reservations SET state = 'released' WHERE order_id = 'o1'; UPDATE stock SET reserved = 0, available = 7", "o1 AWAITING_PAYMENT"},
		{"cancelled_still_holding", "UPDATE orders SET status = 'CANCELLED' WHERE id = 'o1'", "cancelled but reservation"},
		{"paid_without_payment", "DELETE FROM payments WHERE id = 'p2'", "want exactly one of 300"},
		{"paid_twice", "INSERT INTO payments VALUES ('p2b', 'o2', 'SUCCEEDED', 300)", "want exactly one of 300"},
		{"payment_wrong_amount", "UPDATE payments SET amount_cents = 299 WHERE id = 'p2'", "want exactly one of 300"},
		{"late_payment_kept", "UPDATE payments SET status = 'SUCCEEDED' WHERE id = 'p3'", "money kept without a sale"},
		{"refund_not_recorded", "DELETE FROM refunds", "refund records"},
		{"reservation_of_unknown_order", "INSERT INTO reservations VALUES ('ghost', 'B', 1, 'released')", "no such order"},
		{"admission_uncounted", "INSERT INTO stock_admissions VALUES ('o6', 'A', 2)", "the gate counts 1 admitted units, its admissions hold 3"},
		{"pending_left_behind", "INSERT INTO orders VALUES ('o4', 'PENDING', '', 100)", "still PENDING"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var extra []string
			if tc.mutation != "" {
				extra = append(extra, tc.mutation)
			}
			broken, err := Check(context.Background(), open(t, extra...), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(broken) != 0 {
					t.Fatalf("a consistent shop reported %v", broken)
				}
				return
			}
			if len(broken) == 0 || !strings.Contains(strings.Join(broken, "\n"), tc.want) {
				t.Fatalf("want a finding with %q, got %v", tc.want, broken)
			}
		})
	}
}

func TestAllowPending(t *testing.T) {
	dbs := open(t, "INSERT INTO orders VALUES ('o4', 'PENDING', '', 100)")
	broken, err := Check(context.Background(), dbs, Options{AllowPending: true})
	if err != nil || len(broken) != 0 {
		t.Fatalf("pending allowed: %v %v", broken, err)
	}
}
