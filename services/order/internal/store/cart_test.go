package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/services/order/internal/order"
)

func (f *fixture) cartSKUs(t *testing.T, userID string) []string {
	t.Helper()
	items, err := f.store.CartItems(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var skus []string
	for _, it := range items {
		skus = append(skus, fmt.Sprintf("%s=%d", it.SKU, it.Quantity))
	}
	return skus
}

func (f *fixture) setItem(userID, sku string, qty int64, at time.Time, maxLines int) error {
	return f.store.SetCartItem(context.Background(), userID, order.CartItem{SKU: sku, Quantity: qty, AddedAt: at}, maxLines)
}

func TestCart(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		const max = 3
		for i, sku := range []string{"B", "A", "C"} {
			if err := f.setItem(userA, sku, int64(i+1), t0.Add(time.Duration(i)*time.Second), max); err != nil {
				t.Fatalf("add %s: %v", sku, err)
			}
		}
		if got, want := f.cartSKUs(t, userA), []string{"B=1", "A=2", "C=3"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("cart %v, want %v (oldest first)", got, want)
		}
		if err := f.setItem(userA, "D", 1, t0, max); !errors.Is(err, order.ErrCartFull) {
			t.Fatalf("a fourth line: got %v, want ErrCartFull", err)
		}
		if err := f.setItem(userA, "A", 9, t0.Add(time.Hour), max); err != nil {
			t.Fatalf("changing a line of a full cart: %v", err)
		}
		if err := f.store.RemoveCartItem(ctx, userA, "B"); err != nil {
			t.Fatal(err)
		}
		if err := f.store.RemoveCartItem(ctx, userA, "B"); err != nil {
			t.Fatalf("removing an absent line: %v", err)
		}
		if err := f.setItem(userA, "D", 1, t0.Add(time.Hour), max); err != nil {
			t.Fatalf("a removed line frees its slot: %v", err)
		}
		if got, want := f.cartSKUs(t, userA), []string{"A=9", "C=3", "D=1"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("cart %v, want %v", got, want)
		}
		if got := f.cartSKUs(t, userB); got != nil {
			t.Fatalf("another user's cart: %v", got)
		}
	})
}

func TestConcurrentAddsNeverOverfillTheCart(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		const max, n = 5, 12
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = f.setItem(userA, fmt.Sprintf("SKU-%02d", i%8), 1, t0, max) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil && !errors.Is(err, order.ErrCartFull) {
				t.Errorf("unexpected: %v", err)
			}
		}
		if got := len(f.cartSKUs(t, userA)); got != max {
			t.Fatalf("%d lines, want exactly %d", got, max)
		}
		var count int64
		f.db.Table("carts").Where("user_id = ?", userA).Pluck("line_count", &count)
		if count != max {
			t.Fatalf("line_count %d, want %d", count, max)
		}
	})
}

func TestOrderingFromTheCartRemovesTheOrderedLines(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for _, sku := range []string{"TEE-RED-M", "MUG", "KEEP"} {
			if err := f.setItem(userA, sku, 1, t0, 3); err != nil {
				t.Fatal(err)
			}
		}
		o := newOrder(t, userA, t0) // lines TEE-RED-M and MUG
		p := order.Placement{Order: o, Key: "k", Fingerprint: "fp", FromCart: true}
		if err := f.store.InsertOrder(context.Background(), p, order.OrderCreated{ID: o.ID()}); err != nil {
			t.Fatal(err)
		}
		if got := f.cartSKUs(t, userA); !reflect.DeepEqual(got, []string{"KEEP=1"}) {
			t.Fatalf("cart after ordering: %v", got)
		}
		for _, sku := range []string{"X", "Y"} { // the two slots came back
			if err := f.setItem(userA, sku, 1, t0, 3); err != nil {
				t.Fatalf("add %s: %v", sku, err)
			}
		}
		if err := f.setItem(userA, "Z", 1, t0, 3); !errors.Is(err, order.ErrCartFull) {
			t.Fatalf("got %v, want ErrCartFull", err)
		}
	})
}
