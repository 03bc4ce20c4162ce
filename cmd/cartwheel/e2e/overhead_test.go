package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// BenchmarkOrderPath places orders through the gateway with tracing off (no SDK, as
// without OTEL_EXPORTER_OTLP_ENDPOINT) and on at ratio 1.0 (every span exported over
// OTLP/HTTP to a local collector that accepts and discards), in the same process and
// fleet, so the ratio between the two is the cost of tracing:
//
//	go test ./e2e/ -run '^$' -bench OrderPath -benchtime 1500x -count 3
func BenchmarkOrderPath(b *testing.B) {
	var received atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
	}))
	defer collector.Close()
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(collector.URL))
	if err != nil {
		b.Fatal(err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(1.0))))
	defer sdk.Shutdown(context.Background())
	tp := &switchable{sdk: sdk, off: noop.NewTracerProvider()}
	obs.Install(tp)

	t := &testing.T{}
	s := newShop(t, map[string]string{"ORDER_PAYMENT_TIMEOUT": "1h"})
	defer s.fleet.Stop()
	admin := s.admin()
	sku := s.newSKU(admin, 100, 1_000_000)
	buyer := s.newCustomer("Bench")

	var n atomic.Int64 // idempotency keys unique across every round of every sub-benchmark
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("tracing=%v", on), func(b *testing.B) {
			tp.on.Store(on)
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := s.placeOrder(buyer, fmt.Sprintf("bench-%d", n.Add(1)), line(sku, 1))
					if r.status != http.StatusCreated {
						b.Errorf("create: %d %s", r.status, r.body)
						return
					}
				}
			})
			b.StopTimer()
			if err := sdk.ForceFlush(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
	if received.Load() == 0 {
		b.Fatal("tracing on exported nothing")
	}
}

// switchable turns every tracer it handed out on or off at once: the Kitex and Hertz
// suites keep the tracers they got at start-up, and the otel globals delegate only to
// the first provider installed.
type switchable struct {
	embedded.TracerProvider
	on  atomic.Bool
	sdk trace.TracerProvider
	off trace.TracerProvider
}

func (s *switchable) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return &switchTracer{on: &s.on, sdk: s.sdk.Tracer(name, opts...), off: s.off.Tracer(name, opts...)}
}

type switchTracer struct {
	embedded.Tracer
	on       *atomic.Bool
	sdk, off trace.Tracer
}

func (t *switchTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if t.on.Load() {
		return t.sdk.Start(ctx, name, opts...)
	}
	return t.off.Start(ctx, name, opts...)
}
