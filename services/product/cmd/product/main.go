// Command product runs the product service as a process of its own: `product` (or `product
// serve`) serves until SIGINT or SIGTERM; `product migrate` brings the database schema up
// to date and exits. Everything is read from PRODUCT_* variables (pkg/command): the
// service's Config and its engines (PRODUCT_REGISTRY_*, PRODUCT_MQ_*). Alone it uses a
// static registry and an embedded broker file under data/; `make up` runs it on the real engines.
package main

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/services/product"
)

func main() { command.Main(spec) }

// spec: the product service calls no other service.
var spec = command.Spec[product.Config, *product.Service]{
	Name:   product.ServiceName,
	Prefix: product.Prefix,

	Messaging: true,
	AdminAddr: "127.0.0.1:9882",
	Registers: true,
	Migrate:   product.Migrate,
	New: func(ctx context.Context, cfg product.Config, e command.Engines) (*product.Service, func(), error) {
		return product.New(ctx, cfg, product.Deps{Logger: e.Logger, Registry: e.Registry, MQ: e.MQ, Telemetry: e.Telemetry})
	},
}
