// Package fleet starts the whole shop in one process: the four services, each a real
// Kitex server on its own loopback port, the Hertz gateway, a static registry and the
// embedded broker. The dev server and the end-to-end tests both use it.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cartwheel-shop/cartwheel/gateway"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/services/order"
	"github.com/cartwheel-shop/cartwheel/services/payment"
	"github.com/cartwheel-shop/cartwheel/services/product"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

// Options shape one fleet.
type Options struct {
	// DataDir holds the SQLite files of the services and of the broker.
	DataDir string
	// Env overrides the process environment; every service reads its own prefix from
	// the merged result, so anything a service can be configured with, a fleet can too.
	Env map[string]string
	// Ephemeral binds every server to 127.0.0.1:0 (tests run many fleets at once).
	Ephemeral bool
	// Broker tunes the embedded broker; zero values take its defaults.
	Broker embedded.Options
	// Registry and MQ choose real engines (Nacos, RocketMQ) instead of the static table
	// and the embedded broker; the zero value keeps the embedded defaults.
	Registry drivers.Registry
	MQ       drivers.MQ
	Logger   *slog.Logger
}

// Fleet is a running shop.
type Fleet struct {
	URL      string // the gateway, e.g. http://127.0.0.1:8080
	AdminURL string // the admin listener of the whole fleet, e.g. http://127.0.0.1:9880
	MQ       mq.Driver
	Registry registry.Registry
	Env      map[string]string
	// Telemetry holds the metrics of every server of the fleet, each series labelled
	// with its service.
	Telemetry *obs.Telemetry

	admin  *obs.Admin
	traced mq.Driver // MQ as the services see it: traced and counted

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	errMu   sync.Mutex
	runErr  error
	cleanup []func()
}

// Default addresses of the dev server; API.md promises the gateway's.
var defaultAddrs = map[string]string{
	"GATEWAY_ADDR": "127.0.0.1:8080",
	"USER_ADDR":    "127.0.0.1:8881",
	"PRODUCT_ADDR": "127.0.0.1:8882",
	"ORDER_ADDR":   "127.0.0.1:8883",
	"PAYMENT_ADDR": "127.0.0.1:8884",
	// One admin listener serves the whole process: /healthz, /readyz (every service's
	// database, the broker, the gateway's view of the services), /metrics, pprof.
	"CARTWHEEL_ADMIN_ADDR": "127.0.0.1:9880",
}

// runner is what every service and the gateway offer once built.
type runner interface {
	Run(ctx context.Context) error
}

// Start migrates every database, starts every server and returns once the gateway
// listens. Stop undoes it.
func Start(ctx context.Context, opts Options) (*Fleet, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	f := &Fleet{}
	if err := f.start(ctx, opts, log); err != nil {
		f.Stop()
		return nil, err
	}
	return f, nil
}

func (f *Fleet) start(ctx context.Context, opts Options, log *slog.Logger) error {
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return fmt.Errorf("fleet: data folder: %w", err)
	}
	listeners, err := f.listen(opts)
	if err != nil {
		return err
	}
	f.URL = "http://" + listeners["GATEWAY_ADDR"].Addr().String()
	f.Env = mergedEnv(opts, listeners, f.URL)
	f.Telemetry = obs.New()
	f.admin = obs.ServeAdmin(listeners["CARTWHEEL_ADMIN_ADDR"], f.Telemetry.Registry(), log)
	f.AdminURL = "http://" + f.admin.Addr().String()
	f.cleanup = append(f.cleanup, func() { closeAdmin(f.admin) })

	if err := f.openDrivers(opts, log); err != nil {
		return err
	}
	f.traced = f.Telemetry.MQ(f.MQ)

	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f.cancel = cancel
	runners, err := f.build(ctx, listeners, log)
	if err != nil {
		return err
	}
	checks := []obs.Check{{Name: "broker", Probe: f.traced.(interface{ Ping(context.Context) error }).Ping}}
	for name, r := range runners {
		if r, ok := r.(interface{ Ready(context.Context) error }); ok {
			checks = append(checks, obs.Check{Name: name, Probe: r.Ready})
		}
	}
	f.admin.Ready(checks...)
	for name, r := range runners {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			if err := r.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("fleet: server stopped", "server", name, "err", err)
				f.errMu.Lock()
				f.runErr = errors.Join(f.runErr, fmt.Errorf("%s: %w", name, err))
				f.errMu.Unlock()
			}
		}()
	}
	return nil
}

