package ratelimit

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// FailOpen admits requests while the limiter behind it fails, instead of asking a store
// that is down, and waiting out its timeout, on every request. After a failure it admits
// everything unchecked for a backoff, then lets one request probe the store again. It
// logs once when an outage starts and once when the store answers again, with how many
// requests went unchecked, rather than once per request.
type FailOpen struct {
	next    Limiter
	backoff time.Duration
	log     *slog.Logger
	now     func() time.Time

	failing     atomic.Bool
	probeAfter  atomic.Int64 // unix nanoseconds; while failing, requests before it go unchecked
	unchecked   atomic.Int64 // requests admitted unchecked in the current outage
	outageStart atomic.Int64
}

// NewFailOpen wraps next. backoff is the time between probes of a failing store; nil
// now means time.Now.
func NewFailOpen(next Limiter, backoff time.Duration, log *slog.Logger, now func() time.Time) *FailOpen {
	if now == nil {
		now = time.Now
	}
	return &FailOpen{next: next, backoff: backoff, log: log, now: now}
}

// Allow never fails: a request the store cannot judge is admitted.
func (f *FailOpen) Allow(ctx context.Context, key string) (Decision, error) {
	now := f.now().UnixNano()
	if f.failing.Load() {
		after := f.probeAfter.Load()
		// Before the next probe, or another request won this probe: admit unchecked.
		if now < after || !f.probeAfter.CompareAndSwap(after, now+int64(f.backoff)) {
			f.unchecked.Add(1)
			return Decision{Allowed: true}, nil
		}
	}
	d, err := f.next.Allow(ctx, key)
	if err != nil {
		f.probeAfter.Store(now + int64(f.backoff))
		f.unchecked.Add(1)
		if !f.failing.Swap(true) {
			f.outageStart.Store(now)
			f.log.WarnContext(ctx, "rate limiter unavailable; admitting requests unchecked until it answers",
				"err", err, "probe_every", f.backoff.String())
		}
		return Decision{Allowed: true}, nil
	}
	if f.failing.Swap(false) {
		f.log.InfoContext(ctx, "rate limiter answers again",
			"unchecked_requests", f.unchecked.Swap(0), "outage", time.Duration(now-f.outageStart.Load()).String())
	}
	return d, nil
}
