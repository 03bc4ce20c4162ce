package suite_test

import (
	"context"
	"errors"
	"net"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/server"

	userapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
)

// wait bounds every wait on Run: Kitex registers a second after it starts, and stopping
// takes a little more.
const wait = 10 * time.Second

// users answers GetUser; the rest of the service is never called.
type users struct{ userapi.UserService }

func (*users) GetUser(_ context.Context, req *userapi.GetUserRequest) (*userapi.User, error) {
	return &userapi.User{Id: req.UserId, Email: "ann@example.com"}, nil
}

func newServer(t *testing.T, reg registry.Registry) (*suite.Server, net.Listener) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := suite.NewServer("user", ln, reg, nil, func(opts ...server.Option) server.Server {
		return userservice.NewServer(&users{}, opts...)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv, ln
}

// run starts srv.Run(ctx) and returns what it returns.
func run(ctx context.Context, srv *suite.Server) <-chan error {
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	return done
}

// returned waits for Run, failing the test if it takes longer than wait.
func returned(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(wait):
		t.Fatalf("Run did not return within %s", wait)
		return nil
	}
}

func registered(t *testing.T, reg *registry.Static) int {
	t.Helper()
	res, err := reg.Resolve(context.Background(), "user")
	if err != nil {
		return 0
	}
	return len(res.Instances)
}

// waitUp waits until the server has registered, which Kitex does once it is up.
func waitUp(t *testing.T, reg *registry.Static) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for registered(t, reg) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("not registered within %s", wait)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// refused reports whether nothing accepts connections on addr any more.
func refused(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

func TestRunServesUntilCancelledThenStops(t *testing.T) {
	reg := registry.NewStatic(nil)
	srv, ln := newServer(t, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, srv)

	client, err := userservice.NewClient("user", suite.ClientOptions(reg, 3*time.Second, nil)...)
	if err != nil {
		t.Fatal(err)
	}
	waitUp(t, reg)
	got, err := client.GetUser(context.Background(), &userapi.GetUserRequest{UserId: "u1"})
	if err != nil || got.Id != "u1" {
		t.Fatalf("GetUser through the registry = %v, %v", got, err)
	}

	cancel()
	if err := returned(t, done); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
	if n := registered(t, reg); n != 0 {
		t.Fatalf("still registered after Run returned: %d instances", n)
	}
	if !refused(ln.Addr().String()) {
		t.Fatal("still accepting connections after Run returned")
	}
}

// A stop asked for while Kitex is still starting must neither hang nor leave it serving.
func TestRunStopsWhenCancelledDuringStartUp(t *testing.T) {
	for _, name := range []string{"before_run", "right_after_run"} {
		t.Run(name, func(t *testing.T) {
			reg := registry.NewStatic(nil)
			srv, ln := newServer(t, reg)
			ctx, cancel := context.WithCancel(context.Background())
			if name == "before_run" {
				cancel()
			}
			done := run(ctx, srv)
			cancel()
			if err := returned(t, done); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if n := registered(t, reg); n != 0 {
				t.Fatalf("still registered after Run returned: %d instances", n)
			}
			if !refused(ln.Addr().String()) {
				t.Fatal("still accepting connections after Run returned")
			}
		})
	}
}

// failingRegistry refuses every registration, which makes Kitex stop on its own.
type failingRegistry struct{ *registry.Static }

func (r failingRegistry) Registrar() kregistry.Registry { return failingRegistrar{r.Static} }

type failingRegistrar struct{ kregistry.Registry }

var errRegistryDown = errors.New("registry down")

func (failingRegistrar) Register(*kregistry.Info) error { return errRegistryDown }

func TestRunReportsAStopNobodyAskedFor(t *testing.T) {
	srv, _ := newServer(t, failingRegistry{registry.NewStatic(nil)})
	err := returned(t, run(context.Background(), srv))
	if !errors.Is(err, errRegistryDown) {
		t.Fatalf("Run = %v, want an error wrapping %v", err, errRegistryDown)
	}
}

// Signals belong to main: a SIGTERM to the process must not stop the server behind
// Run's back, as Kitex's own handler would.
func TestRunLeavesSignalsToMain(t *testing.T) {
	ours := make(chan os.Signal, 1)
	signal.Notify(ours, syscall.SIGTERM) // keeps the test process alive through the signal
	defer signal.Stop(ours)

	reg := registry.NewStatic(nil)
	srv, ln := newServer(t, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, srv)
	waitUp(t, reg) // Kitex would have installed its handlers by now
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ours:
	case <-time.After(wait):
		t.Fatal("SIGTERM never arrived")
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned on SIGTERM: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if refused(ln.Addr().String()) {
		t.Fatal("the server stopped accepting connections on SIGTERM")
	}
	cancel()
	if err := returned(t, done); err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestRunTwiceIsRefused(t *testing.T) {
	reg := registry.NewStatic(nil)
	srv, _ := newServer(t, reg)
	ctx, cancel := context.WithCancel(context.Background())
	done := run(ctx, srv)
	waitUp(t, reg)
	if err := srv.Run(ctx); err == nil {
		t.Fatal("a second Run was accepted")
	}
	cancel()
	if err := returned(t, done); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestCloseReleasesTheListenerOfAServerNeverRun(t *testing.T) {
	srv, ln := newServer(t, registry.NewStatic(nil))
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if !refused(ln.Addr().String()) {
		t.Fatal("the listener still accepts connections after Close")
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}
