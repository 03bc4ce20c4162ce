// Package product is the product service: the catalog, stock on hand, and the
// product side of the order consistency protocol, served over Kitex.
package product

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/product/productservice"
	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/money"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"

	"github.com/cartwheel-shop/cartwheel/services/product/internal/catalog"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/events"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/stock"
	"github.com/cartwheel-shop/cartwheel/services/product/internal/store"
)

// ServiceName is the name the service registers and clients resolve.
const ServiceName = "product"

// Prefix starts every variable of the service's configuration.
const Prefix = "PRODUCT_"

// DefaultDSN is the SQLite file used when PRODUCT_DB_DSN is not set.
const DefaultDSN = "data/product.db"

// Config is read with config.Load[Config]("PRODUCT_").
type Config struct {
	Addr     string    `env:"ADDR" envDefault:"127.0.0.1:8882"`
	DB       db.Config `envPrefix:"DB_"`
	Currency string    `env:"CURRENCY" envDefault:"USD"` // every price is in it
	SeedDemo bool      `env:"SEED_DEMO" envDefault:"false"`
	// Cache is the product detail cache; Redis is its server when Cache.Driver is redis.
	Cache CacheConfig       `envPrefix:"CACHE_"`
	Redis cache.RedisConfig `envPrefix:"REDIS_"`
	// GateHintTTL is how long each process remembers a SKU's headroom at the stock gate
	// (stock.Gate), so that refusing a sold-out SKU costs no database work; it is also
	// the longest a buyer can be refused after stock came back. 0 asks the database on
	// every admission.
	GateHintTTL time.Duration `env:"GATE_HINT_TTL" envDefault:"1s"`
}

// maxGateHintTTL bounds how long a refusal can outlive the stock coming back.
const maxGateHintTTL = time.Minute

// Validate gives the SQLite DSN its default and checks the configuration.
func (c *Config) Validate() error {
	c.DB.DefaultFile(DefaultDSN)
	var problems []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Errorf("%sADDR=%q: %w", Prefix, c.Addr, err))
	}
	if err := c.DB.Validate(); err != nil {
		problems = append(problems, err)
	}
	if _, err := money.New(0, c.Currency); err != nil {
		problems = append(problems, fmt.Errorf("%sCURRENCY=%q: must be three upper-case letters, e.g. USD", Prefix, c.Currency))
	}
	if err := c.Cache.validate(&c.Redis); err != nil {
		problems = append(problems, err)
	}
	if c.GateHintTTL < 0 || c.GateHintTTL > maxGateHintTTL {
		problems = append(problems, fmt.Errorf("%sGATE_HINT_TTL=%s: must be between 0 and %s", Prefix, c.GateHintTTL, maxGateHintTTL))
	}
	return errors.Join(problems...)
}

// Deps are what the service is given rather than builds (MQ is required).
type Deps = suite.Deps

// Service is a running product service.
type Service struct {
	server   *suite.Server
	consumer mq.Consumer
	log      *slog.Logger
	db       *gorm.DB
}

// Migrate brings the database schema up to date. It is a command of its own, never
// part of a boot.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("product: config: %w", err)
	}
	return db.Upgrade(ctx, cfg.DB, log, store.Migrations)
}

// New builds the service: database, rules, message handlers and the Kitex server. The
// returned cleanup closes what New opened; call it after Run returns.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("product: config: %w", err)
	}
	if err := deps.Check(ServiceName, true); err != nil {
		return nil, nil, err
	}
	log, clock := deps.Logger, deps.Clock
	closers := suite.NewClosers(log)
	fail := func(err error) (*Service, func(), error) {
		closers.Close()
		return nil, nil, fmt.Errorf("product: %w", err)
	}

	gdb, err := db.Open(cfg.DB, log)
	if err != nil {
		return fail(err)
	}
	closers.Add(func() error { return db.Close(gdb) })
	if err := db.CheckCurrent(ctx, gdb, store.Migrations); err != nil {
		return fail(err)
	}
	if err := deps.Telemetry.WatchDB(ServiceName, gdb); err != nil {
		return fail(err)
	}
	sender, err := newOutcomeSender(deps.MQ, deps.Telemetry, gdb, closers)
	if err != nil {
		return fail(err)
	}
	st := store.New(gdb, sender, clock)
	if cfg.SeedDemo {
		if err := seedDemo(ctx, st, cfg.Currency, clock, log); err != nil {
			return fail(err)
		}
	}
	consumer, err := newOrderConsumer(deps.MQ, st, log, closers)
	if err != nil {
		return fail(err)
	}
	// Only the RPCs read through the cache; the seed and the order consumer never read
	// product details.
	cached, err := cachedCatalog(ctx, cfg, st, log, deps.Telemetry.For(ServiceName), closers)
	if err != nil {
		return fail(err)
	}
	gateAnswers, err := newGateAnswers(deps.Telemetry.For(ServiceName))
	if err != nil {
		return fail(err)
	}
	ln, err := deps.Listen(cfg.Addr)
	if err != nil {
		return fail(err)
	}
	h := &handler{catalog: catalog.NewService(cached, cfg.Currency, clock), stock: stock.NewService(st),
		gate: stock.NewGate(st, cfg.GateHintTTL, clock), gateAnswers: gateAnswers, log: log}
	svr, err := suite.NewServer(ServiceName, ln, deps.Registry, deps.Telemetry, func(opts ...server.Option) server.Server {
		return productservice.NewServer(h, opts...)
	})
	if err != nil {
		ln.Close()
		return fail(err)
	}
	closers.Add(svr.Close) // Run's stop closes the listener already; then it does nothing
	return &Service{server: svr, consumer: consumer, log: log, db: gdb}, closers.Close, nil
}

// newOutcomeSender builds the producer of the stock outcomes and the sender the store
// announces decisions with (counted), and registers the producer's Close on closers.
func newOutcomeSender(driver mq.Driver, tel *obs.Telemetry, gdb *gorm.DB, closers *suite.Closers) (store.Sender, error) {
	producer, err := driver.NewProducer(events.ProducerGroup, txmsg.Checker(gdb))
	if err != nil {
		return nil, err
	}
	closers.Add(producer.Close)
	return countReservations(txmsg.NewSender(gdb, producer), tel.For(ServiceName))
}

// newOrderConsumer builds the order consumer and registers its Close on closers, after
// the producer's, so it closes first: its handlers in flight still send.
func newOrderConsumer(driver mq.Driver, st *store.Store, log *slog.Logger, closers *suite.Closers) (mq.Consumer, error) {
	consumer, err := driver.NewConsumer(events.ConsumerGroup)
	if err != nil {
		return nil, err
	}
	closers.Add(consumer.Close)
	orders := events.NewOrders(stock.NewService(st), log)
	if err := orders.Subscribe(consumer); err != nil {
		return nil, err
	}
	return consumer, nil
}

// Run consumes and serves until ctx ends, then stops serving (which deregisters the
// service) and stops consuming.
func (s *Service) Run(ctx context.Context) error {
	if err := s.consumer.Start(); err != nil {
		return fmt.Errorf("product: start consumer: %w", err)
	}
	s.log.Info("product service serving", "addr", s.Addr().String())
	err := errors.Join(s.server.Run(ctx), s.consumer.Close())
	s.log.Info("product service stopped")
	return err
}

// Addr is where the service listens.
func (s *Service) Addr() net.Addr { return s.server.Addr() }

// Ready reports whether the database answers; the admin listener's /readyz asks it.
func (s *Service) Ready(ctx context.Context) error { return db.Ping(ctx, s.db) }
