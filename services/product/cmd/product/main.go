// Command product runs the product service as a process of its own: `product` (or
// `product serve`) serves until SIGINT or SIGTERM; `product migrate` brings the database
// schema up to date and exits. Everything is read from PRODUCT_* variables: the
// service's Config and the runtime drivers (PRODUCT_REGISTRY_*, PRODUCT_MQ_*). Alone it
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
	"github.com/cartwheel-shop/cartwheel/services/product"
)

const prefix = "PRODUCT_"

// defaultBrokerFile makes a lone binary runnable: a broker file only this process opens.
// The product service calls no other service, so its static table starts empty.
const defaultBrokerFile = "data/broker-product.db"

// runtime is what the binary needs besides the service's own Config: where it registers
// and which broker carries the messages.
type runtime struct {
	Registry drivers.Registry `envPrefix:"REGISTRY_"`
	MQ       drivers.MQ       `envPrefix:"MQ_"`
}

// Validate fills the lone-binary default, then checks the chosen drivers.
func (r *runtime) Validate() error {
	if r.MQ.Driver == "embedded" && r.MQ.EmbeddedPath == "" {
		r.MQ.EmbeddedPath = defaultBrokerFile
	}
	var problems []error
	if err := r.Registry.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sREGISTRY_*: %w", prefix, err))
	}
	if err := r.MQ.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sMQ_*: %w", prefix, err))
	}
	return errors.Join(problems...)
}

func main() {
	log := logging.New(os.Stderr, product.ServiceName, os.Getenv(prefix+"LOG_LEVEL"))
	// Kitex logs through a process-wide logger of its own; its start/stop chatter is
	// noise next to ours, its warnings are not.
	klog.SetLevel(klog.LevelWarn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("product: exiting", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	if len(args) > 1 || (command != "serve" && command != "migrate") {
		return fmt.Errorf("usage: product [serve|migrate], got %q", args)
	}
	cfg, err := config.Load[product.Config](prefix)
	if err != nil {
		return err
	}
	rt, err := config.Load[runtime](prefix)
	if err != nil {
		return err
	}
	log.Info("configuration", append(config.Attrs(cfg), config.Attrs(rt)...)...)
	if command == "migrate" {
		return product.Migrate(ctx, cfg, log)
	}
	return serve(ctx, log, cfg, rt)
}

func serve(ctx context.Context, log *slog.Logger, cfg product.Config, rt runtime) error {
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
	svc, cleanup, err := product.New(ctx, cfg, product.Deps{Logger: log, Registry: reg, MQ: broker})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
