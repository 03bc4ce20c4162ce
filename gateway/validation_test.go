package gateway

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// refuseCalls makes every call the validation tests might let through fail the test:
// an invalid request must be answered at the edge.
func refuseCalls(t *testing.T) *fakes {
	f := newFakes()
	f.orders.createOrder = func(context.Context, *orderapi.CreateOrderRequest) (*orderapi.CreateOrderResponse, error) {
		t.Error("an invalid order reached the order service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	f.orders.listOrders = func(context.Context, *orderapi.ListOrdersRequest) (*orderapi.ListOrdersResponse, error) {
		t.Error("an invalid listing reached the order service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	f.products.listProducts = func(context.Context, *productapi.ListProductsRequest) (*productapi.ListProductsResponse, error) {
		t.Error("an invalid listing reached the product service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	f.users.register = func(context.Context, *userapi.RegisterRequest) (*userapi.User, error) {
		t.Error("an invalid registration reached the user service")
		return nil, errs.New(errs.Internal).ToBiz()
	}
	return f
}

func details(e envelope) map[string]string {
	out := map[string]string{}
	for _, d := range e.Details {
		out[d.Field] = d.Reason
	}
	return out
}

func TestMalformedJSON(t *testing.T) {
	h := start(t, refuseCalls(t))
	tests := []struct {
		name, body  string
		wantDetails map[string]string
	}{
		{name: "empty", body: ""},
		{name: "truncated", body: `{"email": "a@b.c"`},
		{name: "not_json", body: `email=a@b.c`},
		{name: "two_values", body: `{"email":"a@b.c"} {"email":"d@e.f"}`},
		{name: "wrong_type_string_for_object", body: `"hello"`},
		{name: "not_utf8", body: "{\"email\": \"a\xffb@example.com\", \"password\": \"longenough\", \"name\": \"Ada\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := h.do(call{method: "POST", path: "/api/v1/auth/register", body: tt.body})
			e := a.expectError(t, http.StatusBadRequest, errs.MalformedJSON.Name)
			if tt.wantDetails != nil && !reflect.DeepEqual(details(e), tt.wantDetails) {
				t.Fatalf("details = %v, want %v", details(e), tt.wantDetails)
			}
		})
	}
}

// The report: "quantity":"2" answered MALFORMED_JSON "not valid JSON" with the
// path lines.quantity, and duplicate keys were accepted, the last winning.
func TestBodyShapeErrorsAreInvalidArgumentsWithFullPaths(t *testing.T) {
	h := start(t, refuseCalls(t))
	order := func(body string) call {
		return call{method: "POST", path: "/api/v1/orders", token: h.customer(), body: body,
			header: map[string]string{"Idempotency-Key": "k-1"}}
	}
	tests := []struct {
		name string
		call call
		want map[string]string
	}{
		{"string_for_integer_in_a_list", order(`{"lines":[{"sku":"MUG-RED","quantity":1},{"sku":"MUG-RED","quantity":"2"}],"address_id":"` + addressID + `"}`),
			map[string]string{"lines[1].quantity": "must be an integer"}},
		{"fraction_for_integer", order(`{"lines":[{"sku":"MUG-RED","quantity":1.5}],"address_id":"` + addressID + `"}`),
			map[string]string{"lines[0].quantity": "must be an integer of at most 64 bits"}},
		{"object_for_list", order(`{"lines":{"sku":"MUG-RED"},"address_id":"` + addressID + `"}`),
			map[string]string{"lines": "must be an array"}},
		{"duplicate_key", call{method: "POST", path: "/api/v1/auth/register",
			body: `{"email":"ann@example.com","password":"correct-horse-9","name":"Ann","name":"Admin"}`},
			map[string]string{"name": "appears more than once"}},
		{"duplicate_key_in_other_case", call{method: "POST", path: "/api/v1/auth/register",
			body: `{"email":"ann@example.com","Email":"bob@example.com","password":"correct-horse-9","name":"Ann"}`},
			map[string]string{"Email": "appears more than once"}},
		{"wrong_type_field", call{method: "POST", path: "/api/v1/auth/register", body: `{"email": 42, "password": "longenough", "name": "Ada"}`},
			map[string]string{"email": "must be a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := h.do(tt.call).expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
			if got := details(e); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("details = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEveryInvalidFieldIsReportedAtOnce(t *testing.T) {
	h := start(t, refuseCalls(t))
	tests := []struct {
		name string
		call call
		want map[string]string
	}{
		{
			name: "order/lines_and_address",
			call: call{method: "POST", path: "/api/v1/orders", header: map[string]string{"Idempotency-Key": "k-1"},
				body: `{"lines":[{"sku":"MUG-RED","quantity":0},{"sku":"bad sku!","quantity":100},{"quantity":1}],"address_id":"nope","unknown":"ignored"}`},
			want: map[string]string{
				"lines[0].quantity": "must be between 1 and 99",
				"lines[1].sku":      "must be a SKU code: 3 to 64 upper-case letters, digits or '-', starting with a letter or digit",
				"lines[1].quantity": "must be between 1 and 99",
				"lines[2].sku":      "is required",
				"address_id":        "must be a valid id",
			},
		},
		{
			name: "order/header_and_body_together",
			call: call{method: "POST", path: "/api/v1/orders", body: `{"address_id":"` + addressID + `"}`},
			want: map[string]string{
				"Idempotency-Key": "is required",
				"lines":           "is required unless from_cart is true",
			},
		},
		{
			name: "order/lines_with_from_cart",
			call: call{method: "POST", path: "/api/v1/orders", header: map[string]string{"Idempotency-Key": "k-1"},
				body: `{"from_cart":true,"lines":[{"sku":"MUG-RED","quantity":1}],"address_id":"` + addressID + `"}`},
			want: map[string]string{"lines": "must be absent when from_cart is true"},
		},
		{
			name: "register/all_fields",
			call: call{method: "POST", path: "/api/v1/auth/register", body: `{"email":"not-an-email","password":"short","name":"   "}`},
			want: map[string]string{
				"email":    "must be an email address",
				"password": "must be between 10 and 72 characters",
				"name":     "must not be blank",
			},
		},
		{
			name: "register/missing_fields",
			call: call{method: "POST", path: "/api/v1/auth/register", body: `{}`},
			want: map[string]string{"email": "is required", "password": "is required", "name": "is required"},
		},
		{
			name: "products/query",
			call: call{method: "GET", path: "/api/v1/products?page_size=0&sort=cheapest&category=kitchen&q=" + strings.Repeat("x", 201)},
			want: map[string]string{
				"page_size": "must be between 1 and 100",
				"sort":      "must be one of: newest, price_asc, price_desc",
				"category":  "must be a valid id",
				"q":         "must be at most 100 characters",
			},
		},
		{
			name: "orders/query",
			call: call{method: "GET", path: "/api/v1/orders?status=LOST&page_size=ten"},
			want: map[string]string{
				"status":    "must be one of: PENDING, AWAITING_PAYMENT, PAID, SHIPPED, RECEIVED, COMPLETED, CANCELLED, REFUNDED",
				"page_size": "must be an integer",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call.token = h.customer()
			e := h.do(tt.call).expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
			if got := details(e); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("details:\n got  %v\n want %v", got, tt.want)
			}
			if len(e.Details) != len(tt.want) {
				t.Fatalf("a field was reported twice: %v", e.Details)
			}
		})
	}
}

func TestIdempotencyKeyShape(t *testing.T) {
	f := newFakes()
	sent := newRecorder()
	f.orders.createOrder = func(_ context.Context, r *orderapi.CreateOrderRequest) (*orderapi.CreateOrderResponse, error) {
		sent.put("key", r.IdempotencyKey)
		return &orderapi.CreateOrderResponse{Order: sampleOrder("PENDING")}, nil
	}
	h := start(t, f)
	body := `{"lines":[{"sku":"MUG-RED","quantity":1}],"address_id":"` + addressID + `"}`
	tests := []struct {
		name, key string
		ok        bool
	}{
		{"uuid", "0190f5a8-0000-7000-8000-000000000001", true},
		{"all_allowed_punctuation", "a_b.c:d-e", true},
		{"exactly_64", strings.Repeat("k", 64), true},
		{"65_chars", strings.Repeat("k", 65), false},
		{"space", "two words", false},
		{"slash", "a/b", false},
		{"unicode", "clé", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent.reset()
			a := h.do(call{method: "POST", path: "/api/v1/orders", token: h.customer(), body: body,
				header: map[string]string{"Idempotency-Key": tt.key}})
			if tt.ok {
				if got := sent.get("key"); a.status != http.StatusCreated || got != tt.key {
					t.Fatalf("status %d, key sent %v: %s", a.status, got, a.body)
				}
				return
			}
			e := a.expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
			if _, ok := details(e)["Idempotency-Key"]; !ok || len(e.Details) != 1 {
				t.Fatalf("want one Idempotency-Key violation, got %v", e.Details)
			}
		})
	}
}

func TestServiceValidationDetailsPassThrough(t *testing.T) {
	f := newFakes()
	f.users.register = func(context.Context, *userapi.RegisterRequest) (*userapi.User, error) {
		return nil, errs.Invalid(errs.FieldViolation{Field: "password", Reason: "is too common"}).ToBiz()
	}
	h := start(t, f)
	a := h.do(call{method: "POST", path: "/api/v1/auth/register",
		body: map[string]string{"email": "ada@example.com", "password": "password123", "name": "Ada"}})
	e := a.expectError(t, http.StatusBadRequest, errs.InvalidArgument.Name)
	if got := details(e); !reflect.DeepEqual(got, map[string]string{"password": "is too common"}) {
		t.Fatalf("details = %v", got)
	}
}

func TestMalformedPathParamsAreNotFound(t *testing.T) {
	f := newFakes() // no function set: any call to a service fails the test with a 500
	h := start(t, f)
	tests := []struct {
		name   string
		call   call
		status int
		code   string
	}{
		{"order_id", call{method: "GET", path: "/api/v1/orders/12345"}, 404, errs.OrderNotFound.Name},
		{"order_id_cancel", call{method: "POST", path: "/api/v1/orders/not-an-id/cancel"}, 404, errs.OrderNotFound.Name},
		{"payment_id", call{method: "GET", path: "/api/v1/payments/xyz"}, 404, errs.PaymentNotFound.Name},
		{"product_id", call{method: "GET", path: "/api/v1/products/mug"}, 404, errs.ProductNotFound.Name},
		{"address_id", call{method: "DELETE", path: "/api/v1/me/addresses/home"}, 404, errs.AddressNotFound.Name},
		{"sku_shape", call{method: "DELETE", path: "/api/v1/cart/items/-dash-first"}, 404, errs.SkuNotFound.Name},
		{"sku_too_long", call{method: "GET", path: "/api/v1/admin/skus/" + strings.Repeat("A", 65) + "/stock"}, 404, errs.SkuNotFound.Name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call.token = h.admin()
			h.do(tt.call).expectError(t, tt.status, tt.code)
		})
	}
}
