package suite_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/endpoint"
	"github.com/cloudwego/kitex/pkg/kerrors"
	"github.com/cloudwego/kitex/server"

	orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/errs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/suite/suitetest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// attempts counts the tries of every call a client makes (user middleware runs once
// per try, inside Kitex's retry).
type attempts struct{ n atomic.Int64 }

func (a *attempts) middleware(next endpoint.Endpoint) endpoint.Endpoint {
	return func(ctx context.Context, req, resp any) error {
		a.n.Add(1)
		return next(ctx, req, resp)
	}
}

func (a *attempts) take() int64 { return a.n.Swap(0) }

// userClient calls service "user" at addr through suite.ClientOptions.
func userClient(t *testing.T, addr string, timeout time.Duration) (userservice.Client, *attempts) {
	t.Helper()
	reg := registry.NewStatic(map[string][]string{"user": {addr}})
	a := &attempts{}
	cli, err := userservice.NewClient("user", append(suite.ClientOptions(reg, timeout, nil), client.WithMiddleware(a.middleware))...)
	if err != nil {
		t.Fatal(err)
	}
	return cli, a
}

func TestCallThatNeverLeftIsRetriedWhateverTheMethod(t *testing.T) {
	cli, tries := userClient(t, testkit.FreeAddr(t), time.Second)
	for name, call := range map[string]func() error{
		"read": func() error { _, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"}); return err },
		"write": func() error {
			_, err := cli.Register(t.Context(), &userapi.RegisterRequest{Email: "a@b.c"})
			return err
		},
	} {
		err := call()
		if err == nil || !(errors.Is(err, kerrors.ErrGetConnection) || errors.Is(err, kerrors.ErrInstanceCircuitBreak)) {
			t.Fatalf("%s: got %v, want a connection failure", name, err)
		}
		if n := tries.take(); n != 1+suite.MaxRetries {
			t.Errorf("%s: %d tries of a call that never left the process, want %d", name, n, 1+suite.MaxRetries)
		}
	}
}

func TestBrokenConnectionRetriesOnlyIdempotentCalls(t *testing.T) {
	cli, tries := userClient(t, suitetest.HangsUp(t), time.Second)
	if _, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"}); err == nil {
		t.Fatal("GetUser answered by a server that hangs up")
	}
	if n := tries.take(); n != 1+suite.MaxRetries {
		t.Errorf("read on a broken connection: %d tries, want %d", n, 1+suite.MaxRetries)
	}
	if _, err := cli.Register(t.Context(), &userapi.RegisterRequest{Email: "a@b.c"}); err == nil {
		t.Fatal("Register answered by a server that hangs up")
	}
	if n := tries.take(); n != 1 {
		t.Errorf("Register on a broken connection: %d tries; it may have been applied, so it must not be sent again", n)
	}
}

