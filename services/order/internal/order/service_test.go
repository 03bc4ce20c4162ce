package order

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func newCreateRequest() CreateRequest {
	return CreateRequest{UserID: userA, IdempotencyKey: "key-1", AddressID: addrA,
		Lines: []LineRequest{{"TEE-RED-M", 2}, {"MUG", 1}}}
}

func TestCreateOrder(t *testing.T) {
	h := newHarness(t)
	o, replayed, err := h.svc.CreateOrder(context.Background(), newCreateRequest())
	if err != nil || replayed {
		t.Fatalf("CreateOrder: %v, replayed=%v", err, replayed)
	}
	s := o.Snapshot()
	wantLines := []Line{
		{SKU: "TEE-RED-M", Name: "Tee", Quantity: 2, UnitPrice: usd(1999)},
		{SKU: "MUG", Name: "Mug", Quantity: 1, UnitPrice: usd(850)},
	}
	if s.Status != Pending || s.Total != usd(4848) || !reflect.DeepEqual(s.Lines, wantLines) {
		t.Fatalf("order %+v", s)
	}
	if s.Address.Recipient != "Ada" || !s.PaymentDeadline.Equal(t0.Add(15*time.Minute)) || !s.CreatedAt.Equal(t0) {
		t.Fatalf("address or times: %+v", s)
	}
	if h.store.status(t, s.ID) != Pending {
		t.Fatal("the order was not stored")
	}
	created, ok := h.store.events[0].(OrderCreated)
	if len(h.store.events) != 1 || !ok || created.ID != s.ID || created.UserID != userA || len(created.Lines) != 2 {
		t.Fatalf("events %+v", h.store.events)
	}
	if want := []scheduled{{s.ID, 15 * time.Minute}}; !reflect.DeepEqual(h.timeouts.sent, want) {
		t.Fatalf("timeouts %+v, want %+v", h.timeouts.sent, want)
	}
}

func TestCreateOrderIdempotency(t *testing.T) {
	ctx := context.Background()
	t.Run("replay_answers_the_same_order", func(t *testing.T) {
		h := newHarness(t)
		first, _, err := h.svc.CreateOrder(ctx, newCreateRequest())
		if err != nil {
			t.Fatal(err)
		}
		h.now = h.now.Add(time.Minute)
		again, replayed, err := h.svc.CreateOrder(ctx, newCreateRequest())
		if err != nil || !replayed || again.ID() != first.ID() {
			t.Fatalf("replay: %v, replayed=%v, %s vs %s", err, replayed, again.ID(), first.ID())
		}
		if len(h.store.events) != 1 || len(h.timeouts.sent) != 1 || h.catalog.calls != 1 {
			t.Fatalf("a replay did work again: %d events, %d timeouts, %d catalog calls",
				len(h.store.events), len(h.timeouts.sent), h.catalog.calls)
		}
	})
	t.Run("another_body_is_refused", func(t *testing.T) {
		h := newHarness(t)
		if _, _, err := h.svc.CreateOrder(ctx, newCreateRequest()); err != nil {
			t.Fatal(err)
		}
		other := newCreateRequest()
		other.Lines[0].Quantity = 3
		if _, _, err := h.svc.CreateOrder(ctx, other); !errors.Is(err, ErrIdempotencyKeyReused) {
			t.Fatalf("got %v, want ErrIdempotencyKeyReused", err)
		}
	})
	t.Run("the_key_belongs_to_its_user", func(t *testing.T) {
		h := newHarness(t)
		first, _, _ := h.svc.CreateOrder(ctx, newCreateRequest())
		userB := "0194f3a0-0000-7000-8000-0000000000bb"
		h.addresses.book[userB+"/"+addrA] = Address{Recipient: "Bob"}
		req := newCreateRequest()
		req.UserID = userB
		o, replayed, err := h.svc.CreateOrder(ctx, req)
		if err != nil || replayed || o.ID() == first.ID() {
			t.Fatalf("another user's key collided: %v, replayed=%v", err, replayed)
		}
	})
}

// TestCreateOrderLosesTheRaceForItsKey plays a concurrent request that inserts the same
// key between our replay check and our insert.
func TestCreateOrderLosesTheRaceForItsKey(t *testing.T) {
	cases := []struct {
		name      string
		rival     func(CreateRequest) CreateRequest
		wantErr   error
		wantRival bool
	}{
		{"same_body_answers_the_rival_order", func(r CreateRequest) CreateRequest { return r }, nil, true},
		{"other_body_is_refused", func(r CreateRequest) CreateRequest { r.Lines = r.Lines[:1]; return r },
			ErrIdempotencyKeyReused, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var rival *Order
			h.store.beforeInsert = func() {
				var err error
				if rival, _, err = h.replica.CreateOrder(context.Background(), tc.rival(newCreateRequest())); err != nil {
					t.Errorf("rival: %v", err)
				}
			}
			o, replayed, err := h.svc.CreateOrder(context.Background(), newCreateRequest())
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if tc.wantRival && (o == nil || o.ID() != rival.ID() || !replayed) {
				t.Fatalf("got %v replayed=%v, want the rival's order %s", o, replayed, rival.ID())
			}
			if len(h.store.orders) != 1 || len(h.store.events) != 1 {
				t.Fatalf("%d orders, %d events: want exactly the rival's", len(h.store.orders), len(h.store.events))
			}
			// The loser's admission is given back; the rival's order keeps its own.
			placed := h.store.events[0].OrderID()
			if len(h.catalog.admitted) != 2 || !reflect.DeepEqual(h.catalog.returned, without(h.catalog.admitted, placed)) {
				t.Fatalf("admitted %v, returned %v: want every admission but %s's returned", h.catalog.admitted, h.catalog.returned, placed)
			}
		})
	}
}

