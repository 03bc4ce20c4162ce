package headers

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/hertz-contrib/cors"
)

// RequestID names the request id on requests and answers; TraceID the trace id on
// answers (when tracing is on). CORS lets browsers read both, and send the request id.
const (
	RequestID = "X-Request-ID"
	TraceID   = "X-Trace-ID"
)

// CORS lets only the configured browser origins call the API. A request from
// another origin is served without CORS headers (the browser then hides the answer),
// rather than refused with a bare 403 that would break the error envelope.
func CORS(origins []string) app.HandlerFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	apply := cors.New(cors.Config{
		AllowOrigins: origins,
		AllowMethods: []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
		// Every request header the API document names but the webhook's signature
		// (a provider's servers send it, never a browser), and the W3C trace context
		// a browser's OpenTelemetry sends (the gateway continues its trace).
		AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Client", RequestID, "traceparent", "tracestate"},
		ExposeHeaders: []string{RequestID, TraceID, "Retry-After"},
		MaxAge:        12 * time.Hour,
	})
	return func(ctx context.Context, c *app.RequestContext) {
		if allowed[string(c.GetHeader("Origin"))] {
			apply(ctx, c)
		}
	}
}
