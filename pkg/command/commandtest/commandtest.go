// Package commandtest checks a real binary's spec end to end, the same way for every
// binary: it refuses an unmigrated schema, migrates, serves until cancelled, and names a
// bad variable.
package commandtest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Smoke runs spec as its binary would, on a temporary SQLite file, broker file and free
// loopback ports: its admin listener answers /healthz, /metrics, and /readyz from the
// moment it has started (200, or 503 naming what is down: a gateway alone has no
// services to reach), then /readyz 503 "draining" while it drains after the stop. bad is one variable
// (without the prefix) and a value the binary's Config must refuse, naming it.
func Smoke[C any, R command.Runner](t *testing.T, spec command.Spec[C, R], bad, badValue string) {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := environment(t, spec.Prefix)
	run := func(ctx context.Context, args ...string) error {
		return command.Run(ctx, quiet, args, spec, env)
	}

	if spec.Migrate != nil {
		if err := run(context.Background()); !errors.Is(err, db.ErrSchemaBehind) {
			t.Fatalf("serve on an unmigrated schema: got %v, want ErrSchemaBehind", err)
		}
		if err := run(context.Background(), "migrate"); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, "serve") }()
	admin := "http://" + env[spec.Prefix+"ADMIN_ADDR"]
	waitFor(t, done, admin+"/readyz", func(code int, body string) bool { return !strings.Contains(body, `"starting"`) })
	if code, _ := get(admin + "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	if code, body := get(admin + "/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("/metrics: %d %.200s", code, body)
	}
	cancel()
	waitFor(t, done, admin+"/readyz", func(code int, body string) bool { // still up
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"draining"`)
	})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}

	env[spec.Prefix+bad] = badValue
	if err := run(context.Background(), "serve"); err == nil || !strings.Contains(err.Error(), spec.Prefix+bad) {
		t.Fatalf("%s%s=%s: got %v, want an error naming the variable", spec.Prefix, bad, badValue, err)
	}
}

// waitFor polls url until its answer is what want accepts, failing when serve ends
// first. The bound is generous: a binary under -race on a busy machine (the user service
// hashes its seed admin's password with bcrypt) can take many seconds to start.
func waitFor(t *testing.T, done <-chan error, url string, want func(code int, body string) bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if code, body := get(url); code != 0 && want(code, body) {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended (%v) before %s answered as expected", err, url)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			code, body := get(url)
			t.Fatalf("%s did not answer as expected within a minute: %d %s", url, code, body)
		}
	}
}

func get(url string) (int, string) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func environment(t *testing.T, prefix string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	return map[string]string{
		prefix + "ADDR":             testkit.FreeAddr(t),
		prefix + "ADMIN_ADDR":       testkit.FreeAddr(t),
		prefix + "DRAIN_DELAY":      "500ms",
		prefix + "DB_DSN":           filepath.Join(dir, "service.db"),
		prefix + "MQ_EMBEDDED_PATH": filepath.Join(dir, "broker.db"),
	}
}
