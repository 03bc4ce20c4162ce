package order

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/server"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// The component test's world: the order service on 127.0.0.1:0 with its SQLite file and
// an embedded broker in a temporary folder, fake product and user services (real Kitex
// servers) in the same static registry, a test producer playing the product and payment
// services' messages, and a test consumer group watching what the order service sends.

const waitFor = 10 * time.Second // generous: two shared cores, -race

var (
	userA = ids.New()
	userB = ids.New()
	addrA = ids.New()
)

type world struct {
	t        *testing.T
	svc      *Service
	client   orderservice.Client
	reg      *registry.Static
	broker   *embedded.Broker
	bus      mq.Producer // plays the product and payment services
	sent     *inbox      // what the order service sent on the order topic
	products *fakeProducts
	users    *fakeUsers
	clock    *testClock
	cfg      Config
	logs     *testkit.SyncBuffer
}

// startWorld starts everything; env overrides ORDER_* variables of the service.
func startWorld(t *testing.T, env map[string]string) *world {
	t.Helper()
	dir := t.TempDir()
	logs := &testkit.SyncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	})
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"), embedded.Options{
		PollInterval: 50 * time.Millisecond,
		RetryBackoff: func(int) time.Duration { return 50 * time.Millisecond }, // redeliver soon
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Close() })
	w := &world{t: t, reg: registry.NewStatic(nil), broker: broker, clock: &testClock{},
		products: newFakeProducts(), users: &fakeUsers{}, logs: logs}
	w.users.add(userA, addrA)
	serveFake(t, w.reg, "product", func(opts ...server.Option) server.Server {
		return productservice.NewServer(w.products, opts...)
	})
	serveFake(t, w.reg, "user", func(opts ...server.Option) server.Server {
		return userservice.NewServer(w.users, opts...)
	})
	w.watch()
	if w.bus, err = broker.NewProducer("test-bus", nil); err != nil {
		t.Fatal(err)
	}
	w.startService(t, dir, env, log)
	return w
}

