// Command product runs the product service on its own: `product` serves, `product
// migrate` brings the database schema up to date.
//
// Until the RocketMQ driver arrives it talks to an embedded broker in a file of its own
// (PRODUCT_MQ_PATH) and registers in an in-process static registry, so it exchanges
// messages and addresses with nobody else: meaningful for trying the service alone,
// not as part of a fleet (cmd/cartwheel runs the fleet in one process).
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/services/product"
)

// process is the configuration of this binary beyond the service's own.
type process struct {
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
	MQPath   string `env:"MQ_PATH" envDefault:"data/broker-product.db"`
}

// Validate refuses a log level the logger would silently read as info.
func (p *process) Validate() error {
	return config.OneOf("LOG_LEVEL", p.LogLevel, "debug", "info", "warn", "error")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	proc, err := config.Load[process]("PRODUCT_")
	log := logging.New(os.Stdout, product.ServiceName, proc.LogLevel)
	if err == nil {
		err = run(ctx, log, proc, os.Args[1:])
	}
	stop()
	if err != nil {
		log.Error("product stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, proc process, args []string) error {
	cfg, err := config.Load[product.Config]("PRODUCT_")
	if err != nil {
		return err
	}
	log.Info("configuration", append(config.Attrs(cfg), config.Attrs(proc)...)...)
	switch {
	case len(args) == 0:
		return serve(ctx, log, cfg, proc)
	case len(args) == 1 && args[0] == "migrate":
		if err := product.Migrate(ctx, cfg, log); err != nil {
			return err
		}
		log.Info("schema is up to date")
		return nil
	}
	return errors.New("usage: product [migrate]")
}

func serve(ctx context.Context, log *slog.Logger, cfg product.Config, proc process) error {
	broker, err := embedded.Open(proc.MQPath, embedded.Options{}, log)
	if err != nil {
		return err
	}
	defer broker.Close()
	svc, cleanup, err := product.New(ctx, cfg, product.Deps{Logger: log, Registry: registry.NewStatic(nil), MQ: broker})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
