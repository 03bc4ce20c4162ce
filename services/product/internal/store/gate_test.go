package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
)

// admitted is the outcome of one admission attempt.
type admitted struct {
	id       string
	quantity int64
}

// admitAll runs workers × perWorker admissions of 1 to 3 units of sku through gate at
// once, with ids prefix-w-n, and returns those admitted. Every refusal must be a
// *stock.ShortError naming sku.
func admitAll(t *testing.T, e *env, gate *stock.Gate, sku, prefix string, workers, perWorker int) []admitted {
	t.Helper()
	var mu sync.Mutex
	var out []admitted
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for n := range perWorker {
				id, q := fmt.Sprintf("%s-%d-%d", prefix, w, n), rng.Int64N(3)+1
				err := gate.Admit(e.ctx, id, []stock.Line{{SKU: sku, Quantity: q}})
				var short *stock.ShortError
				switch {
				case err == nil:
					mu.Lock()
					out = append(out, admitted{id, q})
					mu.Unlock()
				case errors.As(err, &short) && short.SKU == sku:
				default:
					t.Errorf("admit %s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	return out
}

// TestGateNeverOverAdmits: buyers race for a SKU through the gate across three lifetimes
// of the product service (each a new gate with empty hints over the same database, as
// after a restart), while orders admitted earlier are decided and some are cancelled.
// Every admitted order must find its stock when decided, and at the end the gate must
// admit exactly what is left: nothing over-admitted, nothing lost.
func TestGateNeverOverAdmits(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Drops"), "Sneaker", "SNK", 12900)
		const stockUnits = 30
		e.restock("SNK-1", stockUnits)
		var reserved []admitted
		released := int64(0)
		for life := range 3 {
			gate := stock.NewGate(e.store, time.Hour, time.Now) // hints never expire within the test
			batch := admitAll(t, e, gate, "SNK-1", fmt.Sprintf("life%d", life), 8, 12)
			// Decide every order admitted in this lifetime: each must be reserved.
			for _, a := range batch {
				d := stock.Decision{OrderID: a.id, Outcome: stock.Reserved}
				if err := settle(e, order(t, a.id, stock.Line{SKU: "SNK-1", Quantity: a.quantity}), d); err != nil {
					t.Fatalf("life %d: admitted order %s (%d units) was not reserved: %v", life, a.id, a.quantity, err)
				}
				reserved = append(reserved, a)
			}
			// The buyer of the first order of the lifetime cancels: its units come back.
			if len(batch) > 0 {
				if _, err := e.stock.CancelOrder(e.ctx, batch[0].id); err != nil {
					t.Fatal(err)
				}
				released += batch[0].quantity
			}
		}
		var held int64
		for _, a := range reserved {
			held += a.quantity
		}
		held -= released
		if got := e.level("SNK-1"); got.Available+got.Reserved != stockUnits || got.Reserved != held {
			t.Fatalf("level %+v, want %d reserved of %d", got, held, stockUnits)
		}
		e.counted("SNK-1")
		// A gate without hints admits exactly what is left, then refuses.
		fresh := stock.NewGate(e.store, 0, time.Now)
		left := stockUnits - held
		if left > 0 {
			if err := fresh.Admit(e.ctx, "rest", []stock.Line{{SKU: "SNK-1", Quantity: left}}); err != nil {
				t.Fatalf("the %d units left cannot be admitted: %v", left, err)
			}
		}
		if err := fresh.Admit(e.ctx, "one-more", []stock.Line{{SKU: "SNK-1", Quantity: 1}}); !errors.Is(err, stock.ErrInsufficient) {
			t.Fatalf("one unit past the stock: %v, want ErrInsufficient", err)
		}
		e.counted("SNK-1")
	})
}

func TestGateAdmissions(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Tea"), "Sencha", "TEA", 1590, 2000)
		e.restock("TEA-1", 5)
		e.restock("TEA-2", 1)
		gate := stock.NewGate(e.store, 0, e.clock.Now)
		admit := func(id string, lines ...stock.Line) error { return gate.Admit(e.ctx, id, lines) }
		holds := func() int64 { return e.count("SELECT COUNT(*) FROM stock_admissions") }

		// All lines or none: TEA-2 has one unit, so nothing of TEA-1 is held either.
		err := admit("o-both", stock.Line{SKU: "TEA-1", Quantity: 2}, stock.Line{SKU: "TEA-2", Quantity: 2})
		var short *stock.ShortError
		if !errors.As(err, &short) || short.SKU != "TEA-2" {
			t.Fatalf("two units of a one-unit SKU: %v, want ShortError on TEA-2", err)
		}
		if n := holds(); n != 0 {
			t.Fatalf("a refused order holds %d admission rows", n)
		}
		var unknown *stock.UnknownSKUError
		if err := admit("o-ghost", stock.Line{SKU: "NOPE-1", Quantity: 1}); !errors.As(err, &unknown) || unknown.SKU != "NOPE-1" {
			t.Fatalf("unknown SKU: %v, want UnknownSKUError", err)
		}
		if err := admit("o-bad", stock.Line{SKU: "TEA-1", Quantity: 0}); err == nil || errors.Is(err, stock.ErrInsufficient) {
			t.Fatalf("quantity 0: %v, want INVALID_ARGUMENT", err)
		}

		// A retried admission counts once.
		for range 2 {
			if err := admit("o-four", stock.Line{SKU: "TEA-1", Quantity: 4}); err != nil {
				t.Fatal(err)
			}
		}
		if err := admit("o-two", stock.Line{SKU: "TEA-1", Quantity: 2}); !errors.Is(err, stock.ErrInsufficient) {
			t.Fatalf("2 of the 1 left: %v, want ErrInsufficient", err)
		}
		// Returning an admission frees its units; returning again is fine.
		for range 2 {
			if err := gate.ReturnAdmission(e.ctx, "o-four"); err != nil {
				t.Fatal(err)
			}
		}
		if err := admit("o-five", stock.Line{SKU: "TEA-1", Quantity: 5}); err != nil {
			t.Fatalf("5 of 5 after the return: %v", err)
		}
		// Deciding the order ends its admission: reserved, its units left available.
		if err := settle(e, order(t, "o-five", stock.Line{SKU: "TEA-1", Quantity: 5}), stock.Decision{OrderID: "o-five", Outcome: stock.Reserved}); err != nil {
			t.Fatal(err)
		}
		if n := holds(); n != 0 {
			t.Fatalf("a decided order still holds %d admission rows", n)
		}
		// An admission that arrives after its order was decided (a late retry) holds nothing.
		if err := admit("o-five", stock.Line{SKU: "TEA-1", Quantity: 5}); err != nil {
			t.Fatal(err)
		}
		if n := holds(); n != 0 {
			t.Fatalf("a late retry of a decided order holds %d admission rows", n)
		}
		// A cancellation that overtakes order.created ends the admission too.
		if err := admit("o-tea2", stock.Line{SKU: "TEA-2", Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.stock.CancelOrder(e.ctx, "o-tea2"); err != nil {
			t.Fatal(err)
		}
		if err := admit("o-tea2-again", stock.Line{SKU: "TEA-2", Quantity: 1}); err != nil {
			t.Fatalf("TEA-2 after the voided order: %v", err)
		}
		// An admission whose order never came stops counting after AdmissionLifetime.
		e.clock.mu.Lock()
		e.clock.now = e.clock.now.Add(stock.AdmissionLifetime + time.Minute)
		e.clock.mu.Unlock()
		if err := admit("o-tea2-later", stock.Line{SKU: "TEA-2", Quantity: 1}); err != nil {
			t.Fatalf("TEA-2 once the stale admission expired: %v", err)
		}
		if n := e.count("SELECT COUNT(*) FROM stock_admissions WHERE order_id = 'o-tea2-again'"); n != 0 {
			t.Fatalf("the expired admission is still stored")
		}
		e.counted("TEA-1")
		e.counted("TEA-2")
	})
}

// TestGateRecountsWhatItDidNotCount: admission rows the counter does not hold (written
// by a product service before migration 0007, which did not count) let the gate admit
// past the stock only until a refusal recounts; ending such a row never takes the
// counter below zero, nor fails the transaction that ends it.
func TestGateRecountsWhatItDidNotCount(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Caps"), "Cap", "CAP", 2500)
		e.restock("CAP-1", 2)
		uncounted := func(orderID string) {
			t.Helper()
			err := e.db.Exec("INSERT INTO stock_admissions (order_id, sku, quantity, created_at) VALUES (?, 'CAP-1', 1, ?)",
				orderID, db.NewTime(e.clock.Now())).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		gate := stock.NewGate(e.store, 0, e.clock.Now)
		admit := func(id string) error { return gate.Admit(e.ctx, id, []stock.Line{{SKU: "CAP-1", Quantity: 1}}) }

		uncounted("old-1")
		for _, id := range []string{"new-1", "new-2"} {
			if err := admit(id); err != nil {
				t.Fatalf("%s with the counter at one unit of two: %v", id, err)
			}
		}
		// The counter is full: the refusal finds three units held, recounts, and refuses.
		if err := admit("new-3"); !errors.Is(err, stock.ErrInsufficient) {
			t.Fatalf("a third unit of two: %v, want ErrInsufficient", err)
		}
		e.counted("CAP-1")

		// The counter is zeroed under two rows it never counted: ending them stops at zero.
		if err := e.db.Exec("DELETE FROM stock_admissions").Error; err != nil {
			t.Fatal(err)
		}
		if err := e.db.Exec("UPDATE stock SET admitted = 0").Error; err != nil {
			t.Fatal(err)
		}
		uncounted("old-2")
		uncounted("old-3")
		if err := gate.ReturnAdmission(e.ctx, "old-2"); err != nil {
			t.Fatalf("return an uncounted admission: %v", err)
		}
		if err := settle(e, order(t, "old-3", stock.Line{SKU: "CAP-1", Quantity: 1}), stock.Decision{OrderID: "old-3", Outcome: stock.Reserved}); err != nil {
			t.Fatalf("decide an order whose admission was not counted: %v", err)
		}
		e.counted("CAP-1")
		if err := admit("new-4"); err != nil {
			t.Fatalf("the one unit left: %v", err)
		}
		e.counted("CAP-1")
	})
}

