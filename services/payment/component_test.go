package payment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

const awaiting = "AWAITING_PAYMENT"

// The sandbox journey: the amount comes from the order, the sandbox plays the payer,
// its signed callback goes through the gateway to the webhook, and payment.succeeded
// leaves once.
func TestSandboxPaymentSucceedsOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann, bob := ids.New(), ids.New()
	orderID := f.orders.add(ann, awaiting, 4599)

	p := f.create(orderID, ann)
	wantURL := "http://127.0.0.1:8080/api/v1/sandbox/payments/" + p.Id + "/complete"
	if !ids.Valid(p.Id) || p.Status != "PENDING" || p.OrderId != orderID || p.UserId != ann || p.Provider != "sandbox" ||
		p.Amount.AmountCents != 4599 || p.Amount.Currency != "USD" || p.CheckoutUrl != wantURL || p.CreatedAtMs == 0 {
		t.Fatalf("created %+v", p)
	}
	if again := f.create(orderID, ann); again.Id != p.Id {
		t.Fatalf("a second create made payment %s next to %s", again.Id, p.Id)
	}

	for _, c := range []struct {
		name, id, user, code string
	}{
		{"owner", p.Id, ann, ""},
		{"internal_caller", p.Id, "", ""},
		{"another_user", p.Id, bob, "PAYMENT_NOT_FOUND"},
		{"unknown_id", ids.New(), ann, "PAYMENT_NOT_FOUND"},
		{"malformed_id", "../" + p.Id, ann, "PAYMENT_NOT_FOUND"},
	} {
		t.Run("get/"+c.name, func(t *testing.T) {
			_, err := f.client.GetPayment(ctx, &paymentapi.GetPaymentRequest{PaymentId: c.id, UserId: c.user})
			if code(err) != c.code {
				t.Fatalf("GetPayment: %v, want %q", err, c.code)
			}
		})
	}

	_, err := f.client.SandboxComplete(ctx, &paymentapi.SandboxCompleteRequest{PaymentId: p.Id, UserId: bob})
	if code(err) != "PAYMENT_NOT_FOUND" {
		t.Fatalf("another user completes: %v", err)
	}
	_, err = f.client.SandboxComplete(ctx, &paymentapi.SandboxCompleteRequest{PaymentId: p.Id})
	if code(err) != "INVALID_ARGUMENT" || !slices.Equal(fields(err), []string{"user_id"}) {
		t.Fatalf("complete without a user: %v", err)
	}
	completed, err := f.client.SandboxComplete(ctx, &paymentapi.SandboxCompleteRequest{PaymentId: p.Id, UserId: ann})
	if err != nil || completed.Status != "PENDING" {
		t.Fatalf("SandboxComplete: %+v, %v (the provider confirms later)", completed, err)
	}

	testkit.Eventually(t, 10*time.Second, "payment SUCCEEDED", func() bool { return f.status(p.Id) == "SUCCEEDED" })
	var ev eventsapi.PaymentSucceeded
	if err := json.Unmarshal(f.exactlyOne(eventsapi.TAG_SUCCEEDED, p.Id), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.OrderId != orderID || ev.ProviderTxnId != "sbx_txn_"+p.Id || ev.Amount.AmountCents != 4599 || ev.Amount.Currency != "USD" {
		t.Fatalf("payment.succeeded %+v", ev)
	}
	if got := f.gateway.answered(); !slices.Equal(got, []int{http.StatusOK}) {
		t.Fatalf("the gateway answered the provider %v, want one 200", got)
	}

	_, err = f.client.SandboxComplete(ctx, &paymentapi.SandboxCompleteRequest{PaymentId: p.Id, UserId: ann})
	if code(err) != "PAYMENT_STATE_CONFLICT" {
		t.Fatalf("completing a settled payment: %v", err)
	}
	// The order still reads AWAITING_PAYMENT (its PAID status has not caught up), yet
	// it is paid: no second payment.
	_, err = f.client.CreatePayment(ctx, &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: ann})
	if code(err) != "ORDER_NOT_PAYABLE" {
		t.Fatalf("a second payment for a paid order: %v", err)
	}
}

