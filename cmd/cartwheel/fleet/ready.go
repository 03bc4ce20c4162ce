package fleet

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"github.com/cartwheel-shop/cartwheel/gateway"
)

// resolvePoll is how often WaitReady asks the registry again; registering is a matter
// of milliseconds once a server runs.
const resolvePoll = 10 * time.Millisecond

// WaitReady returns once the registry resolves every service the gateway calls, so a
// request sent after it is served instead of answered "no instance of user"; or when
// ctx ends, or a server failed to start.
func (f *Fleet) WaitReady(ctx context.Context) error {
	resolver := f.Registry.Resolver()
	tick := time.NewTicker(resolvePoll)
	defer tick.Stop()
	for _, name := range []string{gateway.UserService, gateway.ProductService, gateway.OrderService, gateway.PaymentService} {
		target := resolver.Target(ctx, rpcinfo.NewEndpointInfo(name, "", nil, nil))
		for {
			if res, err := resolver.Resolve(ctx, target); err == nil && len(res.Instances) > 0 {
				break
			}
			if err := f.Err(); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("fleet: waiting for %s to register: %w", name, ctx.Err())
			case <-tick.C:
			}
		}
	}
	return nil
}
