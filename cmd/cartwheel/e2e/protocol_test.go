package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

// An order asking for more than a SKU has is refused at once by the stock gate, naming
// the SKU: nothing is placed, and no line of it holds stock.
func TestSoldOutIsRefusedAtOnce(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	scarce := s.newSKU(admin, 1000, 1)
	plenty := s.newSKU(admin, 200, 10)
	cat := s.newCustomer("Cat")

	r := s.placeOrder(cat, "oos-1", line(plenty, 2), line(scarce, 2))
	if e := r.err(t); r.status != http.StatusConflict || e.Code != "STOCK_INSUFFICIENT" || !strings.Contains(e.Message, scarce) {
		t.Fatalf("create: %d %s, want 409 STOCK_INSUFFICIENT naming %s", r.status, r.body, scarce)
	}
	var list struct{ Items []order }
	s.must(http.StatusOK, "GET", "/api/v1/orders", cat.token, nil, nil).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a refused order was placed: %+v", list.Items)
	}
	if st := s.stock(admin, scarce); st != (stock{scarce, 1, 0, 0}) {
		t.Fatalf("scarce: %+v", st)
	}
	if st := s.stock(admin, plenty); st != (stock{plenty, 10, 0, 0}) {
		t.Fatalf("plenty: %+v", st)
	}
	// What is there can still be bought, by the same key's next attempt.
	r = s.placeOrder(cat, "oos-2", line(plenty, 2), line(scarce, 1))
	if r.status != http.StatusCreated {
		t.Fatalf("create within the stock: %d %s", r.status, r.body)
	}
	var o order
	r.decode(t, &o)
	if got := s.settle(cat, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("admitted order settled %s/%s", got.Status, got.CancelReason)
	}
}

func TestIdempotencyKey(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 300, 10)
	dan := s.newCustomer("Dan")

	first := s.placeOrder(dan, "idem-1", line(sku, 1))
	if first.status != http.StatusCreated {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	var a, b order
	first.decode(t, &a)
	replay := s.placeOrder(dan, "idem-1", line(sku, 1))
	if replay.status != http.StatusOK {
		t.Fatalf("replay: %d %s", replay.status, replay.body)
	}
	replay.decode(t, &b)
	if a.ID != b.ID {
		t.Fatalf("replay made a second order: %s vs %s", a.ID, b.ID)
	}
	misuse := s.placeOrder(dan, "idem-1", line(sku, 2))
	if misuse.status != http.StatusConflict || misuse.err(t).Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("misuse: %d %s", misuse.status, misuse.body)
	}
	missing := s.call("POST", "/api/v1/orders", dan.token, map[string]any{"lines": []any{line(sku, 1)}, "address_id": dan.address}, nil)
	if missing.status != http.StatusBadRequest {
		t.Fatalf("missing key: %d %s", missing.status, missing.body)
	}

	// Another customer may use the same key: keys are per customer.
	eve := s.newCustomer("Eve")
	if r := s.placeOrder(eve, "idem-1", line(sku, 1)); r.status != http.StatusCreated {
		t.Fatalf("same key, other customer: %d %s", r.status, r.body)
	}

	// Ten concurrent retries of one request make one order.
	ids := make(chan string, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.placeOrder(dan, "idem-burst", line(sku, 1))
			var o order
			if r.status == http.StatusCreated || r.status == http.StatusOK {
				_ = json.Unmarshal(r.body, &o)
			}
			ids <- o.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 || seen[""] {
		t.Fatalf("concurrent retries made %d distinct answers: %v", len(seen), seen)
	}
	testkit.Eventually(s.t, 10*time.Second, "stock settles", func() bool { return s.stock(admin, sku).Reserved == 3 })
}

func TestPaymentTimeoutReleasesStock(t *testing.T) {
	s := newShop(t, map[string]string{"ORDER_PAYMENT_TIMEOUT": "2s"})
	admin := s.admin()
	sku := s.newSKU(admin, 700, 5)
	fay := s.newCustomer("Fay")
	var o order
	s.placeOrder(fay, "timeout-1", line(sku, 2)).decode(t, &o)
	if got := s.settle(fay, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("settled as %s", got.Status)
	}
	got := s.waitStatus(fay, o.ID, "CANCELLED", 15*time.Second)
	if got.CancelReason != "PAYMENT_TIMEOUT" {
		t.Fatalf("cancel reason %q", got.CancelReason)
	}
	testkit.Eventually(s.t, 10*time.Second, "stock released", func() bool { return s.stock(admin, sku) == stock{sku, 5, 0, 0} })
}

// signedWebhook posts a provider callback signed with the test secret.
func (s *shop) signedWebhook(body []byte) reply {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return s.call("POST", "/api/v1/payments/webhook", "", body, map[string]string{
		"X-Timestamp": ts, "X-Signature": webhook.Sign(testWebhookSecret, ts, body),
	})
}

func webhookBody(p payment, txn string, cents int64) []byte {
	b, _ := json.Marshal(map[string]any{
		"event": "payment.succeeded", "provider_txn_id": txn, "payment_id": p.ID,
		"amount_cents": cents, "currency": p.Amount.Currency, "occurred_at": time.Now().UTC().Format(time.RFC3339),
	})
	return b
}

