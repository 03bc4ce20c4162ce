// Package order is the order service: carts, orders and their state machine over Kitex,
// and the order side of the transactional-message protocol that keeps orders, stock and
// payments consistent.
package order

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/user/userservice"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/periodic"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/events"
	domain "github.com/cartwheel-shop/cartwheel/services/order/internal/order"
	"github.com/cartwheel-shop/cartwheel/services/order/internal/store"
)

// ServiceName is the service's name in the registry.
const ServiceName = "order"

// Config is read from ORDER_* variables (config.Load[Config](Prefix)). Every duration
// must be positive.
type Config struct {
	Addr              string        `env:"ADDR" envDefault:"127.0.0.1:8883"`
	DB                db.Config     `envPrefix:"DB_"`
	Currency          string        `env:"CURRENCY" envDefault:"USD"`
	PaymentTimeout    time.Duration `env:"PAYMENT_TIMEOUT" envDefault:"15m"`
	AutoReceiveAfter  time.Duration `env:"AUTO_RECEIVE_AFTER" envDefault:"240h"`
	AutoCompleteAfter time.Duration `env:"AUTO_COMPLETE_AFTER" envDefault:"168h"`
	SweepInterval     time.Duration `env:"SWEEP_INTERVAL" envDefault:"30s"`
	SweepBatch        int           `env:"SWEEP_BATCH" envDefault:"100"`
	RPCTimeout        time.Duration `env:"RPC_TIMEOUT" envDefault:"3s"`
	MaxLines          int           `env:"MAX_LINES" envDefault:"50"`
}

// Prefix of every variable of Config.
const Prefix = "ORDER_"

// DefaultDBPath is the SQLite file used when ORDER_DB_DSN is unset (db.Config.DefaultFile).
const DefaultDBPath = "data/order.db"

// Validate gives the SQLite DSN its default and reports every bad value at once.
func (c *Config) Validate() error {
	c.DB.DefaultFile(DefaultDBPath)
	var problems []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Errorf("%sADDR=%q: %w", Prefix, c.Addr, err))
	}
	if err := c.DB.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%s%w", Prefix, err))
	}
	if _, err := money.New(0, c.Currency); err != nil {
		problems = append(problems, fmt.Errorf("%sCURRENCY=%q: %w", Prefix, c.Currency, err))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{
		{"PAYMENT_TIMEOUT", c.PaymentTimeout}, {"AUTO_RECEIVE_AFTER", c.AutoReceiveAfter},
		{"AUTO_COMPLETE_AFTER", c.AutoCompleteAfter}, {"SWEEP_INTERVAL", c.SweepInterval}, {"RPC_TIMEOUT", c.RPCTimeout},
	} {
		if d.value <= 0 {
			problems = append(problems, fmt.Errorf("%s%s=%s: must be positive", Prefix, d.name, d.value))
		}
	}
	if c.MaxLines < 1 || c.MaxLines > 1000 {
		problems = append(problems, fmt.Errorf("%sMAX_LINES=%d: must be between 1 and 1000", Prefix, c.MaxLines))
	}
	if c.SweepBatch < 1 || c.SweepBatch > 10000 {
		problems = append(problems, fmt.Errorf("%sSWEEP_BATCH=%d: must be between 1 and 10000", Prefix, c.SweepBatch))
	}
	return errors.Join(problems...)
}

func (c *Config) policy() domain.Policy {
	return domain.Policy{
		Currency: c.Currency, PaymentTimeout: c.PaymentTimeout, AutoReceiveAfter: c.AutoReceiveAfter,
		AutoCompleteAfter: c.AutoCompleteAfter, MaxLines: c.MaxLines, SweepBatch: c.SweepBatch,
	}
}

// Deps are what the service is given rather than builds (MQ is required).
type Deps = suite.Deps

// Migrate brings the database's schema up to date. It runs on request (`order
// migrate`), never at boot.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	return db.Upgrade(ctx, cfg.DB, log, store.Migrations)
}

// Service is a running order service.
type Service struct {
	cfg      Config
	log      *slog.Logger
	orders   *domain.Service
	server   *suite.Server
	consumer mq.Consumer
	clock    func() time.Time
	db       *gorm.DB
}

// New opens the database (refusing a schema that is behind), builds the domain, its
// clients, producers, consumers and the Kitex server. The returned cleanup closes what
// New opened; call it after Run returns.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, func(), error) {
	if err := deps.Check(ServiceName, true); err != nil {
		return nil, nil, err
	}
	closers := suite.NewClosers(deps.Logger)
	svc, err := build(ctx, cfg, deps, closers)
	if err != nil {
		closers.Close()
		return nil, nil, err
	}
	return svc, closers.Close, nil
}

