package gateway

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// deadline bounds a request's whole stay at the gateway: the calls it makes, their
// retries and its waits all end by then (Kitex takes the earlier of the context's
// deadline and its own timeout), so no client waits past it on the gateway's account.
func deadline(d time.Duration) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		c.Next(ctx)
	}
}

// admission bounds the API requests the gateway works on at once. Past capacity a
// request waits at most wait for a slot and is then answered at once with 503 and
// Retry-After, instead of joining a queue that grows until every caller times out:
// the requests admitted keep their latency, and the refused learn it in milliseconds.
// maxInFlight 0 turns admission off.
func admission(maxInFlight int, wait time.Duration) app.HandlerFunc {
	if maxInFlight <= 0 {
		return func(context.Context, *app.RequestContext) {}
	}
	slots := make(chan struct{}, maxInFlight)
	retryAfter := strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second)))
	return func(ctx context.Context, c *app.RequestContext) {
		select {
		case slots <- struct{}{}:
		default:
			if !waitForSlot(slots, wait) {
				c.Header("Retry-After", retryAfter)
				abortWith(c, errs.New(errs.Overloaded))
				return
			}
		}
		defer func() { <-slots }()
		c.Next(ctx)
	}
}

// waitForSlot takes a slot within wait.
func waitForSlot(slots chan struct{}, wait time.Duration) bool {
	if wait <= 0 {
		return false
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
		return true
	case <-timer.C:
		return false
	}
}
