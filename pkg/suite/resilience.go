package suite

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cloudwego/kitex/pkg/circuitbreak"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/pkg/retry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
)

// What a Cartwheel client does when a call fails without a business answer (see
// docs/decisions.md, "Retries, breakers and refusing fast").
const (
	// MaxRetries is how many times a failed call may be tried again.
	MaxRetries = 2
	// RetryBudget is the share of a method's calls that may be retries (over Kitex's
	// 10 s window); past it, failures are answered at once instead of multiplied.
	RetryBudget = 0.1
	// Backoff between tries is drawn between these, so callers do not retry in step.
	minBackoff, maxBackoff = 5 * time.Millisecond, 25 * time.Millisecond

	// BreakerOpen is how long a tripped breaker refuses calls before it lets probes
	// through (the breaker library's cooling time), which is what the gateway tells
	// clients to wait.
	BreakerOpen = 5 * time.Second
)

// Breakers exist to stop waiting, so they count only calls that waited. Service level,
// per target service: trips when at least half of at least 10 calls in 10 s waited out
// their timeout (a stalled service); business errors are answers, and fast failures (a
// refused connection, a reset) cost nothing to repeat. Instance level, per address:
// trips on connections that timed out while dialling (an address that swallows SYNs),
// so one such instance is skipped while its siblings serve. A refused connection opens
// neither: on a refused dial Kitex picks again at once, and a breaker would keep
// refusing a restarted service for up to BreakerOpen after it is back.
var (
	serviceBreaker  = circuitbreak.CBConfig{Enable: true, ErrRate: 0.5, MinSample: 10}
	instanceBreaker = circuitbreak.CBConfig{Enable: true, ErrRate: 0.5, MinSample: 3}
)

// waited reports a failure that cost the caller its time: an RPC timeout, or a
// connection that timed out while dialling.
func waited(err error) bool {
	return kerrors.IsTimeoutError(err) || (errors.Is(err, kerrors.ErrGetConnection) && os.IsTimeout(err))
}

// serviceOutcome classifies a call for the service-level breaker.
func serviceOutcome(_ context.Context, _, _ any, err error) circuitbreak.ErrorType {
	switch {
	case err == nil:
		return circuitbreak.TypeSuccess
	case waited(err):
		return circuitbreak.TypeTimeout
	}
	return circuitbreak.TypeIgnorable
}

// instanceOutcome classifies a call for the instance-level breaker.
func instanceOutcome(_ context.Context, _, _ any, err error) circuitbreak.ErrorType {
	if errors.Is(err, kerrors.ErrGetConnection) && os.IsTimeout(err) {
		return circuitbreak.TypeFailure
	}
	return circuitbreak.TypeSuccess
}

// retryPolicy retries what is safe to send again (see shouldRetry), at most MaxRetries
// times, within timeout from the first try, and not when the caller is itself a retry
// (Kitex's chain stop: a retry is never multiplied down the call chain).
func retryPolicy(timeout time.Duration) *retry.FailurePolicy {
	p := retry.NewFailurePolicyWithResultRetry(&retry.ShouldResultRetry{
		ErrorRetryWithCtx:  shouldRetry,
		NotRetryForTimeout: true,
	})
	p.WithMaxRetryTimes(MaxRetries)
	p.WithRandomBackOff(int(minBackoff/time.Millisecond), int(maxBackoff/time.Millisecond))
	p.WithRetryBreaker(RetryBudget)
	p.WithMaxDurationMS(uint32(timeout / time.Millisecond))
	return p
}

// retryContainer enforces RetryBudget: Kitex counts every retry as a failure of the
// method's retry breaker and stops retrying while retries exceed that share.
func retryContainer() *retry.Container {
	return retry.NewRetryContainerWithPercentageLimit()
}

// shouldRetry: a call that never reached a server (no connection, or its instance's
// breaker is open) may be sent again whatever the method; a call whose connection broke
// after sending is sent again only when repeating it changes nothing (idempotent).
// Timeouts are never retried (the server may still be working, and the caller's
// deadline is spent), and neither is an open service breaker.
func shouldRetry(_ context.Context, err error, ri rpcinfo.RPCInfo) bool {
	switch {
	case err == nil, kerrors.IsTimeoutError(err), errors.Is(err, kerrors.ErrServiceCircuitBreak):
		return false
	case neverSent(err):
		return true
	case errors.Is(err, kerrors.ErrRemoteOrNetwork):
		return ri != nil && ri.To() != nil && Idempotent(ri.To().Method())
	}
	return false
}

// neverSent reports an error raised before the request left the process.
func neverSent(err error) bool {
	return errors.Is(err, kerrors.ErrGetConnection) || errors.Is(err, kerrors.ErrInstanceCircuitBreak)
}

// Idempotent names the RPCs that may be sent twice: reads (Get…, List…, BatchGet…)
// and CreateOrder, which the order service answers once per idempotency key (a second
// send of the same request replays the first order; the key is required).
func Idempotent(method string) bool {
	for _, read := range []string{"Get", "List", "BatchGet"} {
		if strings.HasPrefix(method, read) {
			return true
		}
	}
	return method == "CreateOrder"
}

// breakers is one client's circuit breakers, keyed by target service (the service
// level) and by instance address (the instance level). Kitex asks for a suite per
// client.
func breakers() *circuitbreak.CBSuite {
	var (
		cbs  *circuitbreak.CBSuite
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	// Kitex applies its default (trip at 50% of 200 calls, too late for a fleet this
	// size) to a key it has no config for; the key function stores ours before Kitex
	// first looks the key up.
	cbs = circuitbreak.NewCBSuite(func(ri rpcinfo.RPCInfo) string {
		key := ri.To().ServiceName()
		mu.Lock()
		defer mu.Unlock()
		if !seen[key] {
			cbs.UpdateServiceCBConfig(key, serviceBreaker)
			seen[key] = true
		}
		return key
	}, circuitbreak.WithServiceGetErrorType(serviceOutcome), circuitbreak.WithInstanceGetErrorType(instanceOutcome))
	cbs.UpdateInstanceCBConfig(instanceBreaker)
	return cbs
}

// IsBreakerOpen reports whether err is a call refused by an open breaker: the
// service is known to be failing, and BreakerOpen is about when to try again.
func IsBreakerOpen(err error) bool {
	return errors.Is(err, kerrors.ErrCircuitBreak)
}
