package ratelimit

import (
	"context"
	"sync/atomic"
)

// Tunable is a Limiter whose rate and burst change while requests flow (live settings):
// Set builds a new limiter for the new budget and swaps it in atomically, so a request
// is decided wholly by the old budget or wholly by the new one.
type Tunable struct {
	build func(perSecond float64, burst int) Limiter
	cur   atomic.Pointer[tuned]
}

type tuned struct {
	perSecond float64
	burst     int
	limiter   Limiter
}

// NewTunable starts at perSecond and burst; build makes the limiter of a budget.
func NewTunable(perSecond float64, burst int, build func(perSecond float64, burst int) Limiter) *Tunable {
	t := &Tunable{build: build}
	t.cur.Store(&tuned{perSecond, burst, build(perSecond, burst)})
	return t
}

// Set changes the budget; the same budget again keeps the current limiter and its state.
// A new in-process limiter starts every key with a full bucket; Redis keeps each key's
// state, which the new budget reads.
func (t *Tunable) Set(perSecond float64, burst int) {
	if c := t.cur.Load(); c.perSecond == perSecond && c.burst == burst {
		return
	}
	t.cur.Store(&tuned{perSecond, burst, t.build(perSecond, burst)})
}

// Allow asks the limiter of the budget in force.
func (t *Tunable) Allow(ctx context.Context, key string) (Decision, error) {
	return t.cur.Load().limiter.Allow(ctx, key)
}
