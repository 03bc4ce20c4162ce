package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/cloudwego/hertz/pkg/app"

	"github.com/cartwheel-shop/cartwheel/pkg/canary"
	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
)

// startLive makes the live settings from the environment (cfg), has them tune the rate
// limits and the log level, and follows the config center when cfg.Live says so. stop
// ends the following.
func startLive(cfg Config, log *slog.Logger, limits limiters) (live *livecfg.Store, stop func(), err error) {
	live, err = livecfg.NewStore(livecfg.Settings{
		RatePerIP: cfg.RatePerIP, BurstPerIP: cfg.BurstPerIP,
		RatePerUser: cfg.RatePerUser, BurstPerUser: cfg.BurstPerUser,
		CanaryShare: cfg.CanaryShare,
	}, log.With("component", "livecfg"))
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: %w", err)
	}
	live.Watch(limits.tune)
	if level := logging.LevelOf(log); level != nil {
		started := level.Level() // an empty log_level goes back to it
		live.Watch(func(s livecfg.Settings) {
			if s.LogLevel == "" {
				level.Set(started)
			} else {
				level.Set(logging.Level(s.LogLevel))
			}
		})
	}
	stop, err = livecfg.Follow(cfg.Live, live, log.With("component", "livecfg"))
	if err != nil {
		return nil, nil, fmt.Errorf("gateway: live settings: %w", err)
	}
	return live, stop, nil
}

// routeCanary carries the canary decision (pkg/canary) in the request's context, where
// the Kitex clients' balancer reads it: X-Canary: always, or a signed-in user inside the
// live share. It runs before and after authentication, so an anonymous request can be
// sent by the header and a signed-in one by its user too; once chosen, a request stays.
func routeCanary(live *livecfg.Store) app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		if !canary.Chosen(ctx) && canary.Decide(strings.TrimSpace(string(c.GetHeader(canary.Header))), callerID(c), live.Current().CanaryShare) {
			ctx = canary.WithCanary(ctx)
		}
		c.Next(ctx)
	}
}
