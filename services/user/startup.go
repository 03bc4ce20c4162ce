package user

import (
	"sync"

	kregistry "github.com/cloudwego/kitex/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// upRegistry passes registration through and closes up when Kitex first registers the
// service. Kitex registers once it considers itself up (a second after it starts
// serving), and only from then on is stopping it safe: a stop during its start races
// with its transport's set-up (a data race in Kitex v0.16.3) and can leave it serving.
type upRegistry struct {
	registry.Registry
	registrar *upRegistrar
}

func newUpRegistry(r registry.Registry) upRegistry {
	return upRegistry{Registry: r, registrar: &upRegistrar{Registry: r.Registrar(), up: make(chan struct{})}}
}

func (u upRegistry) Registrar() kregistry.Registry { return u.registrar }

// up is closed once the server has registered.
func (u upRegistry) up() <-chan struct{} { return u.registrar.up }

type upRegistrar struct {
	kregistry.Registry
	once sync.Once
	up   chan struct{}
}

func (r *upRegistrar) Register(info *kregistry.Info) error {
	err := r.Registry.Register(info)
	r.once.Do(func() { close(r.up) })
	return err
}
