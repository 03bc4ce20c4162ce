package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// run is one pass of every scenario; its rows carry the ratio to this run's own
// Hertz baseline.
type run struct {
	index  int
	cfg    Config
	shop   *shop
	hertz  *api // the bare Hertz hello
	echo   *kitexEcho
	rows   []Row
	hello  float64 // the Hertz baseline's answers per second in this run
	checks []string
	goals  []string // verdicts against the goals
	own    bool     // the shop is the bench's in-process dev server
}

func (r *run) add(row Row, compare bool) {
	if compare && r.hello > 0 {
		row.Ratio = row.PerSec / r.hello
	}
	r.rows = append(r.rows, row)
}

// baselines measure the bare frameworks with the browse concurrency.
func (r *run) baselines(ctx context.Context) {
	c, d := r.cfg.Concurrency, r.cfg.Duration
	hello := newRecorder()
	window := drive(ctx, c, d, func(ctx context.Context, _, _ int) {
		hello.Add(r.hertz.call(ctx, "GET", "/hello", "", nil, nil))
	})
	row := hello.row("baseline", "Hertz hello (bare)", c, window)
	r.hello = row.PerSec
	r.add(row, true)

	echo := newRecorder()
	window = drive(ctx, c, d, func(ctx context.Context, _, _ int) { echo.Add(r.echo.call(ctx)) })
	r.add(echo.row("baseline", "Kitex echo (bare)", c, window), false)
}

// browse reads the catalog as anonymous shoppers do: product detail, listing, search.
func (r *run) browse(ctx context.Context) {
	c, d, s := r.cfg.Concurrency, r.cfg.Duration, r.shop
	ops := []struct {
		name string
		path func() string
	}{
		{"GET /products/{id}", func() string { return "/products/" + s.productIDs[rand.IntN(len(s.productIDs))] }},
		{"GET /products (listing)", func() string { return "/products?sort=price_asc&page_size=20" }},
		{"GET /products?q= (search)", func() string { return "/products?q=" + s.searchTerm }},
	}
	for _, op := range ops {
		rec := newRecorder()
		window := drive(ctx, c, d, func(ctx context.Context, _, _ int) {
			rec.Add(s.api.call(ctx, "GET", op.path(), "", nil, nil))
		})
		r.add(rec.row("browse", op.name, c, window), true)
	}
}

// checkout runs the customer journey in a closed loop: put a line in the cart, order
// the cart, and once the order settles pay it (6 in 10), cancel it (2 in 10) or leave
// it to time out (2 in 10). One placement in 20 is abandoned by its client after 5 ms.
// The orders go to -checkout-skus SKUs in turn, as a shop's orders spread over its
// catalogue; one SKU bought by everyone at once is the flash sale's case.
func (r *run) checkout(ctx context.Context) error {
	c, s := r.cfg.CheckoutConcurrency, r.shop
	skus := make([]string, r.cfg.CheckoutSKUs)
	for i := range skus {
		var err error
		if skus[i], err = s.newSKU(ctx, fmt.Sprintf("W%d-%d", r.index, i), 1_000_000); err != nil {
			return err
		}
	}
	cart, place, pay, complete, cancel := newRecorder(), newRecorder(), newRecorder(), newRecorder(), newRecorder()
	var abandoned, n atomic.Int64
	st := newSettler(context.WithoutCancel(ctx), s, c, place, func(ctx context.Context, p placed, o order) {
		if o.Status != "AWAITING_PAYMENT" {
			return
		}
		switch p.n % 10 {
		case 0, 1, 2, 3, 4, 5:
			var payment struct{ ID string }
			out := s.api.call(ctx, "POST", "/orders/"+p.id+"/payments", p.who.token, nil, &payment)
			pay.Add(out)
			if out.ok() {
				complete.Add(s.api.call(ctx, "POST", "/sandbox/payments/"+payment.ID+"/complete", p.who.token, nil, nil))
			}
		case 6, 7:
			cancel.Add(s.api.call(ctx, "POST", "/orders/"+p.id+"/cancel", p.who.token, nil, nil))
		}
	})
	var attempts atomic.Int64
	window := drive(ctx, c, r.cfg.Duration*2, func(ctx context.Context, w, _ int) {
		who := s.customers[w%len(s.customers)]
		attempt := attempts.Add(1)
		sku := skus[int(attempt)%len(skus)]
		if attempt%20 == 0 {
			short, stop := context.WithTimeout(ctx, 5*time.Millisecond)
			body := map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 1}}, "address_id": who.addressID}
			_ = s.api.call(short, "POST", "/orders", who.token, body, nil, "Idempotency-Key", s.idempotencyKey())
			stop()
			abandoned.Add(1)
			return
		}
		out := s.api.call(ctx, "PUT", "/cart/items/"+sku, who.token, map[string]int{"quantity": 1}, nil)
		cart.Add(out)
		if !out.ok() {
			return
		}
		var o order
		start := time.Now()
		body := map[string]any{"from_cart": true, "address_id": who.addressID}
		out = s.api.call(ctx, "POST", "/orders", who.token, body, &o, "Idempotency-Key", s.idempotencyKey())
		place.Add(out)
		if out.ok() {
			st.queue <- placed{id: o.ID, who: who, start: start, n: int(n.Add(1))}
		}
	})
	st.drain()
	row := place.row("checkout", "POST /orders (from cart)", c, window)
	row.Note = fmt.Sprintf("%d placements abandoned after 5 ms", abandoned.Load())
	r.add(row, true)
	r.add(cart.row("checkout", "PUT /cart/items/{sku}", c, window), true)
	r.add(st.poll.row("checkout", "GET /orders/{id} (poll)", c, window), true)
	r.add(pay.row("checkout", "POST /orders/{id}/payments", c, window), true)
	r.add(complete.row("checkout", "POST /sandbox/payments/{id}/complete", c, window), true)
	r.add(cancel.row("checkout", "POST /orders/{id}/cancel", c, window), true)
	return nil
}

