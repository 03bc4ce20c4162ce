package product_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
)

// TestStockProtocol plays the order service against the product service, through the
// embedded broker (ARCHITECTURE.md §5, steps 2 and 5).
func TestStockProtocol(t *testing.T) {
	s := startShop(t)
	s.newProduct("Protocol tea", map[string]int64{"PROTO-A": 5, "PROTO-B": 2, "PROTO-C": 3})

	t.Run("order.created reserves every line", func(t *testing.T) {
		s.orderCreated("o-reserve", map[string]int64{"PROTO-A": 2, "PROTO-B": 2})
		msg := s.outcome("o-reserve")
		var body eventsapi.StockReserved
		if err := json.Unmarshal(msg.Body, &body); err != nil || msg.Tags != eventsapi.TAG_RESERVED || body.OrderId != "o-reserve" {
			t.Fatalf("outcome %s %s (%v), want stock.reserved for o-reserve", msg.Tags, msg.Body, err)
		}
		if !slices.Contains(msg.Keys, "o-reserve") {
			t.Errorf("keys = %v, want the order id for look-up", msg.Keys)
		}
		want := map[string]productapi.Stock{
			"PROTO-A": {Sku: "PROTO-A", Available: 3, Reserved: 2},
			"PROTO-B": {Sku: "PROTO-B", Available: 0, Reserved: 2},
		}
		for sku, w := range want {
			if got := s.stock(sku); got != w {
				t.Errorf("%s = %+v, want %+v", sku, got, w)
			}
		}
	})

	t.Run("out of stock rejects and leaves stock untouched", func(t *testing.T) {
		s.orderCreated("o-short", map[string]int64{"PROTO-A": 1, "PROTO-C": 4})
		msg := s.outcome("o-short")
		var body eventsapi.StockRejected
		if err := json.Unmarshal(msg.Body, &body); err != nil || msg.Tags != eventsapi.TAG_REJECTED {
			t.Fatalf("outcome %s %s (%v), want stock.rejected", msg.Tags, msg.Body, err)
		}
		if body != (eventsapi.StockRejected{OrderId: "o-short", Sku: "PROTO-C", Reason: "STOCK_INSUFFICIENT"}) {
			t.Errorf("rejection = %+v, want PROTO-C STOCK_INSUFFICIENT", body)
		}
		if a, c := s.stock("PROTO-A"), s.stock("PROTO-C"); a.Available != 3 || a.Reserved != 2 || c.Available != 3 || c.Reserved != 0 {
			t.Errorf("stock %+v %+v, want the line that fitted not reserved either", a, c)
		}
	})

	t.Run("unknown SKU rejects", func(t *testing.T) {
		s.orderCreated("o-unknown", map[string]int64{"PROTO-A": 1, "NO-SUCH-SKU": 1})
		var body eventsapi.StockRejected
		json.Unmarshal(s.outcome("o-unknown").Body, &body)
		if body.Sku != "NO-SUCH-SKU" || body.Reason != "SKU_NOT_FOUND" {
			t.Errorf("rejection = %+v, want NO-SUCH-SKU SKU_NOT_FOUND", body)
		}
	})

	t.Run("duplicate order.created reserves once", func(t *testing.T) {
		s.orderCreated("o-twice", map[string]int64{"PROTO-C": 1})
		s.orderCreated("o-twice", map[string]int64{"PROTO-C": 1})
		s.outcome("o-twice")
		s.drained()
		if n := len(s.outcomes.of("o-twice")); n != 1 {
			t.Errorf("%d outcomes, want 1", n)
		}
		if c := s.stock("PROTO-C"); c.Available != 2 || c.Reserved != 1 {
			t.Errorf("PROTO-C = %+v, want 1 reserved once", c)
		}
	})

	t.Run("order.paid sells once even when delivered twice", func(t *testing.T) {
		paid := &eventsapi.OrderPaid{OrderId: "o-reserve", PaymentId: "pay-1"}
		s.publish(eventsapi.TAG_PAID, paid)
		s.publish(eventsapi.TAG_PAID, paid)
		s.drained()
		if a := s.stock("PROTO-A"); a != (productapi.Stock{Sku: "PROTO-A", Available: 3, Reserved: 0, Sold: 2}) {
			t.Errorf("PROTO-A = %+v, want 2 sold once", a)
		}
		if b := s.stock("PROTO-B"); b != (productapi.Stock{Sku: "PROTO-B", Available: 0, Reserved: 0, Sold: 2}) {
			t.Errorf("PROTO-B = %+v, want 2 sold once", b)
		}
	})

	t.Run("order.cancelled releases once even when delivered twice", func(t *testing.T) {
		cancelled := &eventsapi.OrderCancelled{OrderId: "o-twice", Reason: "PAYMENT_TIMEOUT"}
		s.publish(eventsapi.TAG_CANCELLED, cancelled)
		s.publish(eventsapi.TAG_CANCELLED, cancelled)
		s.drained()
		if c := s.stock("PROTO-C"); c != (productapi.Stock{Sku: "PROTO-C", Available: 3}) {
			t.Errorf("PROTO-C = %+v, want the reservation released once", c)
		}
	})

	t.Run("cancelling a rejected order is acknowledged", func(t *testing.T) {
		failed := s.broker.Stats().Failed
		s.publish(eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{OrderId: "o-short", Reason: "OUT_OF_STOCK"})
		s.drained()
		if s.broker.Stats().Failed != failed {
			t.Error("the cancel of a rejected order failed")
		}
		if c := s.stock("PROTO-C"); c != (productapi.Stock{Sku: "PROTO-C", Available: 3}) {
			t.Errorf("PROTO-C = %+v, want untouched", c)
		}
	})

	t.Run("order.cancelled overtaking order.created voids it", func(t *testing.T) {
		s.publish(eventsapi.TAG_CANCELLED, &eventsapi.OrderCancelled{OrderId: "o-overtaken", Reason: "PAYMENT_TIMEOUT"})
		s.drained()
		s.orderCreated("o-overtaken", map[string]int64{"PROTO-C": 1})
		s.drained()
		if n := len(s.outcomes.of("o-overtaken")); n != 0 {
			t.Errorf("%d outcomes for a cancelled order, want none", n)
		}
		if c := s.stock("PROTO-C"); c != (productapi.Stock{Sku: "PROTO-C", Available: 3}) {
			t.Errorf("PROTO-C = %+v, want nothing reserved for a cancelled order", c)
		}
	})

	if dead, err := s.broker.DeadLetters("product-svc"); err != nil || len(dead) != 0 {
		t.Errorf("dead letters of product-svc: %v, %v", dead, err)
	}
}

// TestConcurrentOrdersNeverOversell sends many orders for a scarce SKU at once; the
// broker hands them to several handlers in parallel.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	s := startShop(t)
	const stock, orders = 20, 60
	s.newProduct("Scarce tea", map[string]int64{"SCARCE-1": stock})
	var wg sync.WaitGroup
	for i := range orders {
		wg.Go(func() { s.orderCreated(fmt.Sprintf("o-%03d", i), map[string]int64{"SCARCE-1": 1}) })
	}
	wg.Wait()
	reserved, rejected := 0, 0
	for i := range orders {
		switch msg := s.outcome(fmt.Sprintf("o-%03d", i)); msg.Tags {
		case eventsapi.TAG_RESERVED:
			reserved++
		case eventsapi.TAG_REJECTED:
			rejected++
		}
	}
	if reserved != stock || rejected != orders-stock {
		t.Errorf("%d reserved, %d rejected; want %d and %d", reserved, rejected, stock, orders-stock)
	}
	if got := s.stock("SCARCE-1"); got != (productapi.Stock{Sku: "SCARCE-1", Available: 0, Reserved: stock}) {
		t.Errorf("stock = %+v, want all %d reserved and none below zero", got, stock)
	}
}