// Replays of one provider transaction, concurrent or late, record one payment and one
// message; a different transaction for the settled payment is refused.
func TestDuplicateWebhooksRecordOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann := ids.New()
	p := f.create(f.orders.add(ann, awaiting, 1250), ann)
	body := callback(p.Id, "txn-dup-1", 1250, "USD")

	const n = 8
	answers := make([]*paymentapi.WebhookResponse, n)
	failures := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i], failures[i] = f.client.HandleWebhook(ctx, signed(body)) })
	}
	wg.Wait()
	recorded := 0
	for i := range n {
		if failures[i] != nil || answers[i].PaymentId != p.Id {
			t.Fatalf("replay %d: %+v, %v (a verified replay must succeed)", i, answers[i], failures[i])
		}
		if !answers[i].Duplicate {
			recorded++
		}
	}
	if recorded != 1 {
		t.Fatalf("%d of %d concurrent callbacks recorded the payment, want 1", recorded, n)
	}
	if s := f.status(p.Id); s != "SUCCEEDED" {
		t.Fatalf("status %s", s)
	}
	f.exactlyOne(eventsapi.TAG_SUCCEEDED, p.Id)

	late, err := f.client.HandleWebhook(ctx, signed(body))
	if err != nil || !late.Duplicate {
		t.Fatalf("late replay: %+v, %v", late, err)
	}
	_, err = f.client.HandleWebhook(ctx, signed(callback(p.Id, "txn-dup-2", 1250, "USD")))
	if code(err) != "PAYMENT_STATE_CONFLICT" {
		t.Fatalf("a second transaction for a settled payment: %v", err)
	}
	f.drained()
	if got := len(f.inbox.bodies(eventsapi.TAG_SUCCEEDED, p.Id)); got != 1 {
		t.Fatalf("%d payment.succeeded messages after replays, want 1", got)
	}
}

// Forged, stale, malformed or mismatched callbacks are refused and change nothing; the
// genuine one still goes through afterwards.
func TestRejectedWebhooksChangeNothing(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann := ids.New()
	p := f.create(f.orders.add(ann, awaiting, 4599), ann)
	good := callback(p.Id, "txn-good", 4599, "USD")
	now := time.Now()
	signedAt := func(at time.Time, body []byte) *paymentapi.WebhookRequest {
		ts := webhook.Timestamp(at)
		return &paymentapi.WebhookRequest{Payload: body, Timestamp: ts, Signature: webhook.Sign(testSecret, ts, body)}
	}
	tampered := signed(good)
	tampered.Payload = callback(p.Id, "txn-good", 1, "USD")
	forged := signed(good)
	forged.Signature = webhook.Sign("not-the-secret-not-the-secret-xx", forged.Timestamp, good)

	cases := []struct {
		name   string
		req    *paymentapi.WebhookRequest
		code   string
		fields []string
	}{
		{"wrong_secret", forged, "WEBHOOK_SIGNATURE_INVALID", nil},
		{"tampered_body", tampered, "WEBHOOK_SIGNATURE_INVALID", nil},
		{"stale", signedAt(now.Add(-6*time.Minute), good), "WEBHOOK_SIGNATURE_INVALID", nil},
		{"future", signedAt(now.Add(6*time.Minute), good), "WEBHOOK_SIGNATURE_INVALID", nil},
		{"garbage_headers", &paymentapi.WebhookRequest{Payload: good, Timestamp: "soon", Signature: "zz"}, "WEBHOOK_SIGNATURE_INVALID", nil},
		{"no_signature", &paymentapi.WebhookRequest{Payload: good, Timestamp: webhook.Timestamp(now)}, "WEBHOOK_SIGNATURE_INVALID", nil},
		{"not_json", signed([]byte("paid=yes")), "INVALID_ARGUMENT", []string{"payload"}},
		{"every_field_wrong", signed([]byte(`{"event":"payment.refunded","currency":"usd"}`)), "INVALID_ARGUMENT",
			[]string{"event", "provider_txn_id", "payment_id", "currency", "occurred_at"}},
		{"unknown_payment", signed(callback(ids.New(), "txn-x", 4599, "USD")), "PAYMENT_NOT_FOUND", nil},
		{"malformed_payment_id", signed(callback("p-1", "txn-x", 4599, "USD")), "PAYMENT_NOT_FOUND", nil},
		{"less_money", signed(callback(p.Id, "txn-short", 4598, "USD")), "PAYMENT_AMOUNT_MISMATCH", nil},
		{"other_currency", signed(callback(p.Id, "txn-eur", 4599, "EUR")), "PAYMENT_AMOUNT_MISMATCH", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.client.HandleWebhook(ctx, c.req)
			if code(err) != c.code || !slices.Equal(fields(err), c.fields) {
				t.Fatalf("HandleWebhook: %v %v, want %s %v", err, fields(err), c.code, c.fields)
			}
		})
	}
	f.drained()
	if s := f.status(p.Id); s != "PENDING" {
		t.Fatalf("a refused callback moved the payment to %s", s)
	}
	if got := len(f.inbox.bodies(eventsapi.TAG_SUCCEEDED, p.Id)); got != 0 {
		t.Fatalf("a refused callback published %d messages", got)
	}
	if res, err := f.client.HandleWebhook(ctx, signed(good)); err != nil || res.Duplicate {
		t.Fatalf("the genuine callback after the refused ones: %+v, %v", res, err)
	}
	f.exactlyOne(eventsapi.TAG_SUCCEEDED, p.Id)
}