// buyerAnswer is what a flash sale buyer's POST /orders told it.
type buyerAnswer int

const (
	buyerWaits  buyerAnswer = iota // 201 PENDING: it polls the order to learn the outcome
	buyerWon                       // 201 already AWAITING_PAYMENT
	buyerLost                      // 201 already CANCELLED, or 409 STOCK_INSUFFICIENT (the pre-reservation gate's answer)
	buyerFailed                    // no outcome: 503, a timeout, any other error
)

// answerOf reads a buyer's POST /orders: out is the answer, status the order's when
// it was created.
func answerOf(out Outcome, status string) buyerAnswer {
	switch {
	case out.ok() && status == "PENDING":
		return buyerWaits
	case out.ok():
		return settledAs(status)
	case out.Err == nil && out.Status == 409 && out.Code == "STOCK_INSUFFICIENT":
		return buyerLost
	default:
		return buyerFailed
	}
}

// settledAs: an order out of PENDING was won if it awaits payment; cancelled, it was lost.
func settledAs(status string) buyerAnswer {
	if status == "AWAITING_PAYMENT" {
		return buyerWon
	}
	return buyerLost
}

// flashGoal is the goal for the flash sale: every buyer learns win or lose
// within a second of starting POST /orders.
const flashGoal = time.Second

// flashVerdict: every buyer learnt the outcome, and none later than the goal.
func flashVerdict(buyers, learnt int, slowest time.Duration) bool {
	return learnt == buyers && slowest <= flashGoal
}

