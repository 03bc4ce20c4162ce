package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// spans keeps the spans of the traces a test started itself (with its own
// traceparent); a root span nobody asked for is never sampled, so the other tests of
// the package pay next to nothing for tracing being on.
type spans struct {
	mu  sync.Mutex
	all map[trace.TraceID][]sdktrace.ReadOnlySpan
	tp  *sdktrace.TracerProvider
}

var (
	traced     *spans
	tracedOnce sync.Once
)

// installTracing makes the process's tracer provider record into traced (and, on the
// real engines, export to Jaeger too). The otel globals delegate to the first provider
// installed, so it happens once, before the first fleet starts.
func installTracing(t *testing.T) *spans {
	tracedOnce.Do(func() {
		traced = &spans{all: map[trace.TraceID][]sdktrace.ReadOnlySpan{}}
		opts := []sdktrace.TracerProviderOption{
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())),
			sdktrace.WithSyncer(traced),
			sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName("cartwheel-e2e"))),
		}
		opts = append(opts, jaegerExport(t)...)
		traced.tp = sdktrace.NewTracerProvider(opts...)
		obs.Install(traced.tp)
	})
	return traced
}

func (s *spans) ExportSpans(_ context.Context, ss []sdktrace.ReadOnlySpan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range ss {
		id := sp.SpanContext().TraceID()
		s.all[id] = append(s.all[id], sp)
	}
	return nil
}

func (s *spans) Shutdown(context.Context) error { return nil }

func (s *spans) of(id trace.TraceID) []sdktrace.ReadOnlySpan {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.all[id])
}

// traceparent starts a trace the way a client that wants one followed does.
func traceparent(t *testing.T) (trace.TraceID, string) {
	t.Helper()
	var id trace.TraceID
	var parent [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		t.Fatal(err)
	}
	if _, err := rand.Read(parent[:]); err != nil {
		t.Fatal(err)
	}
	return id, fmt.Sprintf("00-%s-%s-01", id, hex.EncodeToString(parent[:]))
}

// want is one span a journey must hold.
type want struct {
	what string
	kind trace.SpanKind
	name string            // exact span name, or "" for any
	attr map[string]string // attributes that must match
}

func (w want) matches(sp sdktrace.ReadOnlySpan) bool {
	if sp.SpanKind() != w.kind || (w.name != "" && sp.Name() != w.name) {
		return false
	}
	have := map[string]string{}
	for _, kv := range sp.Attributes() {
		have[string(kv.Key)] = kv.Value.Emit()
	}
	for k, v := range w.attr {
		if have[k] != v {
			return false
		}
	}
	return true
}

func rpc(what string, kind trace.SpanKind, service string) want {
	return want{what: what, kind: kind, attr: map[string]string{"rpc.system": "kitex", "rpc.service": service}}
}

func message(what string, kind trace.SpanKind, topic, tag string) want {
	return want{what: what, kind: kind, attr: map[string]string{
		"messaging.destination.name": topic, "messaging.rocketmq.message.tag": tag}}
}

