package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/ratelimit"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// passwordChecker is a fake user service whose Login costs like bcrypt: every attempt
// occupies one of two "cores" for a while, and it counts the attempts it had to check.
type passwordChecker struct {
	cores   chan struct{}
	cost    time.Duration
	checked atomic.Int64
}

func newPasswordChecker(cost time.Duration) *passwordChecker {
	return &passwordChecker{cores: make(chan struct{}, 2), cost: cost}
}

func (p *passwordChecker) login(ctx context.Context, r *userapi.LoginRequest) (*userapi.LoginResponse, error) {
	p.cores <- struct{}{}
	time.Sleep(p.cost)
	<-p.cores
	p.checked.Add(1)
	if r.Password != "correct-horse-9" {
		return nil, errs.New(errs.InvalidCredentials).ToBiz()
	}
	return &userapi.LoginResponse{User: sampleUser(customerID, "customer"),
		Session: &userapi.Session{RefreshToken: "rt", ExpiresAtMs: msAt}}, nil
}

// clientFrom is an HTTP client whose connections leave from source, another loopback
// address, so a test can play a second client machine against the same gateway.
func clientFrom(t *testing.T, source string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}, Timeout: 5 * time.Second}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func loginVia(t *testing.T, c *http.Client, base, email, password string) (int, http.Header) {
	t.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("login: %v", err)
		return 0, nil
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// The attack: 300 wrong passwords for one account from 16 threads. Before, all
// 300 reached bcrypt and half timed out as 503s; now a handful are checked and the rest
// are refused at once with 429 and Retry-After, while the owner (from another address)
// and another user still log in.
func TestLoginGuessingIsThrottledNotLockingOutOthers(t *testing.T) {
	f := newFakes()
	checker := newPasswordChecker(20 * time.Millisecond)
	f.users.login = checker.login
	h := start(t, f)
	attacker := clientFrom(t, "127.0.0.2")

	var mu sync.Mutex
	statuses := map[int]int{}
	attempts := make(chan int, 300)
	for i := range 300 {
		attempts <- i
	}
	close(attempts)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range attempts {
				status, header := loginVia(t, attacker, h.base, "ann@example.com", "guess-"+strconv.Itoa(i))
				if status == http.StatusTooManyRequests {
					if s, err := strconv.Atoi(header.Get("Retry-After")); err != nil || s < 1 {
						t.Errorf("429 with Retry-After %q, want whole seconds >= 1", header.Get("Retry-After"))
					}
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	want := int64(h.cfg.LoginBurstPerAccount)
	if got := checker.checked.Load(); got != want {
		t.Errorf("the user service checked %d passwords, want the burst of %d", got, want)
	}
	if statuses[http.StatusTooManyRequests] != 300-int(want) || statuses[http.StatusUnauthorized] != int(want) {
		t.Errorf("answers %v, want %d x 401 then 429 for the rest", statuses, want)
	}
	// The owner, from their own address, is not locked out; nor is another user.
	if status, _ := loginVia(t, h.client, h.base, "ann@example.com", "correct-horse-9"); status != http.StatusOK {
		t.Errorf("owner's login from another address: %d, want 200", status)
	}
	if status, _ := loginVia(t, h.client, h.base, "bob@example.com", "correct-horse-9"); status != http.StatusOK {
		t.Errorf("another user's login: %d, want 200", status)
	}
}

// The per-address throttle stops one client guessing across many accounts.
func TestLoginThrottlePerAddressAcrossAccounts(t *testing.T) {
	f := newFakes()
	f.users.login = newPasswordChecker(0).login
	h := start(t, f)
	attacker := clientFrom(t, "127.0.0.3")
	for i := range h.cfg.LoginBurstPerIP {
		if status, _ := loginVia(t, attacker, h.base, fmt.Sprintf("user%d@example.com", i), "wrong-password"); status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, status)
		}
	}
	if status, _ := loginVia(t, attacker, h.base, "fresh@example.com", "wrong-password"); status != http.StatusTooManyRequests {
		t.Fatalf("attempt past the address's burst: %d, want 429", status)
	}
	if status, _ := loginVia(t, h.client, h.base, "fresh@example.com", "correct-horse-9"); status != http.StatusOK {
		t.Fatalf("another address: %d, want 200", status)
	}
}

// The owner's success forgets their earlier typos, so a few mistakes a day never add
// up to a throttle; the email is matched in its normal form.
func TestLoginSuccessForgetsFailures(t *testing.T) {
	f := newFakes()
	f.users.login = newPasswordChecker(0).login
	h := start(t, f)
	for round := range 3 {
		for range h.cfg.LoginBurstPerAccount - 1 {
			if status, _ := loginVia(t, h.client, h.base, " Ann@Example.com", "typo-typo-typo"); status != http.StatusUnauthorized {
				t.Fatalf("round %d: typo answered %d, want 401", round, status)
			}
		}
		if status, _ := loginVia(t, h.client, h.base, "ann@example.com", "correct-horse-9"); status != http.StatusOK {
			t.Fatalf("round %d: login answered %d, want 200", round, status)
		}
	}
}

func TestLoginDefenceGrowsDelaysAndCounts(t *testing.T) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x"}, []string{"outcome"})
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	d := newLoginDefence(loginPolicy{burst: 2, every: 10 * time.Second}, loginPolicy{burst: 1000, every: time.Millisecond},
		func(_ string, perSecond float64, burst int) ratelimit.Forgetter {
			return ratelimit.NewMemory(perSecond, burst, 100, clock)
		}, outcomes, slog.New(slog.DiscardHandler))
	ctx := t.Context()
	var waits []time.Duration
	failures := 0
	for range 20 {
		if w := d.admit(ctx, "ann@example.com", "ip:1"); w > 0 {
			waits = append(waits, w)
			now = now.Add(w) // the client waits as told, then tries again
			continue
		}
		failures++
		d.failed()
	}
	if len(waits) < 2 || waits[0] > 10*time.Second || waits[len(waits)-1] <= 10*time.Second {
		t.Fatalf("waits %v: want the first at most the first tier's 10s and the last longer", waits)
	}
	if got := testutil.ToFloat64(outcomes.WithLabelValues(loginFailed)); got != float64(failures) {
		t.Errorf("failed = %v, want %d", got, failures)
	}
	if got := testutil.ToFloat64(outcomes.WithLabelValues(loginThrottled)); got != float64(len(waits)) {
		t.Errorf("throttled = %v, want %d", got, len(waits))
	}
	d.succeeded(ctx, "ann@example.com", "ip:1")
	if w := d.admit(ctx, "ann@example.com", "ip:1"); w != 0 {
		t.Errorf("after a success the account waits %s, want 0", w)
	}
}
