package gateway

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/tracer"
	"github.com/cloudwego/hertz/pkg/network"
	hnetpoll "github.com/cloudwego/hertz/pkg/network/netpoll"
	"github.com/cloudwego/netpoll"
)

// openConns lets shutdown close the public connections that wait for a next request.
//
// Hertz serves a keep-alive connection in one loop that, between requests, waits up
// to the idle timeout for the next one; netpoll counts such a connection as busy, so a
// graceful shutdown waited the whole exit time (the write timeout, 10 s) for every
// client that merely kept a connection open. openConns knows which connections are
// inside a request (from the handler chain's start to the response's flush) and closes
// the others while Hertz shuts down, as net/http's Shutdown closes idle connections.
// Requests in flight finish and are answered with Connection: close.
type openConns struct {
	mu    sync.Mutex
	conns map[*openConn]struct{}
	// sweeps counts the passes of closeIdle, so tests can wait for one.
	sweeps atomic.Int64
}

type openConn struct {
	conn network.Conn
	// serving is true from the handler chain's start until the response is flushed.
	serving atomic.Bool
}

type openConnKey struct{}

func newOpenConns() *openConns { return &openConns{conns: map[*openConn]struct{}{}} }

// accept is Hertz's OnAccept hook: it tracks the connection until netpoll closes it and
// puts it in the connection's context, which every request on it inherits. A
// connection of another transport is not tracked (shutdown then waits for it).
func (o *openConns) accept(conn net.Conn) context.Context {
	ctx := context.Background()
	hc, ok := conn.(*hnetpoll.Conn)
	if !ok {
		return ctx
	}
	np, ok := hc.Conn.(netpoll.Connection)
	if !ok {
		return ctx
	}
	oc := &openConn{conn: hc}
	o.mu.Lock()
	o.conns[oc] = struct{}{}
	o.mu.Unlock()
	forget := func(netpoll.Connection) error {
		o.mu.Lock()
		delete(o.conns, oc)
		o.mu.Unlock()
		return nil
	}
	if err := np.AddCloseCallback(forget); err != nil {
		_ = forget(np) // already closed: nothing to drain
		return ctx
	}
	return context.WithValue(ctx, openConnKey{}, oc)
}

// serving marks the connection busy when the handler chain starts; it must run first.
func (o *openConns) serving() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if oc, ok := ctx.Value(openConnKey{}).(*openConn); ok {
			oc.serving.Store(true)
		}
		c.Next(ctx)
	}
}

// Start and Finish make openConns a Hertz tracer: Finish runs once the response is
// flushed (and again when the connection's loop ends), which is when the connection is
// idle again.
func (o *openConns) Start(ctx context.Context, _ *app.RequestContext) context.Context { return ctx }

func (o *openConns) Finish(ctx context.Context, _ *app.RequestContext) {
	if oc, ok := ctx.Value(openConnKey{}).(*openConn); ok {
		oc.serving.Store(false)
	}
}

// closeIdle closes, every tick until ctx ends, the tracked connections that are not
// serving a request and have no unread bytes (no next request has begun to arrive).
func (o *openConns) closeIdle(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		o.sweep()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (o *openConns) sweep() {
	o.mu.Lock()
	var idle []network.Conn
	for oc := range o.conns {
		if !oc.serving.Load() && oc.conn.Len() == 0 {
			idle = append(idle, oc.conn)
		}
	}
	o.mu.Unlock()
	for _, c := range idle {
		_ = c.Close()
	}
	o.sweeps.Add(1)
}

var _ tracer.Tracer = (*openConns)(nil)
