// Command user runs the user service as a process of its own: `user` (or `user
// serve`) serves until SIGINT or SIGTERM; `user migrate` brings the database schema up
// to date and exits. Everything is read from USER_* variables (pkg/command): the
// service's Config and its engines (USER_REGISTRY_*). Alone it uses a
// static registry; `make up` runs it on the real engines.
package main

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

func main() { command.Main(spec) }

// spec: the user service calls no other service.
var spec = command.Spec[user.Config, *user.Service]{
	Name:      user.ServiceName,
	Prefix:    user.Prefix,
	AdminAddr: "127.0.0.1:9881",
	Registers: true,
	Migrate:   user.Migrate,
	New: func(ctx context.Context, cfg user.Config, e command.Engines) (*user.Service, func(), error) {
		return user.New(ctx, cfg, user.Deps{Logger: e.Logger, Registry: e.Registry, Telemetry: e.Telemetry})
	},
}
