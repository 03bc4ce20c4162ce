package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestAdminOrderReadsCoverEveryCustomer(t *testing.T) {
	sent := newRecorder()
	f := newFakes()
	f.orders.listOrders = func(_ context.Context, r *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
		sent.put("ListOrders", r)
		return &orderapi.ListOrdersResponse{Items: []*orderapi.Order{sampleOrder("PAID")}, NextPageToken: "next"}, nil
	}
	f.orders.getOrder = func(_ context.Context, r *orderapi.GetOrderRequest) (*orderapi.Order, error) {
		sent.put("GetOrder", r)
		return sampleOrder("PAID"), nil
	}
	h := start(t, f)

	a := h.do(call{method: "GET", path: "/api/v1/admin/orders?status=PAID&page_size=5&page_token=p2", token: h.admin()})
	if a.status != http.StatusOK {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	got := sent.get("ListOrders").(*orderapi.ListOrdersRequest)
	if got.UserId != "" || got.GetStatus() != "PAID" || got.GetPageSize() != 5 || got.GetPageToken() != "p2" {
		t.Errorf("ListOrders got %+v, want every user's PAID orders, page 5 from p2", got)
	}
	a = h.do(call{method: "GET", path: "/api/v1/admin/orders/" + orderID, token: h.admin()})
	if a.status != http.StatusOK {
		t.Fatalf("get: %d %s", a.status, a.body)
	}
	if g := sent.get("GetOrder").(*orderapi.GetOrderRequest); g.UserId != "" || g.OrderId != orderID {
		t.Errorf("GetOrder got %+v, want any user's order %s", g, orderID)
	}

	for _, path := range []string{"/api/v1/admin/orders", "/api/v1/admin/orders/" + orderID, "/api/v1/admin/protocol"} {
		if a := h.do(call{method: "GET", path: path, token: h.customer()}); a.status != http.StatusForbidden {
			t.Errorf("customer GET %s: %d, want 403", path, a.status)
		}
	}
	if a := h.do(call{method: "GET", path: "/api/v1/admin/orders?status=paid", token: h.admin()}); a.status != http.StatusBadRequest {
		t.Errorf("unknown status: %d, want 400", a.status)
	}
}

func TestAdminOrderPaymentsShowRefunds(t *testing.T) {
	f := newFakes()
	f.orders.getOrder = func(_ context.Context, r *orderapi.GetOrderRequest) (*orderapi.Order, error) {
		if r.OrderId != orderID || r.UserId != "" {
			return nil, errs.New(errs.OrderNotFound).ToBiz()
		}
		return sampleOrder("REFUNDED"), nil
	}
	listed := 0
	f.payments.listPayments = func(_ context.Context, r *paymentapi.ListOrderPaymentsRequest) (*paymentapi.ListOrderPaymentsResponse, error) {
		listed++
		failed, refunded := samplePayment("FAILED"), samplePayment("REFUNDED")
		failed.Id = "0b0e0f00-0000-4000-8000-000000000001"
		refunded.Refund = &paymentapi.Refund{Id: "0b0e0f00-0000-4000-8000-000000000002", ProviderRefundId: "sbx_re_1",
			Amount: usd(2598), Reason: "PAYMENT_TIMEOUT", CreatedAtMs: msAt}
		return &paymentapi.ListOrderPaymentsResponse{Payments: []*paymentapi.Payment{failed, refunded}}, nil
	}
	h := start(t, f)

	a := h.do(call{method: "GET", path: "/api/v1/admin/orders/" + orderID + "/payments", token: h.admin()})
	if a.status != http.StatusOK {
		t.Fatalf("payments: %d %s", a.status, a.body)
	}
	var got struct {
		Items []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Refund *struct {
				ProviderRefundID string `json:"provider_refund_id"`
				Reason           string `json:"reason"`
				Amount           struct {
					Cents    int64  `json:"amount_cents"`
					Currency string `json:"currency"`
				} `json:"amount"`
				CreatedAt string `json:"created_at"`
			} `json:"refund"`
		} `json:"items"`
	}
	if err := json.Unmarshal(a.body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 || got.Items[0].Status != "FAILED" || got.Items[0].Refund != nil ||
		got.Items[1].Status != "REFUNDED" || got.Items[1].Refund == nil {
		t.Fatalf("payments %s", a.body)
	}
	if r := got.Items[1].Refund; r.ProviderRefundID != "sbx_re_1" || r.Reason != "PAYMENT_TIMEOUT" ||
		r.Amount.Cents != 2598 || r.Amount.Currency != "USD" || r.CreatedAt == "" {
		t.Errorf("refund %s", a.body)
	}

	// An unknown or malformed order is 404 before the payment service is asked; a
	// customer is refused.
	listed = 0
	for _, id := range []string{"0b0e0f00-0000-4000-8000-0000000000ff", "not-an-id"} {
		a := h.do(call{method: "GET", path: "/api/v1/admin/orders/" + id + "/payments", token: h.admin()})
		if a.status != http.StatusNotFound || !strings.Contains(string(a.body), "ORDER_NOT_FOUND") {
			t.Errorf("order %s: %d %s, want 404 ORDER_NOT_FOUND", id, a.status, a.body)
		}
	}
	if a := h.do(call{method: "GET", path: "/api/v1/admin/orders/" + orderID + "/payments", token: h.customer()}); a.status != http.StatusForbidden {
		t.Errorf("customer: %d, want 403", a.status)
	}
	if listed != 0 {
		t.Errorf("the payment service was asked %d times for refused requests", listed)
	}
}

func TestProtocolCountsOrdersPerStatus(t *testing.T) {
	f := newFakes()
	f.orders.listOrders = func(_ context.Context, r *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
		if r.UserId != "" {
			return nil, fmt.Errorf("protocol asked for one user's orders: %q", r.UserId)
		}
		switch r.GetStatus() {
		case "PENDING": // two pages: 100, then 3
			if r.GetPageToken() == "" {
				return &orderapi.ListOrdersResponse{Items: orders("PENDING", 100), NextPageToken: "more"}, nil
			}
			return &orderapi.ListOrdersResponse{Items: orders("PENDING", 3)}, nil
		case "PAID": // more than the limit
			return &orderapi.ListOrdersResponse{Items: orders("PAID", int(r.GetPageSize())), NextPageToken: "always"}, nil
		default:
			return &orderapi.ListOrdersResponse{}, nil
		}
	}
	h := start(t, f)
	a := h.do(call{method: "GET", path: "/api/v1/admin/protocol", token: h.admin()})
	if a.status != http.StatusOK {
		t.Fatalf("protocol: %d %s", a.status, a.body)
	}
	var view struct {
		Orders []struct {
			Status  string `json:"status"`
			Count   int    `json:"count"`
			AtLeast bool   `json:"at_least"`
		} `json:"orders"`
		CountLimit      int               `json:"count_limit"`
		WaitingToSettle []json.RawMessage `json:"waiting_to_settle"`
		Messages        *json.RawMessage  `json:"messages"`
	}
	if err := json.Unmarshal(a.body, &view); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]any{"PENDING": {103, false}, "PAID": {protocolCountLimit, true}, "CANCELLED": {0, false}}
	if len(view.Orders) != len(orderStatuses) {
		t.Fatalf("%d statuses, want %d", len(view.Orders), len(orderStatuses))
	}
	for i, s := range view.Orders {
		if s.Status != orderStatuses[i] {
			t.Errorf("status %d is %s, want %s", i, s.Status, orderStatuses[i])
		}
		if w, ok := want[s.Status]; ok && (s.Count != w[0] || s.AtLeast != w[1]) {
			t.Errorf("%s: count %d at_least %v, want %v", s.Status, s.Count, s.AtLeast, w)
		}
	}
	if view.CountLimit != protocolCountLimit || len(view.WaitingToSettle) != 20 {
		t.Errorf("count_limit %d, %d waiting; want %d and the newest 20", view.CountLimit, len(view.WaitingToSettle), protocolCountLimit)
	}
	if view.Messages != nil {
		t.Errorf("messages = %s, want null for a gateway without the broker in its process", *view.Messages)
	}
}

func orders(status string, n int) []*orderapi.Order {
	out := make([]*orderapi.Order, n)
	for i := range out {
		out[i] = sampleOrder(status)
	}
	return out
}