// build does New's work, registering a closer for everything it opens.
func build(ctx context.Context, cfg Config, deps Deps, closers *suite.Closers) (*Service, error) {
	gdb, err := db.Open(cfg.DB, deps.Logger)
	if err != nil {
		return nil, err
	}
	closers.Add(func() error { return db.Close(gdb) })
	if err := db.CheckCurrent(ctx, gdb, store.Migrations); err != nil {
		return nil, err
	}
	if err := deps.Telemetry.WatchDB(ServiceName, gdb); err != nil {
		return nil, fmt.Errorf("order: telemetry: %w", err)
	}
	producer, err := deps.MQ.NewProducer(events.ProducerGroup, txmsg.Checker(gdb))
	if err != nil {
		return nil, fmt.Errorf("order: producer: %w", err)
	}
	closers.Add(producer.Close)
	orders, err := newDomain(cfg, deps, gdb, producer)
	if err != nil {
		return nil, err
	}
	consumer, err := deps.MQ.NewConsumer(events.ConsumerGroup)
	if err != nil {
		return nil, fmt.Errorf("order: consumer: %w", err)
	}
	closers.Add(consumer.Close)
	if err := events.Subscribe(consumer, orders, deps.Logger); err != nil {
		return nil, err
	}
	ln, err := deps.Listen(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("order: listen: %w", err)
	}
	srv, err := suite.NewServer(ServiceName, ln, deps.Registry, deps.Telemetry, func(opts ...server.Option) server.Server {
		return orderservice.NewServer(newHandler(orders, deps.Logger), opts...)
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	// The server closes its listener when it stops; this covers one never run.
	closers.Add(srv.Close)
	return &Service{cfg: cfg, log: deps.Logger, orders: orders, consumer: consumer, clock: deps.Clock, server: srv, db: gdb}, nil
}

// newDomain wires the domain service to its store, neighbours and timeout messages.
func newDomain(cfg Config, deps Deps, gdb *gorm.DB, producer mq.Producer) (*domain.Service, error) {
	products, err := productservice.NewClient("product", suite.ClientOptions(deps.Registry, cfg.RPCTimeout, deps.Telemetry)...)
	if err != nil {
		return nil, fmt.Errorf("order: product client: %w", err)
	}
	users, err := userservice.NewClient("user", suite.ClientOptions(deps.Registry, cfg.RPCTimeout, deps.Telemetry)...)
	if err != nil {
		return nil, fmt.Errorf("order: user client: %w", err)
	}
	st, err := newMeteredStore(store.New(gdb, txmsg.NewSender(gdb, producer)), deps.Telemetry.For(ServiceName), deps.Clock)
	if err != nil {
		return nil, fmt.Errorf("order: metrics: %w", err)
	}
	ports := domain.Ports{
		Store:     st,
		Catalog:   catalog{products},
		Addresses: addressBook{users},
		Timeouts:  events.NewTimeouts(producer),
	}
	return domain.NewService(ports, cfg.policy(), deps.Clock, deps.Logger), nil
}

// Ready reports whether the database answers; the admin listener's /readyz asks it.
func (s *Service) Ready(ctx context.Context) error { return db.Ping(ctx, s.db) }

// Addr is where the service listens.
func (s *Service) Addr() net.Addr { return s.server.Addr() }

// Run consumes messages, sweeps and serves until ctx ends, then stops the server (which
// deregisters it), the sweeper and the consumers, in that order. Call it once.
func (s *Service) Run(ctx context.Context) error {
	if err := s.consumer.Start(); err != nil {
		return fmt.Errorf("order: start consumer: %w", err)
	}
	defer func() {
		s.consumer.Close()
		s.log.Info("order service stopped")
	}()
	sweepCtx, stopSweeping := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		periodic.Every(sweepCtx, s.cfg.SweepInterval, s.sweep)
	}()
	defer func() { stopSweeping(); <-swept }()

	s.log.Info("order service serving", "addr", s.Addr().String())
	if err := s.server.Run(ctx); err != nil {
		return fmt.Errorf("order: %w", err)
	}
	return nil
}

// sweep is one round of Sweep; a failure is logged, and the next round tries again.
func (s *Service) sweep(ctx context.Context) {
	if _, err := s.Sweep(ctx, s.clock()); err != nil && ctx.Err() == nil {
		s.log.Error("order: sweep", "err", err)
	}
}

// SweepReport counts the orders one sweep moved.
type SweepReport = domain.SweepReport

// Sweep makes the timed transitions due at now (payment expiry backstop, automatic
// receipt and completion); Run calls it every SWEEP_INTERVAL.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepReport, error) {
	rep, err := s.orders.Sweep(ctx, now)
	if rep != (SweepReport{}) {
		s.log.Info("order: swept", "expired", rep.Expired, "received", rep.Received, "completed", rep.Completed)
	}
	return rep, err
}
