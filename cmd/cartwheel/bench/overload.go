package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// The overload scenario (issue 8): beyond capacity the gateway should answer a fast 503
// OVERLOADED with Retry-After instead of queueing, so that at twice the capacity goodput
// stays at least 80% of the peak and the admitted requests' p99 within twice its value
// at capacity; and a burst of logins makes no request wait past the gateway's deadline.
//
// The operation is the catalog reads of an anonymous shopper, as a mix: 3 in 5 product
// detail (GET /products/{id} of a random seeded product), 1 in 5 the first page of the
// listing by price, 1 in 5 a search. A shop serves these most, and they change nothing,
// so every step of the sweep meets the same shop (an order mix grows the tables and the
// settle work under the sweep; the checkout and flash sale scenarios measure it). They
// take the path every API request takes: the gateway's admission, a Kitex call, a
// service, its database. The listing and the search weigh more than product detail, so
// twice the capacity is a rate the load generator, on the same cores, can still offer.
//
// Capacity is found with closed-loop clients (each sends its next request when the
// last is answered), which cannot overload anything: they only queue. Overload is then
// offered open loop, as independent shoppers arrive whether or not the shop keeps up:
// requests start at a fixed rate, 1× and OverloadFactor× the peak goodput.

// The goals at twice the capacity.
const (
	goalGoodputShare = 0.80 // goodput over the peak's
	goalP99Growth    = 2.0  // admitted p99 over its value at 1×
)

// sweepStep is one closed-loop step of the capacity sweep.
type sweepStep struct {
	Clients int
	Goodput float64 // successful answers per second
	P99     time.Duration
	CPU     cpuUse
}

// peakOf is the step with the most goodput; of two equal, the one with fewer clients
// (it reached the same with less queueing). ok is false when no step had an answer.
func peakOf(steps []sweepStep) (peak sweepStep, ok bool) {
	for _, s := range steps {
		if s.Goodput > peak.Goodput || (s.Goodput == peak.Goodput && s.Goodput > 0 && s.Clients < peak.Clients) {
			peak = s
		}
	}
	return peak, peak.Goodput > 0
}

// offered is what an open-loop load of one rate got.
type offered struct {
	Rate       float64       // requests per second offered
	Window     time.Duration // from the first request to the last answer
	Sent       int
	Unsent     int // arrivals the generator dropped: MaxOutstanding were unanswered
	OK         int
	Overloaded int // 503 OVERLOADED
	NoRetry    int // of those, answers without Retry-After
	Errors     map[string]int
	Admitted   []time.Duration // every answer but OVERLOADED (errors and timeouts included)
	Refused    []time.Duration // the OVERLOADED answers
	CPU        cpuUse
}

func (o offered) goodput() float64 {
	if o.Window <= 0 {
		return 0
	}
	return float64(o.OK) / o.Window.Seconds()
}

func (o offered) overloadedShare() float64 {
	if o.Sent == 0 {
		return 0
	}
	return float64(o.Overloaded) / float64(o.Sent)
}

// overloadVerdict compares twice the capacity with the peak and with 1×.
type overloadVerdict struct {
	GoodputShare float64 // goodput at 2× over the peak
	P99Growth    float64 // admitted p99 at 2× over admitted p99 at 1×
	GoodputMet   bool
	P99Met       bool
}

// judgeOverload: the goodput goal also needs every arrival at 2× sent. An arrival the
// generator dropped found MaxOutstanding requests unanswered: the shop was queueing
// instead of answering, and the dropped arrivals spared it load it would have had.
func judgeOverload(peak float64, p99At1 time.Duration, at2 offered) overloadVerdict {
	p99At2 := quantiles(at2.Admitted).P99
	v := overloadVerdict{}
	if peak > 0 {
		v.GoodputShare = at2.goodput() / peak
	}
	if p99At1 > 0 {
		v.P99Growth = float64(p99At2) / float64(p99At1)
	}
	v.GoodputMet = peak > 0 && v.GoodputShare >= goalGoodputShare && at2.Unsent == 0
	v.P99Met = p99At1 > 0 && p99At2 > 0 && v.P99Growth <= goalP99Growth
	return v
}

// deadlineVerdict: no request of the login burst may wait past the gateway's deadline;
// a request never answered (its client gave up) counts as past it.
func deadlineVerdict(longest, deadline time.Duration, unanswered int) bool {
	return unanswered == 0 && longest <= deadline
}

