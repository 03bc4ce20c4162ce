package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

func TestAdjust(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA-SEN", 1590)
		cases := []struct {
			name    string
			sku     string
			delta   int64
			want    int64 // available afterwards
			wantErr error
		}{
			{"restock", "TEA-SEN-1", 10, 10, nil},
			{"write off some", "TEA-SEN-1", -4, 6, nil},
			{"write off the rest", "TEA-SEN-1", -6, 0, nil},
			{"below zero", "TEA-SEN-1", -1, 0, stock.ErrInsufficient},
			{"unknown SKU", "NOPE-1", 5, 0, stock.ErrSKUNotFound},
		}
		recorded := int64(0)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				level, err := e.stock.Adjust(e.ctx, stock.AdjustRequest{SKU: c.sku, Delta: c.delta, Reason: c.name, ActorID: "staff-7"})
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("error = %v, want %v", err, c.wantErr)
				}
				if err == nil {
					recorded++
					if level != (stock.Level{SKU: c.sku, Available: c.want}) {
						t.Errorf("level = %+v, want available %d", level, c.want)
					}
				}
				if n := e.count("SELECT COUNT(*) FROM stock_adjustments"); n != recorded {
					t.Errorf("%d adjustments recorded, want %d (refusals leave none)", n, recorded)
				}
				if got := e.level("TEA-SEN-1").Available; c.sku == "TEA-SEN-1" && got != c.want {
					t.Errorf("available = %d, want %d", got, c.want)
				}
			})
		}
		var row struct {
			SKU     string
			Delta   int64
			Reason  string
			ActorID string
		}
		err := e.db.Raw("SELECT sku, delta, reason, actor_id FROM stock_adjustments WHERE reason = ?", "write off some").Scan(&row).Error
		if err != nil || row.SKU != "TEA-SEN-1" || row.Delta != -4 || row.ActorID != "staff-7" {
			t.Errorf("adjustment row = %+v, %v", row, err)
		}
	})
}

// keyed is an adjustment request under an idempotency key.
func keyed(sku string, delta int64, reason, actor, key string) stock.AdjustRequest {
	return stock.AdjustRequest{SKU: sku, Delta: delta, Reason: reason, ActorID: actor, IdempotencyKey: &key}
}

func TestAdjustWithAnIdempotencyKey(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA-SEN", 1590, 2990)
		restock := keyed("TEA-SEN-1", 10, "delivery", "staff-1", "k-1")
		adjust := func(r stock.AdjustRequest) (stock.Level, error) {
			t.Helper()
			return e.stock.Adjust(e.ctx, r)
		}
		if l, err := adjust(restock); err != nil || l.Available != 10 {
			t.Fatalf("first call: %+v, %v; want 10 available", l, err)
		}

		t.Run("a retry adjusts nothing and answers the stock now", func(t *testing.T) {
			e.restock("TEA-SEN-1", 5) // someone else's adjustment, in between
			l, err := adjust(restock)
			if err != nil || l != (stock.Level{SKU: "TEA-SEN-1", Available: 15}) {
				t.Fatalf("retry: %+v, %v; want the stock as it is now, 15 available", l, err)
			}
			if n := e.count("SELECT COUNT(*) FROM stock_adjustments WHERE idempotency_key = ?", "k-1"); n != 1 {
				t.Errorf("%d adjustments under k-1, want 1", n)
			}
		})
		t.Run("a retry differing in surrounding spaces is a retry", func(t *testing.T) {
			if l, err := adjust(keyed("TEA-SEN-1", 10, "  delivery ", "staff-1", "k-1")); err != nil || l.Available != 15 {
				t.Fatalf("retry: %+v, %v; want 15 available", l, err)
			}
		})
		t.Run("another adjustment under the key is refused", func(t *testing.T) {
			for _, r := range []stock.AdjustRequest{
				keyed("TEA-SEN-1", 11, "delivery", "staff-1", "k-1"),
				keyed("TEA-SEN-1", 10, "return", "staff-1", "k-1"),
				keyed("TEA-SEN-2", 10, "delivery", "staff-1", "k-1"),
			} {
				if _, err := adjust(r); !errors.Is(err, stock.ErrIdempotencyKeyReused) {
					t.Errorf("%+v: error = %v, want ErrIdempotencyKeyReused", r, err)
				}
			}
			if got := e.level("TEA-SEN-1").Available + e.level("TEA-SEN-2").Available; got != 15 {
				t.Errorf("%d available in all, want the 15 there were", got)
			}
		})
		t.Run("another actor's key is their own", func(t *testing.T) {
			l, err := adjust(keyed("TEA-SEN-1", 10, "delivery", "staff-2", "k-1"))
			if err != nil || l.Available != 25 {
				t.Fatalf("staff-2 with k-1: %+v, %v; want a new adjustment, 25 available", l, err)
			}
			if _, err := adjust(keyed("TEA-SEN-1", -1, "damaged", "staff-3", "k-1")); err != nil {
				t.Fatalf("staff-3 with k-1 and another body: %v", err)
			}
		})
		t.Run("without a key every call adjusts", func(t *testing.T) {
			plain := stock.AdjustRequest{SKU: "TEA-SEN-2", Delta: 2, Reason: "delivery", ActorID: "staff-1"}
			for range 3 {
				if _, err := adjust(plain); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.level("TEA-SEN-2").Available; got != 6 {
				t.Errorf("available = %d, want 6 after three unkeyed adjustments of 2", got)
			}
			n := e.count("SELECT COUNT(*) FROM stock_adjustments WHERE sku = ? AND actor_id = ? AND idempotency_key IS NULL", "TEA-SEN-2", "staff-1")
			if n != 3 {
				t.Errorf("%d unkeyed adjustments by staff-1 recorded, want 3: NULL keys must not collide", n)
			}
		})
		t.Run("a retry of a write-off that stock no longer covers", func(t *testing.T) {
			writeOff := keyed("TEA-SEN-2", -6, "stocktake", "staff-1", "k-2")
			if _, err := adjust(writeOff); err != nil {
				t.Fatal(err)
			}
			if l, err := adjust(writeOff); err != nil || l.Available != 0 {
				t.Fatalf("retry: %+v, %v; want the retry's answer, 0 available, not STOCK_INSUFFICIENT", l, err)
			}
		})
		t.Run("a refused adjustment leaves the key unused", func(t *testing.T) {
			tooMuch := keyed("TEA-SEN-2", -1, "damaged", "staff-1", "k-3")
			if _, err := adjust(tooMuch); !errors.Is(err, stock.ErrInsufficient) {
				t.Fatalf("error = %v, want ErrInsufficient", err)
			}
			e.restock("TEA-SEN-2", 1)
			if l, err := adjust(tooMuch); err != nil || l.Available != 0 {
				t.Fatalf("once stock is there: %+v, %v; want it written off", l, err)
			}
		})
	})
}

