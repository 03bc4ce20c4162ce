package gateway

import (
	"context"
	"log/slog"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/headers"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/telemetry"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/ids"
)

const keyRequestID = "cartwheel.request_id"

// saneRequestID is what we echo back from a client or proxy; anything else could
// smuggle text into logs and headers, so it is replaced.
var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// requestID runs first, so every answer and log line of the request carries the id.
func requestIDMiddleware() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		id := string(c.GetHeader(headers.RequestID))
		if !saneRequestID.MatchString(id) {
			id = ids.New()
		}
		c.Set(keyRequestID, id)
		c.Header(headers.RequestID, id)
		c.Next(ctx)
	}
}

func requestID(c *app.RequestContext) string { return c.GetString(keyRequestID) }

// accessLog writes one line per request after it is answered: at debug for a fast
// success, so a busy gateway does not write gigabytes of them; at info for a slow one
// or a client error, at warn for a server error.
func accessLog(log *slog.Logger, slow time.Duration) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		start := time.Now()
		c.Next(ctx)
		took := time.Since(start)
		status := c.Response.StatusCode()
		level := slog.LevelDebug
		switch {
		case status >= 500:
			level = slog.LevelWarn
		case status >= 400 || took >= slow:
			level = slog.LevelInfo
		}
		if !log.Enabled(ctx, level) {
			return
		}
		log.Log(ctx, level, "request",
			"method", string(c.Method()),
			"route", telemetry.Route(c),
			"status", status,
			"duration_ms", float64(took.Microseconds())/1000,
			"request_id", requestID(c),
			"user_id", c.GetString(keyUserID),
		)
	}
}

// recovery turns a panic into a 500 envelope; the panic and stack go to the log only.
func recovery(log *slog.Logger) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		defer func() {
			if r := recover(); r != nil {
				log.ErrorContext(ctx, "panic serving request",
					"request_id", requestID(c), "route", telemetry.Route(c),
					"panic", r, "stack", string(debug.Stack()))
				abortWith(c, errs.New(errs.Internal))
			}
		}()
		c.Next(ctx)
	}
}
