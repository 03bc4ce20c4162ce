package registry_test

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/registrytest"
)

// The static table is in-process, so "one shared backend" is the same table each time.
func TestStaticContract(t *testing.T) {
	shared := registry.NewStatic(nil)
	registrytest.RunContract(t, func(*testing.T) registry.Registry { return shared })
}