// The unique index decides between concurrent calls with one key: exactly one
// adjusts, and every one of them answers as the first or as its retry.
func TestConcurrentCallsWithOneKeyAdjustOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA-SEN", 1590, 2990)
		e.restock("TEA-SEN-2", 7)
		cases := []struct {
			name string
			req  stock.AdjustRequest
			want int64 // available afterwards
		}{
			{"restock", keyed("TEA-SEN-1", 4, "delivery", "staff-1", "once-1"), 4},
			// The write-off takes all there is, so a second would be refused as insufficient.
			{"write-off", keyed("TEA-SEN-2", -7, "stocktake", "staff-1", "once-2"), 0},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				const calls = 10
				var wg sync.WaitGroup
				levels := make([]stock.Level, calls)
				errs := make([]error, calls)
				for i := range calls {
					wg.Go(func() { levels[i], errs[i] = e.stock.Adjust(e.ctx, c.req) })
				}
				wg.Wait()
				for i := range calls {
					if errs[i] != nil || levels[i].Available != c.want {
						t.Errorf("call %d: %+v, %v; want %d available", i, levels[i], errs[i], c.want)
					}
				}
				if got := e.level(c.req.SKU).Available; got != c.want {
					t.Errorf("available = %d, want %d: adjusted more than once", got, c.want)
				}
				if n := e.count("SELECT COUNT(*) FROM stock_adjustments WHERE idempotency_key = ?", *c.req.IdempotencyKey); n != 1 {
					t.Errorf("%d adjustments recorded under the key, want 1", n)
				}
			})
		}
	})
}

func TestAvailableReadsEachSKUsUnitsNow(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA-SEN", 1590, 2990)
		e.restock("TEA-SEN-1", 7)
		got, err := e.store.Available(e.ctx, []string{"TEA-SEN-1", "TEA-SEN-2", "NOPE-1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["TEA-SEN-1"] != 7 || got["TEA-SEN-2"] != 0 {
			t.Fatalf("Available = %v, want TEA-SEN-1: 7, TEA-SEN-2: 0 and no unknown SKU", got)
		}
		if got, err := e.store.Available(e.ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("Available(none) = %v, %v", got, err)
		}
	})
}

func TestStockCannotGoNegativeEvenByHand(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA-SEN", 1590)
		for _, column := range []string{"available", "reserved", "sold"} {
			t.Run(column, func(t *testing.T) {
				err := e.db.Exec("UPDATE stock SET "+column+" = -1 WHERE sku = ?", "TEA-SEN-1").Error
				if err == nil {
					t.Errorf("the CHECK constraint let %s go below zero", column)
				}
			})
		}
	})
}

