// Package gateway is Cartwheel's public HTTP API: a Hertz BFF that authenticates
// clients, validates requests at the edge and turns them into calls on the user,
// product, order and payment services (shared/API.md is the contract).
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/cloudwego/hertz/pkg/app"
	"github.com/cloudwego/hertz/pkg/app/server"
	"github.com/cloudwego/hertz/pkg/common/config"

	"github.com/cartwheel-shop/cartwheel/gateway/internal/bind"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/headers"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/telemetry"
	"github.com/cartwheel-shop/cartwheel/gateway/internal/token"
	"github.com/cartwheel-shop/cartwheel/pkg/livecfg"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// Deps are the gateway's collaborators.
type Deps struct {
	Logger    *slog.Logger
	Registry  registry.Registry
	Telemetry *obs.Telemetry // optional: nil records no metrics
	Listener  net.Listener   // optional: nil listens on Config.Addr; tests pass 127.0.0.1:0
	Clients   *Clients       // optional: nil builds Kitex clients that resolve through Registry
	// MQStats is optional: the broker's counters for the admin protocol view, when the
	// broker runs in this process (the dev server); nil reports none.
	MQStats MQStats
}

// Gateway is one configured HTTP server, ready to Run.
type Gateway struct {
	log   *slog.Logger
	h     *server.Hertz
	ln    net.Listener
	ready *readiness
	grace time.Duration
	live  *livecfg.Store // the settings in force; tests turn them
	conns *openConns
}

// New builds the gateway. The cleanup it returns closes the listeners New opened; it
// is safe to call after Run has returned.
func New(ctx context.Context, cfg Config, deps Deps) (*Gateway, func(), error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("gateway: config: %w", err)
	}
	if deps.Logger == nil || deps.Registry == nil {
		return nil, nil, errors.New("gateway: Deps.Logger and Deps.Registry are required")
	}
	clients, err := clientsFor(cfg, deps)
	if err != nil {
		return nil, nil, err
	}
	var opened []io.Closer
	cleanup := func() {
		for _, c := range opened {
			_ = c.Close() // Run's shutdown may have closed a listener already
		}
	}
	ln := deps.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, nil, fmt.Errorf("gateway: listen: %w", err)
		}
		opened = append(opened, ln)
	}
	g := &Gateway{log: deps.Logger, ln: ln, grace: cfg.WriteTimeout, conns: newOpenConns(),
		ready: &readiness{resolver: deps.Registry.Resolver(), services: serviceNames}}
	limits, closeLimits := newLimiters(ctx, cfg, deps.Logger)
	opened = append(opened, closeLimits)
	live, stopLive, err := startLive(cfg, deps.Logger, limits)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	opened = append(opened, closerFunc(stopLive))
	g.live = live
	answers, err := newProductAnswers(clients.Product, cfg.ProductCacheTTL, deps.Telemetry, deps.Logger)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	tracingOpts, tracing := telemetry.Tracing()
	g.h = newServer(cfg, ln, tracingOpts, g.conns)
	wire(g.h, g.ready, cfg, deps, clients, answers, limits, live, tracing)
	return g, cleanup, nil
}

func clientsFor(cfg Config, deps Deps) (*Clients, error) {
	if deps.Clients != nil {
		return deps.Clients, deps.Clients.complete()
	}
	return NewClients(deps.Registry, cfg.RPCTimeout, deps.Telemetry)
}

// newServer configures Hertz. Request bodies are streamed so that bodyLimit, not
// Hertz, enforces the size limit and answers with the error envelope. conns sees every
// connection and request, so shutdown can close idle connections (drain.go).
func newServer(cfg Config, ln net.Listener, tracing []config.Option, conns *openConns) *server.Hertz {
	h := server.New(append(tracing,
		server.WithTracer(conns),
		server.WithOnAccept(conns.accept),
		server.WithListener(ln),
		server.WithReadTimeout(cfg.ReadTimeout),
		server.WithWriteTimeout(cfg.WriteTimeout),
		server.WithIdleTimeout(cfg.IdleTimeout),
		server.WithMaxRequestBodySize(int(cfg.MaxBodyBytes)),
		server.WithStreamBody(true),
		server.WithDisablePreParseMultipartForm(true),
		server.WithHandleMethodNotAllowed(true),
		server.WithRedirectTrailingSlash(false), // a redirected POST loses its body; 404 is clearer
		server.WithDisablePrintRoute(true),
		server.WithExitWaitTime(cfg.WriteTimeout),
		headers.WithoutServerBanner,
	)...)
	h.Use(conns.serving())
	return h
}

