package chaos

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

// binaries are the fleet's five processes in the order a rolling restart takes them
// (callees before callers), with their admin ports (scripts/fleet.sh).
var binaries = []string{"user", "product", "order", "payment", "gateway"}

var adminPort = map[string]int{"gateway": 9880, "user": 9881, "product": 9882, "order": 9883, "payment": 9884}

// surgeOffset is how much higher the second instance of a rolling restart listens.
const surgeOffset = 100

const (
	gatewayHome  = "127.0.0.1:8080"
	gatewaySurge = "127.0.0.1:8180"
)

// control runs scripts/fleet.sh and scripts/infra.sh of the checkout at root with the
// run's environment, logging their output to log.
type control struct {
	root  string
	env   map[string]string // the run's overrides, on top of this process's environment
	log   *os.File
	ready *http.Client
}

func newControl(root string, log *os.File) *control {
	return &control{root: root, env: map[string]string{}, log: log, ready: &http.Client{Timeout: time.Second}}
}

// script runs scripts/NAME ARGS and returns its stdout; its stderr goes to the log. An
// error carries the last lines of stderr.
func (c *control) script(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "scripts", name), args...)
	cmd.Dir = c.root
	cmd.Env = os.Environ()
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	fmt.Fprintf(c.log, "\n$ scripts/%s %s\n", name, strings.Join(args, " "))
	err := cmd.Run()
	_, _ = c.log.Write(stderr.Bytes())
	if err != nil {
		return stdout.String(), fmt.Errorf("scripts/%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(stderr.String(), 15))
	}
	return stdout.String(), nil
}

func (c *control) fleet(ctx context.Context, args ...string) error {
	_, err := c.script(ctx, "fleet.sh", args...)
	return err
}

func (c *control) infra(ctx context.Context, args ...string) error {
	_, err := c.script(ctx, "infra.sh", args...)
	return err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

var exportLine = regexp.MustCompile(`^export ([A-Z_]+)='([^']*)'$`)

// engineEnv reads `scripts/infra.sh env` (CARTWHEEL_MYSQL_DSN and the rest).
func (c *control) engineEnv(ctx context.Context) (map[string]string, error) {
	out, err := c.script(ctx, "infra.sh", "env")
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if m := exportLine.FindStringSubmatch(sc.Text()); m != nil {
			env[m[1]] = m[2]
		}
	}
	for _, k := range []string{"CARTWHEEL_MYSQL_DSN", "CARTWHEEL_REDIS_ADDR"} {
		if env[k] == "" {
			return nil, fmt.Errorf("scripts/infra.sh env did not set %s", k)
		}
	}
	return env, nil
}

// fleetRunning tells whether any binary of make up's fleet is up.
func (c *control) fleetRunning(ctx context.Context) bool {
	out, _ := c.script(ctx, "fleet.sh", "status")
	return regexp.MustCompile(`(?m)^(user|product|order|payment|gateway) +up `).MatchString(out)
}

// readyz asks one admin listener.
func (c *control) readyz(ctx context.Context, port int) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/readyz", port), nil)
	resp, err := c.ready.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// fleetReady: every binary has a ready instance (home or surge) and the gateway serves
// the catalog.
func (c *control) fleetReady(ctx context.Context) bool {
	for _, b := range binaries {
		if !c.readyz(ctx, adminPort[b]) && !c.readyz(ctx, adminPort[b]+surgeOffset) {
			return false
		}
	}
	return true
}

// waitReady polls fleetReady every 100 ms up to limit and returns when it held.
func (c *control) waitReady(ctx context.Context, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		if c.fleetReady(ctx) {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("the fleet was not ready within %s", limit)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// gateways picks the gateway instance new connections go to, as a Kubernetes Service
// does by readiness: the home instance while it is ready, else the surge instance of a
// rolling restart while that one is ready.
type gateways struct {
	c       *control
	current atomic.Value // string
}

func newGateways(ctx context.Context, c *control) *gateways {
	g := &gateways{c: c}
	g.current.Store(gatewayHome)
	go func() {
		for ctx.Err() == nil {
			switch {
			case c.readyz(ctx, adminPort["gateway"]):
				g.current.Store(gatewayHome)
			case c.readyz(ctx, adminPort["gateway"]+surgeOffset):
				g.current.Store(gatewaySurge)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return g
}

func (g *gateways) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr != gatewayHome {
		return nil, errors.New("chaos: the load only talks to the gateway")
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	return d.DialContext(ctx, network, g.current.Load().(string))
}
