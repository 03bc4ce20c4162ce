// Command gateway runs the Hertz gateway as a process of its own, serving the public API
// until SIGINT or SIGTERM. Everything is read from GATEWAY_* variables: the gateway's
// Config and the registry driver (GATEWAY_REGISTRY_*). Alone it finds the services on
// their usual loopback ports through a static table; `make up` resolves them in Nacos.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudwego/hertz/pkg/common/hlog"
	"github.com/cloudwego/kitex/pkg/klog"

	"github.com/cartwheel-shop/cartwheel/gateway"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
)

// defaultStatic makes a lone binary runnable: the four services at their usual ports.
const defaultStatic = "user=127.0.0.1:8881,product=127.0.0.1:8882,order=127.0.0.1:8883,payment=127.0.0.1:8884"

// runtime is what the binary needs besides the gateway's own Config: how to find the
// services.
type runtime struct {
	Registry drivers.Registry `envPrefix:"REGISTRY_"`
}

// Validate fills the lone-binary default, then checks the chosen registry driver.
func (r *runtime) Validate() error {
	if r.Registry.Driver == "static" && r.Registry.Static == "" {
		r.Registry.Static = defaultStatic
	}
	if err := r.Registry.Validate(); err != nil {
		return fmt.Errorf("%sREGISTRY_*: %w", gateway.EnvPrefix, err)
	}
	return nil
}

func main() {
	log := logging.New(os.Stderr, "gateway", os.Getenv(gateway.EnvPrefix+"LOG_LEVEL"))
	// Hertz and the Kitex clients log through process-wide loggers of their own; their
	// start/stop chatter is noise next to ours, their warnings are not.
	hlog.SetLevel(hlog.LevelWarn)
	klog.SetLevel(klog.LevelWarn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("gateway: exiting", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	if len(args) > 1 || (len(args) == 1 && args[0] != "serve") {
		return fmt.Errorf("usage: gateway [serve], got %q", args)
	}
	cfg, err := config.Load[gateway.Config](gateway.EnvPrefix)
	if err != nil {
		return err
	}
	rt, err := config.Load[runtime](gateway.EnvPrefix)
	if err != nil {
		return err
	}
	// gateway.New logs its own Config (secrets masked); the drivers are this binary's.
	log.Info("configuration", config.Attrs(rt)...)
	reg, closeRegistry, err := drivers.OpenRegistry(rt.Registry, log)
	if err != nil {
		return err
	}
	defer closeRegistry()
	gw, cleanup, err := gateway.New(ctx, cfg, gateway.Deps{Logger: log, Registry: reg})
	if err != nil {
		return err
	}
	defer cleanup()
	return gw.Run(ctx)
}
