// Command payment runs the payment service as a process of its own: `payment` (or
// `payment serve`) serves until SIGINT or SIGTERM; `payment migrate` brings the database
// schema up to date and exits. Everything is read from PAYMENT_* variables: the
// service's Config and the runtime drivers (PAYMENT_REGISTRY_*, PAYMENT_MQ_*). Alone it
// runs on a static registry and an embedded broker file under data/; `make up` runs it
// on Nacos and RocketMQ next to the other binaries.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/cloudwego/kitex/pkg/klog"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/services/payment"
)

// Defaults that make a lone binary runnable: the order service at its usual port, and a
// broker file that only this process opens.
const (
	defaultStatic     = "order=127.0.0.1:8883"
	defaultBrokerFile = "data/broker-payment.db"
)

// runtime is what the binary needs besides the service's own Config: how to find the
// other services and which broker carries the messages.
type runtime struct {
	Registry drivers.Registry `envPrefix:"REGISTRY_"`
	MQ       drivers.MQ       `envPrefix:"MQ_"`
}

// Validate fills the lone-binary defaults, then checks the chosen drivers.
func (r *runtime) Validate() error {
	if r.Registry.Driver == "static" && r.Registry.Static == "" {
		r.Registry.Static = defaultStatic
	}
	if r.MQ.Driver == "embedded" && r.MQ.EmbeddedPath == "" {
		r.MQ.EmbeddedPath = defaultBrokerFile
	}
	var problems []error
	if err := r.Registry.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sREGISTRY_*: %w", payment.Prefix, err))
	}
	if err := r.MQ.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sMQ_*: %w", payment.Prefix, err))
	}
	return errors.Join(problems...)
}

func main() {
	log := logging.New(os.Stderr, payment.ServiceName, os.Getenv(payment.Prefix+"LOG_LEVEL"))
	// Kitex logs through a process-wide logger of its own; its start/stop chatter is
	// noise next to ours, its warnings are not.
	klog.SetLevel(klog.LevelWarn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("payment: exiting", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	if len(args) > 1 || (command != "serve" && command != "migrate") {
		return fmt.Errorf("usage: payment [serve|migrate], got %q", args)
	}
	cfg, err := config.Load[payment.Config](payment.Prefix)
	if err != nil {
		return err
	}
	rt, err := config.Load[runtime](payment.Prefix)
	if err != nil {
		return err
	}
	log.Info("configuration", append(config.Attrs(cfg), config.Attrs(rt)...)...)
	if command == "migrate" {
		return payment.Migrate(ctx, cfg, log)
	}
	return serve(ctx, log, cfg, rt)
}

func serve(ctx context.Context, log *slog.Logger, cfg payment.Config, rt runtime) error {
	reg, closeRegistry, err := drivers.OpenRegistry(rt.Registry, log)
	if err != nil {
		return err
	}
	defer closeRegistry()
	if rt.MQ.Driver == "embedded" {
		if err := os.MkdirAll(filepath.Dir(rt.MQ.EmbeddedPath), 0o755); err != nil {
			return fmt.Errorf("broker folder: %w", err)
		}
	}
	broker, closeBroker, err := drivers.OpenMQ(rt.MQ, log)
	if err != nil {
		return err
	}
	defer closeBroker()
	svc, cleanup, err := payment.New(ctx, cfg, payment.Deps{Logger: log, Registry: reg, MQ: broker})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
