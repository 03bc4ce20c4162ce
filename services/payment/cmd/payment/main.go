// Command payment runs the payment service on its own: `payment migrate` applies the
// schema, `payment` or `payment serve` serves until SIGINT/SIGTERM. Until the RocketMQ
// driver lands it uses an embedded broker of its own, so its messages reach only
// consumers in this process; the dev server (cmd/cartwheel) runs the whole fleet.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/services/payment"
)

// hostConfig is what the standalone binary needs beyond the service's Config.
type hostConfig struct {
	// RegistryStatic locates the other services: name=host:port[;host:port],...
	RegistryStatic string `env:"REGISTRY_STATIC" envDefault:"order=127.0.0.1:8883"`
	MQPath         string `env:"MQ_PATH" envDefault:"data/broker-payment.db"`
}

func main() {
	log := logging.New(os.Stderr, "payment", os.Getenv("PAYMENT_LOG_LEVEL"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("payment: stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	if len(args) > 1 {
		return fmt.Errorf("usage: payment [serve|migrate]")
	}
	cfg, err := config.Load[payment.Config](payment.Prefix)
	if err != nil {
		return err
	}
	host, err := config.Load[hostConfig](payment.Prefix)
	if err != nil {
		return err
	}
	log.Info("payment: configuration", append(config.Attrs(cfg), config.Attrs(host)...)...)
	command := "serve"
	if len(args) == 1 {
		command = args[0]
	}
	switch command {
	case "migrate":
		return payment.Migrate(ctx, cfg, log)
	case "serve":
		return serve(ctx, cfg, host, log)
	default:
		return fmt.Errorf("unknown command %q: want serve or migrate", command)
	}
}

func serve(ctx context.Context, cfg payment.Config, host hostConfig, log *slog.Logger) error {
	seed, err := registry.ParseStatic(host.RegistryStatic)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(host.MQPath), 0o755); err != nil {
		return fmt.Errorf("payment: broker folder: %w", err)
	}
	broker, err := embedded.Open(host.MQPath, embedded.Options{}, log)
	if err != nil {
		return err
	}
	defer broker.Close()
	svc, cleanup, err := payment.New(ctx, cfg, payment.Deps{Logger: log, Registry: registry.NewStatic(seed), MQ: broker})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
