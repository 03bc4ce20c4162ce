package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Fixed ids make failures readable; they have the shape ids.Valid accepts.
const (
	customerID = "0190f5a8-0000-7000-8000-00000000c001"
	adminID    = "0190f5a8-0000-7000-8000-00000000a001"
	orderID    = "0190f5a8-0000-7000-8000-000000000d01"
	paymentID  = "0190f5a8-0000-7000-8000-000000000e01"
	productID  = "0190f5a8-0000-7000-8000-000000000f01"
	categoryID = "0190f5a8-0000-7000-8000-000000000c0a"
	addressID  = "0190f5a8-0000-7000-8000-0000000000ad"
)

type fakes struct {
	users    *fakeUsers
	products *fakeProducts
	orders   *fakeOrders
	payments *fakePayments
}

func newFakes() *fakes {
	return &fakes{users: &fakeUsers{}, products: &fakeProducts{}, orders: &fakeOrders{}, payments: &fakePayments{}}
}

// refusingFakes are fakes whose every call answers errs.Unavailable: for tests that
// cross every route and care only about what the gateway does before a service answers.
func refusingFakes() *fakes {
	f := newFakes()
	refusal := errs.New(errs.Unavailable).ToBiz()
	for _, fake := range []any{f.users, f.products, f.orders, f.payments} {
		v := reflect.ValueOf(fake).Elem()
		for i := range v.NumField() {
			field := v.Field(i)
			if field.Kind() != reflect.Func || !field.IsNil() {
				continue
			}
			typ := field.Type()
			field = reflect.NewAt(typ, field.Addr().UnsafePointer()).Elem() // unexported
			field.Set(reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
				out := make([]reflect.Value, typ.NumOut())
				for i := range out {
					out[i] = reflect.Zero(typ.Out(i))
				}
				out[len(out)-1] = reflect.ValueOf(&refusal).Elem()
				return out
			}))
		}
	}
	return f
}

func (f *fakes) clients() *Clients {
	return &Clients{User: f.users, Product: f.products, Order: f.orders, Payment: f.payments}
}

// recorder keeps the last request each fake received. Fakes run on the server's
// goroutines, so access is locked: the HTTP round trip orders them in fact, but through
// the kernel, where the race detector cannot see it.
type recorder struct {
	mu   sync.Mutex
	reqs map[string]any
}

func newRecorder() *recorder { return &recorder{reqs: map[string]any{}} }

func (r *recorder) put(name string, req any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs[name] = req
}

func (r *recorder) get(name string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[name]
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.reqs)
}

// testConfig is the default configuration with limits high enough not to interfere.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg, err := config.LoadFrom[Config](EnvPrefix, map[string]string{})
	if err != nil {
		t.Fatalf("default config: %v", err)
	}
	cfg.RatePerIP, cfg.BurstPerIP = 10_000, 10_000
	cfg.RatePerUser, cfg.BurstPerUser = 10_000, 10_000
	return cfg
}

type harness struct {
	t      *testing.T
	g      *Gateway
	base   string
	cfg    Config
	fakes  *fakes
	reg    *registry.Static
	tel    *obs.Telemetry
	logs   *testkit.SyncBuffer
	client *http.Client
}

// start runs a real gateway on 127.0.0.1:0 in front of the fakes (or, with nil, of
// real Kitex clients) and stops it when the test ends, failing the test if it does not
// stop cleanly.
func start(t *testing.T, f *fakes, tweak ...func(*Config)) *harness {
	t.Helper()
	return startOn(t, nil, f, tweak...)
}