// expectTrace waits until trace id holds every wanted span, in one trace.
func (s *shop) expectTrace(rec *spans, id trace.TraceID, journey string, wants ...want) {
	s.t.Helper()
	missing := wants
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := rec.of(id)
		missing = slices.DeleteFunc(slices.Clone(wants), func(w want) bool {
			return slices.ContainsFunc(got, w.matches)
		})
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for _, sp := range got {
				names = append(names, fmt.Sprintf("%s %q %v", sp.SpanKind(), sp.Name(), sp.Attributes()))
			}
			var lack []string
			for _, w := range missing {
				lack = append(lack, w.what)
			}
			s.t.Fatalf("%s: trace %s lacks %s; it holds:\n%s", journey, id, strings.Join(lack, ", "), strings.Join(names, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Each journey a customer makes is one trace, from the gateway through Kitex calls and
// every message its first request set off, including the delayed payment timeout.
func TestEachJourneyIsOneTrace(t *testing.T) {
	rec := installTracing(t)
	s := newShop(t, map[string]string{"ORDER_PAYMENT_TIMEOUT": "2s"})
	admin := s.admin()
	sku := s.newSKU(admin, 1500, 5)
	tess := s.newCustomer("Tess")

	placed := func(id trace.TraceID, tp string) order {
		var o order
		r := s.call("POST", "/api/v1/orders", tess.token, map[string]any{"lines": []map[string]any{line(sku, 1)}, "address_id": tess.address},
			map[string]string{"Idempotency-Key": "trace-" + tp, "traceparent": tp})
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		if got := r.header.Get("X-Trace-ID"); got != id.String() {
			t.Fatalf("X-Trace-ID = %q, want the caller's trace %s", got, id)
		}
		r.decode(t, &o)
		return o
	}
	placing := []want{
		{what: "gateway server span", kind: trace.SpanKindServer, name: "POST /api/v1/orders"},
		rpc("order client span", trace.SpanKindClient, "order"),
		rpc("order server span", trace.SpanKindServer, "order"),
		rpc("product server span", trace.SpanKindServer, "product"),
		message("order.created producer", trace.SpanKindProducer, "cartwheel_order", "created"),
		message("order.created consumer", trace.SpanKindConsumer, "cartwheel_order", "created"),
		message("stock.reserved producer", trace.SpanKindProducer, "cartwheel_stock", "reserved"),
		message("stock.reserved consumer", trace.SpanKindConsumer, "cartwheel_stock", "reserved"),
		message("order.timeout producer", trace.SpanKindProducer, "cartwheel_order", "timeout"),
	}

	// Journey 1: place an order, then pay it.
	placeID, placeTP := traceparent(t)
	o := placed(placeID, placeTP)
	if got := s.settle(tess, o.ID); got.Status != "AWAITING_PAYMENT" {
		t.Fatalf("settled as %s", got.Status)
	}
	s.expectTrace(rec, placeID, "placing an order", placing...)

	payID, payTP := traceparent(t)
	var p payment
	s.must(201, "POST", "/api/v1/orders/"+o.ID+"/payments", tess.token, nil, map[string]string{"traceparent": payTP}).decode(t, &p)
	_, completeTP := traceparent(t)
	completeTP = strings.Replace(completeTP, completeTP[3:35], payID.String(), 1) // same trace, another parent
	s.must(200, "POST", "/api/v1/sandbox/payments/"+p.ID+"/complete", tess.token, nil, map[string]string{"traceparent": completeTP})
	s.waitStatus(tess, o.ID, "PAID", 15*time.Second)
	s.expectTrace(rec, payID, "paying",
		rpc("payment server span", trace.SpanKindServer, "payment"),
		want{what: "webhook server span", kind: trace.SpanKindServer, name: "POST /api/v1/payments/webhook"},
		message("payment.succeeded producer", trace.SpanKindProducer, "cartwheel_payment", "succeeded"),
		message("payment.succeeded consumer", trace.SpanKindConsumer, "cartwheel_payment", "succeeded"),
		message("order.paid producer", trace.SpanKindProducer, "cartwheel_order", "paid"),
		message("order.paid consumer", trace.SpanKindConsumer, "cartwheel_order", "paid"),
	)

	// Journey 2: place an order and let it expire; the timeout is delivered seconds
	// later, still in the trace of the request that placed the order.
	expireID, expireTP := traceparent(t)
	late := placed(expireID, expireTP)
	s.waitStatus(tess, late.ID, "CANCELLED", 20*time.Second)
	s.expectTrace(rec, expireID, "an order expiring", append(placing,
		message("order.timeout consumer", trace.SpanKindConsumer, "cartwheel_order", "timeout"),
		message("order.cancelled producer", trace.SpanKindProducer, "cartwheel_order", "cancelled"),
		message("order.cancelled consumer", trace.SpanKindConsumer, "cartwheel_order", "cancelled"),
	)...)

	for _, id := range []trace.TraceID{placeID, payID, expireID} {
		s.expectInBackend(rec, id)
	}

	// The same journeys, as the dashboard counts them.
	s.expectMetrics(
		`cartwheel_orders_created_total{service="order"} 2`,
		`cartwheel_order_transitions_total{from="PENDING",service="order",to="AWAITING_PAYMENT"} 2`,
		`cartwheel_order_transitions_total{from="AWAITING_PAYMENT",service="order",to="PAID"} 1`,
		`cartwheel_order_transitions_total{from="AWAITING_PAYMENT",service="order",to="CANCELLED"} 1`,
		`cartwheel_order_settle_seconds_count{outcome="awaiting_payment",service="order"} 2`,
		`cartwheel_stock_reservations_total{outcome="reserved",service="product"} 2`,
		`cartwheel_payments_total{outcome="succeeded",service="payment"} 1`,
		`kitex_server_throughput{callee="order",caller="unknown",method="CreateOrder",retry="0",status="succeed"} 2`,
	)
}

// expectMetrics waits until the fleet's admin listener exports every line.
func (s *shop) expectMetrics(lines ...string) {
	s.t.Helper()
	var text string
	missing := func() []string {
		return slices.DeleteFunc(slices.Clone(lines), func(l string) bool { return strings.Contains(text, l+"\n") })
	}
	defer func() {
		if s.t.Failed() {
			s.t.Logf("missing %q", missing())
		}
	}()
	testkit.Eventually(s.t, 10*time.Second, "metrics", func() bool {
		resp, err := http.Get(s.fleet.AdminURL + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		text = string(body)
		return len(missing()) == 0
	})
}

// A client's own traceparent names the trace of a plain read, and the answer says so.
func TestTraceparentIsHonoured(t *testing.T) {
	rec := installTracing(t)
	s := newShop(t, nil)
	var list struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/v1/products", "", nil, nil).decode(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("no products seeded")
	}
	id, tp := traceparent(t)
	r := s.must(200, "GET", "/api/v1/products/"+list.Items[0].ID, "", nil, map[string]string{"traceparent": tp})
	if got := r.header.Get("X-Trace-ID"); got != id.String() {
		t.Fatalf("X-Trace-ID = %q, want %s", got, id)
	}
	s.expectTrace(rec, id, "product detail",
		want{what: "gateway server span", kind: trace.SpanKindServer, name: "GET /api/v1/products/:id"},
		rpc("product server span", trace.SpanKindServer, "product"),
	)
}
