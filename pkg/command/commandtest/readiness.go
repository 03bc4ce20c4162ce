package commandtest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/pkg/db/dbtest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Readiness runs spec on a MySQL database reached through a proxy the test can cut:
// /readyz answers 200, then 503 naming the database while the proxy is cut (with
// /healthz still 200: an outage must not get the process restarted), then 200 again
// once it is back, and 503 "draining" from the stop on. It needs dbtest's MySQL.
func Readiness[C any, R command.Runner](t *testing.T, spec command.Spec[C, R]) {
	t.Helper()
	var engine *dbtest.Engine
	for _, e := range dbtest.Engines(t) {
		if e.Name == "mysql" {
			engine = &e
		}
	}
	if engine == nil {
		t.Fatalf("%s is not set: the readiness test needs the MariaDB of scripts/infra.sh", dbtest.MySQLEnv)
	}
	dsn, err := mysql.ParseDSN(engine.Config.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newProxy(t, dsn.Addr)
	dsn.Addr = proxy.addr
	env := environment(t, spec.Prefix)
	env[spec.Prefix+"DB_DRIVER"] = "mysql"
	env[spec.Prefix+"DB_DSN"] = dsn.FormatDSN()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	run := func(ctx context.Context, args ...string) error { return command.Run(ctx, quiet, args, spec, env) }
	if err := run(context.Background(), "migrate"); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, "serve") }()
	admin := "http://" + env[spec.Prefix+"ADMIN_ADDR"]
	readyz := admin + "/readyz"

	waitFor(t, done, readyz, func(code int, _ string) bool { return code == http.StatusOK })
	proxy.cut()
	waitFor(t, done, readyz, func(code int, body string) bool {
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"database"`)
	})
	if code, _ := get(admin + "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz during the database outage: %d, want 200", code)
	}
	proxy.restore()
	waitFor(t, done, readyz, func(code int, _ string) bool { return code == http.StatusOK })
	cancel()
	waitFor(t, done, readyz, func(code int, body string) bool {
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"draining"`)
	})
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// proxy forwards TCP connections to target until cut, which also drops those open.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, addr: testkit.FreeAddr(t), target: target}
	p.restore()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
