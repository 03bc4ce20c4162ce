// Package payment is the payment service: payments for orders at a provider, the
// provider's signed webhook, and refunds, served over Kitex (idl/payment.thrift) and
// kept consistent with orders by transactional messages (ARCHITECTURE.md §5).
package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/cloudwego/kitex/server"
	"gorm.io/gorm"

	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment/paymentservice"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/suite"
	"github.com/cartwheel-shop/cartwheel/pkg/txmsg"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/events"
	domain "github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/sandbox"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/store"
)

// ServiceName is the payment service's name in the registry.
const ServiceName = "payment"

// Deps are what the service needs from its host process.
type Deps = suite.Deps

// Service is a built payment service, ready to Run.
type Service struct {
	log      *slog.Logger
	server   *suite.Server
	consumer mq.Consumer
	provider *sandbox.Provider
	db       *gorm.DB
}

// Migrate applies the schema; it is an explicit step (`payment migrate`), never a side
// effect of starting.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	return db.Upgrade(ctx, cfg.DB, log, store.Migrations)
}

// New builds the service: database (refusing a schema that is behind), store, provider,
// domain, producer, consumer and Kitex server. The cleanup closes what New opened; call
// it after Run has returned.
func New(ctx context.Context, cfg Config, deps Deps) (*Service, func(), error) {
	if err := deps.Check(ServiceName, true); err != nil {
		return nil, nil, err
	}
	closers := suite.NewClosers(deps.Logger)
	fail := func(err error) (*Service, func(), error) {
		closers.Close()
		return nil, nil, err
	}

	gdb, err := db.Open(cfg.DB, deps.Logger)
	if err != nil {
		return fail(err)
	}
	closers.Add(func() error { return db.Close(gdb) })
	if err := db.CheckCurrent(ctx, gdb, store.Migrations); err != nil {
		return fail(err)
	}
	if err := deps.Telemetry.WatchDB(ServiceName, gdb); err != nil {
		return fail(fmt.Errorf("payment: telemetry: %w", err))
	}
	producer, err := deps.MQ.NewProducer(events.ProducerGroup, txmsg.Checker(gdb))
	if err != nil {
		return fail(fmt.Errorf("payment: producer: %w", err))
	}
	closers.Add(producer.Close)
	provider := sandbox.New(sandbox.Config{
		CheckoutBaseURL: cfg.CheckoutBaseURL, WebhookURL: cfg.WebhookURL, WebhookSecret: cfg.WebhookSecret,
	}, deps.Clock, deps.Logger)
	closers.Add(func() error { provider.Close(); return nil })
	svc, err := newDomain(cfg, deps, gdb, producer, provider)
	if err != nil {
		return fail(err)
	}
	consumer, err := deps.MQ.NewConsumer(events.ConsumerGroup)
	if err != nil {
		return fail(fmt.Errorf("payment: consumer: %w", err))
	}
	closers.Add(consumer.Close)
	if err := events.NewRefunds(svc, deps.Logger).Subscribe(consumer); err != nil {
		return fail(fmt.Errorf("payment: subscribe: %w", err))
	}
	ln, err := deps.Listen(cfg.Addr)
	if err != nil {
		return fail(fmt.Errorf("payment: listen: %w", err))
	}
	h := &handler{svc: svc, log: deps.Logger}
	srv, err := suite.NewServer(ServiceName, ln, deps.Registry, deps.Telemetry, func(opts ...server.Option) server.Server {
		return paymentservice.NewServer(h, opts...)
	})
	if err != nil {
		_ = ln.Close()
		return fail(err)
	}
	// Kitex closes the listener when a started server stops; this covers one never run.
	closers.Add(srv.Close)
	return &Service{log: deps.Logger, server: srv, consumer: consumer, provider: provider, db: gdb}, closers.Close, nil
}

// newDomain wires the use cases to their adapters.
func newDomain(cfg Config, deps Deps, gdb *gorm.DB, producer mq.Producer, provider *sandbox.Provider) (*domain.Service, error) {
	orders, err := newOrders(deps, cfg.RPCTimeout)
	if err != nil {
		return nil, err
	}
	st, err := countPayments(store.New(gdb, txmsg.NewSender(gdb, producer)), deps.Telemetry.For(ServiceName))
	if err != nil {
		return nil, err
	}
	opts := domain.Options{
		Store:            st,
		Orders:           orders,
		Provider:         provider,
		WebhookSecret:    cfg.WebhookSecret,
		WebhookTolerance: cfg.WebhookTolerance,
		Clock:            deps.Clock,
		Logger:           deps.Logger,
	}
	if cfg.SandboxEnabled {
		opts.Payer = provider
	}
	return domain.NewService(opts)
}

// Run consumes and serves until ctx ends, then stops gracefully: the server first (it
// deregisters, so no new call arrives), then the sandbox's callbacks, then the consumer.
func (s *Service) Run(ctx context.Context) error {
	if err := s.consumer.Start(); err != nil {
		return fmt.Errorf("payment: start consumer: %w", err)
	}
	s.log.Info("payment service serving", "addr", s.Addr().String())
	err := s.server.Run(ctx)
	if err != nil {
		err = fmt.Errorf("payment: %w", err)
	}
	s.provider.Close()
	if cerr := s.consumer.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("payment: consumer: %w", cerr))
	}
	s.log.Info("payment service stopped")
	return err
}

// Addr is where the service listens.
func (s *Service) Addr() net.Addr { return s.server.Addr() }

// Ready reports whether the database answers; the admin listener's /readyz asks it.
func (s *Service) Ready(ctx context.Context) error { return db.Ping(ctx, s.db) }
