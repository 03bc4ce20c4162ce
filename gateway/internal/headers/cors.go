package headers

import (
	"context"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/hertz-contrib/cors"
)

// RequestID names the request id on requests and answers; CORS lets browsers send and read it.
const RequestID = "X-Request-ID"

// CORS lets only the configured browser origins call the API. A request from
// another origin is served without CORS headers (the browser then hides the answer),
// rather than refused with a bare 403 that would break the error envelope.
func CORS(origins []string) app.HandlerFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	apply := cors.New(cors.Config{
		AllowOrigins:  origins,
		AllowMethods:  []string{"GET", "POST", "PUT", "PATCH", "DELETE"},
		AllowHeaders:  []string{"Authorization", "Content-Type", "Idempotency-Key", RequestID},
		ExposeHeaders: []string{RequestID, "Retry-After"},
		MaxAge:        12 * time.Hour,
	})
	return func(ctx context.Context, c *app.RequestContext) {
		if allowed[string(c.GetHeader("Origin"))] {
			apply(ctx, c)
		}
	}
}