func (w *world) startService(t *testing.T, dir string, env map[string]string, log *slog.Logger) {
	vars := map[string]string{"ORDER_DB_DSN": filepath.Join(dir, "order.db"), "ORDER_SWEEP_INTERVAL": "1h"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.LoadFrom[Config](Prefix, vars)
	if err != nil {
		t.Fatal(err)
	}
	w.cfg = cfg
	ctx := context.Background()
	if err := Migrate(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	ln := listen(t)
	svc, cleanup, err := New(ctx, cfg, Deps{Logger: log, Registry: w.reg, MQ: w.broker, Listener: ln, Clock: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup) // after Run has returned
	suitetest.Run(t, svc.Run)
	w.svc = svc
	w.reg.Register(registryInfo(ServiceName, svc.Addr())) // as for the fakes: no need to wait a second
	if w.client, err = orderservice.NewClient(ServiceName, suite.ClientOptions(w.reg, 3*time.Second, nil)...); err != nil {
		t.Fatal(err)
	}
}

// watch subscribes a test group to the order topic before anything is sent, so it sees
// every message the order service commits.
func (w *world) watch() {
	c, err := w.broker.NewConsumer("test-watch")
	if err != nil {
		w.t.Fatal(err)
	}
	w.sent = &inbox{}
	if err := c.Subscribe(eventsapi.TOPIC_ORDER, "*", w.sent.handle); err != nil {
		w.t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { c.Close() })
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveFake runs a fake neighbour until the test ends. It is entered in the registry at
// once: its listener is bound, and Kitex would only register it after a fixed second.
func serveFake(t *testing.T, reg *registry.Static, name string, build func(opts ...server.Option) server.Server) {
	t.Helper()
	srv, err := suite.NewServer(name, listen(t), reg, nil, build)
	if err != nil {
		t.Fatal(err)
	}
	suitetest.Run(t, srv.Run)
	reg.Register(registryInfo(name, srv.Addr()))
}

// publish sends a message of another service to the order service.
func (w *world) publish(topic, tag string, payload any) {
	w.t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.bus.Send(context.Background(), &mq.Message{Topic: topic, Tags: tag, Body: body}); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) reserve(orderID string) {
	w.publish(eventsapi.TOPIC_STOCK, eventsapi.TAG_RESERVED, &eventsapi.StockReserved{OrderId: orderID})
}

func (w *world) pay(orderID, paymentID string, amount *baseapi.Money) {
	w.publish(eventsapi.TOPIC_PAYMENT, eventsapi.TAG_SUCCEEDED, &eventsapi.PaymentSucceeded{
		PaymentId: paymentID, OrderId: orderID, Amount: amount, ProviderTxnId: "txn-" + paymentID})
}

// create places an order of lines for userA, failing the test on error.
func (w *world) create(key string, lines ...*orderapi.LineRequest) *orderapi.Order {
	w.t.Helper()
	resp, err := w.client.CreateOrder(context.Background(), &orderapi.CreateOrderRequest{
		UserId: userA, IdempotencyKey: key, AddressId: addrA, Lines: lines})
	if err != nil {
		w.t.Fatalf("CreateOrder: %v", err)
	}
	return resp.Order
}

// settled creates an order and has its stock reserved.
func (w *world) settled(key string) *orderapi.Order {
	w.t.Helper()
	o := w.create(key, line("TEE-RED-M", 2))
	w.reserve(o.Id)
	return w.waitStatus(o.Id, "AWAITING_PAYMENT")
}

func line(sku string, qty int64) *orderapi.LineRequest {
	return &orderapi.LineRequest{Sku: sku, Quantity: qty}
}

// barrier returns once the watcher has seen the order.created of a new order. Messages
// committed before it have been handed out by then, so absence checks can follow it.
func (w *world) barrier() {
	w.t.Helper()
	o := w.create("barrier-"+ids.New(), line("MUG", 1))
	waitMessage[eventsapi.OrderCreated](w.t, w.sent, eventsapi.TAG_CREATED, o.Id)
}

// waitLog waits for a line of the service's log holding every part.
func (w *world) waitLog(parts ...string) {
	w.t.Helper()
	testkit.Eventually(w.t, waitFor, "a log line with "+strings.Join(parts, ", "), func() bool {
		for _, l := range strings.Split(w.logs.String(), "\n") {
			if containsAll(l, parts) {
				return true
			}
		}
		return false
	})
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func registryInfo(name string, addr net.Addr) *kregistry.Info {
	return &kregistry.Info{ServiceName: name, Addr: addr}
}

// waitStatus polls GetOrder until the order reaches status.
func (w *world) waitStatus(orderID, status string) *orderapi.Order {
	w.t.Helper()
	var last *orderapi.Order
	testkit.Eventually(w.t, waitFor, "order "+orderID+" to become "+status, func() bool {
		o, err := w.client.GetOrder(context.Background(), &orderapi.GetOrderRequest{OrderId: orderID})
		if err != nil {
			w.t.Fatalf("GetOrder: %v", err)
		}
		last = o
		return o.Status == status
	})
	return last
}

// code is the catalog code of an RPC error ("" for nil).
func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.FromRPC(err).Code.Name
}

// inbox records deliveries to a test consumer.
type inbox struct {
	mu  sync.Mutex
	got []mq.Delivered
}

func (in *inbox) handle(_ context.Context, msg *mq.Delivered) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.got = append(in.got, *msg)
	return nil
}

// of returns the bodies of the messages with tag about orderID, decoded as T.
func of[T any](t *testing.T, in *inbox, tag, orderID string) []T {
	t.Helper()
	in.mu.Lock()
	defer in.mu.Unlock()
	var out []T
	for _, m := range in.got {
		var key struct {
			OrderID string `json:"order_id"`
		}
		if m.Tags != tag || json.Unmarshal(m.Body, &key) != nil || key.OrderID != orderID {
			continue
		}
		var v T
		if err := json.Unmarshal(m.Body, &v); err != nil {
			t.Fatalf("%s body %s: %v", tag, m.Body, err)
		}
		out = append(out, v)
	}
	return out
}

// waitMessage waits for the first message with tag about orderID.
func waitMessage[T any](t *testing.T, in *inbox, tag, orderID string) T {
	t.Helper()
	var got []T
	testkit.Eventually(t, waitFor, tag+" for order "+orderID, func() bool {
		got = of[T](t, in, tag, orderID)
		return len(got) > 0
	})
	return got[0]
}

// testClock is real time moved by an offset the test controls, so timers and the
// broker's real delays still run.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// fakeProducts is the product service's BatchGetSkus over a table, and a stock gate
// that refuses the SKUs in soldOut and records what it admitted and got back.
type fakeProducts struct {
	productapi.ProductService // the rest is never called; a call would panic and fail the test
	mu                        sync.Mutex
	skus                      map[string]*productapi.SkuDetail
	soldOut                   map[string]bool
	admitted, returned        []string // order ids
}

func (f *fakeProducts) AdmitOrder(_ context.Context, req *productapi.AdmitOrderRequest) (*productapi.AdmitOrderResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range req.Lines {
		if f.soldOut[l.Sku] {
			return &productapi.AdmitOrderResponse{RefusedSku: l.Sku, Reason: errs.StockInsufficient.Name}, nil
		}
	}
	f.admitted = append(f.admitted, req.OrderId)
	return &productapi.AdmitOrderResponse{}, nil
}

func (f *fakeProducts) ReturnAdmission(_ context.Context, req *productapi.ReturnAdmissionRequest) (*productapi.Empty, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.returned = append(f.returned, req.OrderId)
	return &productapi.Empty{}, nil
}

func newFakeProducts() *fakeProducts {
	sku := func(code, name string, cents int64, active bool) *productapi.SkuDetail {
		return &productapi.SkuDetail{Sku: code, ProductId: "p-" + code, ProductName: name,
			Price: &baseapi.Money{AmountCents: cents, Currency: "USD"}, Active: active, Available: 10}
	}
	f := &fakeProducts{skus: map[string]*productapi.SkuDetail{
		"TEE-RED-M": sku("TEE-RED-M", "Tee", 1999, true),
		"MUG":       sku("MUG", "Mug", 850, true),
		"OLD":       sku("OLD", "Retired", 100, false),
	}}
	for i := range 150 { // enough for orders over the product service's batch limit
		code := fmt.Sprintf("BULK-%03d", i)
		f.skus[code] = sku(code, "Bulk", 100, true)
	}
	return f
}

func (f *fakeProducts) BatchGetSkus(_ context.Context, req *productapi.BatchGetSkusRequest) (*productapi.BatchGetSkusResponse, error) {
	if n := len(req.Skus); n < 1 || n > 100 { // as the real product service
		return nil, errs.Invalid(errs.FieldViolation{Field: "skus", Reason: "must have 1 to 100 SKU codes"}).ToBiz()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &productapi.BatchGetSkusResponse{}
	for _, code := range req.Skus {
		if d, ok := f.skus[code]; ok {
			resp.Items = append(resp.Items, d)
		}
	}
	return resp, nil
}

// fakeUsers is the user service's GetAddress over a table.
type fakeUsers struct {
	userapi.UserService
	mu    sync.Mutex
	owned map[string]bool // userID + "/" + addressID
}

func (f *fakeUsers) add(userID, addressID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.owned == nil {
		f.owned = map[string]bool{}
	}
	f.owned[userID+"/"+addressID] = true
}

func (f *fakeUsers) GetAddress(_ context.Context, req *userapi.GetAddressRequest) (*userapi.Address, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.owned[req.UserId+"/"+req.AddressId] {
		return nil, errs.New(errs.AddressNotFound).ToBiz()
	}
	line2 := "Flat 2"
	return &userapi.Address{Id: req.AddressId, Recipient: "Ada Lovelace", Line1: "1 Loop Rd", Line2: &line2,
		City: "Springfield", PostalCode: "12345", Country: "US"}, nil
}
