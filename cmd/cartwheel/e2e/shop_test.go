package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"

	_ "github.com/glebarez/go-sqlite" // the "sqlite" driver the dev fleet's databases use
)

// Secrets the tests know so they can forge what an attacker cannot: signed webhooks and
// expired tokens.
const (
	testJWTSecret     = "e2e-jwt-secret-0123456789abcdef0123456789"
	testWebhookSecret = "e2e-webhook-secret-0123456789abcdef012345"
	adminEmail        = "admin@cartwheel.local"
	adminPassword     = "cartwheel-admin"
)

// shop is one running fleet with helpers to talk to it.
type shop struct {
	t     testing.TB
	fleet *fleet.Fleet
	http  *http.Client
}

// testBroker keeps the embedded broker's timers short, so tests that wait on a
// redelivery or a check-back finish in seconds.
var testBroker = embedded.Options{
	PollInterval: 20 * time.Millisecond,
	CheckAfter:   500 * time.Millisecond,
	RetryBackoff: func(n int) time.Duration { return time.Duration(n+1) * 100 * time.Millisecond },
}

// newShop starts a fresh fleet on ephemeral ports with its own data folder. env
// overrides the test defaults.
func newShop(t testing.TB, env map[string]string) *shop {
	t.Helper()
	return newShopWith(t, env, testBroker)
}

// newShopWith is newShop with the embedded broker tuned by broker (the zero value is
// make run's broker).
func newShopWith(t testing.TB, env map[string]string, broker embedded.Options) *shop {
	t.Helper()
	merged := map[string]string{
		"USER_BCRYPT_COST":       "4",
		"GATEWAY_JWT_SECRET":     testJWTSecret,
		"PAYMENT_WEBHOOK_SECRET": testWebhookSecret,
		"GATEWAY_RATE_PER_IP":    "10000",
		"GATEWAY_BURST_PER_IP":   "10000",
		"GATEWAY_RATE_PER_USER":  "10000",
		"GATEWAY_BURST_PER_USER": "10000",
		// Every test logs in from 127.0.0.1; the login defence has its own test.
		"GATEWAY_LOGIN_BURST_PER_IP": "10000",
		"PRODUCT_SEED_DEMO":          "true",
		"ORDER_SWEEP_INTERVAL":       "1s",
		// These tests judge correctness under concurrency, not latency (make bench does
		// that): under -race on two cores the embedded mode's serialised SQLite writes
		// make 200 concurrent orders far slower than production, so calls get time.
		"GATEWAY_RPC_TIMEOUT":  "20s",
		"ORDER_RPC_TIMEOUT":    "20s",
		"PAYMENT_RPC_TIMEOUT":  "20s",
		"CARTWHEEL_TEST_FLEET": "1",
	}
	for k, v := range env {
		merged[k] = v
	}
	level := slog.LevelWarn
	if os.Getenv("CARTWHEEL_E2E_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	opts := fleet.Options{
		DataDir:   t.TempDir(),
		Env:       merged,
		Ephemeral: true,
		Logger:    log,
		Broker:    broker,
	}
	useEngines(t, &opts)
	f, err := fleet.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(f.Stop)
	s := &shop{t: t, fleet: f, http: &http.Client{Timeout: 15 * time.Second}}
	// Cleanups run last-in first-out: the invariants are checked on the running shop,
	// then idle keep-alive connections go, so the gateway's graceful shutdown has
	// nothing to wait for.
	t.Cleanup(s.http.CloseIdleConnections)
	t.Cleanup(s.checkInvariants)
	testkit.Eventually(s.t, 10*time.Second, "gateway ready", func() bool {
		return s.call("GET", "/readyz", "", nil, nil).status == http.StatusOK
	})
	return s
}

// checkInvariants fails the test unless every promise of ARCHITECTURE.md §5 holds once
// in-flight messages have settled.
func (s *shop) checkInvariants() {
	s.t.Helper()
	dbs := invariants.Databases{Product: s.openDB("PRODUCT"), Order: s.openDB("ORDER"), Payment: s.openDB("PAYMENT")}
	var broken []string
	deadline := time.Now().Add(15 * time.Second)
	for {
		var err error
		broken, err = invariants.Check(context.Background(), dbs, invariants.Options{})
		if err != nil {
			s.t.Fatalf("invariants: %v", err)
		}
		if len(broken) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, b := range broken {
		s.t.Errorf("invariant broken: %s", b)
	}
}

// openDB opens a service's database read-side, as the fleet configured it.
func (s *shop) openDB(prefix string) *sql.DB {
	s.t.Helper()
	driver, dsn := s.fleet.Env[prefix+"_DB_DRIVER"], s.fleet.Env[prefix+"_DB_DSN"]
	if driver == "" {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = db.Close() })
	return db
}

// reply is one HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t testing.TB, into any) {
	t.Helper()
	if err := json.Unmarshal(r.body, into); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// apiError is the error envelope of API.md.
type apiError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	Details   []struct {
		Field  string `json:"field"`
		Reason string `json:"reason"`
	} `json:"details"`
}

func (r reply) err(t testing.TB) apiError {
	t.Helper()
	var e apiError
	r.decode(t, &e)
	if e.Code == "" || e.RequestID == "" {
		t.Fatalf("error body is not the envelope: %s", r.body)
	}
	return e
}

