// Package obs lets an operator see inside a Cartwheel process: OpenTelemetry tracing set
// up from the standard OTEL_* variables, Prometheus metrics on the process's own
// registry, traced and counted messages, and the admin listener that serves /healthz,
// /readyz, /metrics and /debug/pprof away from the public port.
package obs

import (
	"github.com/cloudwego/kitex/pkg/stats"
	prommonitor "github.com/kitex-contrib/monitor-prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gorm.io/gorm"
)

// Telemetry is one process's metrics: a registry of its own (two processes' worth of
// services in one test binary never collide) and the Kitex RED recorders every server
// and client of the process shares. A nil *Telemetry records nothing, so component
// tests can leave it out.
type Telemetry struct {
	registry    *prometheus.Registry
	kitexServer stats.Tracer
	kitexClient stats.Tracer
}

// New returns the telemetry of one process, with the Go runtime and process collectors.
func New() *Telemetry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// monitor-prometheus registers its vectors on the registry it is given, once per
	// tracer, so the process keeps exactly one of each side.
	opts := []prommonitor.Option{prommonitor.WithRegistry(reg), prommonitor.WithDisableServer(true), prommonitor.WithEnableGoCollector(false)}
	return &Telemetry{
		registry:    reg,
		kitexServer: prommonitor.NewServerTracer("", "", opts...),
		kitexClient: prommonitor.NewClientTracer("", "", opts...),
	}
}

// Registry is what /metrics serves.
func (t *Telemetry) Registry() *prometheus.Registry {
	if t == nil {
		return prometheus.NewRegistry()
	}
	return t.registry
}

// For is where service registers its own metrics: every series it adds carries
// service="<service>", so the dev server's one registry holds four services apart.
func (t *Telemetry) For(service string) prometheus.Registerer {
	return prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, t.Registry())
}

// KitexServer records RED metrics for every method a server serves; nil when t is nil.
func (t *Telemetry) KitexServer() stats.Tracer {
	if t == nil {
		return nil
	}
	return t.kitexServer
}

// KitexClient records RED metrics for every call a client makes; nil when t is nil.
func (t *Telemetry) KitexClient() stats.Tracer {
	if t == nil {
		return nil
	}
	return t.kitexClient
}

// WatchDB exports the connection pool figures of service's database (open, in use,
// waits) and traces its queries.
func (t *Telemetry) WatchDB(service string, gdb *gorm.DB) error {
	if err := TraceDB(gdb); err != nil {
		return err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return t.For(service).Register(collectors.NewDBStatsCollector(sqlDB, service))
}
