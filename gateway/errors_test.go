package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/kerrors"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

func TestServiceErrorsMapToHTTP(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		status    int
		code      string
		message   string // the message clients see
		mustNotIn string // text that must not leak to the client
	}{
		{name: "not_found", err: errs.New(errs.OrderNotFound).ToBiz(), status: 404, code: "ORDER_NOT_FOUND", message: "order not found"},
		{name: "conflict_with_specific_message", err: errs.Newf(errs.StockInsufficient, "only 1 MUG-RED left").ToBiz(),
			status: 409, code: "STOCK_INSUFFICIENT", message: "only 1 MUG-RED left"},
		{name: "state_conflict", err: errs.New(errs.OrderStateConflict).ToBiz(), status: 409, code: "ORDER_STATE_CONFLICT",
			message: errs.OrderStateConflict.Message},
		{name: "transport_failure", err: errors.New("dial tcp 10.1.2.3:8883: connection refused"),
			status: 503, code: "UNAVAILABLE", message: errs.Unavailable.Message, mustNotIn: "10.1.2.3"},
		{name: "kitex_timeout", err: kerrors.ErrRPCTimeout.WithCause(errors.New("deadline at order-7f9c")),
			status: 503, code: "UNAVAILABLE", message: errs.Unavailable.Message, mustNotIn: "order-7f9c"},
		{name: "internal_with_detail", err: kerrors.NewBizStatusError(errs.Internal.Biz, "sql: duplicate key on orders_pk"),
			status: 500, code: "INTERNAL", message: errs.Internal.Message, mustNotIn: "orders_pk"},
		{name: "unknown_biz_code", err: kerrors.NewBizStatusError(99999, "something new"),
			status: 500, code: "INTERNAL", message: errs.Internal.Message, mustNotIn: "something new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakes()
			f.orders.getOrder = func(context.Context, *orderapi.GetOrderRequest) (*orderapi.Order, error) { return nil, tt.err }
			h := start(t, f)
			a := h.do(call{method: "GET", path: "/api/v1/orders/" + orderID, token: h.customer()})
			e := a.expectError(t, tt.status, tt.code)
			if e.Message != tt.message {
				t.Errorf("message = %q, want %q", e.Message, tt.message)
			}
			if tt.mustNotIn != "" && strings.Contains(string(a.body), tt.mustNotIn) {
				t.Errorf("internal detail leaked: %s", a.body)
			}
			if tt.status >= 500 && !strings.Contains(h.logs.String(), e.RequestID) {
				t.Errorf("a 5xx must be logged with its request id %s", e.RequestID)
			}
		})
	}
}

// Ownership is the services' to decide: the gateway passes the caller's id and
// answers their NOT_FOUND for someone else's resource as 404.
func TestOwnershipIsPassedToServices(t *testing.T) {
	f := newFakes()
	f.orders.getOrder = func(_ context.Context, r *orderapi.GetOrderRequest) (*orderapi.Order, error) {
		if r.UserId != customerID {
			t.Errorf("GetOrder user_id = %q, want the caller %q", r.UserId, customerID)
		}
		return nil, errs.New(errs.OrderNotFound).ToBiz() // another customer's order
	}
	f.payments.getPayment = func(_ context.Context, r *paymentapi.GetPaymentRequest) (*paymentapi.Payment, error) {
		if r.UserId != customerID {
			t.Errorf("GetPayment user_id = %q, want the caller %q", r.UserId, customerID)
		}
		return nil, errs.New(errs.PaymentNotFound).ToBiz()
	}
	h := start(t, f)
	h.do(call{method: "GET", path: "/api/v1/orders/" + orderID, token: h.customer()}).
		expectError(t, http.StatusNotFound, errs.OrderNotFound.Name)
	h.do(call{method: "GET", path: "/api/v1/payments/" + paymentID, token: h.customer()}).
		expectError(t, http.StatusNotFound, errs.PaymentNotFound.Name)
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	h := start(t, newFakes())
	h.do(call{method: "GET", path: "/api/v1/nothing-here"}).expectError(t, http.StatusNotFound, errs.RouteNotFound.Name)
	h.do(call{method: "GET", path: "/api/v1/categories/"}).expectError(t, http.StatusNotFound, errs.RouteNotFound.Name)

	a := h.do(call{method: "DELETE", path: "/api/v1/orders/" + orderID})
	a.expectError(t, http.StatusMethodNotAllowed, errs.MethodNotAllowed.Name)
	if got := a.header.Get("Allow"); got != "GET" {
		t.Errorf("Allow = %q, want GET", got)
	}
	a = h.do(call{method: "PATCH", path: "/api/v1/orders"})
	a.expectError(t, http.StatusMethodNotAllowed, errs.MethodNotAllowed.Name)
	if got := a.header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow = %q, want GET, POST", got)
	}
}

