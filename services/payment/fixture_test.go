package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	paymentapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
	"github.com/cartwheel-shop/cartwheel/services/payment"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

const testSecret = "component-test-webhook-secret-0123456789"

// fixture is one payment service on 127.0.0.1:0 with its neighbours: a fake order
// service (Kitex, same static registry), the embedded broker, a stand-in for the
// gateway's webhook route, and a test consumer group on the payment topic.
//
// Component tests do not run in parallel: stopping a Kitex server makes netpoll close
// its listener's descriptor twice in a row, and under load the second close can hit a
// descriptor another fixture has just opened (see pkg/suite's closeOnce).
type fixture struct {
	t      *testing.T
	client paymentservice.Client
	orders *fakeOrders
	// stopOrders stops the fake order service and waits until it has stopped.
	stopOrders func()
	broker     *embedded.Broker
	gateway    *gateway
	inbox      *inbox
	producer   mq.Producer // stands for the order service's producer
	cfg        payment.Config
}

func newFixture(t *testing.T, env map[string]string) *fixture {
	t.Helper()
	dir, log, ctx := t.TempDir(), testLogger(), context.Background()
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"),
		embedded.Options{PollInterval: 20 * time.Millisecond, CheckAfter: 500 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = broker.Close() })
	f := &fixture{t: t, broker: broker, orders: &fakeOrders{orders: map[string]*orderapi.Order{}}}
	reg := registry.NewStatic(nil)

	f.stopOrders = serveOrders(t, f.orders, reg)

	if f.client, err = paymentservice.NewClient(payment.ServiceName, suite.ClientOptions(reg, 3*time.Second, nil)...); err != nil {
		t.Fatal(err)
	}
	f.gateway = &gateway{client: f.client}
	hooks := httptest.NewServer(f.gateway)
	t.Cleanup(hooks.Close)

	vars := map[string]string{
		"PAYMENT_DB_DSN":         filepath.Join(dir, "payment.db"),
		"PAYMENT_WEBHOOK_URL":    hooks.URL + "/api/v1/payments/webhook",
		"PAYMENT_WEBHOOK_SECRET": testSecret,
	}
	maps.Copy(vars, env)
	if f.cfg, err = config.LoadFrom[payment.Config](payment.Prefix, vars); err != nil {
		t.Fatal(err)
	}
	if err := payment.Migrate(ctx, f.cfg, log); err != nil {
		t.Fatal(err)
	}
	svc, cleanup, err := payment.New(ctx, f.cfg, payment.Deps{Logger: log, Registry: reg, MQ: broker, Listener: listen(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup) // after Run has returned
	suitetest.Run(t, svc.Run)

	f.inbox = consume(t, broker, "payment-test", eventsapi.TOPIC_PAYMENT)
	if f.producer, err = broker.NewProducer("order-test", nil); err != nil {
		t.Fatal(err)
	}
	waitRegistered(t, reg, payment.ServiceName, "order")
	return f
}

func testLogger() *slog.Logger {
	if os.Getenv("CARTWHEEL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// listen binds 127.0.0.1:0 for a Kitex server.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// serveOrders runs the fake order service in reg until the test ends, and returns what
// stops it sooner (waiting for the stop).
func serveOrders(t *testing.T, orders *fakeOrders, reg *registry.Static) (stop func()) {
	t.Helper()
	srv, err := suite.NewServer("order", listen(t), reg, nil, func(opts ...server.Option) server.Server {
		return orderservice.NewServer(orders, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return suitetest.Run(t, srv.Run)
}

// waitRegistered waits out Kitex's delayed registration (about a second).
func waitRegistered(t *testing.T, reg *registry.Static, names ...string) {
	t.Helper()
	testkit.Eventually(t, 10*time.Second, "registration of "+names[0], func() bool {
		for _, n := range names {
			if _, err := reg.Resolve(context.Background(), n); err != nil {
				return false
			}
		}
		return true
	})
}

// callbackWindow is how long a sandbox callback that must not come is watched for. A
// message that must not arrive is checked once the broker has drained instead; a callback
// is an HTTP call from a goroutine of the provider, with no completion to wait on.
const callbackWindow = 500 * time.Millisecond

// fakeOrders is the order service as the payment service sees it: GetOrder only. Any
// other method is nil and panics, which Kitex answers as an error.
type fakeOrders struct {
	orderapi.OrderService

	mu     sync.Mutex
	orders map[string]*orderapi.Order
}

// add stores an order of userID in status for cents USD and returns its id.
func (f *fakeOrders) add(userID, status string, cents int64) string {
	o := &orderapi.Order{
		Id: ids.New(), UserId: userID, Status: status,
		Lines:   []*orderapi.OrderLine{{Sku: "KETTLE-RED", Name: "Kettle", Quantity: 1, UnitPrice: &baseapi.Money{AmountCents: cents, Currency: "USD"}}},
		Total:   &baseapi.Money{AmountCents: cents, Currency: "USD"},
		Address: &orderapi.ShippingAddress{Recipient: "Ann", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[o.Id] = o
	return o.Id
}

func (f *fakeOrders) GetOrder(_ context.Context, req *orderapi.GetOrderRequest) (*orderapi.Order, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[req.OrderId]
	if !ok || (req.UserId != "" && req.UserId != o.UserId) {
		return nil, errs.New(errs.OrderNotFound).ToBiz()
	}
	return o, nil
}

// gateway stands in for the gateway's public webhook route: it forwards the callback
// to HandleWebhook and answers with the catalogued HTTP status.
type gateway struct {
	client paymentservice.Client

	mu       sync.Mutex
	statuses []int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	_, err := g.client.HandleWebhook(r.Context(), &paymentapi.WebhookRequest{
		Payload: body, Signature: r.Header.Get(webhook.HeaderSignature), Timestamp: r.Header.Get(webhook.HeaderTimestamp),
	})
	status := http.StatusOK
	if err != nil {
		status = errs.FromRPC(err).Code.HTTP
	}
	g.mu.Lock()
	g.statuses = append(g.statuses, status)
	g.mu.Unlock()
	w.WriteHeader(status)
}

func (g *gateway) answered() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.statuses)
}

// inbox records what a test consumer group received.
type inbox struct {
	mu   sync.Mutex
	msgs []mq.Delivered
}

func consume(t *testing.T, broker *embedded.Broker, group, topic string) *inbox {
	t.Helper()
	c, err := broker.NewConsumer(group)
	if err != nil {
		t.Fatal(err)
	}
	in := &inbox{}
	if err := c.Subscribe(topic, "*", in.handle); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return in
}

func (in *inbox) handle(_ context.Context, msg *mq.Delivered) error {
	copied := *msg
	copied.Body = bytes.Clone(msg.Body)
	in.mu.Lock()
	defer in.mu.Unlock()
	in.msgs = append(in.msgs, copied)
	return nil
}

// bodies returns the bodies of the messages tagged tag about paymentID.
func (in *inbox) bodies(tag, paymentID string) [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	var out [][]byte
	for _, m := range in.msgs {
		var about struct {
			PaymentID string `json:"payment_id"`
		}
		if m.Tags == tag && json.Unmarshal(m.Body, &about) == nil && about.PaymentID == paymentID {
			out = append(out, m.Body)
		}
	}
	return out
}

// exactlyOne waits for the first message tagged tag about paymentID, then for the broker
// to drain, so that a second one would have arrived, and returns the one.
func (f *fixture) exactlyOne(tag, paymentID string) []byte {
	f.t.Helper()
	testkit.Eventually(f.t, 10*time.Second, tag+" message", func() bool { return len(f.inbox.bodies(tag, paymentID)) > 0 })
	f.drained()
	got := f.inbox.bodies(tag, paymentID)
	if len(got) != 1 {
		f.t.Fatalf("%d %s messages for payment %s, want exactly 1", len(got), tag, paymentID)
	}
	return got[0]
}

// drained waits until every consumer group has caught up: the service has handled what
// it was sent, and the test group holds every message the service sent.
func (f *fixture) drained() {
	f.t.Helper()
	testkit.Drained(f.t, f.broker, 10*time.Second)
}

func (f *fixture) create(orderID, userID string) *paymentapi.Payment {
	f.t.Helper()
	p, err := f.client.CreatePayment(context.Background(), &paymentapi.CreatePaymentRequest{OrderId: orderID, UserId: userID})
	if err != nil {
		f.t.Fatalf("CreatePayment: %v", err)
	}
	return p
}

// status reads the payment as an internal caller.
func (f *fixture) status(paymentID string) string {
	f.t.Helper()
	p, err := f.client.GetPayment(context.Background(), &paymentapi.GetPaymentRequest{PaymentId: paymentID})
	if err != nil {
		f.t.Fatalf("GetPayment: %v", err)
	}
	return p.Status
}

// sendRefundRequested publishes what the order service sends for a payment it cannot take.
func (f *fixture) sendRefundRequested(body []byte) {
	f.t.Helper()
	msg := &mq.Message{Topic: eventsapi.TOPIC_ORDER, Tags: eventsapi.TAG_REFUND_REQUESTED, Body: body}
	if _, err := f.producer.Send(context.Background(), msg); err != nil {
		f.t.Fatal(err)
	}
}

// refundRows counts the refunds recorded for paymentID, reading the service's database.
func (f *fixture) refundRows(paymentID string) int64 {
	f.t.Helper()
	gdb, err := db.Open(f.cfg.DB, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close(gdb)
	var n int64
	if err := gdb.Session(&gorm.Session{}).Table("refunds").Where("payment_id = ?", paymentID).Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

// callback builds a provider callback body.
func callback(paymentID, txnID string, cents int64, currency string) []byte {
	b, _ := json.Marshal(webhook.Event{
		Event: webhook.EventPaymentSucceeded, ProviderTxnID: txnID, PaymentID: paymentID,
		AmountCents: cents, Currency: currency, OccurredAt: time.Now().UTC(),
	})
	return b
}

// signed is a webhook request signed now with the service's secret.
func signed(body []byte) *paymentapi.WebhookRequest {
	ts := webhook.Timestamp(time.Now())
	return &paymentapi.WebhookRequest{Payload: body, Timestamp: ts, Signature: webhook.Sign(testSecret, ts, body)}
}

// code is the catalog name of an RPC error, "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	return errs.FromRPC(err).Code.Name
}

// fields lists the invalid fields an INVALID_ARGUMENT error names.
func fields(err error) []string {
	var out []string
	for _, d := range errs.FromRPC(err).Details {
		out = append(out, d.Field)
	}
	return out
}
