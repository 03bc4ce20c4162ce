//go:build !integration

package e2e

import (
	"testing"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
)

// useEngines keeps the dev server's embedded defaults: SQLite, the embedded broker and
// a static registry.
func useEngines(t *testing.T, _ *fleet.Options) {
	t.Helper()
	t.Log("engines: embedded (SQLite, embedded broker, static registry, in-process cache and limits)")
}
