// Command user runs the user service as a process of its own: `user` (or `user serve`)
// serves until SIGINT or SIGTERM; `user migrate` brings the database schema up to date
// and exits. Everything is read from USER_* variables: the service's Config and the
// registry driver (USER_REGISTRY_*). Alone it registers in a static table; `make up`
// registers it in Nacos next to the other binaries.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudwego/kitex/pkg/klog"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

const prefix = "USER_"

// runtime is what the binary needs besides the service's own Config. The user service
// calls no other service, so its registry only has to take its own registration.
type runtime struct {
	Registry drivers.Registry `envPrefix:"REGISTRY_"`
}

// Validate checks the chosen registry driver.
func (r *runtime) Validate() error {
	if err := r.Registry.Validate(); err != nil {
		return fmt.Errorf("%sREGISTRY_*: %w", prefix, err)
	}
	return nil
}

func main() {
	log := logging.New(os.Stderr, user.ServiceName, os.Getenv(prefix+"LOG_LEVEL"))
	// Kitex logs through a process-wide logger of its own; its start/stop chatter is
	// noise next to ours, its warnings are not.
	klog.SetLevel(klog.LevelWarn)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("user: exiting", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	if len(args) > 1 || (command != "serve" && command != "migrate") {
		return fmt.Errorf("usage: user [serve|migrate], got %q", args)
	}
	cfg, err := config.Load[user.Config](prefix)
	if err != nil {
		return err
	}
	rt, err := config.Load[runtime](prefix)
	if err != nil {
		return err
	}
	log.Info("config", append(config.Attrs(cfg), config.Attrs(rt)...)...)
	if command == "migrate" {
		return user.Migrate(ctx, cfg, log)
	}
	return serve(ctx, log, cfg, rt)
}

func serve(ctx context.Context, log *slog.Logger, cfg user.Config, rt runtime) error {
	reg, closeRegistry, err := drivers.OpenRegistry(rt.Registry, log)
	if err != nil {
		return err
	}
	defer closeRegistry()
	svc, cleanup, err := user.New(ctx, cfg, user.Deps{Logger: log, Registry: reg})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
