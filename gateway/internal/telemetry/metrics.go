package telemetry

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// Metrics are the gateway's RED metrics, on the process's registry (obs.Telemetry), so
// two gateways in one test binary never collide on a global one.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the metrics on tel (nil records none).
func NewMetrics(tel *obs.Telemetry) *Metrics {
	labels := []string{"method", "route", "status_class"}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cartwheel", Subsystem: "gateway", Name: "requests_total",
			Help: "HTTP requests answered, by method, route template and status class.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "cartwheel", Subsystem: "gateway", Name: "request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route template and status class.",
			Buckets: prometheus.DefBuckets,
		}, labels),
	}
	tel.For("gateway").MustRegister(m.requests, m.duration)
	return m
}

// Observe records every request, including those refused by later middleware.
func (m *Metrics) Observe() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		start := time.Now()
		c.Next(ctx)
		class := strconv.Itoa(c.Response.StatusCode()/100) + "xx"
		labels := prometheus.Labels{"method": Method(c.Method()), "route": Route(c), "status_class": class}
		m.requests.With(labels).Inc()
		m.duration.With(labels).Observe(time.Since(start).Seconds())
	}
}

// Method keeps the label set closed: a made-up method is OTHER, not a new series.
func Method(method []byte) string {
	switch m := string(method); m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	default:
		return "OTHER"
	}
}

// Route is the matched route template, never the raw path, which would put every
// order id into logs' grouping and metrics' label sets.
func Route(c *app.RequestContext) string {
	if p := c.FullPath(); p != "" {
		return p
	}
	return "unmatched"
}
