// Package suitetest runs a server in a test the way main runs it: until its context ends,
// which here is when the test ends or asks.
package suitetest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// StopWithin bounds how long a server may take to stop once asked: Kitex waits for its
// start-up (a second) and for calls in flight.
const StopWithin = 10 * time.Second

// Run calls run (a service's or a suite.Server's Run) in the background until the test
// ends or stop is called, then cancels its context and fails the test unless run
// returns nil within StopWithin. stop may be called more than once; cleanups registered
// before Run run after it.
func Run(t testing.TB, run func(context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(StopWithin):
				t.Errorf("Run did not return within %s of its context ending", StopWithin)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
