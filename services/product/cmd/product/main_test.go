package main

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

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/db"
)

// setEnv points the binary at a temporary folder and a free loopback port.
func setEnv(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("PRODUCT_ADDR", addr)
	t.Setenv("PRODUCT_DB_DSN", filepath.Join(dir, "product.db"))
	t.Setenv("PRODUCT_MQ_EMBEDDED_PATH", filepath.Join(dir, "broker", "product.db"))
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestServeRefusesAnUnmigratedDatabase(t *testing.T) {
	setEnv(t)
	if err := run(context.Background(), quiet, nil); !errors.Is(err, db.ErrSchemaBehind) {
		t.Fatalf("got %v, want ErrSchemaBehind", err)
	}
}

func TestMigrateThenServeUntilCancelled(t *testing.T) {
	setEnv(t)
	if err := run(context.Background(), quiet, []string{"migrate"}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, quiet, []string{"serve"}) }()
	time.Sleep(200 * time.Millisecond) // let it come up; Run copes with any moment
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
}

func TestRunRefusals(t *testing.T) {
	cases := []struct {
		name, key, value, args, want string
	}{
		{"unknown_command", "", "", "launch", "usage"},
		{"unknown_registry_driver", "PRODUCT_REGISTRY_DRIVER", "zookeeper", "serve", `PRODUCT_REGISTRY_*: REGISTRY_DRIVER="zookeeper"`},
		{"nacos_without_address", "PRODUCT_REGISTRY_DRIVER", "nacos", "serve", "nacos: addr is required"},
		{"unknown_mq_driver", "PRODUCT_MQ_DRIVER", "kafka", "migrate", `PRODUCT_MQ_*: MQ_DRIVER="kafka"`},
		{"rocketmq_without_name_servers", "PRODUCT_MQ_DRIVER", "rocketmq", "serve", "ROCKETMQ_NAMESRV"},
		{"bad_config", "PRODUCT_CURRENCY", "dollars", "serve", "CURRENCY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			setEnv(t)
			if tc.key != "" {
				t.Setenv(tc.key, tc.value)
			}
			err := run(context.Background(), quiet, []string{tc.args})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestLoneBinaryDefaults(t *testing.T) {
	rt, err := config.LoadFrom[runtime]("PRODUCT_", map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Registry.Driver != "static" || rt.Registry.Static != "" || rt.MQ.Driver != "embedded" || rt.MQ.EmbeddedPath != defaultBrokerFile {
		t.Fatalf("a lone binary keeps a static table and its own broker file: %+v", rt)
	}
}