// startOn is start with the gateway resolving through reg (nil: h.reg, a static table).
func startOn(t *testing.T, reg registry.Registry, f *fakes, tweak ...func(*Config)) *harness {
	t.Helper()
	cfg := testConfig(t)
	for _, fn := range tweak {
		fn(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, cfg: cfg, fakes: f, reg: registry.NewStatic(nil), tel: obs.New(), logs: &testkit.SyncBuffer{},
		client: &http.Client{Timeout: 5 * time.Second}}
	var clients *Clients // nil fakes: real Kitex clients resolving through h.reg
	if f != nil {
		clients = f.clients()
	}
	if reg == nil {
		reg = h.reg
	}
	g, cleanup, err := New(context.Background(), cfg, Deps{
		Logger: slog.New(slog.NewJSONHandler(h.logs, nil)), Registry: reg, Telemetry: h.tel, Listener: ln, Clients: clients,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		// The gateway closes idle keep-alive connections itself when it stops
		// (drain.go, tested in drain_test.go); hanging them up here as well keeps the
		// client's pool from holding connections the server already closed.
		h.client.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		cleanup()
	})
	h.g = g
	h.base = "http://" + g.Addr().String()
	return h
}

// call is one HTTP request; body is sent as is when a string, else JSON-encoded.
type call struct {
	method, path string
	body         any
	token        string
	header       map[string]string
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (h *harness) do(c call) answer {
	h.t.Helper()
	var body io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(c.method, h.base+c.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: raw}
}

// token mints an access token the way the gateway does, with its secret.
func (h *harness) token(userID, role string) string {
	h.t.Helper()
	tok, err := token.NewIssuer([]byte(h.cfg.JWTSecret), h.cfg.AccessTTL, nil).Issue(userID, role)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

func (h *harness) customer() string { return h.token(customerID, token.RoleCustomer) }
func (h *harness) admin() string    { return h.token(adminID, token.RoleAdmin) }

// envelope decodes an error answer, checking it has the envelope's required fields.
func (a answer) envelope(t *testing.T) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("answer is not an error envelope: %v: %s", err, a.body)
	}
	if e.Code == "" || e.Message == "" || e.RequestID == "" {
		t.Fatalf("envelope lacks code, message or request_id: %s", a.body)
	}
	return e
}

// expectError checks status and code of an error answer.
func (a answer) expectError(t *testing.T, status int, code string) envelope {
	t.Helper()
	e := a.envelope(t)
	if a.status != status || e.Code != code {
		t.Fatalf("got %d %s, want %d %s: %s", a.status, e.Code, status, code, a.body)
	}
	return e
}

// Sample service answers.

func usd(cents int64) *baseapi.Money { return &baseapi.Money{AmountCents: cents, Currency: "USD"} }

// msAt is a fixed instant with milliseconds, so time formatting is checked exactly.
const msAt = int64(1_767_225_600_123) // 2026-01-01T00:00:00.123Z

func sampleUser(id, role string) *userapi.User {
	return &userapi.User{Id: id, Email: "ada@example.com", Name: "Ada", Role: role, CreatedAtMs: msAt}
}

func sampleProduct() *productapi.Product {
	return &productapi.Product{
		Id: productID, Name: "Mug", Description: "A mug", Category: &productapi.Category{Id: categoryID, Name: "Kitchen"},
		Skus:   []*productapi.Sku{{Sku: "MUG-RED", Attributes: map[string]string{"color": "red"}, Price: usd(1299), Available: 7, Active: true}},
		Active: true, CreatedAtMs: msAt, UpdatedAtMs: msAt,
	}
}

func sampleOrder(status string) *orderapi.Order {
	return &orderapi.Order{
		Id: orderID, UserId: customerID, Status: status,
		Lines: []*orderapi.OrderLine{{Sku: "MUG-RED", Name: "Mug", Quantity: 2, UnitPrice: usd(1299)}},
		Total: usd(2598),
		Address: &orderapi.ShippingAddress{Recipient: "Ada", Line1: "1 Loop Rd", City: "Springfield",
			PostalCode: "12345", Country: "US"},
		PaymentDeadlineMs: msAt + 30*60*1000, CreatedAtMs: msAt, UpdatedAtMs: msAt,
	}
}

func samplePayment(status string) *paymentapi.Payment {
	return &paymentapi.Payment{
		Id: paymentID, OrderId: orderID, UserId: customerID, Status: status, Amount: usd(2598),
		Provider: "sandbox", CheckoutUrl: "http://127.0.0.1:8080/sandbox/" + paymentID,
		CreatedAtMs: msAt, UpdatedAtMs: msAt,
	}
}

func sampleCart() *orderapi.Cart {
	return &orderapi.Cart{
		Lines: []*orderapi.CartLine{{Sku: "MUG-RED", Name: "Mug", Quantity: 2, UnitPrice: usd(1299)}},
		Total: usd(2598),
	}
}
