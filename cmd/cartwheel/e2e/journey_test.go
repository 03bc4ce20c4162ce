package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// The whole customer journey of the README: register, browse, cart, order, pay through
// the sandbox, ship, receive; stock moves from available to reserved to sold.
func TestJourney(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 1999, 10)
	ann := s.newCustomer("Ann")

	var page struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Skus []struct {
				SKU       string `json:"sku"`
				Price     money  `json:"price"`
				Available int64  `json:"available"`
			} `json:"skus"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/v1/products?q=kettle&sort=newest&page_size=5", "", nil, nil).decode(t, &page)
	if len(page.Items) == 0 || page.Items[0].Skus[0].SKU != sku || page.Items[0].Skus[0].Available != 10 {
		t.Fatalf("new product not listed first with its stock: %+v", page.Items)
	}
	s.must(200, "GET", "/api/v1/products/"+page.Items[0].ID, "", nil, nil)

	var cart struct {
		Lines []struct {
			SKU      string `json:"sku"`
			Quantity int64  `json:"quantity"`
		} `json:"lines"`
		Total money `json:"total"`
	}
	s.must(200, "PUT", "/api/v1/cart/items/"+sku, ann.token, map[string]any{"quantity": 2}, nil)
	s.must(200, "GET", "/api/v1/cart", ann.token, nil, nil).decode(t, &cart)
	if len(cart.Lines) != 1 || cart.Total != (money{3998, "USD"}) {
		t.Fatalf("cart: %+v", cart)
	}

	var created order
	s.must(201, "POST", "/api/v1/orders", ann.token, map[string]any{"from_cart": true, "address_id": ann.address},
		map[string]string{"Idempotency-Key": "journey-1"}).decode(t, &created)
	if created.Total != (money{3998, "USD"}) || len(created.Lines) != 1 || created.Lines[0].UnitPrice.AmountCents != 1999 {
		t.Fatalf("order priced wrong: %+v", created)
	}
	s.must(200, "GET", "/api/v1/cart", ann.token, nil, nil).decode(t, &cart)
	if len(cart.Lines) != 0 {
		t.Fatalf("cart not emptied by the order: %+v", cart)
	}
	if o := s.settle(ann, created.ID); o.Status != "AWAITING_PAYMENT" {
		t.Fatalf("order settled as %s/%s", o.Status, o.CancelReason)
	}
	if st := s.stock(admin, sku); st != (stock{sku, 8, 2, 0}) {
		t.Fatalf("after reservation: %+v", st)
	}

	var pay payment
	s.must(201, "POST", "/api/v1/orders/"+created.ID+"/payments", ann.token, nil, nil).decode(t, &pay)
	if pay.Amount != created.Total || pay.Status != "PENDING" || pay.OrderID != created.ID {
		t.Fatalf("payment: %+v", pay)
	}
	s.must(200, "POST", "/api/v1/sandbox/payments/"+pay.ID+"/complete", ann.token, nil, nil)
	s.waitStatus(ann, created.ID, "PAID", 15*time.Second)
	if p := s.payment(ann, pay.ID); p.Status != "SUCCEEDED" {
		t.Fatalf("payment %s", p.Status)
	}
	testkit.Eventually(s.t, 10*time.Second, "reservation becomes a sale", func() bool {
		return s.stock(admin, sku) == stock{sku, 8, 0, 2}
	})

	s.must(http.StatusConflict, "POST", "/api/v1/orders/"+created.ID+"/confirm-receipt", ann.token, nil, nil)
	var shipped order
	s.must(200, "POST", "/api/v1/admin/orders/"+created.ID+"/ship", admin, map[string]string{"carrier": "DHL", "tracking_no": "JD0001"}, nil).decode(t, &shipped)
	if shipped.Status != "SHIPPED" {
		t.Fatalf("ship: %s", shipped.Status)
	}
	var received order
	s.must(200, "POST", "/api/v1/orders/"+created.ID+"/confirm-receipt", ann.token, nil, nil).decode(t, &received)
	if received.Status != "RECEIVED" {
		t.Fatalf("receipt: %s", received.Status)
	}
	s.must(http.StatusConflict, "POST", "/api/v1/orders/"+created.ID+"/cancel", ann.token, nil, nil)

	var mine struct {
		Items []order `json:"items"`
	}
	s.must(200, "GET", "/api/v1/orders?status=RECEIVED", ann.token, nil, nil).decode(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != created.ID {
		t.Fatalf("own orders: %+v", mine.Items)
	}
}

// A cancelled unpaid order gives its stock back.
func TestUserCancelReleasesStock(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 500, 3)
	bob := s.newCustomer("Bob")
	var o order
	s.must(201, "POST", "/api/v1/orders", bob.token, map[string]any{"lines": []any{line(sku, 3)}, "address_id": bob.address},
		map[string]string{"Idempotency-Key": "cancel-1"}).decode(t, &o)
	s.settle(bob, o.ID)
	s.must(200, "POST", "/api/v1/orders/"+o.ID+"/cancel", bob.token, nil, nil)
	if got := s.order(bob, o.ID); got.Status != "CANCELLED" || got.CancelReason != "USER_CANCELLED" {
		t.Fatalf("cancel: %+v", got)
	}
	testkit.Eventually(s.t, 10*time.Second, "stock released", func() bool { return s.stock(admin, sku) == stock{sku, 3, 0, 0} })
	s.must(http.StatusConflict, "POST", "/api/v1/orders/"+o.ID+"/payments", bob.token, nil, nil)
}
