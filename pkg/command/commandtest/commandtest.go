// Package commandtest checks a real binary's spec end to end, the same way for every
// binary: it refuses an unmigrated schema, migrates, serves until cancelled, and names a
// bad variable.
package commandtest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/command"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
)

// Smoke runs spec as its binary would, on a temporary SQLite file, broker file and free
// loopback port. bad is one variable (without the prefix) and a value the binary's
// Config must refuse, naming it.
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
	time.Sleep(200 * time.Millisecond) // let it come up; the servers stop safely at any moment
	cancel()
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

func environment(t *testing.T, prefix string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return map[string]string{
		prefix + "ADDR":             addr,
		prefix + "DB_DSN":           filepath.Join(dir, "service.db"),
		prefix + "MQ_EMBEDDED_PATH": filepath.Join(dir, "broker.db"),
	}
}
