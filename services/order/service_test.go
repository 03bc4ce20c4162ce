package order

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

func TestOrderIsCreatedReservedAndPaid(t *testing.T) {
	w := startWorld(t, nil)
	o := w.create("checkout-1", line("TEE-RED-M", 2), line("MUG", 1))
	if o.Status != "PENDING" || o.Total.AmountCents != 2*1999+850 || o.Total.Currency != "USD" || len(o.Lines) != 2 {
		t.Fatalf("new order %+v", o)
	}
	if o.Address.Recipient != "Ada Lovelace" || o.Address.GetLine2() != "Flat 2" || o.Address.Region != nil {
		t.Fatalf("address not snapshotted: %+v", o.Address)
	}
	if o.PaymentDeadlineMs-o.CreatedAtMs != (15 * time.Minute).Milliseconds() {
		t.Fatalf("deadline %d after creation, want 15m", o.PaymentDeadlineMs-o.CreatedAtMs)
	}
	created := waitMessage[eventsapi.OrderCreated](t, w.sent, eventsapi.TAG_CREATED, o.Id)
	wantLines := []*eventsapi.EventLine{{Sku: "TEE-RED-M", Quantity: 2}, {Sku: "MUG", Quantity: 1}}
	if created.UserId != userA || !reflect.DeepEqual(created.Lines, wantLines) || created.CreatedAtMs != o.CreatedAtMs {
		t.Fatalf("order.created %+v", created)
	}

	w.reserve(o.Id)
	w.waitStatus(o.Id, "AWAITING_PAYMENT")
	w.pay(o.Id, "pay-1", o.Total)
	paid := w.waitStatus(o.Id, "PAID")
	if msg := waitMessage[eventsapi.OrderPaid](t, w.sent, eventsapi.TAG_PAID, o.Id); msg.PaymentId != "pay-1" {
		t.Fatalf("order.paid %+v", msg)
	}
	if paid.UpdatedAtMs < o.CreatedAtMs {
		t.Fatalf("updated_at %d before created_at %d", paid.UpdatedAtMs, o.CreatedAtMs)
	}
}

// The stock gate's refusal reaches the client at once, naming the SKU, and places
// nothing; an order refused after its admission gives the admission back.
func TestStockGateRefusalPlacesNothing(t *testing.T) {
	w := startWorld(t, nil)
	w.products.mu.Lock()
	w.products.soldOut = map[string]bool{"MUG": true}
	w.products.mu.Unlock()
	ctx := context.Background()
	_, err := w.client.CreateOrder(ctx, &orderapi.CreateOrderRequest{UserId: userA, IdempotencyKey: "sold-out",
		AddressId: addrA, Lines: []*orderapi.LineRequest{line("TEE-RED-M", 1), line("MUG", 1)}})
	if code(err) != errs.StockInsufficient.Name || !strings.Contains(err.Error(), "MUG") {
		t.Fatalf("got %v, want STOCK_INSUFFICIENT naming MUG", err)
	}
	_, err = w.client.CreateOrder(ctx, &orderapi.CreateOrderRequest{UserId: userA, IdempotencyKey: "retired",
		AddressId: addrA, Lines: []*orderapi.LineRequest{line("OLD", 1)}})
	if code(err) != errs.SkuUnavailable.Name {
		t.Fatalf("got %v, want SKU_UNAVAILABLE", err)
	}
	list, err := w.client.ListOrders(ctx, &orderapi.ListOrdersRequest{UserId: userA})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("orders after two refusals: %v, %v", list, err)
	}
	w.products.mu.Lock()
	defer w.products.mu.Unlock()
	if len(w.products.admitted) != 1 || !slices.Equal(w.products.returned, w.products.admitted) {
		t.Fatalf("admitted %v, returned %v: the retired SKU's admission must come back", w.products.admitted, w.products.returned)
	}
}

