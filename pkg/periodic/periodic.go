// Package periodic runs a service's background chores (sweeps, purges) on an interval.
package periodic

import (
	"context"
	"time"
)

// Every calls do every interval, the first time one interval from now, until ctx ends.
// A call is never cut short by the next tick: a slow one delays the rest. do receives
// ctx and should return soon after it ends.
func Every(ctx context.Context, interval time.Duration, do func(context.Context)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if ctx.Err() != nil { // both were ready and select picked the tick
				return
			}
			do(ctx)
		}
	}
}
