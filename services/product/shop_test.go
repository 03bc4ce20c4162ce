package product_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	baseapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	eventsapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"

	"github.com/cartwheel-shop/cartwheel/services/product"
)

// waitFor bounds every wait on the service or the broker.
const waitFor = 15 * time.Second

// shop is one product service running on 127.0.0.1:0 against an embedded broker, with
// the test playing the order service: it publishes order messages and consumes the
// stock outcomes in a consumer group of its own. More replicas of the service: serve
// with the shop's cfg, broker and log.
type shop struct {
	t        *testing.T
	ctx      context.Context
	cfg      product.Config
	log      *slog.Logger
	client   productservice.Client
	broker   *embedded.Broker
	orders   mq.Producer
	outcomes *inbox
	// tel holds the service's metrics.
	tel *obs.Telemetry
}

func testConfig(dir string, seed bool) product.Config {
	return product.Config{
		Addr:     "127.0.0.1:0",
		DB:       db.Config{Driver: "sqlite", DSN: filepath.Join(dir, "product.db"), MaxOpenConns: 1, MaxIdleConns: 1, ConnMaxLifetime: time.Hour},
		Currency: "USD",
		SeedDemo: seed,
		Cache:    product.CacheConfig{Driver: "memory", TTL: time.Minute, NegativeTTL: 5 * time.Second, MaxBytes: 1 << 20},
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func startShop(t *testing.T, tweak ...func(*product.Config)) *shop {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	log := testLogger(t)
	cfg := testConfig(dir, true)
	for _, f := range tweak {
		f(&cfg)
	}
	if err := product.Migrate(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	broker, err := embedded.Open(filepath.Join(dir, "broker.db"), embedded.Options{
		PollInterval: 50 * time.Millisecond,
		RetryBackoff: func(int) time.Duration { return 50 * time.Millisecond },
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Close() })
	tel := obs.New()
	client := serve(t, cfg, broker, log, tel)
	s := &shop{t: t, ctx: ctx, cfg: cfg, log: log, client: client, broker: broker, outcomes: &inbox{}, tel: tel}
	if s.orders, err = broker.NewProducer("test-order-tx", nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.orders.Close() })
	consumer, err := broker.NewConsumer("test-order-svc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { consumer.Close() })
	if err := consumer.Subscribe(eventsapi.TOPIC_STOCK, eventsapi.TAG_RESERVED+" || "+eventsapi.TAG_REJECTED, s.outcomes.record); err != nil {
		t.Fatal(err)
	}
	if err := consumer.Start(); err != nil {
		t.Fatal(err)
	}
	return s
}

// serve runs one product service over cfg and broker until the test ends, recording
// its metrics in tel (nil: none), and returns a client of that service alone (replicas
// of one shop each get their own).
func serve(t *testing.T, cfg product.Config, broker *embedded.Broker, log *slog.Logger, tel *obs.Telemetry) productservice.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Seeded with the address, so clients need not wait for Kitex's delayed registration.
	reg := registry.NewStatic(map[string][]string{product.ServiceName: {ln.Addr().String()}})
	svc, cleanup, err := product.New(context.Background(), cfg, product.Deps{Logger: log, Registry: reg, MQ: broker, Listener: ln, Telemetry: tel})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup) // after Run has returned
	suitetest.Run(t, svc.Run)
	client, err := productservice.NewClient(product.ServiceName, suite.ClientOptions(reg, 3*time.Second, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// inbox keeps the stock outcomes the test's order group received, by order id.
type inbox struct {
	mu  sync.Mutex
	got map[string][]mq.Delivered
}

func (in *inbox) record(_ context.Context, msg *mq.Delivered) error {
	var body struct {
		OrderID string `json:"order_id"`
	}
	if err := json.Unmarshal(msg.Body, &body); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.got == nil {
		in.got = map[string][]mq.Delivered{}
	}
	in.got[body.OrderID] = append(in.got[body.OrderID], *msg)
	return nil
}

func (in *inbox) of(orderID string) []mq.Delivered {
	in.mu.Lock()
	defer in.mu.Unlock()
	return slices.Clone(in.got[orderID])
}

// publish sends an order message as the order service would.
func (s *shop) publish(tag string, body any) {
	s.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.orders.Send(s.ctx, &mq.Message{Topic: eventsapi.TOPIC_ORDER, Tags: tag, Body: raw}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *shop) orderCreated(orderID string, lines map[string]int64) {
	s.t.Helper()
	body := &eventsapi.OrderCreated{OrderId: orderID, UserId: "u-1", CreatedAtMs: time.Now().UnixMilli()}
	for _, sku := range slices.Sorted(maps.Keys(lines)) {
		body.Lines = append(body.Lines, &eventsapi.EventLine{Sku: sku, Quantity: lines[sku]})
	}
	s.publish(eventsapi.TAG_CREATED, body)
}

// outcome waits for the one stock outcome of the order.
func (s *shop) outcome(orderID string) mq.Delivered {
	s.t.Helper()
	testkit.Eventually(s.t, waitFor, "the stock outcome of "+orderID, func() bool { return len(s.outcomes.of(orderID)) > 0 })
	return s.outcomes.of(orderID)[0]
}

// drained waits until every consumer group has caught up: the service has handled every
// order message sent so far, and the test group holds every outcome it sent back, a
// wrongly sent one included.
func (s *shop) drained() {
	s.t.Helper()
	testkit.Drained(s.t, s.broker, waitFor)
}

// newProduct creates a product in the first category whose SKUs (code -> stock) get
// their stock through AdjustStock.
func (s *shop) newProduct(name string, skus map[string]int64) *productapi.Product {
	s.t.Helper()
	cats, err := s.client.ListCategories(s.ctx, &productapi.Empty{})
	if err != nil || len(cats.Items) == 0 {
		s.t.Fatalf("categories: %v, %v", cats, err)
	}
	req := &productapi.CreateProductRequest{Name: name, Description: "for a test", CategoryId: cats.Items[0].Id}
	for _, code := range slices.Sorted(maps.Keys(skus)) {
		req.Skus = append(req.Skus, &productapi.NewSku_{Sku: code, Attributes: map[string]string{}, Price: &baseapi.Money{AmountCents: 500, Currency: "USD"}})
	}
	p, err := s.client.CreateProduct(s.ctx, req)
	if err != nil {
		s.t.Fatalf("create %s: %v", name, errs.FromRPC(err))
	}
	for code, qty := range skus {
		if qty == 0 {
			continue
		}
		if _, err := s.client.AdjustStock(s.ctx, &productapi.AdjustStockRequest{Sku: code, Delta: qty, Reason: "test stock", ActorId: "test"}); err != nil {
			s.t.Fatalf("stock %s: %v", code, errs.FromRPC(err))
		}
	}
	return p
}

// stock reads a SKU's stock through the RPC.
func (s *shop) stock(sku string) productapi.Stock {
	s.t.Helper()
	st, err := s.client.GetStock(s.ctx, &productapi.GetStockRequest{Sku: sku})
	if err != nil {
		s.t.Fatalf("GetStock %s: %v", sku, errs.FromRPC(err))
	}
	return *st
}