func TestStockRejectedCancelsWithoutReleasing(t *testing.T) {
	w := startWorld(t, nil)
	o := w.create("k", line("MUG", 1))
	w.publish(eventsapi.TOPIC_STOCK, eventsapi.TAG_REJECTED, &eventsapi.StockRejected{OrderId: o.Id, Sku: "MUG", Reason: "INSUFFICIENT"})
	got := w.waitStatus(o.Id, "CANCELLED")
	if got.CancelReason != "OUT_OF_STOCK" {
		t.Fatalf("cancel reason %q", got.CancelReason)
	}
	// A later reservation for it (it cannot happen, but messages are at-least-once) is ignored.
	w.reserve(o.Id)
	w.waitLog("message=stock.reserved", "order_id="+o.Id, "acknowledged")
	w.barrier()
	if got := w.waitStatus(o.Id, "CANCELLED"); got.CancelReason != "OUT_OF_STOCK" {
		t.Fatalf("a stale reservation moved the order: %+v", got)
	}
	if n := len(of[eventsapi.OrderCancelled](t, w.sent, eventsapi.TAG_CANCELLED, o.Id)); n != 0 {
		t.Fatalf("%d order.cancelled sent; nothing was reserved, so nothing is released", n)
	}
}

func TestCreateOrderIsIdempotent(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	req := &orderapi.CreateOrderRequest{UserId: userA, IdempotencyKey: "retry-me", AddressId: addrA,
		Lines: []*orderapi.LineRequest{line("MUG", 2)}}
	first, err := w.client.CreateOrder(ctx, req)
	if err != nil || first.Replayed {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := w.client.CreateOrder(ctx, req)
	if err != nil || !again.Replayed || again.Order.Id != first.Order.Id {
		t.Fatalf("replay: %+v %v", again, err)
	}
	req.Lines[0].Quantity = 3
	if _, err := w.client.CreateOrder(ctx, req); code(err) != errs.IdempotencyKeyReused.Name {
		t.Fatalf("another body with the key: got %v, want IDEMPOTENCY_KEY_REUSED", err)
	}
	waitMessage[eventsapi.OrderCreated](t, w.sent, eventsapi.TAG_CREATED, first.Order.Id)
	w.barrier()
	if n := len(of[eventsapi.OrderCreated](t, w.sent, eventsapi.TAG_CREATED, first.Order.Id)); n != 1 {
		t.Fatalf("%d order.created for one order", n)
	}
}

func TestConcurrentCreatesWithOneKeyMakeOneOrder(t *testing.T) {
	w := startWorld(t, nil)
	const n = 8
	type result struct {
		resp *orderapi.CreateOrderResponse
		err  error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := w.client.CreateOrder(context.Background(), &orderapi.CreateOrderRequest{
				UserId: userA, IdempotencyKey: "double-click", AddressId: addrA, Lines: []*orderapi.LineRequest{line("MUG", 1)}})
			results[i] = result{resp, err}
		})
	}
	wg.Wait()
	fresh, id := 0, ""
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("CreateOrder: %v", r.err)
		}
		if id == "" {
			id = r.resp.Order.Id
		}
		if r.resp.Order.Id != id {
			t.Fatalf("two orders for one key: %s and %s", id, r.resp.Order.Id)
		}
		if !r.resp.Replayed {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d answers claim to have created the order, want 1", fresh)
	}
	list, err := w.client.ListOrders(context.Background(), &orderapi.ListOrdersRequest{UserId: userA})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("orders of the user: %d, %v", len(list.Items), err)
	}
}

func TestPaymentTimeoutCancelsAndReleases(t *testing.T) {
	// The real delayed order.timeout drives this one: a short timeout, no clock tricks.
	w := startWorld(t, map[string]string{"ORDER_PAYMENT_TIMEOUT": "1s"})
	o := w.settled("k")
	got := w.waitStatus(o.Id, "CANCELLED")
	if got.CancelReason != "PAYMENT_TIMEOUT" {
		t.Fatalf("cancel reason %q", got.CancelReason)
	}
	if msg := waitMessage[eventsapi.OrderCancelled](t, w.sent, eventsapi.TAG_CANCELLED, o.Id); msg.Reason != "PAYMENT_TIMEOUT" {
		t.Fatalf("order.cancelled %+v", msg)
	}
	if timeout := waitMessage[eventsapi.OrderTimeout](t, w.sent, eventsapi.TAG_TIMEOUT, o.Id); timeout.DeadlineMs != o.PaymentDeadlineMs {
		t.Fatalf("order.timeout %+v, deadline %d", timeout, o.PaymentDeadlineMs)
	}
}

