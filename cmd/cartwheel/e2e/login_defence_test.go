package e2e

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The attack on the whole shop, bcrypt included: 300 wrong passwords for one
// account from 16 threads. Before, none was refused, 160 answered 503 after the RPC
// timeout and other users' logins slowed eight-fold. Now the guesses are refused with
// 429 and Retry-After, none is a 5xx, and another user logs in while it goes on.
func TestPasswordGuessingIsThrottledNotUnavailable(t *testing.T) {
	s := newShop(t, map[string]string{
		"GATEWAY_LOGIN_BURST_PER_IP": "30", // the default, which the other tests raise
		"USER_BCRYPT_COST":           "8",  // bcrypt that costs, yet fits a loaded CI machine
	})
	victim, bob := s.newCustomer("Victim"), s.newCustomer("Bob")
	attacker := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext:         (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext,
		MaxIdleConnsPerHost: 16,
	}}
	t.Cleanup(attacker.CloseIdleConnections)

	before := s.timedLogin(bob.email)
	var mu sync.Mutex
	statuses := map[int]int{}
	var during []time.Duration
	guesses := make(chan int, 300)
	for i := range 300 {
		guesses <- i
	}
	close(guesses)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range guesses {
				body := fmt.Sprintf(`{"email":%q,"password":"guess-number-%d"}`, victim.email, i)
				resp, err := attacker.Post(s.fleet.URL+"/api/v1/auth/login", "application/json", strings.NewReader(body))
				if err != nil {
					t.Errorf("guess %d: %v", i, err)
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
				mu.Lock()
				statuses[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Go(func() { // Bob logs in while the guessing goes on
		for range 5 {
			d := s.timedLogin(bob.email)
			mu.Lock()
			during = append(during, d)
			mu.Unlock()
		}
	})
	wg.Wait()
	for status, n := range statuses {
		if status >= 500 {
			t.Errorf("%d guesses answered %d", n, status)
		}
	}
	if statuses[http.StatusTooManyRequests] < 290 {
		t.Errorf("answers %v: want all but a handful refused with 429", statuses)
	}
	slices.Sort(during)
	t.Logf("answers %v; Bob's login before %s, during (median) %s", statuses, before, during[len(during)/2])
}

// timedLogin logs the customer in (it must succeed) and says how long it took.
func (s *shop) timedLogin(email string) time.Duration {
	s.t.Helper()
	start := time.Now()
	s.login(email, "correct-horse-9")
	return time.Since(start)
}