func TestGetStockOfUnknownSKU(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		if _, err := e.stock.Level(e.ctx, "NOPE-1"); !errors.Is(err, stock.ErrSKUNotFound) {
			t.Errorf("error = %v, want ErrSKUNotFound", err)
		}
	})
}

// settle is the local transaction of DecideAndSend's announcement: it records the
// decision under lock provided it is the one announced.
func settle(e *env, o stock.Order, announced stock.Decision) error {
	return e.store.Decide(e.ctx, o, func(av map[string]stock.Availability) (stock.Decision, error) {
		if actual := o.Decide(av); actual != announced {
			return stock.Decision{}, &stock.OutcomeChangedError{Announced: announced, Actual: actual}
		}
		return announced, nil
	})
}

func order(t *testing.T, id string, lines ...stock.Line) stock.Order {
	t.Helper()
	o, err := stock.NewOrder(id, lines)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestConcurrentReservationsNeverOversell(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Gear"), "Grinder", "GRI", 8900)
		e.restock("GRI-1", 10)
		const attempts = 50
		var wg sync.WaitGroup
		results := make([]error, attempts)
		for i := range attempts {
			wg.Go(func() {
				id := fmt.Sprintf("order-%02d", i)
				results[i] = settle(e, order(t, id, stock.Line{SKU: "GRI-1", Quantity: 1}), stock.Decision{OrderID: id, Outcome: stock.Reserved})
			})
		}
		wg.Wait()
		reserved := 0
		for i, err := range results {
			var changed *stock.OutcomeChangedError
			switch {
			case err == nil:
				reserved++
			case errors.As(err, &changed) && changed.Actual.Reason == stock.ReasonInsufficient:
			default:
				t.Errorf("order %d: unexpected error %v", i, err)
			}
		}
		if reserved != 10 {
			t.Errorf("%d reservations succeeded, want exactly 10", reserved)
		}
		if got := e.level("GRI-1"); got != (stock.Level{SKU: "GRI-1", Available: 0, Reserved: 10}) {
			t.Errorf("level = %+v, want 0 available, 10 reserved", got)
		}
		if n := e.count("SELECT COUNT(*) FROM reservations WHERE state = 'active'"); n != 10 {
			t.Errorf("%d active reservation rows, want 10", n)
		}
		if n := e.count("SELECT COUNT(*) FROM stock_decisions"); n != 10 {
			t.Errorf("%d decisions, want 10 (a mismatched announcement records none)", n)
		}
	})
}

func TestDecisions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA", 1590, 2000)
		e.restock("TEA-1", 5)
		e.restock("TEA-2", 1)
		many := order(t, "o-many", stock.Line{SKU: "TEA-1", Quantity: 2}, stock.Line{SKU: "TEA-2", Quantity: 2})
		rejected := stock.Decision{OrderID: "o-many", Outcome: stock.Rejected, SKU: "TEA-2", Reason: stock.ReasonInsufficient}

		t.Run("wrong announcement records nothing", func(t *testing.T) {
			err := settle(e, many, stock.Decision{OrderID: "o-many", Outcome: stock.Reserved})
			var changed *stock.OutcomeChangedError
			if !errors.As(err, &changed) || changed.Actual != rejected {
				t.Fatalf("error = %v, want the outcome changed to %v", err, rejected)
			}
			if _, decided, _ := e.stock.Decision(e.ctx, "o-many"); decided {
				t.Error("a decision was recorded for a refused announcement")
			}
		})
		t.Run("rejection leaves stock untouched", func(t *testing.T) {
			if err := settle(e, many, rejected); err != nil {
				t.Fatal(err)
			}
			d, decided, err := e.stock.Decision(e.ctx, "o-many")
			if err != nil || !decided || d != rejected {
				t.Errorf("decision = %+v, %v, %v; want %+v", d, decided, err, rejected)
			}
			if a, b := e.level("TEA-1"), e.level("TEA-2"); a.Available != 5 || a.Reserved != 0 || b.Available != 1 || b.Reserved != 0 {
				t.Errorf("levels %+v %+v, want untouched", a, b)
			}
		})
		one := order(t, "o-one", stock.Line{SKU: "TEA-1", Quantity: 2}, stock.Line{SKU: "TEA-2", Quantity: 1})
		reserved := stock.Decision{OrderID: "o-one", Outcome: stock.Reserved}
		t.Run("reservation holds every line", func(t *testing.T) {
			if err := settle(e, one, reserved); err != nil {
				t.Fatal(err)
			}
			if a, b := e.level("TEA-1"), e.level("TEA-2"); a.Available != 3 || a.Reserved != 2 || b.Available != 0 || b.Reserved != 1 {
				t.Errorf("levels %+v %+v, want 3+2 and 0+1", a, b)
			}
		})
		t.Run("second decision is refused and changes nothing", func(t *testing.T) {
			for _, o := range []stock.Order{one, many} {
				d, _, _ := e.stock.Decision(e.ctx, o.ID())
				if err := settle(e, o, d); !errors.Is(err, stock.ErrAlreadyDecided) {
					t.Errorf("%s: error = %v, want ErrAlreadyDecided", o.ID(), err)
				}
			}
			if a := e.level("TEA-1"); a.Available != 3 || a.Reserved != 2 {
				t.Errorf("TEA-1 = %+v, want still 3+2", a)
			}
			if n := e.count("SELECT COUNT(*) FROM reservations"); n != 2 {
				t.Errorf("%d reservation rows, want 2", n)
			}
		})
	})
}