// flashSale: FlashBuyers buyers, FlashConcurrency at a time, each order one unit of a
// SKU with FlashStock units. An admin polls the stock all along: sold + reserved must
// never pass the stock. Every buyer polls its order until it learns win or lose, unless
// POST /orders told it at once (an order created settled, or 409 STOCK_INSUFFICIENT from
// a pre-reservation gate: a loss learnt in the answer's latency, not an error).
func (r *run) flashSale(ctx context.Context) error {
	s, c, n, stock := r.shop, r.cfg.FlashConcurrency, r.cfg.FlashBuyers, r.cfg.FlashStock
	sku, err := s.newSKU(ctx, fmt.Sprintf("F%d", r.index), stock)
	if err != nil {
		return err
	}
	watch := watchStock(ctx, s, sku, int64(stock))
	answers, learn := newRecorder("STOCK_INSUFFICIENT"), newRecorder()
	var won, lost atomic.Int64
	tally := func(a buyerAnswer) {
		switch a {
		case buyerWon:
			won.Add(1)
		case buyerLost:
			lost.Add(1)
		}
	}
	st := newSettler(context.WithoutCancel(ctx), s, c, learn, func(_ context.Context, _ placed, o order) { tally(settledAs(o.Status)) })
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				who := s.customers[i%len(s.customers)]
				body := map[string]any{"lines": []map[string]any{{"sku": sku, "quantity": 1}}, "address_id": who.addressID}
				var o order
				t0 := time.Now()
				out := s.api.call(ctx, "POST", "/orders", who.token, body, &o, "Idempotency-Key", s.idempotencyKey())
				answers.Add(out)
				switch a := answerOf(out, o.Status); a {
				case buyerWaits:
					st.queue <- placed{id: o.ID, who: who, start: t0}
				case buyerWon, buyerLost: // learnt from the answer itself
					learn.AddSettle(out.Latency)
					tally(a)
				}
			}
		}()
	}
	wg.Wait()
	window := time.Since(start)
	st.drain()
	samples, worst, violations := watch()
	row := answers.row("flash sale", fmt.Sprintf("POST /orders (%d buyers, %d units)", n, stock), c, window)
	learned := learn.row("", "", c, window)
	row.Settle = learned.Settle
	for k, v := range learned.Errors {
		row.Errors[k] += v
	}
	// More winners than units is no oversell: a winner who does not pay within
	// ORDER_PAYMENT_TIMEOUT releases the unit to a later buyer. The stock samples are
	// the invariant.
	row.Note = fmt.Sprintf("won %d, lost %d; stock polled %d times during the sale, sold+reserved at most %d of %d",
		won.Load(), lost.Load(), samples, worst, stock)
	r.add(row, true)
	learnt := int(won.Load() + lost.Load())
	q := Quantiles{}
	if row.Settle != nil {
		q = *row.Settle
	}
	r.goals = append(r.goals, fmt.Sprintf("flash sale: %d of %d buyers learnt win or lose, time to outcome p50 %s, p99 %s, max %s (goal: every buyer within %s): %s",
		learnt, n, ms(q.P50), ms(q.P99), ms(q.Max), flashGoal, metOrNot(flashVerdict(n, learnt, q.Max))))
	for _, v := range violations {
		r.checks = append(r.checks, "flash sale: "+v)
	}
	return nil
}

// watchStock polls the admin stock endpoint until the returned function is called,
// which reports how many samples it took, the highest sold+reserved seen, and every
// sample that broke the stock.
func watchStock(ctx context.Context, s *shop, sku string, stock int64) func() (int, int64, []string) {
	ctx, cancel := context.WithCancel(ctx)
	var samples int
	var worst int64
	var broken []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			var level struct{ Available, Reserved, Sold int64 }
			if out := s.api.call(ctx, "GET", "/admin/skus/"+sku+"/stock", s.admin, nil, &level); out.ok() {
				samples++
				worst = max(worst, level.Reserved+level.Sold)
				if level.Reserved+level.Sold > stock || level.Available < 0 || level.Available+level.Reserved+level.Sold != stock {
					broken = append(broken, fmt.Sprintf("stock of %s seen at available %d, reserved %d, sold %d (stock %d)",
						sku, level.Available, level.Reserved, level.Sold, stock))
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() (int, int64, []string) {
		cancel()
		<-done
		return samples, worst, broken
	}
}

// loginBurst: LoginConcurrency clients log in with a wrong password in a closed loop
// while one customer logs in correctly, in a loop, beside them.
func (r *run) loginBurst(ctx context.Context) {
	s, c := r.shop, r.cfg.LoginConcurrency
	wrong, right := newRecorder("INVALID_CREDENTIALS"), newRecorder()
	var wg sync.WaitGroup
	var over atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		who := s.customers[0]
		for !over.Load() && ctx.Err() == nil {
			right.Add(s.api.call(ctx, "POST", "/auth/login", "", map[string]string{"email": who.email, "password": benchPassword}, nil))
		}
	}()
	window := drive(ctx, c, r.cfg.Duration, func(ctx context.Context, w, _ int) {
		who := s.customers[w%len(s.customers)]
		wrong.Add(s.api.call(ctx, "POST", "/auth/login", "", map[string]string{"email": who.email, "password": "not-the-password-1"}, nil))
	})
	over.Store(true)
	wg.Wait()
	row := wrong.row("login burst", "POST /auth/login (wrong password)", c, window)
	row.Note = "401 INVALID_CREDENTIALS is the right answer and counts as answered"
	r.add(row, false)
	r.add(right.row("login burst", "POST /auth/login (another customer, beside it)", 1, window), false)
}
