// Package telemetry is what the gateway tells operators about requests: a trace per
// request (OpenTelemetry) and RED metrics, both named by route template.
package telemetry

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/tracer/stats"
	"github.com/hertz-contrib/obs-opentelemetry/tracing"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/headers"
)

// Tracing is hertz-contrib's OpenTelemetry server tracing: it continues a caller's
// W3C traceparent and spans the request under its route template (never the raw path,
// which would make every order id a span name of its own). The server options keep
// Hertz's stats at base level: the tracer turns every recorded stats event into a span
// event, and the detailed level's eight (read header, read body, handle, write: start
// and finish) cost more per request than the span itself, for timings the span's own
// start and end already give.
func Tracing() ([]config.Option, app.HandlerFunc) {
	tracer, cfg := tracing.NewServerTracer(
		tracing.WithServerSpanNameFormatter(func(c *app.RequestContext) string {
			return Method(c.Method()) + " " + Route(c)
		}),
	)
	return []config.Option{tracer, server.WithTraceLevel(stats.LevelBase)}, tracing.ServerMiddleware(cfg)
}

// TraceIDHeader puts the request's trace id on the answer (headers.TraceID), so a
// client can quote it in a bug report and an operator can open the trace in Jaeger.
func TraceIDHeader() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			c.Header(headers.TraceID, sc.TraceID().String())
		}
		c.Next(ctx)
	}
}
