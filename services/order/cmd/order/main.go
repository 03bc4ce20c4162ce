// Command order runs the order service as a process of its own: `order` (or `order
// serve`) serves until SIGINT or SIGTERM; `order migrate` brings the database schema up
// to date and exits. Everything is read from ORDER_* variables (pkg/command): the
// service's Config and its engines (ORDER_REGISTRY_*, ORDER_MQ_*). Alone it uses a
// static registry and an embedded broker file under data/; `make up` runs it on the real engines.
package main

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/services/order"
)

func main() { command.Main(spec) }

// spec: the order service calls the product and user services.
var spec = command.Spec[order.Config, *order.Service]{
	Name:      order.ServiceName,
	Prefix:    order.Prefix,
	Static:    "product=127.0.0.1:8882,user=127.0.0.1:8881",
	AdminAddr: "127.0.0.1:9883",
	Registers: true,
	Messaging: true,
	Migrate:   order.Migrate,
	New: func(ctx context.Context, cfg order.Config, e command.Engines) (*order.Service, func(), error) {
		return order.New(ctx, cfg, order.Deps{Logger: e.Logger, Registry: e.Registry, MQ: e.MQ, Telemetry: e.Telemetry})
	},
}
