package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func viewFakes() *fakes {
	f := newFakes()
	p := sampleProduct()
	p.Skus = append(p.Skus, &productapi.Sku{Sku: "MUG-BLUE", Attributes: map[string]string{"color": "blue"}, Price: usd(999), Available: 0, Active: true})
	f.products.getProduct = func(context.Context, *productapi.GetProductRequest) (*productapi.Product, error) { return p, nil }
	f.products.listProducts = func(context.Context, *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error) {
		return &productapi.ListProductsResponse{Items: []*productapi.Product{p}}, nil
	}
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	f.orders.getOrder = func(context.Context, *orderapi.GetOrderRequest) (*orderapi.Order, error) {
		return sampleOrder("PAID"), nil
	}
	f.orders.listOrders = func(context.Context, *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
		return &orderapi.ListOrdersResponse{Items: []*orderapi.Order{sampleOrder("PAID")}}, nil
	}
	return f
}

// keysOf is the sorted top-level keys of a JSON object, or of its first item when
// the object is a page.
func keysOf(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if items, ok := m["items"]; ok {
		var list []map[string]json.RawMessage
		if err := json.Unmarshal(items, &list); err != nil || len(list) == 0 {
			t.Fatalf("items: %v: %s", err, items)
		}
		m = list[0]
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestEachClientGetsItsShape(t *testing.T) {
	h := start(t, viewFakes())
	full := []string{"active", "category", "created_at", "description", "id", "name", "skus", "updated_at"}
	card := []string{"category", "id", "in_stock", "name", "price_from"}
	cardWithSKUs := append(slices.Clone(card), "skus")
	slices.Sort(cardWithSKUs)
	fullOrder := []string{"address", "cancel_reason", "created_at", "id", "lines", "payment_deadline", "status", "total", "updated_at"}
	orderSummary := []string{"created_at", "id", "item_count", "status", "total"}
	tests := []struct {
		path, client string
		want         []string
	}{
		{"/api/v1/products/" + productID, "", full},
		{"/api/v1/products/" + productID, "web", full},
		{"/api/v1/products/" + productID, "app", cardWithSKUs},
		{"/api/v1/products/" + productID, "mini", card},
		{"/api/v1/products", "web", full},
		{"/api/v1/products", "app", card},
		{"/api/v1/products", "mini", card},
		{"/api/v1/cart", "web", []string{"lines", "total"}},
		{"/api/v1/cart", "app", []string{"lines", "total"}},
		{"/api/v1/cart", "mini", []string{"item_count", "total"}},
		{"/api/v1/orders/" + orderID, "app", fullOrder},
		{"/api/v1/orders/" + orderID, "mini", orderSummary},
		{"/api/v1/orders", "web", fullOrder},
		{"/api/v1/orders", "app", orderSummary},
	}
	for _, tt := range tests {
		t.Run(tt.path+"/"+tt.client, func(t *testing.T) {
			a := h.do(call{method: "GET", path: tt.path, token: h.customer(), header: map[string]string{"X-Client": tt.client}})
			if a.status != http.StatusOK {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if got := keysOf(t, a.body); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("keys %v, want %v", got, tt.want)
			}
			named := 0
			for _, v := range a.header.Values("Vary") {
				if containsFold(v, "X-Client") {
					named++
				}
			}
			if named != 1 {
				t.Fatalf("Vary %v: the answer depends on X-Client, so Vary names it once", a.header.Values("Vary"))
			}
		})
	}
	t.Run("card_values", func(t *testing.T) {
		a := h.do(call{method: "GET", path: "/api/v1/products/" + productID, header: map[string]string{"X-Client": "app"}})
		var v productCardView
		if err := json.Unmarshal(a.body, &v); err != nil {
			t.Fatal(err)
		}
		if v.PriceFrom.AmountCents != 999 || !v.InStock || len(v.SKUs) != 2 || v.Category != "Kitchen" {
			t.Fatalf("card %+v: want the cheapest active price 999, in stock, 2 SKUs", v)
		}
	})
	t.Run("unknown_client", func(t *testing.T) {
		a := h.do(call{method: "GET", path: "/api/v1/products", header: map[string]string{"X-Client": "tv"}})
		if got := details(a.expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)); got["X-Client"] == "" {
			t.Fatalf("details %v do not name X-Client", got)
		}
	})
}

// TestXClientIsReadWhereDocumented: X-Client shapes exactly the operations the document
// gives it, so an unknown client is refused there (400 naming X-Client) and means
// nothing elsewhere (the admin's order read once answered a mini client a summary
// where the document promises an Order, and /healthz refused "X-Client: tv").
func TestXClientIsReadWhereDocumented(t *testing.T) {
	h := start(t, refusingFakes())
	doc := loadOpenAPI3(t)
	shaped := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented := op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "X-Client") != nil
			a := h.do(call{method: method, path: examplePath(path), token: h.admin(), body: map[string]any{},
				header: map[string]string{"X-Client": "tv"}})
			refused := false
			if a.status == http.StatusBadRequest {
				_, refused = details(a.envelope(t))["X-Client"]
			}
			if documented != refused {
				t.Errorf("%s %s: X-Client documented %v, an unknown one refused %v (%d %s)", method, path, documented, refused, a.status, a.body)
			}
			if documented {
				shaped++
			}
		}
	}
	if shaped < 10 {
		t.Fatalf("%d operations document X-Client; the views cover more", shaped)
	}
}
