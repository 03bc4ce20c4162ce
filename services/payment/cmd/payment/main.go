// Command payment runs the payment service as a process of its own: `payment` (or `payment
// serve`) serves until SIGINT or SIGTERM; `payment migrate` brings the database schema up
// to date and exits. Everything is read from PAYMENT_* variables (pkg/command): the
// service's Config and its engines (PAYMENT_REGISTRY_*, PAYMENT_MQ_*). Alone it uses a
// static registry and an embedded broker file under data/; `make up` runs it on the real engines.
package main

import (
	"context"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/services/payment"
)

func main() { command.Main(spec) }

// spec: the payment service calls the order service.
var spec = command.Spec[payment.Config, *payment.Service]{
	Name:      payment.ServiceName,
	Prefix:    payment.Prefix,
	Static:    "order=127.0.0.1:8883",
	AdminAddr: "127.0.0.1:9884",
	Registers: true,
	Messaging: true,
	Migrate:   payment.Migrate,
	New: func(ctx context.Context, cfg payment.Config, e command.Engines) (*payment.Service, func(), error) {
		return payment.New(ctx, cfg, payment.Deps{Logger: e.Logger, Registry: e.Registry, MQ: e.MQ, Telemetry: e.Telemetry})
	},
}
