// Command user runs the user service: `user` (or `user serve`) serves until SIGINT or
// SIGTERM; `user migrate` brings the database schema up to date and exits.
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
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

func main() {
	log := logging.New(os.Stderr, user.ServiceName, "info")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, log, os.Args[1:])
	stop()
	if err != nil {
		log.Error("user exited", "err", err)
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
	cfg, err := config.Load[user.Config]("USER_")
	if err != nil {
		return err
	}
	log.Info("config", config.Attrs(cfg)...)
	if command == "migrate" {
		return user.Migrate(ctx, cfg, log)
	}
	// The user service calls no other service, so its registry only needs to accept
	// its own registration.
	svc, cleanup, err := user.New(ctx, cfg, user.Deps{Logger: log, Registry: registry.NewStatic(nil)})
	if err != nil {
		return err
	}
	defer cleanup()
	return svc.Run(ctx)
}