func TestSettleReservations(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA", 1590, 2000)
		e.restock("TEA-1", 10)
		e.restock("TEA-2", 10)
		reserve := func(id string) {
			t.Helper()
			o := order(t, id, stock.Line{SKU: "TEA-1", Quantity: 3}, stock.Line{SKU: "TEA-2", Quantity: 1})
			if err := settle(e, o, stock.Decision{OrderID: id, Outcome: stock.Reserved}); err != nil {
				t.Fatal(err)
			}
		}
		reserve("o-paid")
		reserve("o-cancelled")
		cases := []struct {
			name   string
			act    func(context.Context, string) (int, error)
			order  string
			want   int
			tea1   stock.Level
			states string // states of the order's reservations
		}{
			{"pay", e.stock.SellOrder, "o-paid", 2, stock.Level{SKU: "TEA-1", Available: 4, Reserved: 3, Sold: 3}, "sold"},
			{"pay again", e.stock.SellOrder, "o-paid", 0, stock.Level{SKU: "TEA-1", Available: 4, Reserved: 3, Sold: 3}, "sold"},
			{"cancel after payment", e.stock.CancelOrder, "o-paid", 0, stock.Level{SKU: "TEA-1", Available: 4, Reserved: 3, Sold: 3}, "sold"},
			{"cancel", e.stock.CancelOrder, "o-cancelled", 2, stock.Level{SKU: "TEA-1", Available: 7, Reserved: 0, Sold: 3}, "released"},
			{"cancel again", e.stock.CancelOrder, "o-cancelled", 0, stock.Level{SKU: "TEA-1", Available: 7, Reserved: 0, Sold: 3}, "released"},
			{"pay after cancel", e.stock.SellOrder, "o-cancelled", 0, stock.Level{SKU: "TEA-1", Available: 7, Reserved: 0, Sold: 3}, "released"},
			{"pay an unknown order", e.stock.SellOrder, "o-unknown", 0, stock.Level{SKU: "TEA-1", Available: 7, Reserved: 0, Sold: 3}, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				n, err := c.act(e.ctx, c.order)
				if err != nil || n != c.want {
					t.Fatalf("settled %d, %v; want %d", n, err, c.want)
				}
				if got := e.level("TEA-1"); got != c.tea1 {
					t.Errorf("TEA-1 = %+v, want %+v", got, c.tea1)
				}
				var states []string
				e.db.Raw("SELECT DISTINCT state FROM reservations WHERE order_id = ?", c.order).Scan(&states)
				if got := fmt.Sprint(states); c.states != "" && got != "["+c.states+"]" {
					t.Errorf("states = %s, want [%s]", got, c.states)
				}
			})
		}
	})
}

func TestCancelBeforeCreatedVoidsTheOrder(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA", 1590)
		e.restock("TEA-1", 5)
		if n, err := e.stock.CancelOrder(e.ctx, "o-early"); err != nil || n != 0 {
			t.Fatalf("cancel: %d, %v", n, err)
		}
		if d, decided, _ := e.stock.Decision(e.ctx, "o-early"); !decided || d != stock.Void("o-early") {
			t.Errorf("decision = %+v (%v), want void", d, decided)
		}
		late := order(t, "o-early", stock.Line{SKU: "TEA-1", Quantity: 1})
		if err := settle(e, late, stock.Decision{OrderID: "o-early", Outcome: stock.Reserved}); !errors.Is(err, stock.ErrAlreadyDecided) {
			t.Errorf("late order.created: %v, want ErrAlreadyDecided", err)
		}
		if got := e.level("TEA-1"); got.Available != 5 || got.Reserved != 0 {
			t.Errorf("level = %+v, want nothing reserved for a cancelled order", got)
		}
		// A second cancel keeps the void decision and does nothing else.
		if n, err := e.stock.CancelOrder(e.ctx, "o-early"); err != nil || n != 0 {
			t.Errorf("second cancel: %d, %v", n, err)
		}
	})
}
