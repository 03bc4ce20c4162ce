// Package telemetry is what the gateway tells operators about requests: a trace per
// request (OpenTelemetry) and RED metrics, both named by route template.
package telemetry

import (
	"context"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/hertz-contrib/obs-opentelemetry/tracing"
	"go.opentelemetry.io/otel/trace"
)

// headerTraceID answers every request with its trace id, so a client can quote it in a
// bug report and an operator can open the trace in Jaeger.
const headerTraceID = "X-Trace-ID"

// Tracing is hertz-contrib's OpenTelemetry server tracing: it continues a caller's
// W3C traceparent and spans the request under its route template (never the raw path,
// which would make every order id a span name of its own).
func Tracing() (config.Option, app.HandlerFunc) {
	tracer, cfg := tracing.NewServerTracer(
		tracing.WithServerSpanNameFormatter(func(c *app.RequestContext) string {
			return Method(c.Method()) + " " + Route(c)
		}),
	)
	return tracer, tracing.ServerMiddleware(cfg)
}

// TraceIDHeader puts the request's trace id on the answer.
func TraceIDHeader() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			c.Header(headerTraceID, sc.TraceID().String())
		}
		c.Next(ctx)
	}
}