// call sends one request. body may be a string (sent raw), nil, or a value to encode.
func (s *shop) call(method, path, token string, body any, headers map[string]string) reply {
	s.t.Helper()
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rdr = strings.NewReader(b)
	case []byte:
		rdr = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.fleet.URL+path, rdr)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must sends a request and fails the test unless the status is want.
func (s *shop) must(want int, method, path, token string, body any, headers map[string]string) reply {
	s.t.Helper()
	r := s.call(method, path, token, body, headers)
	if r.status != want {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// drained waits until the broker has delivered everything sent so far and every handler
// is done, so that a message that must not have been sent has shown its effect. RocketMQ's
// lag is an estimate blind to a group this process has not consumed from yet, so on the
// real engines a fixed window stands in for it.
func (s *shop) drained() {
	s.t.Helper()
	if broker, ok := s.fleet.MQ.(*embedded.Broker); ok {
		testkit.Drained(s.t, broker, 15*time.Second)
		return
	}
	time.Sleep(500 * time.Millisecond)
}

type money struct {
	AmountCents int64  `json:"amount_cents"`
	Currency    string `json:"currency"`
}

type order struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	CancelReason string `json:"cancel_reason"`
	Lines        []struct {
		SKU       string `json:"sku"`
		Name      string `json:"name"`
		Quantity  int64  `json:"quantity"`
		UnitPrice money  `json:"unit_price"`
	} `json:"lines"`
	Total money `json:"total"`
}

type payment struct {
	ID          string `json:"id"`
	OrderID     string `json:"order_id"`
	Status      string `json:"status"`
	Amount      money  `json:"amount"`
	Provider    string `json:"provider"`
	CheckoutURL string `json:"checkout_url"`
}

type stock struct {
	SKU       string `json:"sku"`
	Available int64  `json:"available"`
	Reserved  int64  `json:"reserved"`
	Sold      int64  `json:"sold"`
}

// customer is a registered, logged-in shopper with one address.
type customer struct {
	token   string
	address string
	email   string
}

func (s *shop) login(email, password string) string {
	s.t.Helper()
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int64  `json:"expires_in"`
	}
	s.must(200, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, nil).decode(s.t, &tok)
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
		s.t.Fatalf("login answer incomplete: %+v", tok)
	}
	return tok.AccessToken
}

func (s *shop) admin() string { return s.login(adminEmail, adminPassword) }

func (s *shop) newCustomer(name string) customer {
	s.t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", strings.ToLower(name), time.Now().UnixNano())
	s.must(201, "POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": "correct-horse-9", "name": name}, nil)
	token := s.login(email, "correct-horse-9")
	var addr struct {
		ID string `json:"id"`
	}
	s.must(201, "POST", "/api/v1/me/addresses", token, map[string]string{
		"recipient": name, "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US",
	}, nil).decode(s.t, &addr)
	return customer{token: token, address: addr.ID, email: email}
}

// newSKU creates a product with one SKU priced at cents and stocks it with qty units.
func (s *shop) newSKU(admin string, cents, qty int64) string {
	s.t.Helper()
	var cats struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	s.must(200, "GET", "/api/v1/categories", "", nil, nil).decode(s.t, &cats)
	if len(cats.Items) == 0 {
		s.t.Fatal("no categories seeded")
	}
	code := fmt.Sprintf("E2E-%d", time.Now().UnixNano())
	s.must(201, "POST", "/api/v1/admin/products", admin, map[string]any{
		"name": "Test kettle " + code, "description": "for tests", "category_id": cats.Items[0].ID,
		"skus": []map[string]any{{"sku": code, "attributes": map[string]string{"colour": "red"}, "price": money{cents, "USD"}}},
	}, nil)
	if qty > 0 {
		s.must(200, "POST", "/api/v1/admin/skus/"+code+"/stock", admin, map[string]any{"delta": qty, "reason": "e2e stock"}, nil)
	}
	return code
}

func (s *shop) stock(admin, sku string) stock {
	s.t.Helper()
	var st stock
	s.must(200, "GET", "/api/v1/admin/skus/"+sku+"/stock", admin, nil, nil).decode(s.t, &st)
	return st
}

func (s *shop) placeOrder(c customer, key string, lines ...map[string]any) reply {
	s.t.Helper()
	return s.call("POST", "/api/v1/orders", c.token, map[string]any{"lines": lines, "address_id": c.address}, map[string]string{"Idempotency-Key": key})
}

func line(sku string, qty int64) map[string]any { return map[string]any{"sku": sku, "quantity": qty} }

func (s *shop) order(c customer, id string) order {
	s.t.Helper()
	var o order
	s.must(200, "GET", "/api/v1/orders/"+id, c.token, nil, nil).decode(s.t, &o)
	return o
}

// settle waits until the order leaves PENDING and returns it.
func (s *shop) settle(c customer, id string) order {
	s.t.Helper()
	var o order
	testkit.Eventually(s.t, 15*time.Second, "order "+id+" settles", func() bool {
		o = s.order(c, id)
		return o.Status != "PENDING"
	})
	return o
}

func (s *shop) waitStatus(c customer, id, status string, within time.Duration) order {
	s.t.Helper()
	var o order
	testkit.Eventually(s.t, within, "order "+id+" reaches "+status, func() bool {
		o = s.order(c, id)
		return o.Status == status
	})
	return o
}

func (s *shop) payment(c customer, id string) payment {
	s.t.Helper()
	var p payment
	s.must(200, "GET", "/api/v1/payments/"+id, c.token, nil, nil).decode(s.t, &p)
	return p
}
