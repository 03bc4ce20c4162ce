package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
)

// happyFakes answers every call with sample data and records what the gateway sent,
// so each route's test can check both directions of the translation.
func happyFakes(sent *recorder) *fakes {
	f := newFakes()
	record := sent.put
	session := &userapi.LoginResponse{User: sampleUser(customerID, token.RoleCustomer),
		Session: &userapi.Session{RefreshToken: "refresh-2", ExpiresAtMs: msAt}}
	addr := &userapi.Address{Id: addressID, Recipient: "Ada", Line1: "1 Loop Rd", City: "Springfield", PostalCode: "12345", Country: "US"}

	f.users.register = func(_ context.Context, r *userapi.RegisterRequest) (*userapi.User, error) {
		record("Register", r)
		return sampleUser(customerID, token.RoleCustomer), nil
	}
	f.users.login = func(_ context.Context, r *userapi.LoginRequest) (*userapi.LoginResponse, error) {
		record("Login", r)
		return session, nil
	}
	f.users.refresh = func(_ context.Context, r *userapi.RefreshRequest) (*userapi.LoginResponse, error) {
		record("Refresh", r)
		return session, nil
	}
	f.users.logout = func(_ context.Context, r *userapi.LogoutRequest) (*userapi.Empty, error) {
		record("Logout", r)
		return &userapi.Empty{}, nil
	}
	f.users.getUser = func(_ context.Context, r *userapi.GetUserRequest) (*userapi.User, error) {
		record("GetUser", r)
		return sampleUser(customerID, token.RoleCustomer), nil
	}
	f.users.listAddresses = func(_ context.Context, r *userapi.ListAddressesRequest) (*userapi.ListAddressesResponse, error) {
		record("ListAddresses", r)
		return &userapi.ListAddressesResponse{Items: []*userapi.Address{addr}}, nil
	}
	f.users.addAddress = func(_ context.Context, r *userapi.AddAddressRequest) (*userapi.Address, error) {
		record("AddAddress", r)
		return addr, nil
	}
	f.users.deleteAddress = func(_ context.Context, r *userapi.DeleteAddressRequest) (*userapi.Empty, error) {
		record("DeleteAddress", r)
		return &userapi.Empty{}, nil
	}

	f.products.listCategories = func(context.Context) (*productapi.ListCategoriesResponse, error) {
		return &productapi.ListCategoriesResponse{Items: []*productapi.Category{{Id: categoryID, Name: "Kitchen"}}}, nil
	}
	f.products.createCategory = func(_ context.Context, r *productapi.CreateCategoryRequest) (*productapi.Category, error) {
		record("CreateCategory", r)
		return &productapi.Category{Id: categoryID, Name: "Kitchen"}, nil
	}
	f.products.listProducts = func(_ context.Context, r *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error) {
		record("ListProducts", r)
		return &productapi.ListProductsResponse{Items: []*productapi.Product{sampleProduct()}, NextPageToken: "next"}, nil
	}
	f.products.getProduct = func(_ context.Context, r *productapi.GetProductRequest) (*productapi.Product, error) {
		record("GetProduct", r)
		return sampleProduct(), nil
	}
	f.products.createProduct = func(_ context.Context, r *productapi.CreateProductRequest) (*productapi.Product, error) {
		record("CreateProduct", r)
		return sampleProduct(), nil
	}
	f.products.updateProduct = func(_ context.Context, r *productapi.UpdateProductRequest) (*productapi.Product, error) {
		record("UpdateProduct", r)
		return sampleProduct(), nil
	}
	f.products.getStock = func(_ context.Context, r *productapi.GetStockRequest) (*productapi.Stock, error) {
		record("GetStock", r)
		return &productapi.Stock{Sku: r.Sku, Available: 5, Reserved: 2, Sold: 9}, nil
	}
	f.products.adjustStock = func(_ context.Context, r *productapi.AdjustStockRequest) (*productapi.Stock, error) {
		record("AdjustStock", r)
		return &productapi.Stock{Sku: r.Sku, Available: 15, Reserved: 2, Sold: 9}, nil
	}

	f.orders.getCart = func(_ context.Context, r *orderapi.GetCartRequest) (*orderapi.Cart, error) {
		record("GetCart", r)
		return sampleCart(), nil
	}
	f.orders.setCartItem = func(_ context.Context, r *orderapi.SetCartItemRequest) (*orderapi.Cart, error) {
		record("SetCartItem", r)
		return sampleCart(), nil
	}
	f.orders.removeCartItem = func(_ context.Context, r *orderapi.RemoveCartItemRequest) (*orderapi.Cart, error) {
		record("RemoveCartItem", r)
		return &orderapi.Cart{Total: usd(0)}, nil
	}
	f.orders.createOrder = func(_ context.Context, r *orderapi.CreateOrderRequest) (*orderapi.CreateOrderResponse, error) {
		record("CreateOrder", r)
		return &orderapi.CreateOrderResponse{Order: sampleOrder("PENDING"), Replayed: r.IdempotencyKey == "seen-before"}, nil
	}
	f.orders.getOrder = func(_ context.Context, r *orderapi.GetOrderRequest) (*orderapi.Order, error) {
		record("GetOrder", r)
		return sampleOrder("AWAITING_PAYMENT"), nil
	}
	f.orders.listOrders = func(_ context.Context, r *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
		record("ListOrders", r)
		return &orderapi.ListOrdersResponse{Items: []*orderapi.Order{sampleOrder("PAID")}}, nil
	}
	f.orders.cancelOrder = func(_ context.Context, r *orderapi.CancelOrderRequest) (*orderapi.Order, error) {
		record("CancelOrder", r)
		o := sampleOrder("CANCELLED")
		o.CancelReason = "USER_CANCELLED"
		return o, nil
	}
	f.orders.confirmReceipt = func(_ context.Context, r *orderapi.ConfirmReceiptRequest) (*orderapi.Order, error) {
		record("ConfirmReceipt", r)
		return sampleOrder("RECEIVED"), nil
	}
	f.orders.shipOrder = func(_ context.Context, r *orderapi.ShipOrderRequest) (*orderapi.Order, error) {
		record("ShipOrder", r)
		o := sampleOrder("SHIPPED")
		o.Shipment = &orderapi.Shipment{Carrier: r.Carrier, TrackingNo: r.TrackingNo, ShippedAtMs: msAt}
		return o, nil
	}

	f.payments.createPayment = func(_ context.Context, r *paymentapi.CreatePaymentRequest) (*paymentapi.Payment, error) {
		record("CreatePayment", r)
		return samplePayment("PENDING"), nil
	}
	f.payments.getPayment = func(_ context.Context, r *paymentapi.GetPaymentRequest) (*paymentapi.Payment, error) {
		record("GetPayment", r)
		return samplePayment("SUCCEEDED"), nil
	}
	f.payments.sandboxComplete = func(_ context.Context, r *paymentapi.SandboxCompleteRequest) (*paymentapi.Payment, error) {
		record("SandboxComplete", r)
		return samplePayment("SUCCEEDED"), nil
	}
	f.payments.handleWebhook = func(_ context.Context, r *paymentapi.WebhookRequest) (*paymentapi.WebhookResponse, error) {
		// The payload aliases the server's request buffer, which is reused once answered.
		record("HandleWebhook", &paymentapi.WebhookRequest{Payload: bytes.Clone(r.Payload), Signature: r.Signature, Timestamp: r.Timestamp})
		return &paymentapi.WebhookResponse{PaymentId: paymentID}, nil
	}
	return f
}

