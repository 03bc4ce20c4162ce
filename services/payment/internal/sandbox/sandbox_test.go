package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/ids"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

const secret = "sandbox-test-secret-0123456789abcdef"

// receiver is the gateway's webhook as the provider sees it: it answers each attempt
// with the next status of its script (the last one repeats) and keeps what it got.
type receiver struct {
	script []int

	mu       sync.Mutex
	attempts []attempt
}

type attempt struct {
	method, path, contentType string
	timestamp                 string
	verified                  error
	event                     webhook.Event
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get(webhook.HeaderTimestamp)
	sent, _ := strconv.ParseInt(ts, 10, 64)
	a := attempt{
		method: r.Method, path: r.URL.Path, contentType: r.Header.Get("Content-Type"), timestamp: ts,
		// Verified as of its own timestamp: the signature is what is under test here.
		verified: webhook.Verify(secret, ts, r.Header.Get(webhook.HeaderSignature), body, time.Unix(sent, 0), time.Second),
	}
	_ = json.Unmarshal(body, &a.event)
	rc.mu.Lock()
	rc.attempts = append(rc.attempts, a)
	status := rc.script[min(len(rc.attempts), len(rc.script))-1]
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) got() []attempt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]attempt(nil), rc.attempts...)
}

// steppingClock advances a minute per reading, so every attempt is signed at its own time.
func steppingClock() func() time.Time {
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
}

func start(t *testing.T, cfg Config, script ...int) (*Provider, *receiver) {
	t.Helper()
	rc := &receiver{script: script}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	cfg.WebhookURL, cfg.WebhookSecret = srv.URL+"/api/v1/payments/webhook", secret
	cfg.CheckoutBaseURL = "http://127.0.0.1:8080"
	p := New(cfg, steppingClock(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(p.Close)
	return p, rc
}

func fastRetries() Config {
	return Config{FirstRetry: 5 * time.Millisecond, MaxRetryWait: 20 * time.Millisecond, AttemptTimeout: time.Second}
}

func pendingPayment(t *testing.T) *payment.Payment {
	t.Helper()
	p, err := payment.New(payment.Draft{
		OrderID: ids.New(), UserID: ids.New(), Amount: money.Money{Cents: 4599, Currency: "EUR"}, Provider: Name, Now: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func waitAttempts(t *testing.T, rc *receiver, n int) []attempt {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(rc.got()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d attempts after 5s, want %d", len(rc.got()), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return rc.got()
}

// quiet fails if the receiver gets anything beyond n attempts during a window several
// retry intervals long.
func quiet(t *testing.T, rc *receiver, n int) {
	t.Helper()
	time.Sleep(150 * time.Millisecond)
	if got := len(rc.got()); got != n {
		t.Fatalf("%d attempts, want exactly %d", got, n)
	}
}

func TestCompletePostsASignedCallback(t *testing.T) {
	p, rc := start(t, fastRetries(), http.StatusOK)
	pay := pendingPayment(t)
	if err := p.Complete(context.Background(), pay); err != nil {
		t.Fatal(err)
	}
	a := waitAttempts(t, rc, 1)[0]
	quiet(t, rc, 1)
	if a.verified != nil {
		t.Fatalf("signature: %v", a.verified)
	}
	if a.method != http.MethodPost || a.path != "/api/v1/payments/webhook" || a.contentType != "application/json" {
		t.Fatalf("request %s %s (%s)", a.method, a.path, a.contentType)
	}
	want := webhook.Event{
		Event: webhook.EventPaymentSucceeded, ProviderTxnID: "sbx_txn_" + pay.ID(), PaymentID: pay.ID(),
		AmountCents: 4599, Currency: "EUR",
	}
	got := a.event
	got.OccurredAt = time.Time{}
	if got != want || a.event.OccurredAt.IsZero() {
		t.Fatalf("event %+v, want %+v with a time", a.event, want)
	}
}

func TestCallbackRetries(t *testing.T) {
	cases := []struct {
		name     string
		script   []int
		attempts int
	}{
		{"retries_server_errors_until_2xx", []int{500, 503, 200}, 3},
		{"any_2xx_is_delivered", []int{204}, 1},
		{"retries_too_many_requests", []int{429, 200}, 2},
		{"retries_request_timeout", []int{408, 200}, 2},
		{"gives_up_on_conflict", []int{409, 200}, 1},
		{"gives_up_on_bad_signature", []int{401, 200}, 1},
		{"gives_up_on_not_found", []int{404, 200}, 1},
		{"gives_up_on_redirect", []int{302, 200}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p, rc := start(t, fastRetries(), c.script...)
			if err := p.Complete(context.Background(), pendingPayment(t)); err != nil {
				t.Fatal(err)
			}
			got := waitAttempts(t, rc, c.attempts)
			quiet(t, rc, c.attempts)
			seen := map[string]bool{}
			for i, a := range got {
				if a.verified != nil {
					t.Errorf("attempt %d: %v", i+1, a.verified)
				}
				if seen[a.timestamp] {
					t.Errorf("attempt %d reuses timestamp %s: retries must be signed afresh", i+1, a.timestamp)
				}
				seen[a.timestamp] = true
			}
		})
	}
}

func TestCallbackGivesUpAfterABoundedTime(t *testing.T) {
	cfg := fastRetries()
	cfg.GiveUpAfter = 100 * time.Millisecond
	p, rc := start(t, cfg, http.StatusInternalServerError)
	if err := p.Complete(context.Background(), pendingPayment(t)); err != nil {
		t.Fatal(err)
	}
	waitAttempts(t, rc, 2)
	time.Sleep(cfg.GiveUpAfter + 100*time.Millisecond)
	quiet(t, rc, len(rc.got()))
}

func TestCloseStopsCallbacksInFlight(t *testing.T) {
	cfg := fastRetries()
	cfg.GiveUpAfter = time.Hour
	p, rc := start(t, cfg, http.StatusBadGateway)
	if err := p.Complete(context.Background(), pendingPayment(t)); err != nil {
		t.Fatal(err)
	}
	waitAttempts(t, rc, 2)
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not stop a retrying callback")
	}
	quiet(t, rc, len(rc.got()))
	if err := p.Complete(context.Background(), pendingPayment(t)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Complete after Close: %v", err)
	}
}

func TestCheckoutAndRefund(t *testing.T) {
	p := New(Config{CheckoutBaseURL: "http://127.0.0.1:8080/"}, nil, nil)
	defer p.Close()
	pay := pendingPayment(t)
	url, err := p.Checkout(context.Background(), pay)
	if want := "http://127.0.0.1:8080/api/v1/sandbox/payments/" + pay.ID() + "/complete"; err != nil || url != want {
		t.Fatalf("Checkout = %q, %v; want %q", url, err, want)
	}
	first, err1 := p.Refund(context.Background(), pay)
	second, err2 := p.Refund(context.Background(), pay)
	if err1 != nil || err2 != nil || first == "" || first != second {
		t.Fatalf("refunds %q (%v), %q (%v): asking twice must name one refund", first, err1, second, err2)
	}
	if other, _ := p.Refund(context.Background(), pendingPayment(t)); other == first {
		t.Fatal("two payments share a refund id")
	}
}
