package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	"github.com/cartwheel-shop/cartwheel/pkg/email"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// Login outcomes, the values of the login_attempts_total counter's outcome label.
const (
	loginSucceeded = "succeeded"
	loginFailed    = "failed"    // wrong email or password
	loginThrottled = "throttled" // refused with 429 before the password was checked
)

// Each throttle has a second, slower tier: past tierGrowth times the first tier's burst,
// attempts are admitted tierSlowdown times less often. With the defaults, an account guessed at from one address gets 5 attempts, then one every 20 s,
// and after 20 one every 5 minutes: the delay grows while the guessing goes on.
const (
	tierGrowth   = 4
	tierSlowdown = 15
)

// loginDefence throttles password guessing before it reaches bcrypt. Attempts are
// counted per account as seen from one client address (so a guesser elsewhere cannot
// lock the owner out) and per client address across accounts (credential stuffing).
// The owner's successful login forgets that address's attempts on the account, and
// refreshing a session is never throttled here, so clients already signed in carry on.
type loginDefence struct {
	perAccount []ratelimit.Forgetter
	perIP      []ratelimit.Limiter
	outcomes   *prometheus.CounterVec
	log        *slog.Logger
}

// loginPolicy is one throttle's first tier: burst attempts, then one per every.
type loginPolicy struct {
	burst int
	every time.Duration
}

// tiers returns the policy's tiers as (requests per second, burst) pairs.
func (p loginPolicy) tiers() [][2]float64 {
	return [][2]float64{
		{1 / p.every.Seconds(), float64(p.burst)},
		{1 / (p.every * tierSlowdown).Seconds(), float64(p.burst * tierGrowth)},
	}
}

// newLoginOutcomes registers login_attempts_total on tel (nil records none).
func newLoginOutcomes(tel *obs.Telemetry) *prometheus.CounterVec {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "cartwheel", Subsystem: "gateway", Name: "login_attempts_total",
		Help: "Login attempts by outcome: succeeded, failed (wrong credentials), throttled (429).",
	}, []string{"outcome"})
	tel.For("gateway").MustRegister(outcomes)
	for _, outcome := range []string{loginSucceeded, loginFailed, loginThrottled} {
		outcomes.WithLabelValues(outcome) // a closed label set: every series exists from the start
	}
	return outcomes
}

// newLoginDefence builds the tiers with newLimiter, the driver the other limits use.
func newLoginDefence(account, ip loginPolicy, newLimiter func(name string, perSecond float64, burst int) ratelimit.Forgetter,
	outcomes *prometheus.CounterVec, log *slog.Logger) *loginDefence {
	d := &loginDefence{outcomes: outcomes, log: log}
	for i, t := range account.tiers() {
		d.perAccount = append(d.perAccount, newLimiter(tierName("login_account", i), t[0], int(t[1])))
	}
	for i, t := range ip.tiers() {
		d.perIP = append(d.perIP, newLimiter(tierName("login_ip", i), t[0], int(t[1])))
	}
	return d
}

func tierName(prefix string, i int) string { return prefix + "_tier" + string(rune('1'+i)) }

// admit spends one attempt in every tier and reports how long the client must wait
// when any refuses (0: go ahead). A limiter that errs admits: bcrypt's own bound in the
// user service still holds the line while the shared store is out.
func (d *loginDefence) admit(ctx context.Context, addr, ip string) time.Duration {
	var wait time.Duration
	check := func(l ratelimit.Limiter, key string) {
		dec, err := l.Allow(ctx, key)
		if err != nil {
			d.log.WarnContext(ctx, "login throttle unavailable, admitting attempt", "err", err)
			return
		}
		if !dec.Allowed {
			wait = max(wait, dec.RetryAfter, time.Second)
		}
	}
	for i, l := range d.perAccount {
		check(l, accountKey(i, addr, ip))
	}
	for i, l := range d.perIP {
		check(l, ipKey(i, ip))
	}
	if wait > 0 {
		d.outcomes.WithLabelValues(loginThrottled).Inc()
	}
	return wait
}

// succeeded forgets the failed attempts on the account from this address.
func (d *loginDefence) succeeded(ctx context.Context, addr, ip string) {
	d.outcomes.WithLabelValues(loginSucceeded).Inc()
	for i, l := range d.perAccount {
		if err := l.Forget(ctx, accountKey(i, addr, ip)); err != nil {
			d.log.WarnContext(ctx, "login throttle: forget attempts", "err", err)
		}
	}
}

func (d *loginDefence) failed() { d.outcomes.WithLabelValues(loginFailed).Inc() }

// accountKey hashes the normalised address, so the shared store holds no emails and
// every key has the same short length whatever was typed.
func accountKey(tier int, addr, ip string) string {
	sum := sha256.Sum256([]byte(email.Normalise(addr)))
	return "login:" + string(rune('1'+tier)) + ":acct:" + hex.EncodeToString(sum[:16]) + ":" + ip
}

func ipKey(tier int, ip string) string { return "login:" + string(rune('1'+tier)) + ":" + ip }