// Expected JSON shapes, written out so a change to any field name shows here.
const (
	wantProduct = `{"id":"` + productID + `","name":"Mug","description":"A mug","category":{"id":"` + categoryID + `","name":"Kitchen"},` +
		`"skus":[{"sku":"MUG-RED","attributes":{"color":"red"},"price":{"amount_cents":1299,"currency":"USD"},"available":7,"active":true}],` +
		`"active":true,"created_at":"2026-01-01T00:00:00.123Z","updated_at":"2026-01-01T00:00:00.123Z"}`
	wantCart    = `{"lines":[{"sku":"MUG-RED","name":"Mug","quantity":2,"price":{"amount_cents":1299,"currency":"USD"}}],"total":{"amount_cents":2598,"currency":"USD"}}`
	wantAddress = `{"id":"` + addressID + `","recipient":"Ada","line1":"1 Loop Rd","line2":"","city":"Springfield","region":"","postal_code":"12345","country":"US","phone":""}`
	wantUser    = `{"id":"` + customerID + `","email":"ada@example.com","name":"Ada","role":"customer","created_at":"2026-01-01T00:00:00.123Z"}`
	wantPayment = `{"id":"` + paymentID + `","order_id":"` + orderID + `","status":"%s","amount":{"amount_cents":2598,"currency":"USD"},` +
		`"provider":"sandbox","checkout_url":"http://127.0.0.1:8080/sandbox/` + paymentID + `","created_at":"2026-01-01T00:00:00.123Z","updated_at":"2026-01-01T00:00:00.123Z"}`
)