// wire installs middleware in the order each needs: the trace first so every log line
// of the request carries it, then the request id so everything can log it; log and
// metrics around recovery so they see panics as 500s.
func wire(h *server.Hertz, ready *readiness, cfg Config, deps Deps, clients *Clients, answers *productAnswers, limits limiters, live *livecfg.Store, tracing app.HandlerFunc) {
	m := telemetry.NewMetrics(deps.Telemetry)
	h.Use(tracing, telemetry.TraceIDHeader(), requestIDMiddleware(), accessLog(deps.Logger, cfg.SlowRequest), m.Observe(), headers.Protect(cfg.HSTSMaxAge), recovery(deps.Logger))
	if len(cfg.CORSOrigins) > 0 {
		h.Use(headers.CORS(cfg.CORSOrigins))
	}
	h.Use(bodyLimit(cfg.MaxBodyBytes))

	tokens := token.NewIssuer([]byte(cfg.JWTSecret), cfg.AccessTTL, nil)
	a := &api{
		users: clients.User, products: clients.Product, productAnswers: answers, orders: clients.Order, payments: clients.Payment,
		tokens: tokens, bind: bind.New(), log: deps.Logger, mqStats: deps.MQStats, revocations: limits.revocations,
		logins: newLoginDefence(loginPolicy{cfg.LoginBurstPerAccount, cfg.LoginEveryPerAccount},
			loginPolicy{cfg.LoginBurstPerIP, cfg.LoginEveryPerIP}, limits.newLogin, newLoginOutcomes(deps.Telemetry), deps.Logger),
	}
	g := guards{
		deadline:     deadline(cfg.requestDeadline()),
		admit:        admission(cfg.MaxInFlight, cfg.AdmissionWait),
		limitIP:      limit(limits.perIP, clientIP, deps.Logger),
		authenticate: authenticate(tokens, limits.revocations, deps.Logger),
		limitUser:    limit(limits.perUser, userKey, deps.Logger),
		admin:        requireAdmin(),
		canary:       routeCanary(live),
		client:       clientKind(),
	}
	registerAPI(h.Engine, a, g, cfg.SandboxEnabled)
	registerOps(h.Engine, ready)
	registerWeb(h.Engine)
	registerFallbacks(h.Engine)
}

// Ready reports whether every service resolves and accepts a connection; the admin
// listener's /readyz asks it.
func (g *Gateway) Ready(ctx context.Context) error { return g.ready.check(ctx) }

// Addr is the address the public API listens on.
func (g *Gateway) Addr() net.Addr { return g.ln.Addr() }

// Run serves until ctx ends, then stops accepting and lets requests in flight finish
// (up to the write timeout). It returns early with the error if a listener fails.
func (g *Gateway) Run(ctx context.Context) error {
	public := make(chan error, 1)
	go func() { public <- g.h.Run() }()
	g.log.InfoContext(ctx, "gateway serving", "addr", g.Addr().String())
	select {
	case <-ctx.Done():
		err := g.shutdownPublic()
		g.log.Info("gateway stopped")
		return err
	case err := <-public:
		if err == nil {
			err = errors.New("stopped unexpectedly")
		}
		return fmt.Errorf("gateway: serve: %w", err)
	}
}

func (g *Gateway) shutdownPublic() error {
	ctx, cancel := context.WithTimeout(context.Background(), g.grace)
	defer cancel()
	// Hertz refuses to shut down before it has marked itself running, which happens
	// just after Run starts; wait for that rather than leave the server up.
	for !g.h.IsRunning() && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	// Hertz waits for every connection; those between requests are closed meanwhile.
	sweep, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go g.conns.closeIdle(sweep, 10*time.Millisecond)
	if err := g.h.Shutdown(ctx); err != nil {
		return fmt.Errorf("gateway: shutdown: %w", err)
	}
	return nil
}
