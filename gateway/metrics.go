package gateway

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/common/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the gateway's RED metrics on a registry of its own, so two gateways in
// one process (tests, the dev server) never collide on a global registry.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	logins   *prometheus.CounterVec
}

func newMetrics() *metrics {
	labels := []string{"method", "route", "status_class"}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cartwheel", Subsystem: "gateway", Name: "requests_total",
			Help: "HTTP requests answered, by method, route template and status class.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "cartwheel", Subsystem: "gateway", Name: "request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method, route template and status class.",
			Buckets: prometheus.DefBuckets,
		}, labels),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "cartwheel", Subsystem: "gateway", Name: "login_attempts_total",
			Help: "Login attempts by outcome: succeeded, failed (wrong credentials), throttled (429).",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.logins,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe records every request, including those refused by later middleware.
func (m *metrics) observe() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		start := time.Now()
		c.Next(ctx)
		class := strconv.Itoa(c.Response.StatusCode()/100) + "xx"
		labels := prometheus.Labels{"method": string(c.Method()), "route": routeLabel(c), "status_class": class}
		m.requests.With(labels).Inc()
		m.duration.With(labels).Observe(time.Since(start).Seconds())
	}
}

// handler serves the Prometheus text format.
func (m *metrics) handler() app.HandlerFunc {
	return adaptor.HertzHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
}
