package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/config"
	"github.com/cloudwego/hertz/pkg/common/ut"
	"github.com/cloudwego/hertz/pkg/route"
)

// slowRoute serves GET /slow behind admission; each request holds its slot until
// release is closed, and entered reports it got one.
func slowRoute(maxInFlight int, wait time.Duration) (e *route.Engine, entered chan struct{}, release chan struct{}) {
	e = route.NewEngine(config.NewOptions(nil))
	entered, release = make(chan struct{}, 16), make(chan struct{})
	e.GET("/slow", admission(maxInFlight, wait), func(_ context.Context, c *app.RequestContext) {
		entered <- struct{}{}
		<-release
		c.String(http.StatusOK, "ok")
	})
	return e, entered, release
}

func TestAdmission_shedsPastCapacityAtOnce(t *testing.T) {
	e, entered, release := slowRoute(2, 10*time.Millisecond)
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- ut.PerformRequest(e, "GET", "/slow", nil).Result().StatusCode()
		}()
	}
	<-entered
	<-entered
	// Both slots are held and stay held: the third is refused rather than queued.
	resp := ut.PerformRequest(e, "GET", "/slow", nil).Result()
	var body envelope
	_ = json.Unmarshal(resp.Body(), &body)
	if resp.StatusCode() != http.StatusServiceUnavailable || body.Code != "OVERLOADED" || string(resp.Header.Peek("Retry-After")) != "1" {
		t.Fatalf("past capacity: got %d %s, Retry-After %q", resp.StatusCode(), resp.Body(), resp.Header.Peek("Retry-After"))
	}
	close(release)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Fatalf("an admitted request answered %d", code)
		}
	}
	// Slots come back once requests finish.
	if code := ut.PerformRequest(e, "GET", "/slow", nil).Result().StatusCode(); code != http.StatusOK {
		t.Fatalf("after the burst: %d", code)
	}
}

func TestAdmission_waitsBrieflyForASlot(t *testing.T) {
	e, entered, release := slowRoute(1, time.Minute)
	first := make(chan int, 1)
	go func() { first <- ut.PerformRequest(e, "GET", "/slow", nil).Result().StatusCode() }()
	<-entered
	second := make(chan int, 1)
	go func() { second <- ut.PerformRequest(e, "GET", "/slow", nil).Result().StatusCode() }()
	close(release) // the first finishes; the waiting second takes its slot
	if a, b := <-first, <-second; a != http.StatusOK || b != http.StatusOK {
		t.Fatalf("got %d and %d, want both admitted", a, b)
	}
}

func TestAdmission_zeroIsUnbounded(t *testing.T) {
	e, entered, release := slowRoute(0, 0)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); ut.PerformRequest(e, "GET", "/slow", nil) }()
	}
	for range 8 {
		<-entered
	}
	close(release)
	wg.Wait()
}

// TestDeadline_endsTheRequestsWork: whatever a handler waits on through the request's
// context (Kitex calls and their retries do) ends at the request's deadline.
func TestDeadline_endsTheRequestsWork(t *testing.T) {
	const d = 50 * time.Millisecond
	e := route.NewEngine(config.NewOptions(nil))
	e.GET("/wait", deadline(d), func(ctx context.Context, c *app.RequestContext) {
		select {
		case <-ctx.Done():
			c.String(http.StatusGatewayTimeout, ctx.Err().Error())
		case <-time.After(100 * d):
			c.String(http.StatusOK, "waited past the deadline")
		}
	})
	began := time.Now()
	res := ut.PerformRequest(e, "GET", "/wait", nil).Result()
	if res.StatusCode() != http.StatusGatewayTimeout || string(res.Body()) != context.DeadlineExceeded.Error() {
		t.Fatalf("%d %s, want the handler's context to end at the deadline", res.StatusCode(), res.Body())
	}
	if took := time.Since(began); took > 20*d {
		t.Errorf("took %s with a deadline of %s", took, d)
	}
}
