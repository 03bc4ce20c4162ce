// Command gateway runs the Hertz gateway as a process of its own: `gateway` (or
// `gateway serve`) serves until SIGINT or SIGTERM. Everything is read from GATEWAY_*
// variables (pkg/command): the gateway's Config and its registry (GATEWAY_REGISTRY_*).
// Alone it finds the four services at their usual ports; `make up` resolves them through
// Nacos.
package main

import (
	"context"
	"os"

	"github.com/cloudwego/hertz/pkg/common/hlog"

	"github.com/cartwheel-shop/cartwheel/gateway"
	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
)

func main() {
	// Hertz logs through a process-wide logger of its own; its start/stop chatter is
	// noise next to ours, its warnings are not, and they go out as our JSON.
	hlog.SetLevel(hlog.LevelWarn)
	hlog.SetOutput(logging.Lines(logging.New(os.Stderr, spec.Name, os.Getenv(spec.Prefix+"LOG_LEVEL")), "hertz"))
	command.Main(spec)
}

// spec: the gateway has no database and sends no messages; it calls all four services.
var spec = command.Spec[gateway.Config, *gateway.Gateway]{
	Name:      "gateway",
	Prefix:    gateway.EnvPrefix,
	AdminAddr: "127.0.0.1:9880",
	Static:    "user=127.0.0.1:8881,product=127.0.0.1:8882,order=127.0.0.1:8883,payment=127.0.0.1:8884",
	New: func(ctx context.Context, cfg gateway.Config, e command.Engines) (*gateway.Gateway, func(), error) {
		return gateway.New(ctx, cfg, gateway.Deps{Logger: e.Logger, Registry: e.Registry, Telemetry: e.Telemetry})
	},
}
