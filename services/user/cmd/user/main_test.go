package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/db"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
)

// logBuffer collects the JSON log lines run writes, safely across goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// find returns the first log record whose msg is msg.
func (b *logBuffer) find(msg string) (map[string]any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, line := range strings.Split(b.buf.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec, true
		}
	}
	return nil, false
}

// setEnv points the binary at a fresh SQLite file and a free port.
func setEnv(t *testing.T) {
	t.Setenv("USER_ADDR", "127.0.0.1:0")
	t.Setenv("USER_DB_DSN", filepath.Join(t.TempDir(), "user.db"))
	t.Setenv("USER_BCRYPT_COST", "4")
	t.Setenv("USER_ADMIN_PASSWORD", "main-test-secret")
}

func TestRunRejectsUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"serv"}, {"migrate", "now"}} {
		err := run(context.Background(), logging.New(&logBuffer{}, "user", "info"), args)
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Fatalf("run(%q): want a usage error, got %v", args, err)
		}
	}
}

func TestRunRefusesABadRegistry(t *testing.T) {
	cases := []struct{ name, driver, want string }{
		{"unknown_driver", "zookeeper", `USER_REGISTRY_*: REGISTRY_DRIVER="zookeeper"`},
		{"nacos_without_address", "nacos", "nacos: addr is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t)
			t.Setenv("USER_REGISTRY_DRIVER", tc.driver)
			err := run(context.Background(), logging.New(&logBuffer{}, "user", "info"), []string{"migrate"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func TestRunRefusesUnmigratedDatabase(t *testing.T) {
	setEnv(t)
	err := run(context.Background(), logging.New(&logBuffer{}, "user", "info"), nil)
	if !errors.Is(err, db.ErrSchemaBehind) {
		t.Fatalf("want db.ErrSchemaBehind, got %v", err)
	}
}

func TestRunMigratesThenServesUntilCancelled(t *testing.T) {
	setEnv(t)
	logs := &logBuffer{}
	log := logging.New(logs, "user", "info")
	if err := run(context.Background(), log, []string{"migrate"}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, log, []string{"serve"}) }()

	addr := waitForServing(t, logs, done)
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	conn.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	rec, ok := logs.find("config")
	if !ok || rec["ADMIN_PASSWORD"] != "****" || rec["DB_DSN"] != "****" || rec["BCRYPT_COST"] != "4" ||
		rec["REGISTRY_DRIVER"] != "static" {
		t.Fatalf("config line missing or leaks secrets: %v", rec)
	}
}

// waitForServing returns the address the service logged it serves on.
func waitForServing(t *testing.T, logs *logBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if rec, ok := logs.find("user service serving"); ok {
			return rec["addr"].(string)
		}
		select {
		case err := <-done:
			t.Fatalf("run returned before serving: %v", err)
		case <-deadline:
			t.Fatal("no 'serving' log line within 10s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