func wantOrder(status, cancelReason, shipment string) string {
	s := `{"id":"` + orderID + `","status":"` + status + `","cancel_reason":"` + cancelReason + `",` +
		`"lines":[{"sku":"MUG-RED","name":"Mug","quantity":2,"unit_price":{"amount_cents":1299,"currency":"USD"}}],` +
		`"total":{"amount_cents":2598,"currency":"USD"},` +
		`"address":{"recipient":"Ada","line1":"1 Loop Rd","line2":"","city":"Springfield","region":"","postal_code":"12345","country":"US","phone":""},`
	if shipment != "" {
		s += `"shipment":` + shipment + `,`
	}
	return s + `"payment_deadline":"2026-01-01T00:30:00.123Z","created_at":"2026-01-01T00:00:00.123Z","updated_at":"2026-01-01T00:00:00.123Z"}`
}

func ptr[T any](v T) *T { return &v }

func TestEveryRouteHappyPath(t *testing.T) {
	sent := newRecorder()
	h := start(t, happyFakes(sent))
	customer, admin := h.customer(), h.admin()
	idem := map[string]string{"Idempotency-Key": "first-try"}
	tests := []struct {
		name     string
		call     call
		status   int
		wantBody string // exact JSON (compared structurally); "" for no body
		rpc      string // the service call expected, compared with wantRPC
		wantRPC  any
	}{
		{"register", call{method: "POST", path: "/api/v1/auth/register", body: `{"email":"ada@example.com","password":"correct horse","name":"Ada"}`},
			201, wantUser, "Register", &userapi.RegisterRequest{Email: "ada@example.com", Password: "correct horse", Name: "Ada"}},
		{"logout", call{method: "POST", path: "/api/v1/auth/logout", body: `{"refresh_token":"refresh-1"}`},
			204, "", "Logout", &userapi.LogoutRequest{RefreshToken: "refresh-1"}},
		{"me", call{method: "GET", path: "/api/v1/me", token: customer}, 200, wantUser, "GetUser", &userapi.GetUserRequest{UserId: customerID}},
		{"list_addresses", call{method: "GET", path: "/api/v1/me/addresses", token: customer},
			200, `{"items":[` + wantAddress + `]}`, "ListAddresses", &userapi.ListAddressesRequest{UserId: customerID}},
		{"add_address", call{method: "POST", path: "/api/v1/me/addresses", token: customer,
			body: `{"recipient":"Ada","line1":"1 Loop Rd","city":"Springfield","postal_code":"12345","country":"US","phone":"+15550100"}`},
			201, wantAddress, "AddAddress", &userapi.AddAddressRequest{UserId: customerID, Address: &userapi.Address{
				Recipient: "Ada", Line1: "1 Loop Rd", City: "Springfield", PostalCode: "12345", Country: "US", Phone: ptr("+15550100")}}},
		{"delete_address", call{method: "DELETE", path: "/api/v1/me/addresses/" + addressID, token: customer},
			204, "", "DeleteAddress", &userapi.DeleteAddressRequest{UserId: customerID, AddressId: addressID}},
		{"categories", call{method: "GET", path: "/api/v1/categories"}, 200, `{"items":[{"id":"` + categoryID + `","name":"Kitchen"}]}`, "", nil},
		{"list_products", call{method: "GET", path: "/api/v1/products?q=mug&category=" + categoryID + "&sort=price_asc&page_size=10&page_token=p2"},
			200, `{"items":[` + wantProduct + `],"next_page_token":"next"}`, "ListProducts", &productapi.ListProductsRequest{
				Query: ptr("mug"), CategoryId: ptr(categoryID), Sort: ptr("price_asc"), PageSize: ptr(int32(10)), PageToken: ptr("p2")}},
		{"get_product", call{method: "GET", path: "/api/v1/products/" + productID}, 200, wantProduct, "GetProduct", &productapi.GetProductRequest{Id: productID}},
		{"create_category", call{method: "POST", path: "/api/v1/admin/categories", token: admin, body: `{"name":"  Kitchen "}`},
			201, `{"id":"` + categoryID + `","name":"Kitchen"}`, "CreateCategory", &productapi.CreateCategoryRequest{Name: "  Kitchen "}},
		{"create_product", call{method: "POST", path: "/api/v1/admin/products", token: admin,
			body: `{"name":"Mug","description":"A mug","category_id":"` + categoryID + `","skus":[{"sku":"MUG-RED","attributes":{"color":"red"},"price":{"amount_cents":1299,"currency":"USD"}}]}`},
			201, wantProduct, "CreateProduct", &productapi.CreateProductRequest{Name: "Mug", Description: "A mug", CategoryId: categoryID,
				Skus: []*productapi.NewSku_{{Sku: "MUG-RED", Attributes: map[string]string{"color": "red"}, Price: usd(1299)}}}},
		{"update_product", call{method: "PATCH", path: "/api/v1/admin/products/" + productID, token: admin,
			body: `{"name":"Big mug","active":false,"prices":{"MUG-RED":{"amount_cents":1499,"currency":"USD"}}}`},
			200, wantProduct, "UpdateProduct", &productapi.UpdateProductRequest{Id: productID, Name: ptr("Big mug"), Active: ptr(false),
				Prices: map[string]*baseapi.Money{"MUG-RED": usd(1499)}}},
		{"get_stock", call{method: "GET", path: "/api/v1/admin/skus/MUG-RED/stock", token: admin},
			200, `{"sku":"MUG-RED","available":5,"reserved":2,"sold":9}`, "GetStock", &productapi.GetStockRequest{Sku: "MUG-RED"}},
		{"adjust_stock", call{method: "POST", path: "/api/v1/admin/skus/MUG-RED/stock", token: admin, body: `{"delta":10,"reason":"restock"}`},
			200, `{"sku":"MUG-RED","available":15,"reserved":2,"sold":9}`, "AdjustStock",
			&productapi.AdjustStockRequest{Sku: "MUG-RED", Delta: 10, Reason: "restock", ActorId: adminID}},
		{"get_cart", call{method: "GET", path: "/api/v1/cart", token: customer}, 200, wantCart, "GetCart", &orderapi.GetCartRequest{UserId: customerID}},
		{"set_cart_item", call{method: "PUT", path: "/api/v1/cart/items/MUG-RED", token: customer, body: `{"quantity":2}`},
			200, wantCart, "SetCartItem", &orderapi.SetCartItemRequest{UserId: customerID, Sku: "MUG-RED", Quantity: 2}},
		{"remove_cart_item", call{method: "DELETE", path: "/api/v1/cart/items/MUG-RED", token: customer},
			200, `{"lines":[],"total":{"amount_cents":0,"currency":"USD"}}`, "RemoveCartItem", &orderapi.RemoveCartItemRequest{UserId: customerID, Sku: "MUG-RED"}},
		{"create_order", call{method: "POST", path: "/api/v1/orders", token: customer, header: idem,
			body: `{"lines":[{"sku":"MUG-RED","quantity":2}],"address_id":"` + addressID + `"}`},
			201, wantOrder("PENDING", "", ""), "CreateOrder", &orderapi.CreateOrderRequest{UserId: customerID, IdempotencyKey: "first-try",
				Lines: []*orderapi.LineRequest{{Sku: "MUG-RED", Quantity: 2}}, AddressId: addressID}},
		{"create_order_from_cart_replayed", call{method: "POST", path: "/api/v1/orders", token: customer,
			header: map[string]string{"Idempotency-Key": "seen-before"}, body: `{"from_cart":true,"address_id":"` + addressID + `"}`},
			200, wantOrder("PENDING", "", ""), "CreateOrder", &orderapi.CreateOrderRequest{UserId: customerID, IdempotencyKey: "seen-before",
				FromCart: ptr(true), AddressId: addressID}},
		{"get_order", call{method: "GET", path: "/api/v1/orders/" + orderID, token: customer},
			200, wantOrder("AWAITING_PAYMENT", "", ""), "GetOrder", &orderapi.GetOrderRequest{OrderId: orderID, UserId: customerID}},
		{"list_orders", call{method: "GET", path: "/api/v1/orders?status=PAID&page_size=5", token: customer},
			200, `{"items":[` + wantOrder("PAID", "", "") + `],"next_page_token":""}`, "ListOrders",
			&orderapi.ListOrdersRequest{UserId: customerID, Status: ptr("PAID"), PageSize: ptr(int32(5))}},
		{"cancel_order", call{method: "POST", path: "/api/v1/orders/" + orderID + "/cancel", token: customer},
			200, wantOrder("CANCELLED", "USER_CANCELLED", ""), "CancelOrder", &orderapi.CancelOrderRequest{OrderId: orderID, UserId: customerID}},
		{"confirm_receipt", call{method: "POST", path: "/api/v1/orders/" + orderID + "/confirm-receipt", token: customer},
			200, wantOrder("RECEIVED", "", ""), "ConfirmReceipt", &orderapi.ConfirmReceiptRequest{OrderId: orderID, UserId: customerID}},
		{"ship_order", call{method: "POST", path: "/api/v1/admin/orders/" + orderID + "/ship", token: admin, body: `{"carrier":"UPS","tracking_no":"1Z999"}`},
			200, wantOrder("SHIPPED", "", `{"carrier":"UPS","tracking_no":"1Z999","shipped_at":"2026-01-01T00:00:00.123Z"}`),
			"ShipOrder", &orderapi.ShipOrderRequest{OrderId: orderID, Carrier: "UPS", TrackingNo: "1Z999"}},
		{"create_payment", call{method: "POST", path: "/api/v1/orders/" + orderID + "/payments", token: customer},
			201, fmt.Sprintf(wantPayment, "PENDING"), "CreatePayment", &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: customerID}},
		{"get_payment", call{method: "GET", path: "/api/v1/payments/" + paymentID, token: customer},
			200, fmt.Sprintf(wantPayment, "SUCCEEDED"), "GetPayment", &paymentapi.GetPaymentRequest{PaymentId: paymentID, UserId: customerID}},
		{"sandbox_complete", call{method: "POST", path: "/api/v1/sandbox/payments/" + paymentID + "/complete", token: customer},
			200, fmt.Sprintf(wantPayment, "SUCCEEDED"), "SandboxComplete", &paymentapi.SandboxCompleteRequest{PaymentId: paymentID, UserId: customerID}},
		{"webhook", call{method: "POST", path: "/api/v1/payments/webhook", body: `{"id":"evt_1",  "amount":2598}`,
			header: map[string]string{"X-Signature": "sig-abc", "X-Timestamp": "1767225600"}},
			200, `{"received":true}`, "HandleWebhook",
			&paymentapi.WebhookRequest{Payload: []byte(`{"id":"evt_1",  "amount":2598}`), Signature: "sig-abc", Timestamp: "1767225600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent.reset()
			a := h.do(tt.call)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.body)
			}
			assertJSON(t, a.body, tt.wantBody)
			if tt.rpc != "" && !reflect.DeepEqual(sent.get(tt.rpc), tt.wantRPC) {
				t.Fatalf("%s request:\n got  %+v\n want %+v", tt.rpc, sent.get(tt.rpc), tt.wantRPC)
			}
		})
	}
}