// without is ids less id.
func without(ids []string, id string) []string {
	var out []string
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

func TestCreateOrderRefusals(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(h *harness, r *CreateRequest)
		wantErr error
		wantSKU string
	}{
		{"unknown_sku", func(h *harness, r *CreateRequest) { r.Lines[1].SKU = "NOPE" }, ErrSkuNotFound, "NOPE"},
		{"inactive_sku", func(h *harness, r *CreateRequest) { r.Lines[0].SKU = "OLD" }, ErrSkuUnavailable, "OLD"},
		{"sku_in_another_currency", func(h *harness, r *CreateRequest) { r.Lines[0].SKU = "EURO" }, ErrSkuUnavailable, "EURO"},
		{"address_of_someone_else", func(h *harness, r *CreateRequest) {
			r.AddressID = "0194f3a0-0000-7000-8000-0000000000ff"
		}, ErrAddressNotFound, ""},
		{"empty_cart", func(h *harness, r *CreateRequest) { r.Lines, r.FromCart = nil, true }, ErrCartEmpty, ""},
		{"catalog_down", func(h *harness, r *CreateRequest) { h.catalog.err = errTest }, errTest, ""},
		{"sold_out", func(h *harness, r *CreateRequest) { h.catalog.soldOut = map[string]bool{"MUG": true} }, ErrStockInsufficient, "MUG"},
		{"not_stored", func(h *harness, r *CreateRequest) { h.store.insertErr = errTest }, errTest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			req := newCreateRequest()
			tc.edit(h, &req)
			_, _, err := h.svc.CreateOrder(context.Background(), req)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			var skuErr *SkuError
			if tc.wantSKU != "" && (!errors.As(err, &skuErr) || skuErr.SKU != tc.wantSKU) {
				t.Fatalf("error %v does not name SKU %s", err, tc.wantSKU)
			}
			if len(h.store.orders) != 0 || len(h.store.events) != 0 || len(h.timeouts.sent) != 0 {
				t.Fatal("a refused order left traces")
			}
			if !reflect.DeepEqual(h.catalog.returned, h.catalog.admitted) {
				t.Fatalf("admitted %v, returned %v: a refused order kept its admission", h.catalog.admitted, h.catalog.returned)
			}
		})
	}
}

// Concurrent copies of one request reaching one replica run once: one admission, one
// order, and the copies answer as replays.
func TestCreateOrderCopiesRunOnce(t *testing.T) {
	h := newHarness(t)
	release, arrived := make(chan struct{}), make(chan struct{})
	h.store.beforeInsert = func() { close(arrived); <-release }
	type answer struct {
		o        *Order
		replayed bool
		err      error
	}
	answers := make(chan answer, 3)
	for range 3 {
		go func() {
			o, replayed, err := h.svc.CreateOrder(context.Background(), newCreateRequest())
			answers <- answer{o, replayed, err}
		}()
	}
	<-arrived // the first copy is inserting; the others wait for it (or arrive later and replay)
	close(release)
	fresh := 0
	var id string
	for range 3 {
		a := <-answers
		if a.err != nil {
			t.Fatal(a.err)
		}
		if id != "" && a.o.ID() != id {
			t.Fatalf("copies answered two orders: %s and %s", id, a.o.ID())
		}
		id = a.o.ID()
		if !a.replayed {
			fresh++
		}
	}
	if fresh != 1 || len(h.catalog.admitted) != 1 || len(h.store.orders) != 1 {
		t.Fatalf("%d fresh answers, %d admissions, %d orders: want 1 of each", fresh, len(h.catalog.admitted), len(h.store.orders))
	}
}

// An order whose insert failed for an outage may have been placed all the same: its
// admission stays (it lapses in the product service if the order never comes).
func TestCreateOrderKeepsItsAdmissionAfterAnOutage(t *testing.T) {
	h := newHarness(t)
	h.store.insertErr = fmt.Errorf("commit: %w", errs.ErrDependency)
	if _, _, err := h.svc.CreateOrder(context.Background(), newCreateRequest()); !errors.Is(err, errs.ErrDependency) {
		t.Fatalf("got %v, want the outage", err)
	}
	if len(h.catalog.admitted) != 1 || len(h.catalog.returned) != 0 {
		t.Fatalf("admitted %v, returned %v: want the admission kept", h.catalog.admitted, h.catalog.returned)
	}
}

var errTest = errors.New("test: dependency down")