func TestCreatePaymentRefusals(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann, bob := ids.New(), ids.New()
	cases := []struct {
		name, orderID, user, code string
		fields                    []string
	}{
		{"order_paid", f.orders.add(ann, "PAID", 100), ann, "ORDER_NOT_PAYABLE", nil},
		{"order_stock_not_settled", f.orders.add(ann, "PENDING", 100), ann, "ORDER_NOT_PAYABLE", nil},
		{"order_cancelled", f.orders.add(ann, "CANCELLED", 100), ann, "ORDER_NOT_PAYABLE", nil},
		{"order_free", f.orders.add(ann, awaiting, 0), ann, "ORDER_NOT_PAYABLE", nil},
		{"another_users_order", f.orders.add(ann, awaiting, 100), bob, "ORDER_NOT_FOUND", nil},
		{"unknown_order", ids.New(), ann, "ORDER_NOT_FOUND", nil},
		{"malformed_order_id", "../orders", ann, "ORDER_NOT_FOUND", nil},
		{"every_field_missing", "", "", "INVALID_ARGUMENT", []string{"order_id", "user_id"}},
		{"user_id_not_an_id", ids.New(), "bob", "INVALID_ARGUMENT", []string{"user_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.client.CreatePayment(ctx, &paymentapi.CreatePaymentRequest{OrderId: c.orderID, UserId: c.user})
			if code(err) != c.code || !slices.Equal(fields(err), c.fields) {
				t.Fatalf("CreatePayment: %v %v, want %s %v", err, fields(err), c.code, c.fields)
			}
		})
	}

	t.Run("concurrent_creates_share_one_payment", func(t *testing.T) {
		orderID := f.orders.add(ann, awaiting, 700)
		const n = 8
		got := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				p, err := f.client.CreatePayment(ctx, &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: ann})
				if err != nil {
					got[i] = err.Error()
					return
				}
				got[i] = p.Id
			})
		}
		wg.Wait()
		for _, id := range got {
			if id != got[0] || !ids.Valid(id) {
				t.Fatalf("concurrent creates answered %v, want one payment", got)
			}
		}
	})

	t.Run("order_service_down", func(t *testing.T) {
		orderID := f.orders.add(ann, awaiting, 100)
		f.stopOrders()
		_, err := f.client.CreatePayment(ctx, &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: ann})
		if code(err) != "UNAVAILABLE" {
			t.Fatalf("CreatePayment without an order service: %v", err)
		}
	})
}