// neighbours warns when the rest of the machine took noticeably more of the machine during the
// overload than during the peak: the comparison is then the machine's as much as the
// shop's.
func neighbours(atPeak, atLoad cpuUse) string {
	const noticeable = 0.25 // cores
	if !atPeak.ok || !atLoad.ok || atLoad.Others-atPeak.Others < noticeable {
		return ""
	}
	return fmt.Sprintf("; the rest of the machine took %.2f cores more than at the peak, so this compares the machine as much as the shop", atLoad.Others-atPeak.Others)
}

func metOrNot(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}

// offer starts op at rate per second for d, each on its own goroutine, without waiting
// for answers. At most maxOutstanding are unanswered at once; an arrival past that is
// dropped and counted (the generator's limit, not the shop's answer). It returns when
// every request sent has been answered.
func offer(ctx context.Context, rate float64, d time.Duration, maxOutstanding int, op func(ctx context.Context)) (window time.Duration, sent, unsent int) {
	start := time.Now()
	slots := make(chan struct{}, maxOutstanding)
	var wg sync.WaitGroup
	for ctx.Err() == nil {
		elapsed := time.Since(start)
		if elapsed >= d {
			break
		}
		for due := int(elapsed.Seconds() * rate); sent+unsent < due; {
			select {
			case slots <- struct{}{}:
				sent++
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					op(ctx)
				}()
			default:
				unsent++
			}
		}
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	return time.Since(start), sent, unsent
}

// overload runs the sweep, the open-loop loads at 1× and OverloadFactor× the peak, and
// the login burst.
func (r *run) overload(ctx context.Context) error {
	s, cfg := r.shop, r.cfg
	const op = "catalog mix"
	detail := func(ctx context.Context, a *api) Outcome {
		return a.call(ctx, "GET", catalogRead(s, rand.IntN(5)), "", nil, nil)
	}

	var steps []sweepStep
	for _, c := range cfg.OverloadSweep {
		rec := newRecorder()
		done := meterCPU()
		window := drive(ctx, c, cfg.OverloadStep, func(ctx context.Context, _, _ int) { rec.Add(detail(ctx, s.api)) })
		use := done()
		row := rec.row("overload", fmt.Sprintf("%s, sweep c=%d (closed loop)", op, c), c, window)
		row.Note = use.String()
		steps = append(steps, sweepStep{Clients: c, Goodput: row.PerSec, P99: row.P99, CPU: use})
		r.add(row, true)
	}
	peak, ok := peakOf(steps)
	warn := func(cpuUse, cpuUse) string { return "" }
	if r.own {
		warn = neighbours
	}
	if !ok {
		return errors.New("overload: no step of the sweep had a successful answer")
	}

	// One client per outstanding request, each connection kept for reuse: closing them
	// would spend the loopback's ports and the CPU on handshakes instead of requests.
	client := s.api.withPool(cfg.OverloadMaxOutstanding)
	defer client.close()
	var loads []offered
	for _, factor := range []float64{1, cfg.OverloadFactor} {
		o := r.offerDetail(ctx, client, peak.Goodput*factor, detail)
		loads = append(loads, o)
		name := fmt.Sprintf("%s at %g× capacity (open loop)", op, factor)
		r.add(offeredRow(o, name, peak.Clients), true)
	}
	at1, at2 := loads[0], loads[1]
	p99At1, p99At2 := quantiles(at1.Admitted).P99, quantiles(at2.Admitted).P99
	v := judgeOverload(peak.Goodput, p99At1, at2)
	dropped := ""
	if at2.Unsent > 0 {
		dropped = fmt.Sprintf(" (%d arrivals not sent: %d requests were unanswered at once)", at2.Unsent, cfg.OverloadMaxOutstanding)
	}
	r.goals = append(r.goals,
		fmt.Sprintf("overload: peak %.0f answers/s at %d clients; at %g× (%.0f/s offered) goodput %.0f/s = %.2f of the peak (goal ≥ %.2f)%s: %s (CPU at the peak: %s; at %g×: %s%s)",
			peak.Goodput, peak.Clients, cfg.OverloadFactor, at2.Rate, at2.goodput(), v.GoodputShare, goalGoodputShare, dropped, metOrNot(v.GoodputMet),
			peak.CPU, cfg.OverloadFactor, at2.CPU, warn(peak.CPU, at2.CPU)),
		fmt.Sprintf("overload: admitted p99 %s at 1×, %s at %g× = %.2f× (goal ≤ %g×): %s; 503 OVERLOADED %.1f%% of the requests at 1×, %.1f%% at %g×",
			ms(p99At1), ms(p99At2), cfg.OverloadFactor, v.P99Growth, goalP99Growth, metOrNot(v.P99Met),
			100*at1.overloadedShare(), 100*at2.overloadedShare(), cfg.OverloadFactor))
	r.overloadLogins(ctx)
	return nil
}