// openDrivers opens the registry and the broker: the embedded defaults unless opts
// names real engines.
func (f *Fleet) openDrivers(opts Options, log *slog.Logger) error {
	if opts.Registry.Driver == "" || opts.Registry.Driver == "static" {
		f.Registry = registry.NewStatic(nil)
	} else {
		reg, closeReg, err := drivers.OpenRegistry(opts.Registry, log)
		if err != nil {
			return fmt.Errorf("fleet: %w", err)
		}
		f.Registry = reg
		f.cleanup = append(f.cleanup, closeReg)
	}
	if opts.MQ.Driver == "" || opts.MQ.Driver == "embedded" {
		broker, err := embedded.Open(filepath.Join(opts.DataDir, "broker.db"), opts.Broker, log.With("component", "broker"))
		if err != nil {
			return fmt.Errorf("fleet: broker: %w", err)
		}
		f.MQ = broker
		f.cleanup = append(f.cleanup, func() { _ = broker.Close() })
		return nil
	}
	driver, closeMQ, err := drivers.OpenMQ(opts.MQ, log)
	if err != nil {
		return fmt.Errorf("fleet: %w", err)
	}
	f.MQ = driver
	f.cleanup = append(f.cleanup, closeMQ)
	return nil
}

// listen binds every address, and on a clash names every taken one, not just the
// first found, so one look at the message tells what to move or stop.
func (f *Fleet) listen(opts Options) (map[string]net.Listener, error) {
	out := map[string]net.Listener{}
	var taken []error
	for _, key := range slices.Sorted(maps.Keys(defaultAddrs)) {
		addr := defaultAddrs[key]
		if v, ok := opts.Env[key]; ok {
			addr = v
		} else if v, ok := os.LookupEnv(key); ok {
			addr = v
		}
		if opts.Ephemeral {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			taken = append(taken, fmt.Errorf("listen %s=%s: %w", key, addr, err))
			continue
		}
		out[key] = ln
	}
	if len(taken) > 0 {
		for _, l := range out {
			_ = l.Close()
		}
		return nil, fmt.Errorf("fleet: %w", errors.Join(taken...))
	}
	return out, nil
}