func TestBodyTooLarge(t *testing.T) {
	f := newFakes()
	f.payments.handleWebhook = func(_ context.Context, r *paymentapi.WebhookRequest) (*paymentapi.WebhookResponse, error) {
		return &paymentapi.WebhookResponse{PaymentId: paymentID}, nil
	}
	h := start(t, f, func(c *Config) { c.MaxBodyBytes = 2048 })
	tests := []struct {
		name    string
		size    int
		chunked bool // no Content-Length: the limit must hold while reading
		status  int
	}{
		{"declared_over", 2049, false, http.StatusRequestEntityTooLarge},
		{"chunked_over", 5000, true, http.StatusRequestEntityTooLarge},
		{"declared_at_limit", 2048, false, http.StatusOK},
		{"chunked_at_limit", 2048, true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("x", tt.size))
			if tt.chunked {
				body = io.MultiReader(body) // hides the length from net/http
			}
			req, err := http.NewRequest("POST", h.base+"/api/v1/payments/webhook", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			a := answer{status: resp.StatusCode, header: resp.Header, body: raw}
			if tt.status == http.StatusOK {
				if a.status != http.StatusOK {
					t.Fatalf("status %d: %s", a.status, a.body)
				}
				return
			}
			a.expectError(t, tt.status, errs.BodyTooLarge.Name)
		})
	}
}

func TestRateLimits(t *testing.T) {
	f := newFakes()
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) { return sampleCart(), nil }
	t.Run("per_ip", func(t *testing.T) {
		h := start(t, f, func(c *Config) { c.RatePerIP, c.BurstPerIP = 0.5, 2 })
		for i := range 2 {
			if a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()}); a.status != http.StatusOK {
				t.Fatalf("request %d of the burst: %d %s", i+1, a.status, a.body)
			}
		}
		a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()})
		a.expectError(t, http.StatusTooManyRequests, errs.RateLimited.Name)
		if got := a.header.Get("Retry-After"); got != "2" {
			t.Errorf("Retry-After = %q, want 2 (one token at 0.5/s)", got)
		}
		// The API's description is never throttled.
		if a := h.do(call{method: "GET", path: "/openapi.json"}); a.status != http.StatusOK {
			t.Errorf("openapi.json throttled: %d", a.status)
		}
	})
	t.Run("per_user", func(t *testing.T) {
		h := start(t, f, func(c *Config) { c.RatePerUser, c.BurstPerUser = 1, 1 })
		if a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()}); a.status != http.StatusOK {
			t.Fatalf("first request: %d %s", a.status, a.body)
		}
		a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()})
		a.expectError(t, http.StatusTooManyRequests, errs.RateLimited.Name)
		if n, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("Retry-After = %q, want whole seconds >= 1", a.header.Get("Retry-After"))
		}
		// Another user from the same address has a budget of their own.
		if a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.admin()}); a.status != http.StatusOK {
			t.Errorf("another user throttled: %d %s", a.status, a.body)
		}
	})
}

func TestPanicIsAnInternalError(t *testing.T) {
	f := newFakes()
	f.orders.getCart = func(context.Context, *orderapi.GetCartRequest) (*orderapi.Cart, error) {
		panic("secret-panic-detail")
	}
	h := start(t, f)
	a := h.do(call{method: "GET", path: "/api/v1/cart", token: h.customer()})
	e := a.expectError(t, http.StatusInternalServerError, errs.Internal.Name)
	if strings.Contains(string(a.body), "secret-panic-detail") {
		t.Fatalf("panic detail leaked: %s", a.body)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "secret-panic-detail") || !strings.Contains(logs, e.RequestID) {
		t.Fatalf("panic not logged with its request id: %s", logs)
	}
	// The server survives.
	if a := h.do(call{method: "GET", path: "/openapi.json"}); a.status != http.StatusOK {
		t.Fatalf("openapi.json after panic: %d", a.status)
	}
}

func TestRequestID(t *testing.T) {
	h := start(t, newFakes())
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"sane_is_kept", "trace-abc-123", true},
		{"absent_is_generated", "", false},
		{"too_long_is_replaced", strings.Repeat("a", 65), false},
		{"bad_chars_are_replaced", "id with spaces", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.sent != "" {
				hdr["X-Request-ID"] = tt.sent
			}
			a := h.do(call{method: "GET", path: "/api/v1/nowhere", header: hdr})
			e := a.envelope(t)
			echoed := a.header.Get("X-Request-ID")
			if echoed != e.RequestID {
				t.Fatalf("header %q and body %q request ids differ", echoed, e.RequestID)
			}
			if tt.kept && echoed != tt.sent {
				t.Fatalf("request id %q not kept, got %q", tt.sent, echoed)
			}
			if !tt.kept && (echoed == tt.sent || !saneRequestID.MatchString(echoed)) {
				t.Fatalf("request id %q not replaced by a generated one, got %q", tt.sent, echoed)
			}
			if !strings.Contains(h.logs.String(), `"request_id":"`+echoed+`"`) {
				t.Fatalf("access log lacks request id %s", echoed)
			}
		})
	}
}

// A declared Content-Length over the limit is refused from the headers, without
// waiting for a body the client may never finish sending. (Hertz prefetches at most
// 8 KiB of a streamed body before the handlers run; the limit here is well above.)
func TestBodyTooLargeRefusedBeforeReading(t *testing.T) {
	h := start(t, newFakes(), func(c *Config) { c.MaxBodyBytes = 64 << 10 })
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The header block and 10 KB of a declared 100 MiB body, then silence.
	head := "POST /api/v1/payments/webhook HTTP/1.1\r\nHost: gateway\r\nContent-Length: 104857600\r\n\r\n"
	if _, err := conn.Write([]byte(head + strings.Repeat("x", 10_000))); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body was still incomplete: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	answer{status: resp.StatusCode, header: resp.Header, body: raw}.expectError(t, http.StatusRequestEntityTooLarge, errs.BodyTooLarge.Name)
	if !resp.Close {
		t.Error("the connection should close after a 413")
	}
}
