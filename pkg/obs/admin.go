package obs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// probeTimeout bounds /readyz, which orchestrators call every few seconds.
const probeTimeout = 2 * time.Second

// Check is one dependency /readyz probes: Probe returns nil while it is reachable.
type Check struct {
	Name  string
	Probe func(ctx context.Context) error
}

// Admin is a process's operator listener, loopback by default and never the public
// port: /healthz (the process lives; it checks nothing, so a dependency outage never
// gets a pod restarted), /readyz (started, every Check passes, not draining),
// /metrics and /debug/pprof/.
type Admin struct {
	ln       net.Listener
	srv      *http.Server
	log      *slog.Logger
	mu       sync.RWMutex
	checks   []Check
	started  atomic.Bool
	draining atomic.Bool
	served   chan struct{}
}

// ListenAdmin listens on addr and serves at once: /healthz answers while the process
// starts, /readyz answers 503 "starting" until Ready.
func ListenAdmin(addr string, reg *prometheus.Registry, log *slog.Logger) (*Admin, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("obs: admin listener: %w", err)
	}
	return ServeAdmin(ln, reg, log), nil
}

// ServeAdmin is ListenAdmin on a listener the caller opened.
func ServeAdmin(ln net.Listener, reg *prometheus.Registry, log *slog.Logger) *Admin {
	a := &Admin{ln: ln, log: log, served: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", a.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	go func() {
		defer close(a.served)
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("obs: admin listener stopped", "err", err)
		}
	}()
	return a
}

// Addr is where the listener listens.
func (a *Admin) Addr() net.Addr { return a.ln.Addr() }

// Ready ends start-up: from now on /readyz answers from checks.
func (a *Admin) Ready(checks ...Check) {
	a.mu.Lock()
	a.checks = append(a.checks, checks...)
	a.mu.Unlock()
	a.started.Store(true)
}

// Drain turns /readyz to 503 for good: shutdown has begun.
func (a *Admin) Drain() { a.draining.Store(true) }

// Close stops the listener, letting a scrape in flight finish until ctx ends.
func (a *Admin) Close(ctx context.Context) error {
	err := a.srv.Shutdown(ctx)
	<-a.served
	return err
}

func (a *Admin) readyz(w http.ResponseWriter, r *http.Request) {
	switch {
	case a.draining.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "draining"})
		return
	case !a.started.Load():
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "starting"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), probeTimeout)
	defer cancel()
	a.mu.RLock()
	checks := slices.Clone(a.checks)
	a.mu.RUnlock()
	failed := probe(ctx, checks)
	if len(failed) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready"})
		return
	}
	a.log.Warn("obs: not ready", "failed", failed)
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "failed": failed})
}

// probe runs every check at once and returns the failures by name.
func probe(ctx context.Context, checks []Check) map[string]string {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]string{}
	)
	for _, c := range checks {
		wg.Go(func() {
			if err := c.Probe(ctx); err != nil {
				mu.Lock()
				failed[c.Name] = err.Error()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body) // the client hung up: nothing left to tell it
}
