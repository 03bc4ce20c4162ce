package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// BenchmarkOrderPath places orders through the gateway with tracing off (no SDK, as
// without OTEL_EXPORTER_OTLP_ENDPOINT) and on at ratio 1.0 (every span exported over
// OTLP/HTTP to a local collector that accepts and discards), alternating blocks of
// orders on one fleet so that a machine growing busier, or the database growing,
// weighs on both alike. It reports each mode's wall time per order, on/off throughput,
// and the process's CPU time per order (which other processes cannot inflate):
//
//	go test ./e2e/ -run '^$' -bench OrderPath -benchtime 2000x -count 3
func BenchmarkOrderPath(b *testing.B) {
	var received atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
	}))
	defer collector.Close()
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(collector.URL+"/v1/traces"))
	if err != nil {
		b.Fatal(err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(1.0))))
	defer sdk.Shutdown(context.Background())
	tp := &switchable{sdk: sdk, off: noop.NewTracerProvider()}
	obs.Install(tp)

	s := newShop(b, map[string]string{"ORDER_PAYMENT_TIMEOUT": "1h"})
	admin := s.admin()
	sku := s.newSKU(admin, 100, 1_000_000)
	buyer := s.newCustomer("Bench")

	const block, workers = 50, 4
	var spent, cpu [2]time.Duration // [off, on]: wall time, and CPU time of the process
	var placed [2]int
	var key atomic.Int64
	b.ResetTimer()
	for i := 0; i < max(b.N, 2*block); i += block { // at least one block of each
		mode := (i / block) % 2
		tp.on.Store(mode == 1)
		start, startCPU := time.Now(), cpuTime(b)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for j := w; j < block; j += workers {
					r := s.placeOrder(buyer, fmt.Sprintf("bench-%d", key.Add(1)), line(sku, 1))
					if r.status != http.StatusCreated {
						b.Errorf("create: %d %s", r.status, r.body)
						return
					}
				}
			})
		}
		wg.Wait()
		spent[mode] += time.Since(start)
		cpu[mode] += cpuTime(b) - startCPU
		placed[mode] += block
	}
	b.StopTimer()
	if err := sdk.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	if received.Load() == 0 {
		b.Fatal("tracing on exported nothing")
	}
	perOrder := func(m int) float64 { return float64(spent[m].Microseconds()) / 1000 / float64(placed[m]) }
	b.ReportMetric(perOrder(0), "ms/order-off")
	b.ReportMetric(perOrder(1), "ms/order-on")
	b.ReportMetric(perOrder(0)/perOrder(1), "on/off-throughput")
	cpuPerOrder := func(m int) float64 { return float64(cpu[m].Microseconds()) / 1000 / float64(placed[m]) }
	b.ReportMetric(cpuPerOrder(0), "cpu-ms/order-off")
	b.ReportMetric(cpuPerOrder(1), "cpu-ms/order-on")
}

// cpuTime is the CPU the process has used, user and system: unlike wall time, what the
// other processes of a shared machine do does not change it.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
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
