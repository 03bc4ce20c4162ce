// Package sandbox is the stand-in for a real payment provider: no card network can be
// reached from this repository, so this provider "plays the payer" and then calls the
// gateway's public webhook exactly as a real provider would, signed, asynchronously and
// with retries. It is the only mock of the system, and production configuration turns
// its payer off.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	retry "github.com/sethvargo/go-retry"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
	"github.com/cartwheel-shop/cartwheel/services/payment/webhook"
)

// Name is the provider name stored on its payments.
const Name = "sandbox"

// ErrClosed is returned by Complete once the provider is shutting down.
var ErrClosed = errors.New("sandbox: provider closed")

// Config points the provider at the shop and shapes callback delivery. Zero durations
// take the defaults in their comments.
type Config struct {
	CheckoutBaseURL string // the gateway's public base URL
	WebhookURL      string // the gateway's public webhook
	WebhookSecret   string
	FirstRetry      time.Duration // wait before the first retry (250ms); doubles after each
	MaxRetryWait    time.Duration // cap of one wait (10s)
	GiveUpAfter     time.Duration // stop retrying a callback after this long (2m)
	AttemptTimeout  time.Duration // bound of one HTTP attempt (5s)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.FirstRetry, 250*time.Millisecond)
	def(&c.MaxRetryWait, 10*time.Second)
	def(&c.GiveUpAfter, 2*time.Minute)
	def(&c.AttemptTimeout, 5*time.Second)
	return c
}

// Provider implements payment.Provider and payment.Payer.
type Provider struct {
	cfg    Config
	client *http.Client
	clock  func() time.Time
	log    *slog.Logger

	ctx    context.Context // cancelled by Close; callbacks in flight run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

var (
	_ payment.Provider = (*Provider)(nil)
	_ payment.Payer    = (*Provider)(nil)
)

// New returns a provider; Close stops its callbacks in flight. A nil clock is time.Now,
// a nil log slog.Default().
func New(cfg Config, clock func() time.Time, log *slog.Logger) *Provider {
	cfg = cfg.withDefaults()
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Provider{
		cfg: cfg,
		client: &http.Client{
			Timeout: cfg.AttemptTimeout,
			// A redirected webhook is a misconfigured URL; following it would turn the
			// POST into a GET, so the 3xx is taken as the answer instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			// Callbacks are rare: an idle keep-alive connection would only hold the
			// gateway's graceful shutdown open until its exit timeout.
			Transport: &http.Transport{DisableKeepAlives: true},
		},
		clock: clock, log: log.With("component", "sandbox"), ctx: ctx, cancel: cancel,
	}
}

// Name returns "sandbox".
func (p *Provider) Name() string { return Name }

// Checkout returns the gateway's sandbox page that completes the payment.
func (p *Provider) Checkout(_ context.Context, pay *payment.Payment) (string, error) {
	base := strings.TrimRight(p.cfg.CheckoutBaseURL, "/")
	return base + "/api/v1/sandbox/payments/" + url.PathEscape(pay.ID()) + "/complete", nil
}

// Refund needs no network in the sandbox; the refund id is derived from the payment, as
// a real provider's idempotency key would make it, so asking twice refunds once.
func (p *Provider) Refund(_ context.Context, pay *payment.Payment) (string, error) {
	return "sbx_rf_" + pay.ID(), nil
}

// Complete pays and schedules the provider's callback. The transaction id is derived
// from the payment because a checkout is paid once: completing it again replays the same
// transaction, which the webhook acknowledges as a duplicate.
// The callback carries the completing request's trace context, as a real provider's
// would carry a reference: the payment's whole journey is one trace.
func (p *Provider) Complete(ctx context.Context, pay *payment.Payment) error {
	body, err := json.Marshal(webhook.Event{
		Event: webhook.EventPaymentSucceeded, ProviderTxnID: "sbx_txn_" + pay.ID(), PaymentID: pay.ID(),
		AmountCents: pay.Amount().Cents, Currency: pay.Amount().Currency, OccurredAt: p.clock().UTC(),
	})
	if err != nil {
		return fmt.Errorf("sandbox: encode callback: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	trace := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, trace)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		p.deliver(pay.ID(), body, trace)
	}()
	return nil
}

// Close stops retrying callbacks and waits for those in flight to give up.
func (p *Provider) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// deliver posts the callback until a 2xx, a permanent refusal, the give-up time or Close.
func (p *Provider) deliver(paymentID string, body []byte, trace propagation.MapCarrier) {
	backoff := retry.WithMaxDuration(p.cfg.GiveUpAfter,
		retry.WithCappedDuration(p.cfg.MaxRetryWait,
			retry.WithJitterPercent(10, retry.NewExponential(p.cfg.FirstRetry))))
	attempts := 0
	err := retry.Do(p.ctx, backoff, func(ctx context.Context) error {
		attempts++
		return p.post(ctx, body, trace)
	})
	log := p.log.With("payment_id", paymentID, "attempts", attempts)
	if err != nil {
		log.Error("sandbox: webhook not delivered", "err", err)
		return
	}
	log.Info("sandbox: webhook delivered")
}

// post makes one attempt, signed afresh so a late retry is not refused as stale.
func (p *Provider) post(ctx context.Context, body []byte, trace propagation.MapCarrier) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sandbox: webhook request: %w", err)
	}
	ts := webhook.Timestamp(p.clock())
	for k, v := range trace {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.Sign(p.cfg.WebhookSecret, ts, body))
	resp, err := p.client.Do(req)
	if err != nil {
		return retry.RetryableError(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case retryable(resp.StatusCode):
		return retry.RetryableError(fmt.Errorf("webhook answered %s", resp.Status))
	default:
		return fmt.Errorf("webhook refused: %s", resp.Status)
	}
}

// retryable statuses say "later": the server failed or asked to slow down. Any other
// 3xx or 4xx is an answer about the callback itself and will not change.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests
}
