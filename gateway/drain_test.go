package gateway

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	productapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// runGateway runs a gateway in front of f on 127.0.0.1:0 and returns its address, the
// stop that ends Run, and Run's result.
func runGateway(t *testing.T, f *fakes) (g *Gateway, stop context.CancelFunc, done <-chan error) {
	t.Helper()
	cfg := testConfig(t)
	cfg.Addr = closedAddr(t)
	g, cleanup, err := New(t.Context(), cfg, Deps{Logger: slog.New(slog.DiscardHandler), Registry: registry.NewStatic(nil), Clients: f.clients()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- g.Run(ctx) }()
	t.Cleanup(cancel)
	waitServing(t, g.Addr().String())
	return g, cancel, ran
}

// stopsWithin cancels Run and fails the test unless it returns, without error, within
// limit (the write timeout, 10 s, is what Hertz would otherwise wait).
func stopsWithin(t *testing.T, stop context.CancelFunc, done <-chan error, limit time.Duration) {
	t.Helper()
	start := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		if took := time.Since(start); took > limit {
			t.Fatalf("shutdown took %s, want under %s", took, limit)
		}
	case <-time.After(limit):
		t.Fatalf("shutdown still waiting after %s", limit)
	}
}

// TestShutdownClosesIdleKeepAliveConnections: a client holding a keep-alive connection
// between requests does not hold the gateway's exit (it used to, for the whole write
// timeout); the connection is closed, and the client's next request opens a new one.
func TestShutdownClosesIdleKeepAliveConnections(t *testing.T) {
	g, stop, done := runGateway(t, newFakes())
	addr := g.Addr().String()
	client := &http.Client{Timeout: 5 * time.Second} // keeps its connection idle in its pool
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()

	// And one connection that never sent a byte (a browser's preconnect).
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	stopsWithin(t, stop, done, time.Second)
	if err := raw.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Read(make([]byte, 1)); err == nil {
		t.Fatal("the unused connection is still open after shutdown")
	}
}

// TestShutdownFinishesRequestsInFlight: closing idle connections spares a request being
// served: it is answered, with Connection: close, and then the gateway exits.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	f := newFakes()
	entered, release := make(chan struct{}), make(chan struct{})
	f.products.listCategories = func(context.Context) (*productapi.ListCategoriesResponse, error) {
		close(entered)
		<-release
		return &productapi.ListCategoriesResponse{}, nil
	}
	g, stop, done := runGateway(t, f)
	addr := g.Addr().String()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/v1/categories HTTP/1.1\r\nHost: gw\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	<-entered
	stopped := make(chan struct{})
	go func() { stopsWithin(t, stop, done, 2*time.Second); close(stopped) }()
	// Two sweeps for idle connections pass while the request is being served.
	for before := g.conns.sweeps.Load(); g.conns.sweeps.Load() < before+2; {
		time.Sleep(time.Millisecond)
	}
	close(release)

	if err := conn.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight lost its answer: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !resp.Close {
		t.Fatalf("in flight during shutdown: %d, close %v; want 200 and Connection: close", resp.StatusCode, resp.Close)
	}
	<-stopped
}

// TestClosedConnectionsAreForgotten: the connections shutdown may close are tracked
// only while they are open, so a long-running gateway does not accumulate them.
func TestClosedConnectionsAreForgotten(t *testing.T) {
	g, _, _ := runGateway(t, newFakes())
	client := &http.Client{Timeout: 5 * time.Second}
	for range 3 {
		resp, err := client.Get("http://" + g.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		client.CloseIdleConnections()
	}
	open := func() int {
		g.conns.mu.Lock()
		defer g.conns.mu.Unlock()
		return len(g.conns.conns)
	}
	testkit.Eventually(t, 5*time.Second, "closed connections to be forgotten", func() bool { return open() == 0 })
}