// mergedEnv layers: dev-server defaults < process environment < Options.Env, then the
// addresses actually bound.
func mergedEnv(opts Options, listeners map[string]net.Listener, url string) map[string]string {
	env := map[string]string{
		"USER_DB_DSN":               filepath.Join(opts.DataDir, "user.db"),
		"PRODUCT_DB_DSN":            filepath.Join(opts.DataDir, "product.db"),
		"ORDER_DB_DSN":              filepath.Join(opts.DataDir, "order.db"),
		"PAYMENT_DB_DSN":            filepath.Join(opts.DataDir, "payment.db"),
		"PRODUCT_SEED_DEMO":         "true",
		"PAYMENT_WEBHOOK_URL":       url + "/api/v1/payments/webhook",
		"PAYMENT_CHECKOUT_BASE_URL": url,
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	for key, ln := range listeners {
		env[key] = ln.Addr().String()
	}
	return env
}

// build migrates and constructs every server; the services first, the gateway last.
func (f *Fleet) build(ctx context.Context, lns map[string]net.Listener, log *slog.Logger) (map[string]runner, error) {
	out := map[string]runner{}
	add := func(name string, r runner, cleanup func(), err error) error {
		if err != nil {
			return fmt.Errorf("fleet: %s: %w", name, err)
		}
		f.cleanup = append(f.cleanup, cleanup)
		out[name] = r
		return nil
	}
	logger := func(name string) *slog.Logger { return log.With("service", name) }

	u, c, err := boot(ctx, f.Env, "USER_", user.Migrate, user.New, func(user.Config) user.Deps {
		return user.Deps{Logger: logger("user"), Registry: f.Registry, Telemetry: f.Telemetry, Listener: lns["USER_ADDR"]}
	})
	if err := add("user", u, c, err); err != nil {
		return nil, err
	}
	p, c, err := boot(ctx, f.Env, "PRODUCT_", product.Migrate, product.New, func(product.Config) product.Deps {
		return product.Deps{Logger: logger("product"), Registry: f.Registry, MQ: f.traced, Telemetry: f.Telemetry, Listener: lns["PRODUCT_ADDR"]}
	})
	if err := add("product", p, c, err); err != nil {
		return nil, err
	}
	o, c, err := boot(ctx, f.Env, "ORDER_", order.Migrate, order.New, func(order.Config) order.Deps {
		return order.Deps{Logger: logger("order"), Registry: f.Registry, MQ: f.traced, Telemetry: f.Telemetry, Listener: lns["ORDER_ADDR"]}
	})
	if err := add("order", o, c, err); err != nil {
		return nil, err
	}
	pay, c, err := boot(ctx, f.Env, "PAYMENT_", payment.Migrate, payment.New, func(payment.Config) payment.Deps {
		return payment.Deps{Logger: logger("payment"), Registry: f.Registry, MQ: f.traced, Telemetry: f.Telemetry, Listener: lns["PAYMENT_ADDR"]}
	})
	if err := add("payment", pay, c, err); err != nil {
		return nil, err
	}
	g, c, err := boot(ctx, f.Env, "GATEWAY_", nil, gateway.New, func(gateway.Config) gateway.Deps {
		return gateway.Deps{Logger: logger("gateway"), Registry: f.Registry, Telemetry: f.Telemetry, Listener: lns["GATEWAY_ADDR"], MQStats: statsOf(f.MQ)}
	})
	if err := add("gateway", g, c, err); err != nil {
		return nil, err
	}
	return out, nil
}

// statsOf reads the counters of a driver that keeps them; every service of the fleet
// shares the one driver, so they are the fleet's.
func statsOf(d mq.Driver) gateway.MQStats {
	if s, ok := d.(interface{ Stats() mq.Stats }); ok {
		return s.Stats
	}
	return nil
}

// boot loads one server's configuration from env under prefix, applies its migrations
// explicitly (the dev server's deliberate step; services never migrate on their own),
// and builds it.
func boot[C any, D any, S runner](
	ctx context.Context,
	env map[string]string,
	prefix string,
	migrate func(context.Context, C, *slog.Logger) error,
	build func(context.Context, C, D) (S, func(), error),
	deps func(C) D,
) (S, func(), error) {
	var zero S
	cfg, err := config.LoadFrom[C](prefix, env)
	if err != nil {
		return zero, nil, err
	}
	if migrate != nil {
		if err := migrate(ctx, cfg, slog.Default()); err != nil {
			return zero, nil, err
		}
	}
	return build(ctx, cfg, deps(cfg))
}

// Err reports servers that stopped on their own.
func (f *Fleet) Err() error {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return f.runErr
}

// Stop shuts every server down gracefully, then closes what Start opened, newest first.
// /readyz answers 503 from its first moment.
func (f *Fleet) Stop() {
	if f.admin != nil {
		f.admin.Drain()
	}
	if f.cancel != nil {
		f.cancel()
	}
	done := make(chan struct{})
	go func() { f.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		slog.Error("fleet: servers did not stop within 15s")
	}
	for i := len(f.cleanup) - 1; i >= 0; i-- {
		if f.cleanup[i] != nil {
			f.cleanup[i]()
		}
	}
	f.cleanup = nil
}

func closeAdmin(a *obs.Admin) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.Close(ctx) // the process is stopping; a scrape cut short changes nothing
}

// AddOrderInstance starts one more order service on its own loopback port, registered
// like the first (a second replica for discovery and failover tests). stop shuts it down
// gracefully, which deregisters it first.
func (f *Fleet) AddOrderInstance(ctx context.Context, log *slog.Logger) (addr string, stop func(), err error) {
	return f.addOrderInstance(ctx, log.With("service", "order", "replica", 2), f.Registry, nil)
}

// AddCanaryOrderInstance starts an order service registered with track=canary (the
// gateway sends it canary requests only, pkg/canary), recording its RPC metrics in tel
// of its own so a test can tell what it served.
func (f *Fleet) AddCanaryOrderInstance(ctx context.Context, log *slog.Logger) (tel *obs.Telemetry, stop func(), err error) {
	tel = obs.New()
	canary := registry.Tagged(f.Registry, map[string]string{"track": "canary"})
	_, stop, err = f.addOrderInstance(ctx, log.With("service", "order", "track", "canary"), canary, tel)
	return tel, stop, err
}

func (f *Fleet) addOrderInstance(ctx context.Context, log *slog.Logger, reg registry.Registry, tel *obs.Telemetry) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	o, cleanup, err := boot(ctx, f.Env, "ORDER_", nil, order.New, func(order.Config) order.Deps {
		return order.Deps{Logger: log, Registry: reg, MQ: f.traced, Listener: ln, Telemetry: tel}
	})
	if err != nil {
		_ = ln.Close()
		return "", nil, fmt.Errorf("fleet: order replica: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- o.Run(runCtx) }()
	return ln.Addr().String(), func() {
		cancel()
		if err := <-done; err != nil {
			log.Error("fleet: order replica stopped", "err", err)
		}
		cleanup()
	}, nil
}
