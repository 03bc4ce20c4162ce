// Package drivers opens the runtime engines a binary was configured with (ARCHITECTURE.md
// §3): a static table or Nacos for discovery, the embedded broker or RocketMQ for
// messages. Business code only ever sees the registry.Registry and mq.Driver ports.
package drivers

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/embedded"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/rocketmq"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
)

// Registry selects the discovery driver. Prefix it per binary, e.g. ORDER_REGISTRY_.
type Registry struct {
	Driver string       `env:"DRIVER" envDefault:"static"`
	Static string       `env:"STATIC"` // "user=127.0.0.1:8881,product=..." (see registry.ParseStatic)
	Nacos  nacos.Config `envPrefix:"NACOS_"`
}

// MQ selects the messaging driver. Prefix it per binary, e.g. ORDER_MQ_.
type MQ struct {
	Driver       string          `env:"DRIVER" envDefault:"embedded"`
	EmbeddedPath string          `env:"EMBEDDED_PATH"` // the broker's SQLite file
	RocketMQ     rocketmq.Config `envPrefix:"ROCKETMQ_"`
	// Faults turns on duplicated and held-back deliveries for a chaos run, e.g.
	// "dup=0.2,delay=0.3,max=2s" (mq.ParseFaults); empty in every normal deployment.
	Faults string `env:"FAULTS"`
}

// Validate checks the chosen registry driver's settings only.
func (r *Registry) Validate() error {
	if err := config.OneOf("REGISTRY_DRIVER", r.Driver, "static", "nacos"); err != nil {
		return err
	}
	if r.Driver == "nacos" {
		return r.Nacos.Validate()
	}
	_, err := registry.ParseStatic(r.Static)
	return err
}

// Validate checks the chosen messaging driver's settings only.
func (m *MQ) Validate() error {
	if err := config.OneOf("MQ_DRIVER", m.Driver, "embedded", "rocketmq"); err != nil {
		return err
	}
	if _, err := mq.ParseFaults(m.Faults); err != nil {
		return fmt.Errorf("MQ_FAULTS: %w", err)
	}
	if m.Driver == "rocketmq" {
		return m.RocketMQ.Validate()
	}
	if m.EmbeddedPath == "" {
		return errors.New("MQ_EMBEDDED_PATH is required with MQ_DRIVER=embedded")
	}
	return nil
}

// OpenRegistry opens the configured discovery driver; close releases it.
func OpenRegistry(cfg Registry, log *slog.Logger) (reg registry.Registry, close func(), err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if cfg.Driver == "nacos" {
		n, err := nacos.New(cfg.Nacos, log.With("component", "nacos"))
		if err != nil {
			return nil, nil, fmt.Errorf("drivers: nacos: %w", err)
		}
		return n, func() { _ = n.Close() }, nil
	}
	seed, _ := registry.ParseStatic(cfg.Static) // validated above
	return registry.NewStatic(seed), func() {}, nil
}

// OpenMQ opens the configured messaging driver; close releases it.
//
// The embedded broker belongs to exactly one process (it takes its file over), so it
// fits the dev server and a binary run alone, never a fleet of separate processes.
func OpenMQ(cfg MQ, log *slog.Logger) (driver mq.Driver, close func(), err error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	faults, _ := mq.ParseFaults(cfg.Faults) // validated above
	if faults.Active() {
		log.Warn("mq: fault injection on (MQ_FAULTS): deliveries are duplicated and held back", "faults", cfg.Faults)
	}
	if cfg.Driver == "rocketmq" {
		r, err := rocketmq.Open(cfg.RocketMQ, log.With("component", "rocketmq"))
		if err != nil {
			return nil, nil, fmt.Errorf("drivers: rocketmq: %w", err)
		}
		return mq.WithFaults(r, faults), func() { _ = r.Close() }, nil
	}
	b, err := embedded.Open(cfg.EmbeddedPath, embedded.Options{}, log.With("component", "broker"))
	if err != nil {
		return nil, nil, fmt.Errorf("drivers: embedded broker: %w", err)
	}
	return mq.WithFaults(b, faults), func() { _ = b.Close() }, nil
}