func TestLatePaymentIsRefundedOnce(t *testing.T) {
	w := startWorld(t, nil)
	o := w.settled("k")
	if _, err := w.client.CancelOrder(context.Background(), &orderapi.CancelOrderRequest{OrderId: o.Id, UserId: userA}); err != nil {
		t.Fatal(err)
	}
	w.pay(o.Id, "pay-late", o.Total)
	refund := waitMessage[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id)
	if refund.PaymentId != "pay-late" || refund.Reason != "ORDER_CANCELLED" {
		t.Fatalf("refund_requested %+v", refund)
	}
	w.pay(o.Id, "pay-late", o.Total) // the payment service redelivers
	w.waitLog("message=payment.succeeded", "order_id="+o.Id, "already applied")
	w.barrier()
	if n := len(of[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id)); n != 1 {
		t.Fatalf("%d refund requests for one payment", n)
	}
	if got := w.waitStatus(o.Id, "CANCELLED"); got.CancelReason != "USER_CANCELLED" {
		t.Fatalf("the late payment moved the order: %+v", got)
	}
}

func TestPaymentThatDoesNotMatchIsRefunded(t *testing.T) {
	w := startWorld(t, nil)
	o := w.settled("k")
	w.pay(o.Id, "pay-short", &baseapi.Money{AmountCents: o.Total.AmountCents - 1, Currency: "USD"})
	refund := waitMessage[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id)
	if refund.PaymentId != "pay-short" || refund.Reason != "AMOUNT_MISMATCH" {
		t.Fatalf("refund_requested %+v", refund)
	}
	w.pay(o.Id, "pay-ok", o.Total) // the right payment still pays it
	w.waitStatus(o.Id, "PAID")
	w.pay(o.Id, "pay-twice", o.Total)
	if r := waitMessage[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id); r.PaymentId != "pay-short" {
		t.Fatalf("first refund changed: %+v", r)
	}
	testkit.Eventually(t, waitFor, "the double payment's refund", func() bool {
		return len(of[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id)) == 2
	})
	second := of[eventsapi.RefundRequested](t, w.sent, eventsapi.TAG_REFUND_REQUESTED, o.Id)[1]
	if second.PaymentId != "pay-twice" || second.Reason != "DUPLICATE_PAYMENT" {
		t.Fatalf("second refund %+v", second)
	}
}

func TestPaymentBeforeStockIsSettledWaits(t *testing.T) {
	w := startWorld(t, nil)
	o := w.create("k", line("MUG", 1))
	w.pay(o.Id, "pay-early", o.Total) // redelivered until the stock answer arrives
	testkit.Eventually(t, waitFor, "the early payment to be refused at least once", func() bool { return w.broker.Stats().Failed > 0 })
	w.reserve(o.Id)
	w.waitStatus(o.Id, "PAID")
}

