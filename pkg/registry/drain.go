package registry

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/cloudwego/kitex/pkg/discovery"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
)

// Draining remembers every instance registered through it, so a process that is about
// to stop can withdraw them all first: callers stop picking it while it still serves
// what they already sent, and only then does it stop listening. Kitex deregisters
// again when it stops; that second call is answered without reaching the registry.
type Draining struct {
	inner     Registry
	mu        sync.Mutex
	live      []*kregistry.Info
	withdrawn bool
}

// NewDraining wraps r.
func NewDraining(r Registry) *Draining { return &Draining{inner: r} }

func (d *Draining) Registrar() kregistry.Registry { return (*drainingRegistrar)(d) }
func (d *Draining) Resolver() discovery.Resolver  { return d.inner.Resolver() }

// ErrNotRegistered is Registered's answer before the first registration.
var ErrNotRegistered = errors.New("not registered yet: callers cannot find this instance")

// Registered is a readiness probe: nil once an instance has registered through d, so a
// process is not called ready before its callers can find it (Kitex registers about a
// second after its server starts). It asks nothing of the registry: once registered, an
// outage of the registry does not take readiness away (docs/decisions.md, "Readiness").
func (d *Draining) Registered(context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.live) == 0 {
		return ErrNotRegistered
	}
	return nil
}

// Withdraw deregisters every live instance and refuses registrations from now on.
func (d *Draining) Withdraw() error {
	d.mu.Lock()
	live := d.live
	d.live, d.withdrawn = nil, true
	d.mu.Unlock()
	var errs []error
	for _, info := range live {
		errs = append(errs, d.inner.Registrar().Deregister(info))
	}
	return errors.Join(errs...)
}

type drainingRegistrar Draining

func (r *drainingRegistrar) Register(info *kregistry.Info) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.withdrawn {
		return nil // withdrawn: a server starting during shutdown is never announced
	}
	if err := r.inner.Registrar().Register(info); err != nil {
		return err
	}
	if info != nil { // Kitex passes nil when its Stop came first
		r.live = append(r.live, info)
	}
	return nil
}

func (r *drainingRegistrar) Deregister(info *kregistry.Info) error {
	r.mu.Lock()
	i := slices.Index(r.live, info)
	if i < 0 && r.withdrawn {
		r.mu.Unlock()
		return nil
	}
	if i >= 0 {
		r.live = slices.Delete(r.live, i, i+1)
	}
	r.mu.Unlock()
	return r.inner.Registrar().Deregister(info)
}