// payable places an order and waits until it awaits payment; it returns the order and a
// fresh payment for it.
func (s *shop) payable(c customer, sku string, qty int64) (order, payment) {
	s.t.Helper()
	var o order
	r := s.placeOrder(c, fmt.Sprintf("pay-%d", time.Now().UnixNano()), line(sku, qty))
	if r.status != http.StatusCreated {
		s.t.Fatalf("create: %d %s", r.status, r.body)
	}
	r.decode(s.t, &o)
	if got := s.settle(c, o.ID); got.Status != "AWAITING_PAYMENT" {
		s.t.Fatalf("settled as %s", got.Status)
	}
	var p payment
	s.must(201, "POST", "/api/v1/orders/"+o.ID+"/payments", c.token, nil, nil).decode(s.t, &p)
	return o, p
}

func TestDuplicatedWebhookRecordsOnePayment(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 1250, 4)
	gus := s.newCustomer("Gus")
	o, p := s.payable(gus, sku, 2)

	body := webhookBody(p, "txn-dup-1", o.Total.AmountCents)
	var wg sync.WaitGroup
	statuses := make(chan int, 5)
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); statuses <- s.signedWebhook(body).status }()
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Fatalf("a verified replay must answer 200, got %d", st)
		}
	}
	s.waitStatus(gus, o.ID, "PAID", 15*time.Second)
	testkit.Eventually(s.t, 10*time.Second, "sold once", func() bool { return s.stock(admin, sku) == stock{sku, 2, 0, 2} })
	if got := s.payment(gus, p.ID); got.Status != "SUCCEEDED" || got.Amount != o.Total {
		t.Fatalf("payment: %+v", got)
	}
	// A second payment for a paid order is refused: one order, one payment.
	if r := s.call("POST", "/api/v1/orders/"+o.ID+"/payments", gus.token, nil, nil); r.status != http.StatusConflict {
		t.Fatalf("second payment for a paid order: %d %s", r.status, r.body)
	}
}

func TestForgedWebhookChangesNothing(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 990, 3)
	hal := s.newCustomer("Hal")
	o, p := s.payable(hal, sku, 1)

	body := webhookBody(p, "txn-forged", o.Total.AmountCents)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	cases := map[string]map[string]string{
		"wrong_secret": {"X-Timestamp": ts, "X-Signature": webhook.Sign("not-the-secret-not-the-secret-xx", ts, body)},
		"no_signature": {"X-Timestamp": ts},
		"stale":        {"X-Timestamp": "1000000000", "X-Signature": webhook.Sign(testWebhookSecret, "1000000000", body)},
		"garbage":      {"X-Timestamp": "soon", "X-Signature": "zz"},
	}
	for name, headers := range cases {
		t.Run(name, func(t *testing.T) {
			r := s.call("POST", "/api/v1/payments/webhook", "", body, headers)
			if r.status != http.StatusUnauthorized || r.err(t).Code != "WEBHOOK_SIGNATURE_INVALID" {
				t.Fatalf("%d %s", r.status, r.body)
			}
		})
	}
	// Correctly signed, but for less money than the payment: rejected too.
	short := s.signedWebhook(webhookBody(p, "txn-short", o.Total.AmountCents-1))
	if short.status != http.StatusConflict || short.err(t).Code != "PAYMENT_AMOUNT_MISMATCH" {
		t.Fatalf("amount mismatch: %d %s", short.status, short.body)
	}
	s.drained() // a wrongly emitted message has shown its effect by now
	if got := s.payment(hal, p.ID); got.Status != "PENDING" {
		t.Fatalf("payment changed to %s", got.Status)
	}
	if got := s.order(hal, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("order changed to %s", got.Status)
	}
	if st := s.stock(admin, sku); st != (stock{sku, 2, 1, 0}) {
		t.Fatalf("stock changed: %+v", st)
	}
}

func TestPaymentAfterTimeoutIsRefunded(t *testing.T) {
	s := newShop(t, map[string]string{"ORDER_PAYMENT_TIMEOUT": "2s"})
	admin := s.admin()
	sku := s.newSKU(admin, 4200, 2)
	ivy := s.newCustomer("Ivy")
	o, p := s.payable(ivy, sku, 1)

	s.waitStatus(ivy, o.ID, "CANCELLED", 15*time.Second)
	// The payer completes after the deadline; the provider's webhook arrives late.
	s.must(200, "POST", "/api/v1/sandbox/payments/"+p.ID+"/complete", ivy.token, nil, nil)
	testkit.Eventually(s.t, 15*time.Second, "late payment refunded", func() bool { return s.payment(ivy, p.ID).Status == "REFUNDED" })
	if got := s.order(ivy, o.ID); got.Status != "CANCELLED" || got.CancelReason != "PAYMENT_TIMEOUT" {
		t.Fatalf("order: %s/%s", got.Status, got.CancelReason)
	}
	testkit.Eventually(s.t, 10*time.Second, "stock back", func() bool { return s.stock(admin, sku) == stock{sku, 2, 0, 0} })
}
