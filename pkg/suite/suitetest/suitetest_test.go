package suitetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that keeps what Run reports instead of failing this test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, format)
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestRunStopsAtTheEndOfTheTest(t *testing.T) {
	r := &recorder{TB: t}
	ended := make(chan struct{})
	Run(r, func(ctx context.Context) error {
		<-ctx.Done()
		close(ended)
		return nil
	})
	r.end()
	select {
	case <-ended:
	default:
		t.Fatal("run's context was not cancelled when the test ended")
	}
	if len(r.errors) != 0 {
		t.Fatalf("reported %v for a clean stop", r.errors)
	}
}

func TestStopIsIdempotentAndReportsAFailedRun(t *testing.T) {
	r := &recorder{TB: t}
	calls := 0
	stop := Run(r, func(ctx context.Context) error {
		calls++
		<-ctx.Done()
		return errors.New("did not stop cleanly")
	})
	stop()
	stop()
	r.end()
	if calls != 1 || len(r.errors) != 1 || !strings.HasPrefix(r.errors[0], "Run:") {
		t.Fatalf("calls %d, reported %v; want one run and one report", calls, r.errors)
	}
}
