package suite

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// Deps are what every service is given rather than builds; each service's Deps is this
// type, so the rule for each field is the same everywhere.
type Deps struct {
	Logger    *slog.Logger      // required
	Registry  registry.Registry // required
	MQ        mq.Driver         // required by a service that sends or consumes messages
	Telemetry *obs.Telemetry    // optional: nil records no metrics (tracing is process-wide)
	Listener  net.Listener      // optional: nil listens on the service's Addr; tests pass 127.0.0.1:0
	Clock     func() time.Time  // optional: nil is time.Now
}

// Check refuses missing required fields, naming them, and fills Clock's default.
func (d *Deps) Check(service string, messaging bool) error {
	var missing []error
	if d.Logger == nil {
		missing = append(missing, errors.New("Deps.Logger"))
	}
	if d.Registry == nil {
		missing = append(missing, errors.New("Deps.Registry"))
	}
	if messaging && d.MQ == nil {
		missing = append(missing, errors.New("Deps.MQ"))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: required: %w", service, errors.Join(missing...))
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	return nil
}

// Listen is d.Listener, or a new listener on addr.
func (d *Deps) Listen(addr string) (net.Listener, error) {
	if d.Listener != nil {
		return d.Listener, nil
	}
	return net.Listen("tcp", addr)
}

// Closers undo what a constructor opened, last first; every service's New keeps one and
// returns its Close as the cleanup.
type Closers struct {
	log *slog.Logger
	fns []func() error
}

// NewClosers logs a failed close on log.
func NewClosers(log *slog.Logger) *Closers { return &Closers{log: log} }

// Add registers close, to run before everything added earlier.
func (c *Closers) Add(close func() error) { c.fns = append(c.fns, close) }

// Close runs every close once, last added first, and logs those that fail.
func (c *Closers) Close() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		if err := c.fns[i](); err != nil {
			c.log.Warn("cleanup", "err", err)
		}
	}
	c.fns = nil
}
