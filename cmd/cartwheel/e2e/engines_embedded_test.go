//go:build !integration

package e2e

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
)

// useEngines keeps the dev server's embedded defaults: SQLite, the embedded broker and
// a static registry.
func useEngines(t testing.TB, _ *fleet.Options) {
	t.Helper()
	t.Log("engines: embedded (SQLite, embedded broker, static registry, in-process cache and limits)")
}

// jaegerExport: the embedded build keeps spans in memory only.
func jaegerExport(*testing.T) []sdktrace.TracerProviderOption { return nil }

// expectInBackend: the embedded build has no trace backend to ask.
func (s *shop) expectInBackend(*spans, trace.TraceID) {}
