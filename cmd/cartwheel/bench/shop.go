package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// shop is what the scenarios share: the admin's token, the catalog, the customers.
type shop struct {
	api        *api
	admin      string // token
	categoryID string
	productIDs []string
	searchTerm string
	customers  []customer
	runID      string
	keys       atomic.Int64
}

type customer struct {
	email, token, addressID string
}

const benchPassword = "bench-password-1729"

// idempotencyKey is unique within this bench invocation.
func (s *shop) idempotencyKey() string {
	return fmt.Sprintf("bench-%s-%d", s.runID, s.keys.Add(1))
}

// prepare logs the admin in, reads the catalog and registers n customers (each logged
// in, with an address), in parallel since every registration is a bcrypt hash.
func prepare(ctx context.Context, a *api, adminEmail, adminPassword string, n int) (*shop, error) {
	s := &shop{api: a, runID: fmt.Sprintf("%x", time.Now().UnixNano()&0xffffffffff)}
	var tok tokens
	if err := must(a.call(ctx, "POST", "/auth/login", "", map[string]string{"email": adminEmail, "password": adminPassword}, &tok), "admin login"); err != nil {
		return nil, err
	}
	s.admin = tok.AccessToken
	var cats struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	if err := must(a.call(ctx, "GET", "/categories", "", nil, &cats), "categories"); err != nil {
		return nil, err
	}
	if len(cats.Items) == 0 {
		return nil, fmt.Errorf("bench: the shop has no category (is it seeded?)")
	}
	s.categoryID = cats.Items[0].ID
	var products struct {
		Items []struct{ ID, Name string } `json:"items"`
	}
	if err := must(a.call(ctx, "GET", "/products?page_size=100", "", nil, &products), "products"); err != nil {
		return nil, err
	}
	if len(products.Items) == 0 {
		return nil, fmt.Errorf("bench: the shop lists no product (is it seeded?)")
	}
	for _, p := range products.Items {
		s.productIDs = append(s.productIDs, p.ID)
	}
	s.searchTerm = strings.ToLower(strings.Fields(products.Items[0].Name)[0])

	s.customers = make([]customer, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2) // registration and login are bcrypt: more at once only queues them
	for i := range n {
		g.Go(func() error {
			c, err := s.newCustomer(gctx, i)
			s.customers[i] = c
			return err
		})
	}
	return s, g.Wait()
}

type tokens struct {
	AccessToken string `json:"access_token"`
}

func (s *shop) newCustomer(ctx context.Context, i int) (customer, error) {
	c := customer{email: fmt.Sprintf("bench-%s-%d@example.com", s.runID, i)}
	body := map[string]string{"email": c.email, "password": benchPassword, "name": fmt.Sprintf("Bench %d", i)}
	if err := must(s.retry(ctx, "POST", "/auth/register", "", body, nil), "register"); err != nil {
		return c, err
	}
	var tok tokens
	if err := must(s.retry(ctx, "POST", "/auth/login", "", map[string]string{"email": c.email, "password": benchPassword}, &tok), "login"); err != nil {
		return c, err
	}
	c.token = tok.AccessToken
	var addr struct{ ID string }
	address := map[string]string{"recipient": "Bench", "line1": "1 Load St", "city": "Springfield", "postal_code": "12345", "country": "US"}
	if err := must(s.api.call(ctx, "POST", "/me/addresses", c.token, address, &addr), "address"); err != nil {
		return c, err
	}
	c.addressID = addr.ID
	return c, nil
}

// retry repeats a set-up call refused with 503 (a busy machine), a few times. A
// registration that timed out may have gone through: EMAIL_TAKEN then means done.
func (s *shop) retry(ctx context.Context, method, path, token string, body, out any) Outcome {
	var o Outcome
	for attempt := range 5 {
		o = s.api.call(ctx, method, path, token, body, out)
		if o.Status != 503 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 500 * time.Millisecond)
	}
	if o.Code == "EMAIL_TAKEN" {
		o.Status, o.Code = 201, ""
	}
	return o
}

// newSKU creates a product with one SKU priced 1.00 and stock units, and returns the SKU.
func (s *shop) newSKU(ctx context.Context, name string, stock int) (string, error) {
	sku := strings.ToUpper(fmt.Sprintf("BENCH-%s-%s", s.runID, name))
	body := map[string]any{
		"name": "Bench " + name, "description": "made by make bench", "category_id": s.categoryID,
		"skus": []map[string]any{{"sku": sku, "price": map[string]any{"amount_cents": 100, "currency": "USD"}}},
	}
	if err := must(s.api.call(ctx, "POST", "/admin/products", s.admin, body, nil), "create product "+sku); err != nil {
		return "", err
	}
	adjust := map[string]any{"delta": stock, "reason": "make bench"}
	if err := must(s.api.call(ctx, "POST", "/admin/skus/"+sku+"/stock", s.admin, adjust, nil), "stock "+sku); err != nil {
		return "", err
	}
	return sku, nil
}

// order is the part of an order the bench reads.
type order struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	CancelReason string `json:"cancel_reason"`
}

// pollEvery is how often a client asks whether its order has settled: often enough to
// see a 1 s goal, rarely enough that the polls of hundreds of buyers do not become the
// load under test.
const pollEvery = 100 * time.Millisecond

// settler follows placed orders until they leave PENDING, as a client polling
// GET /orders/{id} would, and then hands each to then.
type settler struct {
	s        *shop
	queue    chan placed
	wg       sync.WaitGroup
	rec      *Recorder // settle latencies
	poll     *Recorder // the polls themselves
	interval time.Duration
}

type placed struct {
	id    string
	who   customer
	start time.Time
	n     int
}

func newSettler(ctx context.Context, s *shop, workers int, rec *Recorder, then func(ctx context.Context, p placed, o order)) *settler {
	st := &settler{s: s, queue: make(chan placed, 100_000), rec: rec, poll: newRecorder(), interval: pollEvery}
	for range workers {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			for p := range st.queue {
				if o, ok := st.follow(ctx, p); ok && then != nil {
					then(ctx, p, o)
				}
			}
		}()
	}
	return st
}

// follow polls one order until it settles; after 60 s it counts as never settled.
func (st *settler) follow(ctx context.Context, p placed) (order, bool) {
	deadline := p.start.Add(60 * time.Second)
	for {
		var o order
		out := st.s.api.call(ctx, "GET", "/orders/"+p.id, p.who.token, nil, &o)
		st.poll.Add(out)
		if out.ok() && o.Status != "PENDING" {
			st.rec.AddSettle(time.Since(p.start))
			return o, true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			st.rec.Add(Outcome{Status: 599, Code: "NEVER_SETTLED"})
			return o, false
		}
		time.Sleep(st.interval)
	}
}

// drain waits for every queued order to settle.
func (st *settler) drain() {
	close(st.queue)
	st.wg.Wait()
}
