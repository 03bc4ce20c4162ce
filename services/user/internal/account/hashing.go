package account

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// ErrBusy: every core is hashing passwords and the request waited its turn for too
// long. Refusing at once keeps a guessing storm from holding every login for seconds.
var ErrBusy = errors.New("too many sign-ins at once, retry in a moment")

// defaultHashQueueWait is how long a login or sign-up waits for a core to hash on:
// bcrypt at the production cost takes about a quarter of a second per hash, so a few
// queued behind each core still fit, and the refusal comes well inside the gateway's
// 3 s RPC timeout.
const defaultHashQueueWait = 2 * time.Second

// hashSlots bounds bcrypt to one hash per core. More in parallel would only make every
// hash slower: bcrypt is pure CPU.
type hashSlots struct {
	slots chan struct{}
	wait  time.Duration
}

func newHashSlots(n int, wait time.Duration) hashSlots {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	if wait <= 0 {
		wait = defaultHashQueueWait
	}
	return hashSlots{slots: make(chan struct{}, n), wait: wait}
}

// do runs hash on a free slot, waiting at most the queue wait (or until ctx ends).
func (h hashSlots) do(ctx context.Context, hash func()) error {
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ErrBusy
	}
	defer func() { <-h.slots }()
	hash()
	return nil
}
