package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
)

// BenchmarkSettleRate asks whether the dev server settles orders as fast as it takes
// them. 32 customers place b.N orders through the gateway of one fleet with make run's
// broker (and make bench's 3 s payment timeout, so timeouts and their cancellations
// load the consumers too); then it waits until no order is PENDING. It reports the
// placement rate, the settlement rate (orders over the time until the last one left
// PENDING), how long settling lagged behind the last placement, and the process's CPU
// time per order, which other processes on a shared machine cannot inflate:
//
//	go test ./e2e/ -run '^$' -bench SettleRate -benchtime 2000x -count 3
//
// A settlement rate below the placement rate is a backlog that grows for as long as
// placement goes on at that rate.
func BenchmarkSettleRate(b *testing.B) {
	s := newShopWith(b, map[string]string{"ORDER_PAYMENT_TIMEOUT": "3s"}, embedded.Options{})
	s.http.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	admin := s.admin()
	sku := s.newSKU(admin, 100, 1_000_000)
	buyers := make([]customer, 8)
	for i := range buyers {
		buyers[i] = s.newCustomer(fmt.Sprintf("Settle%d", i))
	}
	orders := s.openDB("ORDER")
	pending := func() int {
		var n int
		if err := orders.QueryRow(`SELECT COUNT(*) FROM orders WHERE status = 'PENDING'`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return n
	}

	const workers = 32
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start, startCPU := time.Now(), cpuTime(b)
	for w := range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				r := s.placeOrder(buyers[w%len(buyers)], fmt.Sprintf("settle-%d", i), line(sku, 1))
				if r.status != http.StatusCreated {
					b.Errorf("place: %d %s", r.status, r.body)
					return
				}
			}
		})
	}
	wg.Wait()
	placed := time.Since(start)
	for pending() > 0 {
		if time.Since(start) > 5*time.Minute {
			b.Fatalf("%d orders still PENDING after 5 minutes", pending())
		}
		time.Sleep(10 * time.Millisecond)
	}
	settled, cpu := time.Since(start), cpuTime(b)-startCPU
	b.StopTimer()
	b.ReportMetric(float64(b.N)/placed.Seconds(), "placed/s")
	b.ReportMetric(float64(b.N)/settled.Seconds(), "settled/s")
	b.ReportMetric((settled - placed).Seconds(), "s-behind")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "CPU-ms/order")
	b.ReportMetric(0, "ns/op")
}