// order.refund_requested, delivered twice, refunds once and announces it once; requests
// that cannot be honoured and poison are acknowledged without touching anything.
func TestRefundRequestedRefundsOnce(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann := ids.New()
	orderID := f.orders.add(ann, awaiting, 4200)
	paid := f.create(orderID, ann)
	if _, err := f.client.HandleWebhook(ctx, signed(callback(paid.Id, "txn-late", 4200, "USD"))); err != nil {
		t.Fatal(err)
	}
	pending := f.create(f.orders.add(ann, awaiting, 300), ann)
	request := func(orderID, paymentID string) []byte {
		return fmt.Appendf(nil, `{"order_id":%q,"payment_id":%q,"reason":"PAYMENT_TIMEOUT"}`, orderID, paymentID)
	}

	f.sendRefundRequested(request(orderID, paid.Id))
	f.sendRefundRequested(request(orderID, paid.Id)) // the order service may send it again
	f.sendRefundRequested([]byte(`{"order_id":`))    // poison
	f.sendRefundRequested(request(pending.OrderId, pending.Id))
	f.sendRefundRequested(request(ids.New(), paid.Id)) // names another order

	testkit.Eventually(t, 10*time.Second, "payment REFUNDED", func() bool { return f.status(paid.Id) == "REFUNDED" })
	var ev eventsapi.PaymentRefunded
	if err := json.Unmarshal(f.exactlyOne(eventsapi.TAG_REFUNDED, paid.Id), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.OrderId != orderID || ev.Amount.AmountCents != 4200 || ev.Amount.Currency != "USD" {
		t.Fatalf("payment.refunded %+v", ev)
	}
	if n := f.refundRows(paid.Id); n != 1 {
		t.Fatalf("%d refund rows, want 1", n)
	}
	// 5 refund requests acknowledged by the service, 2 payment messages by the inbox;
	// none failed, so none waits for redelivery.
	testkit.Eventually(t, 10*time.Second, "every message acknowledged", func() bool { return f.broker.Stats().Acked >= 7 })
	if st := f.broker.Stats(); st.Failed != 0 {
		t.Fatalf("broker stats %+v: a handler failed", st)
	}
	if s := f.status(pending.Id); s != "PENDING" || len(f.inbox.bodies(eventsapi.TAG_REFUNDED, pending.Id)) != 0 {
		t.Fatalf("a refund request for a pending payment changed it to %s", s)
	}
}

func TestListOrderPaymentsShowsRefunds(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	ann := ids.New()
	orderID := f.orders.add(ann, awaiting, 4200)
	paid := f.create(orderID, ann)
	if _, err := f.client.HandleWebhook(ctx, signed(callback(paid.Id, "txn-listed", 4200, "USD"))); err != nil {
		t.Fatal(err)
	}
	f.sendRefundRequested(fmt.Appendf(nil, `{"order_id":%q,"payment_id":%q,"reason":"PAYMENT_TIMEOUT"}`, orderID, paid.Id))
	testkit.Eventually(t, 10*time.Second, "payment REFUNDED", func() bool { return f.status(paid.Id) == "REFUNDED" })
	pending := f.create(f.orders.add(ann, awaiting, 300), ann)

	list := func(orderID string) []*paymentapi.Payment {
		t.Helper()
		res, err := f.client.ListOrderPayments(ctx, &paymentapi.ListOrderPaymentsRequest{OrderId: orderID})
		if err != nil {
			t.Fatalf("ListOrderPayments(%q): %v", orderID, err)
		}
		return res.Payments
	}
	got := list(orderID)
	if len(got) != 1 || got[0].Id != paid.Id || got[0].Status != "REFUNDED" || got[0].Refund == nil {
		t.Fatalf("refunded order's payments: %+v", got)
	}
	if r := got[0].Refund; r.Amount.AmountCents != 4200 || r.Amount.Currency != "USD" || r.Reason != "PAYMENT_TIMEOUT" ||
		r.ProviderRefundId == "" || r.CreatedAtMs == 0 {
		t.Fatalf("refund %+v", r)
	}
	if got := list(pending.OrderId); len(got) != 1 || got[0].Status != "PENDING" || got[0].Refund != nil {
		t.Fatalf("pending order's payments: %+v", got)
	}
	if got := list(ids.New()); len(got) != 0 {
		t.Fatalf("an order without payments lists %+v", got)
	}
	_, err := f.client.ListOrderPayments(ctx, &paymentapi.ListOrderPaymentsRequest{OrderId: "not-an-id"})
	if code(err) != "INVALID_ARGUMENT" || !slices.Equal(fields(err), []string{"order_id"}) {
		t.Fatalf("malformed order id: %v (fields %v)", err, fields(err))
	}
}

func TestSandboxCanBeTurnedOff(t *testing.T) {
	f := newFixture(t, map[string]string{"PAYMENT_SANDBOX_ENABLED": "false"})
	ann := ids.New()
	p := f.create(f.orders.add(ann, awaiting, 100), ann)
	_, err := f.client.SandboxComplete(context.Background(), &paymentapi.SandboxCompleteRequest{PaymentId: p.Id, UserId: ann})
	if code(err) != "SANDBOX_DISABLED" {
		t.Fatalf("SandboxComplete with the sandbox off: %v", err)
	}
	time.Sleep(callbackWindow)
	if s := f.status(p.Id); s != "PENDING" || len(f.gateway.answered()) != 0 {
		t.Fatalf("status %s, webhook calls %v", s, f.gateway.answered())
	}
}