func TestCreateOrderValidatesBeforeCallingNeighbours(t *testing.T) {
	h := newHarness(t)
	req := newCreateRequest()
	req.AddressID, req.Lines[0].Quantity = "", 0
	_, _, err := h.svc.CreateOrder(context.Background(), req)
	if got := fieldsOf(t, err); !reflect.DeepEqual(got, []string{"address_id", "lines[0].quantity"}) {
		t.Fatalf("fields %v", got)
	}
	if h.catalog.calls+h.addresses.calls != 0 {
		t.Fatal("an invalid request reached the neighbours")
	}
}

func TestCreateOrderSurvivesALostTimeout(t *testing.T) {
	h := newHarness(t)
	h.timeouts.err = errTest
	o, _, err := h.svc.CreateOrder(context.Background(), newCreateRequest())
	if err != nil {
		t.Fatalf("a failed timeout send failed the order: %v", err)
	}
	if !strings.Contains(h.logs.String(), "sweeper") || !strings.Contains(h.logs.String(), o.ID()) {
		t.Fatalf("the lost timeout was not logged: %s", h.logs)
	}
}

func TestCreateOrderFromCart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	for _, it := range []struct {
		sku string
		qty int64
	}{{"MUG", 3}, {"TEE-RED-M", 1}} {
		if _, err := h.svc.SetCartItem(ctx, userA, it.sku, it.qty); err != nil {
			t.Fatal(err)
		}
	}
	req := newCreateRequest()
	req.Lines, req.FromCart = nil, true
	o, _, err := h.svc.CreateOrder(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Lines(); len(got) != 2 || got[0].SKU != "MUG" || got[0].Quantity != 3 || o.Total() != usd(3*850+1999) {
		t.Fatalf("lines %+v total %v", got, o.Total())
	}
	if items, _ := h.store.CartItems(ctx, userA); len(items) != 0 {
		t.Fatalf("cart not cleared: %+v", items)
	}
}

func TestCart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if c, err := h.svc.GetCart(ctx, userA); err != nil || len(c.Lines) != 0 || c.Total != usd(0) {
		t.Fatalf("empty cart: %+v %v", c, err)
	}
	h.svc.SetCartItem(ctx, userA, "TEE-RED-M", 2)
	c, err := h.svc.SetCartItem(ctx, userA, "MUG", 1)
	if err != nil || len(c.Lines) != 2 || c.Total != usd(2*1999+850) {
		t.Fatalf("cart %+v %v", c, err)
	}
	// A SKU withdrawn after it was added drops out of the view but stays in the cart.
	h.catalog.skus["MUG"] = SKU{Code: "MUG", Name: "Mug", Price: usd(850), Active: false}
	if c, _ = h.svc.GetCart(ctx, userA); len(c.Lines) != 1 || c.Total != usd(2*1999) {
		t.Fatalf("withdrawn line still priced: %+v", c)
	}
	if items, _ := h.store.CartItems(ctx, userA); len(items) != 2 {
		t.Fatal("the withdrawn line was dropped from the cart")
	}
	c, err = h.svc.RemoveCartItem(ctx, userA, "TEE-RED-M")
	if err != nil || len(c.Lines) != 0 {
		t.Fatalf("after remove: %+v %v", c, err)
	}
	if _, err := h.svc.RemoveCartItem(ctx, userA, "NEVER-ADDED"); err != nil {
		t.Fatalf("removing an absent line: %v", err)
	}
}

func TestSetCartItemRefusals(t *testing.T) {
	cases := []struct {
		name     string
		user     string
		sku      string
		qty      int64
		wantErr  error
		wantKeys []string
	}{
		{"every_bad_field", "me", "no spaces", 100, nil, []string{"user_id", "sku", "quantity"}},
		{"zero_quantity", userA, "MUG", 0, nil, []string{"quantity"}},
		{"unknown_sku", userA, "NOPE", 1, ErrSkuNotFound, nil},
		{"inactive_sku", userA, "OLD", 1, ErrSkuUnavailable, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.svc.SetCartItem(context.Background(), tc.user, tc.sku, tc.qty)
			if tc.wantKeys != nil {
				if got := fieldsOf(t, err); !reflect.DeepEqual(got, tc.wantKeys) {
					t.Fatalf("fields %v, want %v", got, tc.wantKeys)
				}
			} else if !errors.Is(err, tc.wantErr) {
				t.Fatalf("got %v, want %v", err, tc.wantErr)
			}
			if items, _ := h.store.CartItems(context.Background(), userA); len(items) != 0 {
				t.Fatal("a refused item was stored")
			}
		})
	}
}

func TestCartFullIsPassedOn(t *testing.T) {
	h := newHarness(t)
	h.svc.policy.MaxLines = 1
	ctx := context.Background()
	if _, err := h.svc.SetCartItem(ctx, userA, "MUG", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetCartItem(ctx, userA, "TEE-RED-M", 1); !errors.Is(err, ErrCartFull) {
		t.Fatalf("got %v, want ErrCartFull", err)
	}
	if _, err := h.svc.SetCartItem(ctx, userA, "MUG", 5); err != nil {
		t.Fatalf("changing a line of a full cart: %v", err)
	}
}