// TestGateAdmitsNeighbouringSKUsAtOnce: buyers of different SKUs never wait on, or fail
// because of, each other's admissions. On MySQL at REPEATABLE READ the delete of expired
// admissions locked the gap after each SKU's rows, and two SKUs next to each other in
// the index deadlocked inserting into it (error 1213).
func TestGateAdmitsNeighbouringSKUsAtOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		const skus, perSKU = 8, 25
		e.product(e.category("Tees"), "Tee", "TEE", 100, 100, 100, 100, 100, 100, 100, 100)
		gate := stock.NewGate(e.store, 0, time.Now)
		var wg sync.WaitGroup
		for w := range skus {
			sku := fmt.Sprintf("TEE-%d", w+1)
			e.restock(sku, perSKU)
			wg.Go(func() {
				for n := range perSKU {
					if err := gate.Admit(e.ctx, fmt.Sprintf("tee-%d-%d", w, n), []stock.Line{{SKU: sku, Quantity: 1}}); err != nil {
						t.Errorf("admit %s #%d beside the other SKUs' buyers: %v", sku, n, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}

// TestGateCountsAnOrderOnce: copies of one admission racing each other (a retry that
// overtakes the first attempt) hold the order's units once: the copy whose rows collide
// rolls its count back.
func TestGateCountsAnOrderOnce(t *testing.T) {
	onEachEngine(t, func(t *testing.T, e *env) {
		e.product(e.category("Mugs"), "Mug", "MUG", 1200)
		e.restock("MUG-1", 10)
		gate := stock.NewGate(e.store, 0, time.Now)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if err := gate.Admit(e.ctx, "o-copies", []stock.Line{{SKU: "MUG-1", Quantity: 3}}); err != nil {
					t.Errorf("a copy of the admission: %v", err)
				}
			})
		}
		wg.Wait()
		e.counted("MUG-1")
		if held := e.count("SELECT admitted FROM stock WHERE sku = 'MUG-1'"); held != 3 {
			t.Fatalf("8 copies of one 3-unit admission hold %d units, want 3", held)
		}
		if err := gate.Admit(e.ctx, "o-rest", []stock.Line{{SKU: "MUG-1", Quantity: 7}}); err != nil {
			t.Fatalf("the 7 units the copies left: %v", err)
		}
	})
}
