// Command order runs the order service alone: `order` serves, `order migrate` brings the
// database schema up to date. It uses the embedded broker, which only this process can
// open, so it is meaningful alone until the RocketMQ driver lands; the dev server
// (cmd/cartwheel) runs the whole fleet in one process instead.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/services/order"
)

// runtimeConfig is what the binary needs besides the service's own Config: how to find
// the other services and where the embedded broker keeps its file.
type runtimeConfig struct {
	RegistryStatic string `env:"REGISTRY_STATIC"` // e.g. "product=127.0.0.1:8882,user=127.0.0.1:8881"
	MQPath         string `env:"MQ_PATH" envDefault:"data/broker-order.db"`
}

func main() {
	// The level is read before the configuration so that configuration errors are
	// logged as JSON like everything else.
	log := logging.New(os.Stdout, order.Name, os.Getenv(order.Prefix+"LOG_LEVEL"))
	if err := run(context.Background(), os.Args[1:], log); err != nil {
		log.Error("order: exiting", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, log *slog.Logger) error {
	cfg, err := config.Load[order.Config](order.Prefix)
	if err != nil {
		return err
	}
	rt, err := config.Load[runtimeConfig](order.Prefix)
	if err != nil {
		return err
	}
	log.Info("configuration", append(config.Attrs(cfg), config.Attrs(rt)...)...)
	switch {
	case len(args) == 0 || args[0] == "serve":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return serve(ctx, cfg, rt, log)
	case args[0] == "migrate":
		return order.Migrate(ctx, cfg, log)
	}
	return fmt.Errorf("unknown command %q; usage: order [serve|migrate]", args[0])
}

func serve(ctx context.Context, cfg order.Config, rt runtimeConfig, log *slog.Logger) error {
	seed, err := registry.ParseStatic(rt.RegistryStatic)
	if err != nil {
		return fmt.Errorf("%sREGISTRY_STATIC: %w", order.Prefix, err)
	}
	broker, err := embedded.Open(rt.MQPath, embedded.Options{}, log)
	if err != nil {
		return err
	}
	defer broker.Close()
	svc, cleanup, err := order.New(ctx, cfg, order.Deps{Logger: log, Registry: registry.NewStatic(seed), MQ: broker})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
