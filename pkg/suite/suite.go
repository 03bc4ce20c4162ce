// Package suite bundles what every Kitex server and client of Cartwheel needs (discovery,
// the TTHeader transport that carries biz-status errors, timeouts, graceful exit), so a
// service wires each in one line.
package suite

import (
	"net"
	"time"

	"github.com/cloudwego/kitex/client"
	"github.com/cloudwego/kitex/pkg/loadbalance"
	"github.com/cloudwego/kitex/pkg/loadbalance/lbcache"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"
	"github.com/cloudwego/kitex/pkg/stats"
	"github.com/cloudwego/kitex/server"
	"github.com/cloudwego/kitex/transport"
	"github.com/kitex-contrib/obs-opentelemetry/tracing"

	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// ServerOptions serves on ln (bound by the caller, so tests can use port 0) and
// registers the service under name. Services build their server with NewServer, which
// adds what a server needs to stop safely; these options alone suit a test's stand-in
// server.
func ServerOptions(name string, ln net.Listener, reg registry.Registry) []server.Option {
	return serverOptions(name, ln, reg.Registrar(), nil)
}

// serverOptions: kitex-contrib's OpenTelemetry suite continues the caller's trace from
// the TTHeader (it brings the TTHeader meta handler Cartwheel's biz-status errors need
// too) and spans every call; tel records RED metrics per method.
func serverOptions(name string, ln net.Listener, registrar kregistry.Registry, tel *obs.Telemetry) []server.Option {
	opts := []server.Option{
		server.WithServerBasicInfo(&rpcinfo.EndpointBasicInfo{ServiceName: name}),
		server.WithListener(ln),
		server.WithServiceAddr(ln.Addr()),
		server.WithRegistry(registrar),
		server.WithSuite(tracing.NewServerSuite()),
		// Base stats (start and finish) are all the RED metrics and spans need; the
		// detailed level adds a span event per transport step, a cost per call at
		// ratio 1.0 that nobody reads.
		server.WithStatsLevel(stats.LevelBase),
		// The caller's RPC timeout (TTHeader carries it) becomes the handler's deadline,
		// so work whose caller gave up stops, and its transaction rolls back.
		server.WithEnableContextTimeout(true),
		server.WithReadWriteTimeout(10 * time.Second),
		server.WithExitWaitTime(5 * time.Second),
	}
	if t := tel.KitexServer(); t != nil {
		opts = append(opts, server.WithTracer(t))
	}
	return opts
}

// ClientOptions resolves the target through reg, bounds every call by timeout, carries
// the caller's trace to the server (kitex-contrib's OpenTelemetry suite, on Cartwheel's
// framed TTHeader transport) and records RED metrics per method in tel (nil: none).
// Call it once per client: the breakers and the retry budget it builds are the client's
// own.
//
// Callers re-resolve every second (Kitex's default is 5 s), so a withdrawn instance stops
// being dialled about a second after the registry drops it; a server's drain (Nacos:
// DRAIN) covers that second. A failed call is retried (shouldRetry) only when sending it
// again is safe: it never left the process, or it is idempotent and its connection
// broke; at most MaxRetries times, 5-25 ms apart, while retries stay within RetryBudget
// of the method's calls. Timeouts are never retried. A breaker per target service trips
// when most calls wait out their timeout, and one per instance when dialling it times
// out, so a stalled service is answered in microseconds (kerrors.ErrCircuitBreak) rather
// than after a timeout per call; a refused connection trips neither (see breakers).
func ClientOptions(reg registry.Registry, timeout time.Duration, tel *obs.Telemetry) []client.Option {
	opts := []client.Option{
		client.WithSuite(tracing.NewClientSuite()),
		client.WithStatsLevel(stats.LevelBase),
		client.WithResolver(reg.Resolver()),
		client.WithLoadBalancer(loadbalance.NewWeightedBalancer(), &lbcache.Options{RefreshInterval: time.Second, Cacheable: true}),
		client.WithRetryContainer(retryContainer()),
		client.WithFailureRetry(retryPolicy(timeout)),
		client.WithCircuitBreaker(breakers()),
		// After the suite, which asks for unframed TTHeader: framed is what every
		// Cartwheel server and client speaks.
		client.WithTransportProtocol(transport.TTHeaderFramed),
		client.WithRPCTimeout(timeout),
		client.WithConnectTimeout(time.Second),
	}
	if t := tel.KitexClient(); t != nil {
		opts = append(opts, client.WithTracer(t))
	}
	return opts
}