func TestLoginAndRefreshIssueWorkingTokens(t *testing.T) {
	sent := newRecorder()
	h := start(t, happyFakes(sent))
	for _, c := range []call{
		{method: "POST", path: "/api/v1/auth/login", body: `{"email":"ada@example.com","password":"correct horse"}`},
		{method: "POST", path: "/api/v1/auth/refresh", body: `{"refresh_token":"refresh-1"}`},
	} {
		t.Run(c.path, func(t *testing.T) {
			a := h.do(c)
			if a.status != http.StatusOK {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			var got tokensView
			if err := json.Unmarshal(a.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.TokenType != "Bearer" || got.RefreshToken != "refresh-2" || got.ExpiresIn != 900 || got.AccessToken == "" {
				t.Fatalf("token answer = %+v", got)
			}
			me := h.do(call{method: "GET", path: "/api/v1/me", token: got.AccessToken})
			if me.status != http.StatusOK {
				t.Fatalf("the issued access token does not work: %d %s", me.status, me.body)
			}
			if r, _ := sent.get("GetUser").(*userapi.GetUserRequest); r == nil || r.UserId != customerID {
				t.Fatalf("the token did not carry the user id: %+v", sent.get("GetUser"))
			}
		})
	}
}

func TestSandboxRouteOnlyWhenEnabled(t *testing.T) {
	h := start(t, happyFakes(newRecorder()), func(c *Config) { c.SandboxEnabled = false })
	h.do(call{method: "POST", path: "/api/v1/sandbox/payments/" + paymentID + "/complete", token: h.customer()}).
		expectError(t, http.StatusNotFound, "NOT_FOUND")
}

// assertJSON compares JSON structurally; want "" means the body must be empty.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Fatalf("want no body, got %s", got)
		}
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("answer is not JSON: %s", got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("body:\n got  %s\n want %s", got, want)
	}
}
