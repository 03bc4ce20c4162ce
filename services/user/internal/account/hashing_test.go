package account

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// While every slot is hashing, a further login waits at most the queue wait and is
// refused with ErrBusy instead of queueing behind the storm; a slot freed is used again.
func TestLoginRefusedWhenEveryHashSlotIsBusy(t *testing.T) {
	svc, _, _, _ := registered(t)
	svc.hashing = newHashSlots(2, 50*time.Millisecond)
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	svc.compare = func(hash, password []byte) error {
		started <- struct{}{}
		<-release
		return nil
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { _, _, _ = svc.Login(ctx, "alice@example.com", "c0rrect-horse") })
	}
	<-started
	<-started
	if _, _, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse"); !errors.Is(err, ErrBusy) {
		t.Fatalf("login with both slots busy: %v, want ErrBusy", err)
	}
	if _, err := svc.Register(ctx, Registration{"bob@example.com", "an0ther-horse", "Bob"}); !errors.Is(err, ErrBusy) {
		t.Fatalf("sign-up with both slots busy: %v, want ErrBusy", err)
	}
	close(release)
	wg.Wait()
	if _, _, err := svc.Login(ctx, "alice@example.com", "c0rrect-horse"); err != nil {
		t.Fatalf("login once the slots are free: %v", err)
	}
}

func TestHashSlotsDefaultToOnePerCore(t *testing.T) {
	h := newHashSlots(0, 0)
	if cap(h.slots) < 1 || h.wait != defaultHashQueueWait {
		t.Fatalf("slots %d, wait %s", cap(h.slots), h.wait)
	}
}
