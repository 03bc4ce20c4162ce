package registry

import (
	"maps"

	"github.com/cloudwego/kitex/pkg/discovery"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
)

// Tagged is r whose registrations carry tags besides Kitex's own, e.g. track=canary for
// a canary instance on the static driver (the Nacos driver has its own Track setting).
func Tagged(r Registry, tags map[string]string) Registry {
	return tagged{inner: r, tags: maps.Clone(tags)}
}

type tagged struct {
	inner Registry
	tags  map[string]string
}

func (t tagged) Registrar() kregistry.Registry { return taggedRegistrar(t) }
func (t tagged) Resolver() discovery.Resolver  { return t.inner.Resolver() }

type taggedRegistrar tagged

// Register publishes a copy of info with the tags added; the caller's info is kept
// unchanged because Kitex deregisters with the same pointer.
func (t taggedRegistrar) Register(info *kregistry.Info) error {
	if info == nil {
		return t.inner.Registrar().Register(nil)
	}
	published := *info
	published.Tags = maps.Clone(info.Tags)
	if published.Tags == nil {
		published.Tags = map[string]string{}
	}
	maps.Copy(published.Tags, t.tags)
	return t.inner.Registrar().Register(&published)
}

func (t taggedRegistrar) Deregister(info *kregistry.Info) error {
	return t.inner.Registrar().Deregister(info)
}