func TestCancelOrder(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	o := w.create("k", line("MUG", 1))
	_, err := w.client.CancelOrder(ctx, &orderapi.CancelOrderRequest{OrderId: o.Id, UserId: userA})
	if code(err) != errs.OrderStateConflict.Name {
		t.Fatalf("cancelling a PENDING order: got %v, want ORDER_STATE_CONFLICT", err)
	}
	w.reserve(o.Id)
	w.waitStatus(o.Id, "AWAITING_PAYMENT")
	if _, err := w.client.CancelOrder(ctx, &orderapi.CancelOrderRequest{OrderId: o.Id, UserId: userB}); code(err) != errs.OrderNotFound.Name {
		t.Fatalf("another user cancelling: got %v, want ORDER_NOT_FOUND", err)
	}
	got, err := w.client.CancelOrder(ctx, &orderapi.CancelOrderRequest{OrderId: o.Id, UserId: userA})
	if err != nil || got.Status != "CANCELLED" || got.CancelReason != "USER_CANCELLED" {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if msg := waitMessage[eventsapi.OrderCancelled](t, w.sent, eventsapi.TAG_CANCELLED, o.Id); msg.Reason != "USER_CANCELLED" {
		t.Fatalf("order.cancelled %+v", msg)
	}
	if _, err := w.client.CancelOrder(ctx, &orderapi.CancelOrderRequest{OrderId: o.Id, UserId: userA}); code(err) != errs.OrderStateConflict.Name {
		t.Fatalf("cancelling twice: got %v", err)
	}
}

func TestOrdersAreVisibleOnlyToTheirOwner(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	o := w.create("k", line("MUG", 1))
	cases := []struct {
		name, orderID, userID, want string
	}{
		{"owner", o.Id, userA, ""},
		{"internal_caller", o.Id, "", ""},
		{"another_user", o.Id, userB, errs.OrderNotFound.Name},
		{"unknown_id", ids.New(), userA, errs.OrderNotFound.Name},
		{"malformed_id", "../etc/passwd", userA, errs.OrderNotFound.Name},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.client.GetOrder(ctx, &orderapi.GetOrderRequest{OrderId: tc.orderID, UserId: tc.userID})
			if code(err) != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	list, err := w.client.ListOrders(ctx, &orderapi.ListOrdersRequest{UserId: userB})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("another user's list: %+v %v", list, err)
	}
	if _, err := w.client.ConfirmReceipt(ctx, &orderapi.ConfirmReceiptRequest{OrderId: o.Id, UserId: userB}); code(err) != errs.OrderNotFound.Name {
		t.Fatalf("another user confirming: got %v", err)
	}
}

func TestValidationReportsEveryField(t *testing.T) {
	w := startWorld(t, nil)
	_, err := w.client.CreateOrder(context.Background(), &orderapi.CreateOrderRequest{
		UserId: userA, IdempotencyKey: "bad key!", AddressId: "nope",
		Lines: []*orderapi.LineRequest{line("MUG", 0), line("", 1), line("MUG", 5)}})
	e := errs.FromRPC(err)
	var fields []string
	for _, d := range e.Details {
		fields = append(fields, d.Field)
	}
	want := []string{"idempotency_key", "address_id", "lines[0].quantity", "lines[1].sku", "lines[2].sku"}
	if e.Code != errs.InvalidArgument || !reflect.DeepEqual(fields, want) {
		t.Fatalf("got %s %v, want INVALID_ARGUMENT %v", e.Code.Name, fields, want)
	}
}

func TestCreateOrderRefusals(t *testing.T) {
	w := startWorld(t, nil)
	cases := []struct {
		name, sku, address, wantCode, wantInMessage string
	}{
		{"unknown_sku", "NOPE", addrA, errs.SkuNotFound.Name, "NOPE"},
		{"withdrawn_sku", "OLD", addrA, errs.SkuUnavailable.Name, "OLD"},
		{"not_my_address", "MUG", ids.New(), errs.AddressNotFound.Name, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.client.CreateOrder(context.Background(), &orderapi.CreateOrderRequest{
				UserId: userA, IdempotencyKey: tc.name, AddressId: tc.address, Lines: []*orderapi.LineRequest{line(tc.sku, 1)}})
			if code(err) != tc.wantCode || !strings.Contains(errs.FromRPC(err).Message, tc.wantInMessage) {
				t.Fatalf("got %v, want %s naming %q", err, tc.wantCode, tc.wantInMessage)
			}
		})
	}
}

func TestNeighbourDownIsUnavailable(t *testing.T) {
	w := startWorld(t, nil)
	// Deregister the user service: the order service can no longer reach it.
	addrs, _ := w.reg.Resolve(context.Background(), "user")
	for _, inst := range addrs.Instances {
		w.reg.Deregister(registryInfo("user", inst.Address()))
	}
	_, err := w.client.CreateOrder(context.Background(), &orderapi.CreateOrderRequest{
		UserId: userA, IdempotencyKey: "k", AddressId: addrA, Lines: []*orderapi.LineRequest{line("MUG", 1)}})
	if code(err) != errs.Unavailable.Name {
		t.Fatalf("got %v, want UNAVAILABLE", err)
	}
}

