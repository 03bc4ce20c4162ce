package telemetry

import (
	"context"
	"net/http"
	"testing"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

func TestMethodKeepsTheLabelSetClosed(t *testing.T) {
	for method, want := range map[string]string{"GET": "GET", "DELETE": "DELETE", "BREW": "OTHER", "get": "OTHER"} {
		if got := Method([]byte(method)); got != want {
			t.Errorf("Method(%q) = %q, want %q", method, got, want)
		}
	}
}

// Requests are counted by route template, never by raw path; an unrouted one is "unmatched".
func TestObserveCountsByRouteTemplate(t *testing.T) {
	m := NewMetrics(obs.New())
	e := route.NewEngine(config.NewOptions(nil))
	e.Use(m.Observe())
	e.GET("/orders/:id", func(_ context.Context, c *app.RequestContext) { c.Status(http.StatusOK) })
	ut.PerformRequest(e, "GET", "/orders/1", nil)
	ut.PerformRequest(e, "GET", "/orders/2", nil)
	ut.PerformRequest(e, "GET", "/nowhere", nil)
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET", "/orders/:id", "2xx")); got != 2 {
		t.Errorf("GET /orders/:id 2xx counted %v times, want 2", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("GET", "unmatched", "4xx")); got != 1 {
		t.Errorf("GET unmatched 4xx counted %v times, want 1", got)
	}
	if got := testutil.CollectAndCount(m.requests); got != 2 {
		t.Errorf("%d series, want 2: no raw path becomes a label", got)
	}
}

func TestTraceIDHeader(t *testing.T) {
	e := route.NewEngine(config.NewOptions(nil))
	traceID := trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	e.Use(func(ctx context.Context, c *app.RequestContext) {
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: trace.SpanID{1}})
		c.Next(trace.ContextWithSpanContext(ctx, sc))
	}, TraceIDHeader())
	e.GET("/x", func(_ context.Context, c *app.RequestContext) { c.Status(http.StatusOK) })
	w := ut.PerformRequest(e, "GET", "/x", nil)
	if got := w.Header().Get("X-Trace-ID"); got != traceID.String() {
		t.Errorf("X-Trace-ID %q, want %q", got, traceID.String())
	}
}
