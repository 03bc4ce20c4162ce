package gateway

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
)

// metrics are the gateway's RED metrics, on the process's registry (obs.Telemetry), so
// two gateways in one test binary never collide on a global one.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(tel *obs.Telemetry) *metrics {
	labels := []string{"method", "route", "status_class"}
	m := &metrics{
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

// observe records every request, including those refused by later middleware.
func (m *metrics) observe() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		start := time.Now()
		c.Next(ctx)
		class := strconv.Itoa(c.Response.StatusCode()/100) + "xx"
		labels := prometheus.Labels{"method": methodLabel(c.Method()), "route": routeLabel(c), "status_class": class}
		m.requests.With(labels).Inc()
		m.duration.With(labels).Observe(time.Since(start).Seconds())
	}
}

// methodLabel keeps the label set closed: a made-up method is OTHER, not a new series.
func methodLabel(method []byte) string {
	switch m := string(method); m {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
		return m
	default:
		return "OTHER"
	}
}