func TestCartAndOrderFromCart(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	set := func(sku string, qty int64) (*orderapi.Cart, error) {
		return w.client.SetCartItem(ctx, &orderapi.SetCartItemRequest{UserId: userA, Sku: sku, Quantity: qty})
	}
	if _, err := set("MUG", 2); err != nil {
		t.Fatal(err)
	}
	cart, err := set("TEE-RED-M", 1)
	if err != nil || len(cart.Lines) != 2 || cart.Total.AmountCents != 2*850+1999 || cart.Lines[0].Name != "Mug" {
		t.Fatalf("cart %+v %v", cart, err)
	}
	for sku, want := range map[string]string{"NOPE": errs.SkuNotFound.Name, "OLD": errs.SkuUnavailable.Name} {
		if _, err := set(sku, 1); code(err) != want {
			t.Fatalf("adding %s: got %v, want %s", sku, err, want)
		}
	}
	if _, err := set("MUG", 100); code(err) != errs.InvalidArgument.Name {
		t.Fatalf("quantity 100: got %v", err)
	}
	fromCart := true
	resp, err := w.client.CreateOrder(ctx, &orderapi.CreateOrderRequest{
		UserId: userA, IdempotencyKey: "cart-1", AddressId: addrA, FromCart: &fromCart})
	if err != nil || len(resp.Order.Lines) != 2 || resp.Order.Total.AmountCents != cart.Total.AmountCents {
		t.Fatalf("order from cart: %+v %v", resp, err)
	}
	after, err := w.client.GetCart(ctx, &orderapi.GetCartRequest{UserId: userA})
	if err != nil || len(after.Lines) != 0 || after.Total.AmountCents != 0 || after.Total.Currency != "USD" {
		t.Fatalf("cart after ordering: %+v %v", after, err)
	}
	_, err = w.client.CreateOrder(ctx, &orderapi.CreateOrderRequest{
		UserId: userA, IdempotencyKey: "cart-2", AddressId: addrA, FromCart: &fromCart})
	if code(err) != errs.CartEmpty.Name {
		t.Fatalf("ordering an empty cart: got %v", err)
	}
	if _, err := w.client.RemoveCartItem(ctx, &orderapi.RemoveCartItemRequest{UserId: userA, Sku: "MUG"}); err != nil {
		t.Fatalf("removing an absent line: %v", err)
	}
}

func TestShipReceiveAndSweep(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	pay := func(key string) *orderapi.Order {
		o := w.settled(key)
		w.pay(o.Id, "pay-"+key, o.Total)
		return w.waitStatus(o.Id, "PAID")
	}
	confirmed, unconfirmed, unpaid := pay("a"), pay("b"), w.settled("c")

	_, err := w.client.ShipOrder(ctx, &orderapi.ShipOrderRequest{OrderId: confirmed.Id, Carrier: " ", TrackingNo: strings.Repeat("9", 101)})
	if e := errs.FromRPC(err); e.Code != errs.InvalidArgument || len(e.Details) != 2 {
		t.Fatalf("bad shipment: %v", err)
	}
	if _, err := w.client.ShipOrder(ctx, &orderapi.ShipOrderRequest{OrderId: unpaid.Id, Carrier: "UPS", TrackingNo: "1Z"}); code(err) != errs.OrderStateConflict.Name {
		t.Fatalf("shipping an unpaid order: got %v", err)
	}
	for _, o := range []*orderapi.Order{confirmed, unconfirmed} {
		got, err := w.client.ShipOrder(ctx, &orderapi.ShipOrderRequest{OrderId: o.Id, Carrier: "UPS", TrackingNo: "1Z-" + o.Id[:8]})
		if err != nil || got.Status != "SHIPPED" || got.Shipment == nil || got.Shipment.Carrier != "UPS" {
			t.Fatalf("ship: %+v %v", got, err)
		}
	}
	got, err := w.client.ConfirmReceipt(ctx, &orderapi.ConfirmReceiptRequest{OrderId: confirmed.Id, UserId: userA})
	if err != nil || got.Status != "RECEIVED" {
		t.Fatalf("confirm: %+v %v", got, err)
	}

	// The sweeps, hours after now: the unpaid order's delayed timeout (due in 15 minutes
	// of real time) never came, so the sweeper expires it; receipts come after 240h
	// shipped, completion 168h after receipt.
	now := w.clock.Now()
	for _, step := range []struct {
		after time.Duration
		want  SweepReport
	}{
		{time.Hour, SweepReport{Expired: 1}},
		{169 * time.Hour, SweepReport{Completed: 1}},         // the confirmed one
		{241 * time.Hour, SweepReport{Received: 1}},          // the unconfirmed one
		{(241 + 169) * time.Hour, SweepReport{Completed: 1}}, // and a week later, completed
		{1000 * time.Hour, SweepReport{}},
	} {
		if rep, err := w.svc.Sweep(ctx, now.Add(step.after)); err != nil || rep != step.want {
			t.Fatalf("sweep at +%v: %+v %v, want %+v", step.after, rep, err, step.want)
		}
	}
	if got := w.waitStatus(unpaid.Id, "CANCELLED"); got.CancelReason != "PAYMENT_TIMEOUT" {
		t.Fatalf("expired order: %+v", got)
	}
	waitMessage[eventsapi.OrderCancelled](t, w.sent, eventsapi.TAG_CANCELLED, unpaid.Id)
	w.waitStatus(confirmed.Id, "COMPLETED")
	w.waitStatus(unconfirmed.Id, "COMPLETED")
}

