package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// 200 customers race for 50 units: the stock gate admits exactly 50 orders, which all
// reach AWAITING_PAYMENT, and refuses the other 150 at once with 409 STOCK_INSUFFICIENT;
// available never goes below zero, and nothing is lost or invented.
func TestRaceForTheLastUnits(t *testing.T) {
	const units, customers = 50, 200
	s := newShop(t, nil)
	admin := s.admin()
	sku := s.newSKU(admin, 2500, units)

	shoppers := make([]customer, customers)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			shoppers[i] = s.newCustomer(fmt.Sprintf("Racer%d", i))
		}()
	}
	wg.Wait()

	// Watch the stock while the race runs: available must never be negative.
	stop := make(chan struct{})
	var samples, negative atomic.Int64
	var watcher sync.WaitGroup
	watcher.Add(1)
	go func() {
		defer watcher.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			// The watcher is one more client: at capacity it is refused 503 like the others.
			r := s.call("GET", "/api/v1/admin/skus/"+sku+"/stock", admin, nil, nil)
			if r.status == http.StatusServiceUnavailable {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			var st stock
			r.decode(t, &st)
			samples.Add(1)
			if st.Available < 0 || st.Available+st.Reserved+st.Sold != units {
				negative.Add(1)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()

	start := make(chan struct{})
	orderIDs := make([]string, customers)
	var refused atomic.Int64
	for i := range shoppers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// A fast 503 OVERLOADED (the gateway's admission limit) is retried with the
			// same key, as a client does; it must never make a second order.
			r := s.placeOrder(shoppers[i], fmt.Sprintf("race-%d", i), line(sku, 1))
			for attempt := 0; r.status == http.StatusServiceUnavailable && attempt < 200; attempt++ {
				time.Sleep(time.Duration(10+rand.IntN(40)) * time.Millisecond)
				r = s.placeOrder(shoppers[i], fmt.Sprintf("race-%d", i), line(sku, 1))
			}
			switch {
			case r.status == http.StatusOK: // a retry that found its order placed
				var o order
				r.decode(t, &o)
				orderIDs[i] = o.ID
			case r.status == http.StatusConflict && r.err(t).Code == "STOCK_INSUFFICIENT":
				refused.Add(1)
			case r.status == http.StatusCreated:
				var o order
				r.decode(t, &o)
				orderIDs[i] = o.ID
			default:
				t.Errorf("customer %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	close(start)
	wg.Wait()
	if refused.Load() != customers-units {
		t.Errorf("%d customers refused at once, want %d", refused.Load(), customers-units)
	}

	counts := map[string]int{}
	for i, id := range orderIDs {
		if id == "" {
			continue
		}
		var o order
		testkit.Eventually(s.t, 60*time.Second, "race order settles", func() bool {
			o = s.order(shoppers[i], id)
			return o.Status != "PENDING"
		})
		counts[o.Status+"/"+o.CancelReason]++
	}
	close(stop)
	watcher.Wait()

	if counts["AWAITING_PAYMENT/"] != units || len(counts) != 1 {
		t.Fatalf("outcomes of the admitted orders %v, want %d AWAITING_PAYMENT", counts, units)
	}
	if st := s.stock(admin, sku); st != (stock{sku, 0, units, 0}) {
		t.Fatalf("final stock %+v, want 0 available, %d reserved", st, units)
	}
	if negative.Load() != 0 {
		t.Fatalf("%d of %d stock samples broke available >= 0 or the total", negative.Load(), samples.Load())
	}
	t.Logf("%d stock samples during the race, all consistent", samples.Load())
}
