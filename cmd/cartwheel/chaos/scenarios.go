package chaos

import (
	"context"
	"fmt"
	"time"
)

// scenario is one fault. prepare runs before the load starts and undo after the checks
// (both nil, or both set); inject runs at a random moment of the load and returns
// once it has set the fault right again (restarted what it killed).
type scenario struct {
	name, fault string
	prepare     func(ctx context.Context, r *runner) error
	inject      func(ctx context.Context, r *runner) error
	undo        func(ctx context.Context, r *runner) error
	// gapless scenarios promise no failed request at all.
	gapless bool
}

// Outages of the engines: a short pause, and one longer than the payment timeout (the
// broker's, which carries the timeouts themselves).
const (
	enginePause = 5 * time.Second
	longPause   = 20 * time.Second
	stallFor    = 10 * time.Second
	faultyLoad  = 20 * time.Second
)

// mqFaults is what the duplicated-and-reordered scenario sets for the three services
// that consume messages.
const mqFaults = "dup=0.3,delay=0.3,max=2s"

var consumers = []string{"product", "order", "payment"}

func allScenarios() []scenario {
	var all []scenario
	for _, b := range binaries {
		all = append(all, scenario{
			name: "kill-" + b, fault: "kill -9 of " + b + ", started again at once",
			inject: func(ctx context.Context, r *runner) error {
				if err := r.c.fleet(ctx, "kill", b); err != nil {
					return err
				}
				return r.c.fleet(ctx, "start", b)
			},
		})
	}
	for _, e := range []struct {
		engine, what string
		pause        time.Duration
	}{
		{"broker", "the RocketMQ broker", longPause},
		{"namesrv", "the RocketMQ name server", enginePause},
		{"nacos", "Nacos", enginePause},
		{"mariadb", "MariaDB", enginePause},
		{"redis", "Redis", enginePause},
	} {
		all = append(all, scenario{
			name: "kill-" + e.engine, fault: fmt.Sprintf("kill -9 of %s, started again after %s", e.what, e.pause),
			inject: func(ctx context.Context, r *runner) error {
				if err := r.c.infra(ctx, "kill", e.engine); err != nil {
					return err
				}
				pause(ctx, e.pause)
				return r.c.infra(ctx, "start", e.engine)
			},
		})
	}
	all = append(all,
		scenario{
			name: "mq-faults", fault: "duplicated and held-back deliveries (" + mqFaults + ") in product, order and payment",
			prepare: func(ctx context.Context, r *runner) error { return r.consumerFaults(ctx, mqFaults) },
			// On for the whole load; the load goes on for a while so that many messages
			// pass through the faulty consumers.
			inject: func(ctx context.Context, _ *runner) error { pause(ctx, faultyLoad); return nil },
			undo:   func(ctx context.Context, r *runner) error { return r.consumerFaults(ctx, "") },
		},
		scenario{
			name: "stall-redis", fault: fmt.Sprintf("Redis accepts connections and answers nothing for %s", stallFor),
			inject: func(ctx context.Context, r *runner) error {
				r.redis.Stall()
				pause(ctx, stallFor)
				r.redis.Resume()
				return nil
			},
		},
		scenario{
			name: "rolling-restart", fault: "rolling restart of every binary, one at a time (surge, ready, drain, TERM)", gapless: true,
			inject: func(ctx context.Context, r *runner) error {
				for _, b := range binaries {
					if err := r.c.fleet(ctx, "restart", b); err != nil {
						return err
					}
				}
				return nil
			},
		},
	)
	return all
}

// consumerFaults restarts product, order and payment one at a time, without a gap,
// with <PREFIX>MQ_FAULTS set to faults ("" for none).
func (r *runner) consumerFaults(ctx context.Context, faults string) error {
	for _, b := range consumers {
		key := map[string]string{"product": "PRODUCT_MQ_FAULTS", "order": "ORDER_MQ_FAULTS", "payment": "PAYMENT_MQ_FAULTS"}[b]
		if faults == "" {
			delete(r.c.env, key) // the services refuse a variable set but empty
		} else {
			r.c.env[key] = faults
		}
		if err := r.c.fleet(ctx, "restart", b); err != nil {
			return err
		}
	}
	return nil
}