func TestListOrders(t *testing.T) {
	w := startWorld(t, nil)
	ctx := context.Background()
	var want []string // newest first
	for _, key := range []string{"a", "b", "c", "d", "e"} {
		want = append([]string{w.create(key, line("MUG", 1)).Id}, want...)
		w.clock.Advance(time.Millisecond) // distinct creation times
	}
	size := int32(2)
	var got []string
	token := ""
	for range 5 {
		resp, err := w.client.ListOrders(ctx, &orderapi.ListOrdersRequest{UserId: userA, PageSize: &size, PageToken: &token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range resp.Items {
			got = append(got, o.Id)
		}
		if token = resp.NextPageToken; token == "" {
			break
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	w.publish(eventsapi.TOPIC_STOCK, eventsapi.TAG_REJECTED, &eventsapi.StockRejected{OrderId: want[0]})
	w.waitStatus(want[0], "CANCELLED")
	status := "CANCELLED"
	resp, err := w.client.ListOrders(ctx, &orderapi.ListOrdersRequest{UserId: userA, Status: &status})
	if err != nil || len(resp.Items) != 1 || resp.Items[0].Id != want[0] || resp.NextPageToken != "" {
		t.Fatalf("by status: %+v %v", resp, err)
	}
	bad, garbage, big := "shipped", "garbage", int32(101)
	_, err = w.client.ListOrders(ctx, &orderapi.ListOrdersRequest{UserId: userA, Status: &bad, PageToken: &garbage, PageSize: &big})
	if e := errs.FromRPC(err); e.Code != errs.InvalidArgument || len(e.Details) != 3 {
		t.Fatalf("bad listing: %v", err)
	}
}

func TestRunSweepsOnItsOwn(t *testing.T) {
	w := startWorld(t, map[string]string{"ORDER_SWEEP_INTERVAL": "50ms"})
	o := w.settled("k")
	w.clock.Advance(time.Hour) // past the deadline and the sweeper's grace; the real timeout is 15m away
	if got := w.waitStatus(o.Id, "CANCELLED"); got.CancelReason != "PAYMENT_TIMEOUT" {
		t.Fatalf("swept order: %+v", got)
	}
	waitMessage[eventsapi.OrderCancelled](t, w.sent, eventsapi.TAG_CANCELLED, o.Id)
}

func TestRunReturnsWhenCancelledAtOnce(t *testing.T) {
	w := startWorld(t, nil)
	dir := t.TempDir()
	cfg := w.cfg
	cfg.DB.DSN = dir + "/second.db"
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := Migrate(context.Background(), cfg, log); err != nil {
		t.Fatal(err)
	}
	svc, cleanup, err := New(context.Background(), cfg, Deps{Logger: log, Registry: w.reg, MQ: w.broker, Listener: listen(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

func TestLargeOrdersArePricedInBatches(t *testing.T) {
	w := startWorld(t, map[string]string{"ORDER_MAX_LINES": "150"})
	var lines []*orderapi.LineRequest
	for i := range 120 {
		lines = append(lines, line(fmt.Sprintf("BULK-%03d", i), 1))
	}
	o := w.create("bulk", lines...)
	if len(o.Lines) != 120 || o.Total.AmountCents != 120*100 {
		t.Fatalf("%d lines, total %d", len(o.Lines), o.Total.AmountCents)
	}
}
