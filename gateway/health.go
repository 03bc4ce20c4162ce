package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"github.com/cartwheel-shop/cartwheel/pkg/errs"
)

// probeTimeout bounds /readyz, which orchestrators call every few seconds.
const probeTimeout = time.Second

// healthz answers while the process can serve HTTP at all; it checks nothing else, so
// a dependency outage never gets the gateway restarted.
func healthz(_ context.Context, c *app.RequestContext) {
	c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readiness reports whether every service resolves and accepts a TCP connection.
type readiness struct {
	resolver discovery.Resolver
	services []string
}

// check names the unreachable services, or returns nil.
func (r *readiness) check(ctx context.Context) error {
	if down := r.down(ctx); len(down) > 0 {
		return fmt.Errorf("unreachable: %s", strings.Join(down, ", "))
	}
	return nil
}

func (r *readiness) handle(ctx context.Context, c *app.RequestContext) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	down := r.down(ctx)
	if len(down) == 0 {
		c.JSON(http.StatusOK, map[string]string{"status": "ready"})
		return
	}
	e := errs.Newf(errs.Unavailable, "not ready: %s unreachable", strings.Join(down, ", "))
	for _, name := range down {
		e.Details = append(e.Details, errs.FieldViolation{Field: name, Reason: "unreachable"})
	}
	abortWith(c, e)
}

// down probes the services concurrently and lists the failing ones in a stable order.
func (r *readiness) down(ctx context.Context) []string {
	var (
		mu   sync.Mutex
		down []string
		wg   sync.WaitGroup
	)
	for _, name := range r.services {
		wg.Go(func() {
			if !r.reachable(ctx, name) {
				mu.Lock()
				down = append(down, name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(down)
	return down
}

// reachable is true when any instance of the service accepts a connection.
func (r *readiness) reachable(ctx context.Context, name string) bool {
	target := r.resolver.Target(ctx, rpcinfo.NewEndpointInfo(name, "", nil, nil))
	res, err := r.resolver.Resolve(ctx, target)
	if err != nil {
		return false
	}
	var d net.Dialer
	for _, inst := range res.Instances {
		conn, err := d.DialContext(ctx, inst.Address().Network(), inst.Address().String())
		if err == nil {
			_ = conn.Close() // nothing was sent; a close error changes nothing
			return true
		}
	}
	return false
}
