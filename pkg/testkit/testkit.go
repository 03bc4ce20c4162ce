// Package testkit holds what every test package needs the same way: a wait on a
// condition, a wait for a drained broker, and a log sink goroutines may share.
package testkit

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// PollEvery is how often Eventually asks its condition again.
const PollEvery = 20 * time.Millisecond

// Eventually polls cond until it holds and returns how long that took, or fails the
// test after timeout naming what it waited for.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(PollEvery)
	}
	return time.Since(start)
}

// Lagger reports, per subscribed consumer group, the due deliveries not yet
// acknowledged: the embedded broker (mq/embedded.Broker) is one.
type Lagger interface {
	Lag(ctx context.Context) (map[string]int64, error)
}

// Drained waits until every consumer group of broker has caught up. A handler's effects,
// and the messages it sends, commit before its delivery is acknowledged, so once the
// broker is drained a message that was wrongly sent has arrived: a test proving that a
// message does NOT arrive checks after Drained instead of sleeping for a while.
func Drained(t testing.TB, broker Lagger, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, "every consumer group to catch up", func() bool {
		lag, err := broker.Lag(context.Background())
		if err != nil {
			t.Fatalf("broker lag: %v", err)
		}
		for _, n := range lag {
			if n > 0 {
				return false
			}
		}
		return true
	})
}

// SyncBuffer is a log sink that goroutines (servers, brokers, consumers) share with the
// test reading it.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// FreeAddr returns a loopback address nothing listens on: free for a server the test
// starts, or dead for a client that must fail to connect.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
