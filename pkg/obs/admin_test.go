package obs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestAdminProbesFollowStartReadinessAndDrain(t *testing.T) {
	tel := New()
	a, err := ListenAdmin("127.0.0.1:0", tel.Registry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	base := "http://" + a.Addr().String()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	expect := func(path string, code int, text string) {
		t.Helper()
		if got, body := get(path); got != code || !strings.Contains(body, text) {
			t.Fatalf("%s = %d %s, want %d with %q", path, got, body, code, text)
		}
	}

	expect("/healthz", 200, `"ok"`)
	expect("/readyz", 503, `"starting"`)

	var dbDown atomic.Bool
	a.Ready(Check{Name: "database", Probe: func(context.Context) error {
		if dbDown.Load() {
			return errors.New("connection refused")
		}
		return nil
	}})
	expect("/readyz", 200, `"ready"`)
	dbDown.Store(true)
	expect("/readyz", 503, `"database":"connection refused"`)
	expect("/healthz", 200, `"ok"`) // an outage never gets the process restarted
	dbDown.Store(false)
	expect("/readyz", 200, `"ready"`)

	a.Drain()
	expect("/readyz", 503, `"draining"`)
	expect("/healthz", 200, `"ok"`)
	expect("/metrics", 200, "go_goroutines")
	expect("/debug/pprof/", 200, "goroutine")
}
