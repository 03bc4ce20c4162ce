package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every scenario once, briefly, against an in-process dev server: it
// proves the bench works end to end (correctness only; timing is make bench's job).
func TestSmoke(t *testing.T) {
	cfg := Config{
		Runs: 1, Duration: 300 * time.Millisecond, Concurrency: 4,
		Scenarios:           []string{"browse", "checkout", "flash", "login", "overload"},
		AdminEmail:          "admin@cartwheel.local",
		AdminPassword:       "cartwheel-admin",
		SettleWait:          30 * time.Second,
		CheckoutConcurrency: 3, CheckoutSKUs: 2, FlashBuyers: 30, FlashConcurrency: 10, FlashStock: 10, LoginConcurrency: 2,
		OverloadSweep: []int{1, 2}, OverloadStep: 200 * time.Millisecond, OverloadFactor: 2,
		OverloadMaxOutstanding: 64, OverloadLoginConcurrency: 2, Deadline: 30 * time.Second,
		// Correctness, not latency: under -race on a busy machine calls get time.
		Env: map[string]string{"USER_BCRYPT_COST": "4", "GATEWAY_RPC_TIMEOUT": "20s", "ORDER_RPC_TIMEOUT": "20s",
			"PAYMENT_RPC_TIMEOUT": "20s", "GATEWAY_WRITE_TIMEOUT": "30s",
			// No winner's unit goes back on sale during the test, so winners = stock.
			"ORDER_PAYMENT_TIMEOUT": "10m"},
		LogLevel: "warn", WorkDir: t.TempDir(),
	}
	var progress bytes.Buffer
	report, err := Run(context.Background(), cfg, &progress)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if len(report.Violations) > 0 {
		t.Fatalf("violations: %v", report.Violations)
	}
	answered := map[string]int{}
	for _, row := range report.Rows {
		answered[row.Scenario+": "+row.Op] = row.OK
	}
	for _, op := range []string{
		"baseline: Hertz hello (bare)", "baseline: Kitex echo (bare)",
		"browse: GET /products/{id}", "browse: GET /products (listing)", "browse: GET /products?q= (search)",
		"checkout: POST /orders (from cart)", "checkout: GET /orders/{id} (poll)",
		"flash sale: POST /orders (30 buyers, 10 units)",
		"login burst: POST /auth/login (wrong password)", "login burst: POST /auth/login (another customer, beside it)",
		"overload: catalog mix, sweep c=1 (closed loop)", "overload: catalog mix, sweep c=2 (closed loop)",
		"overload: catalog mix at 1× capacity (open loop)", "overload: catalog mix at 2× capacity (open loop)",
		"overload: POST /auth/login (burst, right password)",
	} {
		if answered[op] == 0 {
			t.Errorf("%s: no successful answer (rows: %v)", op, answered)
		}
	}
	var out bytes.Buffer
	report.Print(&out)
	table := out.String()
	// Every buyer learnt the outcome, and exactly the stock was sold: the protocol
	// sells every unit when buyers outnumber them.
	if !strings.Contains(table, "won 10, lost 20") {
		t.Errorf("flash sale: want 10 winners and 20 losers:\n%s", table)
	}
	if got := strings.Count(table, "invariants ok"); got != 5 {
		t.Errorf("want the checker after each of 5 scenarios, got %d:\n%s", got, table)
	}
	// Each verdict is printed, whichever way it went on this machine.
	for _, goal := range []string{"run 1, flash sale: 30 of 30 buyers learnt win or lose", "run 1, overload: peak ",
		"run 1, overload: admitted p99 ", "run 1, overload: a login burst of 2 clients"} {
		if !strings.Contains(table, goal) {
			t.Errorf("no goal line %q:\n%s", goal, table)
		}
	}
}

func TestMedianRows(t *testing.T) {
	runs := [][]Row{
		{{Scenario: "s", Op: "o", PerSec: 10, P99: 3 * time.Millisecond, Errors: map[string]int{"503 UNAVAILABLE": 1}}},
		{{Scenario: "s", Op: "o", PerSec: 30, P99: 1 * time.Millisecond, Errors: map[string]int{}}},
		{{Scenario: "s", Op: "o", PerSec: 20, P99: 2 * time.Millisecond, Errors: map[string]int{"503 UNAVAILABLE": 2}}},
	}
	got := medianRows(runs)
	if len(got) != 1 || got[0].PerSec != 20 || got[0].P99 != 2*time.Millisecond || got[0].Errors["503 UNAVAILABLE"] != 3 {
		t.Fatalf("median of 10/20/30 and 1/2/3 ms, errors summed: got %+v", got)
	}
}
