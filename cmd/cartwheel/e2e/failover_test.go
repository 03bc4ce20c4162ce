package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Two instances of the order service serve one stream of calls; one stops gracefully
// in the middle. The calls go on on the other, and once discovery has caught up none
// fails. Under the integration build this is discovery through Nacos.
func TestOrderServiceFailover(t *testing.T) {
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 800, 5)
	kim := s.newCustomer("Kim")
	var o order
	s.placeOrder(kim, "failover-1", line(sku, 1)).decode(t, &o)

	ctx := context.Background()
	_, stopReplica, err := s.fleet.AddOrderInstance(ctx, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	resolved := func() int {
		res, err := s.fleet.Registry.Resolver().Resolve(ctx, "order")
		if err != nil {
			return 0
		}
		return len(res.Instances)
	}
	testkit.Eventually(s.t, 30*time.Second, "both order instances discoverable", func() bool { return resolved() == 2 })

	type outcome struct {
		at time.Time
		ok bool
	}
	var mu sync.Mutex
	var outcomes []outcome
	stop := make(chan struct{})
	var caller sync.WaitGroup
	caller.Add(1)
	go func() {
		defer caller.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := s.call("GET", "/api/v1/orders/"+o.ID, kim.token, nil, nil)
			mu.Lock()
			outcomes = append(outcomes, outcome{time.Now(), r.status == http.StatusOK})
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()

	time.Sleep(time.Second)
	stoppedAt := time.Now()
	stopReplica()
	testkit.Eventually(s.t, 30*time.Second, "the stopped instance leaves discovery", func() bool { return resolved() == 1 })
	caughtUp := time.Now()
	time.Sleep(3 * time.Second) // a stream long enough to notice a stale instance
	close(stop)
	caller.Wait()

	var during, after, afterOK int
	for _, oc := range outcomes {
		switch {
		case oc.at.After(caughtUp):
			after++
			if oc.ok {
				afterOK++
			}
		case oc.at.After(stoppedAt) && !oc.ok:
			during++
		}
	}
	t.Logf("%d calls; discovery caught up %s after the stop; %d failed in between; %d of %d succeeded after",
		len(outcomes), caughtUp.Sub(stoppedAt).Round(time.Millisecond), during, afterOK, after)
	if after == 0 || afterOK != after {
		t.Fatalf("after discovery caught up, %d of %d calls failed", after-afterOK, after)
	}
}