// CreateOrder is answered once per idempotency key, so a broken connection may be
// retried: a second send of the same request replays the first order.
func TestBrokenConnectionRetriesCreateOrder(t *testing.T) {
	reg := registry.NewStatic(map[string][]string{"order": {suitetest.HangsUp(t)}})
	tries := &attempts{}
	cli, err := orderservice.NewClient("order", append(suite.ClientOptions(reg, time.Second, nil), client.WithMiddleware(tries.middleware))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateOrder(t.Context(), &orderapi.CreateOrderRequest{UserId: "u", IdempotencyKey: "k"}); err == nil {
		t.Fatal("CreateOrder answered by a server that hangs up")
	}
	if n := tries.take(); n != 1+suite.MaxRetries {
		t.Errorf("CreateOrder on a broken connection: %d tries, want %d", n, 1+suite.MaxRetries)
	}
}

func TestTimeoutIsNotRetried(t *testing.T) {
	cli, tries := userClient(t, suitetest.Stalled(t), 100*time.Millisecond)
	_, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"})
	if !errors.Is(err, kerrors.ErrRPCTimeout) {
		t.Fatalf("got %v, want a timeout", err)
	}
	if n := tries.take(); n != 1 {
		t.Errorf("%d tries after a timeout, want 1: the caller's time is spent", n)
	}
}

// missingUsers answers every GetUser with a business error.
type missingUsers struct{ userapi.UserService }

func (*missingUsers) GetUser(context.Context, *userapi.GetUserRequest) (*userapi.User, error) {
	return nil, errs.New(errs.UserNotFound).ToBiz()
}

func TestBusinessErrorIsNeitherRetriedNorCountedByTheBreaker(t *testing.T) {
	reg := registry.NewStatic(nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := suite.NewServer("user", ln, reg, nil, func(opts ...server.Option) server.Server {
		return userservice.NewServer(&missingUsers{}, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	suitetest.Run(t, srv.Run)
	waitUp(t, reg)

	cli, tries := userClient(t, ln.Addr().String(), time.Second)
	for i := range 30 {
		_, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "nobody"})
		if got := errs.FromRPC(err); got == nil || got.Code != errs.UserNotFound {
			t.Fatalf("call %d: got %v, want USER_NOT_FOUND (a breaker that counts answers would open)", i, err)
		}
	}
	if n := tries.take(); n != 30 {
		t.Errorf("%d tries for 30 calls answered with a business error, want 30", n)
	}
}

func TestBreakerAnswersFastWhileAServiceStalls(t *testing.T) {
	const timeout = 150 * time.Millisecond
	cli, tries := userClient(t, suitetest.Stalled(t), timeout)
	// Enough timed-out calls to trip the service breaker (half of at least ten).
	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() { _, _ = cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"}) })
	}
	wg.Wait()
	tries.take()

	start := time.Now()
	_, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"})
	took := time.Since(start)
	if !suite.IsBreakerOpen(err) {
		t.Fatalf("after 12 timeouts: got %v, want the breaker's refusal", err)
	}
	if took >= timeout/2 {
		t.Errorf("the open breaker took %s to answer; it should not wait for the stalled service", took)
	}
	// The service breaker stands outside the tries: a refused call is not retried
	// and never reaches the transport.
	if n := tries.take(); n != 0 {
		t.Errorf("%d tries of a call refused by the service breaker, want none", n)
	}
}

func TestIdempotentMethods(t *testing.T) {
	for method, want := range map[string]bool{
		"GetUser": true, "ListOrders": true, "BatchGetSkus": true, "CreateOrder": true,
		"Register": false, "CreatePayment": false, "CancelOrder": false, "AdjustStock": false, "Login": false,
	} {
		if got := suite.Idempotent(method); got != want {
			t.Errorf("Idempotent(%q) = %v, want %v", method, got, want)
		}
	}
}

func TestRetriesStayWithinTheBudget(t *testing.T) {
	// A refused connection opens no breaker, so only the budget holds retries back.
	cli, tries := userClient(t, testkit.FreeAddr(t), time.Second)
	const calls = 60
	for range calls {
		_, _ = cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"})
	}
	// Unbudgeted, a dead service would get 1+MaxRetries tries per call; the budget
	// allows retries up to RetryBudget of the tries (and a few while the window fills).
	limit := int64(calls + calls/10 + 2*suite.MaxRetries + 10) // RetryBudget is 10%
	if n := tries.take(); n > limit {
		t.Errorf("%d tries for %d calls to a dead service, want at most %d", n, calls, limit)
	}
}

// TestRestartedServiceIsCalledAtOnce: while nothing listens, calls fail fast (refused),
// and since waiting cost nothing no breaker opens: the first call after the service is
// back is served, rather than refused for the breakers' cooling time.
func TestRestartedServiceIsCalledAtOnce(t *testing.T) {
	addr := testkit.FreeAddr(t)
	cli, _ := userClient(t, addr, time.Second)
	for i := range 30 {
		_, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"})
		if !errors.Is(err, kerrors.ErrGetConnection) {
			t.Fatalf("call %d to a dead service: %v, want a refused connection (no breaker)", i, err)
		}
	}

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	srv, err := suite.NewServer("user", ln, registry.NewStatic(nil), nil, func(opts ...server.Option) server.Server {
		return userservice.NewServer(&users{}, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	suitetest.Run(t, srv.Run)

	if _, err := cli.GetUser(t.Context(), &userapi.GetUserRequest{UserId: "u"}); err != nil {
		t.Fatalf("the first call once the service is back: %v", err)
	}
}
