package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRunRefusals(t *testing.T) {
	cases := []struct {
		name, key, value, args, want string
	}{
		{"unknown_command", "", "", "migrate", "usage"},
		{"unknown_registry_driver", "GATEWAY_REGISTRY_DRIVER", "zookeeper", "serve", `GATEWAY_REGISTRY_*: REGISTRY_DRIVER="zookeeper"`},
		{"nacos_without_address", "GATEWAY_REGISTRY_DRIVER", "nacos", "serve", "nacos: addr is required"},
		{"bad_static_table", "GATEWAY_REGISTRY_STATIC", "user", "serve", "GATEWAY_REGISTRY_"},
		{"bad_config", "GATEWAY_ACCESS_TTL", "1s", "serve", "GATEWAY_ACCESS_TTL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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

func TestLoneBinaryFindsTheServicesOnTheirUsualPorts(t *testing.T) {
	rt, err := config.LoadFrom[runtime]("GATEWAY_", map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Registry.Driver != "static" || rt.Registry.Static != defaultStatic {
		t.Fatalf("registry defaults: %+v", rt.Registry)
	}
}

func TestServesUntilCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("GATEWAY_ADDR", addr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, quiet, nil) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/healthz: %s", resp.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not answer /healthz: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}