// catalogRead is the path of the overload's mix for a draw of 0..4: product detail for
// 0..2, the listing for 3, a search for 4.
func catalogRead(s *shop, draw int) string {
	switch draw {
	case 3:
		return "/products?sort=price_asc&page_size=20"
	case 4:
		return "/products?q=" + s.searchTerm
	default:
		return "/products/" + s.productIDs[rand.IntN(len(s.productIDs))]
	}
}

// offerDetail offers detail at rate for the run's duration and sorts the answers.
func (r *run) offerDetail(ctx context.Context, client *api, rate float64, detail func(context.Context, *api) Outcome) offered {
	o := offered{Rate: rate, Errors: map[string]int{}}
	var mu sync.Mutex
	done := meterCPU()
	o.Window, o.Sent, o.Unsent = offer(ctx, rate, r.cfg.Duration, r.cfg.OverloadMaxOutstanding, func(ctx context.Context) {
		out := detail(ctx, client)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case out.Code == "OVERLOADED":
			o.Overloaded++
			o.Refused = append(o.Refused, out.Latency)
			if out.RetryAfter == "" {
				o.NoRetry++
			}
			return
		case out.ok():
			o.OK++
		default:
			o.Errors[out.errorKey()]++
		}
		o.Admitted = append(o.Admitted, out.Latency)
	})
	o.CPU = done()
	return o
}

// offeredRow puts an open-loop load in the table: answers/s is the goodput, the
// latencies are the admitted requests', the OVERLOADED answers are in the errors.
func offeredRow(o offered, name string, peakClients int) Row {
	q := quantiles(o.Admitted)
	errs := map[string]int{}
	for k, n := range o.Errors {
		errs[k] = n
	}
	if o.Overloaded > 0 {
		errs["503 OVERLOADED"] = o.Overloaded
	}
	if o.Unsent > 0 {
		errs["not sent (generator's limit)"] = o.Unsent
	}
	note := fmt.Sprintf("%.0f/s offered; 503 OVERLOADED %.1f%% of %d sent", o.Rate, 100*o.overloadedShare(), o.Sent)
	if o.Overloaded > 0 {
		note += fmt.Sprintf(", answered in p50 %s, p99 %s", ms(quantiles(o.Refused).P50), ms(quantiles(o.Refused).P99))
	}
	if o.NoRetry > 0 {
		note += fmt.Sprintf(", %d without Retry-After", o.NoRetry)
	}
	note += "; " + o.CPU.String()
	return Row{
		Scenario: "overload", Op: name, Concurrency: peakClients, Offered: o.Rate, OK: o.OK, Errors: errs,
		PerSec: o.goodput(), P50: q.P50, P99: q.P99, Max: q.Max, Note: note,
	}
}

// overloadLogins: OverloadLoginConcurrency customers log in correctly, all at once, in
// a closed loop: every login is a bcrypt comparison, the dearest request the shop
// serves. None may wait past the gateway's deadline, whatever the answer.
func (r *run) overloadLogins(ctx context.Context) {
	s, c := r.shop, r.cfg.OverloadLoginConcurrency
	rec := newRecorder()
	var mu sync.Mutex
	var longest time.Duration
	unanswered := 0
	first := r.cfg.firstBurstCustomer()
	window := drive(ctx, c, r.cfg.Duration, func(ctx context.Context, w, _ int) {
		who := s.customers[(first+w)%len(s.customers)]
		out := s.api.call(ctx, "POST", "/auth/login", "", map[string]string{"email": who.email, "password": benchPassword}, nil)
		rec.Add(out)
		mu.Lock()
		longest = max(longest, out.Latency)
		if out.Err != nil {
			unanswered++
		}
		mu.Unlock()
	})
	row := rec.row("overload", "POST /auth/login (burst, right password)", c, window)
	met := deadlineVerdict(longest, r.cfg.Deadline, unanswered)
	row.Note = fmt.Sprintf("longest wait of any answer %s, deadline %s", ms(longest), r.cfg.Deadline)
	r.add(row, false)
	r.goals = append(r.goals, fmt.Sprintf("overload: a login burst of %d clients: the longest request took %s (of %d, %d unanswered), the gateway's deadline is %s: %s",
		c, ms(longest), row.OK+sumErrors(row.Errors), unanswered, r.cfg.Deadline, metOrNot(met)))
}

func sumErrors(errs map[string]int) int {
	n := 0
	for _, v := range errs {
		n += v
	}
	return n
}
