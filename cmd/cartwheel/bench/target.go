package bench

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
)

// target is the shop under load and where its databases are.
type target struct {
	url    string
	source invariants.Source
	stop   func()
	own    bool
}

// LoadEnv is what the bench (and `cartwheel chaos`) change of the shop's configuration,
// and why: the limits would turn a load test into a test of the limiter, and a short
// payment timeout lets unpaid orders time out within the run.
var LoadEnv = map[string]string{
	"GATEWAY_RATE_PER_IP":    "1000000",
	"GATEWAY_BURST_PER_IP":   "1000000",
	"GATEWAY_RATE_PER_USER":  "1000000",
	"GATEWAY_BURST_PER_USER": "1000000",
	// Every client of a load run logs in from 127.0.0.1, which the login defence would
	// throttle as one guessing address after 30 attempts; the per-account throttle stays
	// (the login burst scenario measures it).
	"GATEWAY_LOGIN_BURST_PER_IP": "1000000",
	"ORDER_PAYMENT_TIMEOUT":      "3s",
	"ORDER_SWEEP_INTERVAL":       "5s",
	// The bench logs its customers in once; on make up's fleet a run of three can outlast
	// the default 15 minutes of an access token.
	"GATEWAY_ACCESS_TTL": "2h",
	// Production's minimum (the user service refuses less there); make run's 12 costs
	// four times as much per login, which on two cores shared with the load generator
	// turns setting up the customers into a test of bcrypt.
	"USER_BCRYPT_COST": "10",
}

// PrintLoadEnv writes LoadEnv as shell export lines, sorted, for `make bench-up` to start
// make up's fleet with: eval "$(cartwheel bench -print-load-env)".
func PrintLoadEnv(w io.Writer) {
	for _, k := range slices.Sorted(maps.Keys(LoadEnv)) {
		fmt.Fprintf(w, "export %s='%s'\n", k, LoadEnv[k])
	}
}

// startDevServer starts the dev server (make run's fleet) in this process on ephemeral
// ports with a fresh data folder under dir. Its logs go to dir/cartwheel.log at level.
func startDevServer(ctx context.Context, dir, level string, env map[string]string) (*target, error) {
	data := filepath.Join(dir, "data")
	if err := os.RemoveAll(data); err != nil { // always a fresh shop
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "cartwheel.log"))
	if err != nil {
		return nil, err
	}
	merged := map[string]string{}
	for k, v := range LoadEnv {
		merged[k] = v
	}
	for k, v := range env {
		merged[k] = v
	}
	f, err := fleet.Start(ctx, fleet.Options{
		DataDir: data, Env: merged, Ephemeral: true,
		Logger: logging.New(logFile, "", level),
	})
	if err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("bench: dev server: %w", err)
	}
	t := &target{url: f.URL, source: invariants.Source{DataDir: data}, own: true,
		stop: func() { f.Stop(); _ = logFile.Close() }}
	if err := waitReady(ctx, f.URL); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// waitReady waits for the gateway to answer the catalog (readiness moves to the admin
// listener; the catalog answering is what the bench needs anyway).
func waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/categories", nil)
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("bench: %s did not answer GET /api/v1/categories within 30s (last: %v)", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
