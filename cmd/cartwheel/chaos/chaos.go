// Package chaos is Cartwheel's fault matrix (`make chaos`, `cartwheel chaos`): it starts
// make up's fleet on the real engines, drives a steady checkout load, injects one fault
// per scenario at a random moment of it, and after each scenario lets the fleet settle
// and checks that no order, payment or unit of stock was lost (docs/resilience.md).
package chaos

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/bench"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
)

// Usage is the command's help.
const Usage = `usage: cartwheel chaos [flags]

Starts make up's fleet (scripts/fleet.sh) on fresh schemas cartwheel_chaos_*, drives a
steady checkout load (orders, sandbox payments, cancels, payment timeouts of 8 s, late
payments that must be refunded) and runs each scenario: one fault at a random moment of
the load, then the load stops, the fleet settles and the checks run (the invariant
checker; every order and payment the client was answered about). Prints one table row
per scenario. Exit 1 when any check finds a violation, when a gapless scenario (the
rolling restart) failed a request, or when the fleet did not recover. Loopback only;
the engines and ports of make up; refuses while make up's fleet is running.
`

// Config is one chaos run.
type Config struct {
	Root        string // the checkout (scripts/fleet.sh)
	Scenarios   []string
	Workers     int
	Seed        uint64
	FaultAfter  [2]time.Duration // the fault comes at a random moment within
	LoadAfter   time.Duration    // load kept on after the fleet recovered
	SettleLimit time.Duration
	Keep        bool // leave the fleet running
}

// Main runs the command and returns its exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	rows, err := Run(ctx, cfg, stderr)
	printTable(stdout, cfg, rows)
	if err != nil {
		fmt.Fprintln(stderr, "chaos:", err)
		return 2
	}
	for _, r := range rows {
		if !r.passed() {
			return 1
		}
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	cfg := Config{}
	f := flag.NewFlagSet("chaos", flag.ContinueOnError)
	f.SetOutput(stderr)
	f.Usage = func() { fmt.Fprint(stderr, Usage, "\nflags:\n"); f.PrintDefaults() }
	names := make([]string, 0)
	for _, s := range allScenarios() {
		names = append(names, s.name)
	}
	scenarios := f.String("scenarios", strings.Join(names, ","), "scenarios to run, comma-separated (all: "+strings.Join(names, ",")+")")
	f.StringVar(&cfg.Root, "root", "", "the checkout holding scripts/fleet.sh (default: found from the working directory up)")
	f.IntVar(&cfg.Workers, "workers", 6, "concurrent customers of the load")
	f.Uint64Var(&cfg.Seed, "seed", uint64(time.Now().UnixNano()), "seed of the fault moments")
	minAfter := f.Duration("fault-after-min", 3*time.Second, "the fault comes at a random moment of the load between this")
	maxAfter := f.Duration("fault-after-max", 10*time.Second, "and this")
	f.DurationVar(&cfg.LoadAfter, "load-after", 8*time.Second, "load kept on after the fleet recovered")
	f.DurationVar(&cfg.SettleLimit, "settle-limit", 120*time.Second, "longest wait for the checks to pass after the load stopped")
	f.BoolVar(&cfg.Keep, "keep", false, "leave the fleet running at the end")
	if err := f.Parse(args); err != nil {
		return cfg, err
	}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	cfg.Scenarios = strings.Split(*scenarios, ",")
	for _, s := range cfg.Scenarios {
		if !known[s] {
			return cfg, fmt.Errorf("-scenarios: unknown %q", s)
		}
	}
	if *minAfter <= 0 || *maxAfter < *minAfter || cfg.Workers < 1 {
		return cfg, errors.New("-fault-after-min must be positive and at most -fault-after-max; -workers at least 1")
	}
	cfg.FaultAfter = [2]time.Duration{*minAfter, *maxAfter}
	if cfg.Root == "" {
		root, err := findRoot()
		if err != nil {
			return cfg, err
		}
		cfg.Root = root
	}
	return cfg, nil
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "fleet.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("chaos: no scripts/fleet.sh here or above; give -root")
		}
		dir = parent
	}
}

// schemaPrefix keeps the run's shop apart from make up's (cartwheel_*).
const schemaPrefix = "cartwheel_chaos_"

// paymentTimeout is the run's ORDER_PAYMENT_TIMEOUT: short, so unpaid orders and late
// payments happen within a scenario.
const paymentTimeout = 8 * time.Second

// Row is one scenario's result.
type Row struct {
	Scenario, Fault string
	Sent, Failed    int64
	FailedOutside   int // failures before the fault or after the fleet recovered
	FailureKinds    string
	Orders          int
	Violations      []string
	Recovery        time.Duration // from the fault until the fleet was ready again
	Settle          time.Duration // from the load's end until every check passed
	Err             string        // the scenario could not be run or recovered
	Gapless         bool
}

func (r Row) passed() bool {
	return r.Err == "" && len(r.Violations) == 0 && (!r.Gapless || r.Failed == 0)
}

// runner is one run's shared state.
type runner struct {
	cfg   Config
	c     *control
	redis *stallProxy
	dbs   invariants.Databases
	x     *bench.Session
	say   func(format string, args ...any)
}

// Run starts the fleet, runs the scenarios and stops what it started.
func Run(ctx context.Context, cfg Config, progress io.Writer) (rows []Row, err error) {
	say := func(format string, args ...any) {
		fmt.Fprintf(progress, "%s chaos: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	state := filepath.Join(cfg.Root, ".cache", "chaos")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(state, "scripts.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	r := &runner{cfg: cfg, c: newControl(cfg.Root, logFile), say: say}
	say("seed %d; scripts' output in %s", cfg.Seed, logFile.Name())

	if r.c.fleetRunning(ctx) {
		return nil, errors.New("make up's fleet is running: the run needs the engines to itself (make down first)")
	}
	enginesUp := r.c.infra(ctx, "status") == nil
	say("engines: scripts/infra.sh up")
	if err := r.c.infra(ctx, "up"); err != nil {
		return nil, err
	}
	defer func() {
		stopCtx := context.WithoutCancel(ctx)
		switch {
		case cfg.Keep:
			say("-keep: the fleet stays up (make down stops it)")
		case enginesUp: // someone else's engines: stop only the binaries
			for _, b := range binaries {
				if e := r.c.fleet(stopCtx, "stop", b); e != nil {
					err = errors.Join(err, e)
				}
			}
		default:
			say("stopping the fleet and the engines (scripts/fleet.sh down)")
			if e := r.c.fleet(stopCtx, "down"); e != nil {
				err = errors.Join(err, e)
			}
		}
	}()
	if err := r.startFleet(ctx); err != nil {
		return nil, err
	}
	defer r.redis.Close()
	defer r.x.Close()
	closeDBs := func() {}
	r.dbs, closeDBs, err = invariants.Open(invariants.Source{MySQLDSN: r.c.env["CARTWHEEL_MYSQL_DSN"], SchemaPrefix: schemaPrefix})
	if err != nil {
		return nil, err
	}
	defer closeDBs()

	byName := map[string]scenario{}
	for _, s := range allScenarios() {
		byName[s.name] = s
	}
	for _, name := range cfg.Scenarios {
		if ctx.Err() != nil {
			break
		}
		row := r.scenario(ctx, byName[name])
		rows = append(rows, row)
		say("%s: sent %d, failed %d (%d outside the outage), violations %d, recovery %s, settle %s %s",
			row.Scenario, row.Sent, row.Failed, row.FailedOutside, len(row.Violations), secs(row.Recovery), secs(row.Settle), row.Err)
		for _, v := range row.Violations {
			say("  violation: %s", v)
		}
	}
	return rows, ctx.Err()
}

// startFleet: fresh schemas, the Redis stall proxy, fleet.sh up with the run's
// settings, the load's customers.
func (r *runner) startFleet(ctx context.Context) error {
	engines, err := r.c.engineEnv(ctx)
	if err != nil {
		return err
	}
	base := engines["CARTWHEEL_MYSQL_DSN"]
	if err := freshSchemas(ctx, base); err != nil {
		return err
	}
	r.redis, err = newStallProxy(engines["CARTWHEEL_REDIS_ADDR"])
	if err != nil {
		return err
	}
	env := r.c.env
	for k, v := range bench.LoadEnv {
		env[k] = v
	}
	env["CARTWHEEL_MYSQL_DSN"] = base
	env["ORDER_PAYMENT_TIMEOUT"] = paymentTimeout.String()
	env["ORDER_SWEEP_INTERVAL"] = "2s"
	env["GATEWAY_ACCESS_TTL"] = "2h" // the run outlasts the default 15 minutes
	env["GATEWAY_REDIS_ADDR"] = r.redis.Addr()
	// The run's own rate limits and login throttles, as it has its own schemas: what an
	// earlier run or test left in Redis (the integration pass's 300 wrong passwords from
	// 127.0.0.1) must not throttle this run's logins.
	env["GATEWAY_RATE_KEY_PREFIX"] = fmt.Sprintf("cartwheel:chaos:%d:", time.Now().UnixNano())
	env["PRODUCT_REDIS_ADDR"] = r.redis.Addr()
	if os.Getenv("OTEL_TRACES_SAMPLER_ARG") == "" {
		env["OTEL_TRACES_SAMPLER_ARG"] = "0.05" // tracing every request costs the load's CPU
	}
	// No Prometheus: nothing in the run reads it, and the integration pass, which
	// runs a subset, must not wait for Prometheus's first build.
	env["CARTWHEEL_FLEET_PROMETHEUS"] = "off"
	for _, s := range []string{"user", "product", "order", "payment"} {
		env[strings.ToUpper(s)+"_DB_DSN"] = base + schemaPrefix + s + "?parseTime=true&loc=UTC"
	}
	r.say("the fleet: scripts/fleet.sh up (schemas %s*, payment timeout %s)", schemaPrefix, paymentTimeout)
	if err := r.c.fleet(ctx, "up"); err != nil {
		return err
	}
	gw := newGateways(ctx, r.c)
	r.x, err = bench.OpenSession(ctx, bench.SessionOptions{
		URL: "http://" + gatewayHome, AdminEmail: "admin@cartwheel.local", AdminPassword: "cartwheel-admin",
		Customers: r.cfg.Workers, Concurrency: r.cfg.Workers * 2, Dial: gw.dial,
	})
	return err
}

// freshSchemas drops and creates the run's four schemas.
func freshSchemas(ctx context.Context, base string) error {
	db, err := sql.Open("mysql", base)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range []string{"user", "product", "order", "payment"} {
		name := schemaPrefix + s
		for _, stmt := range []string{
			"DROP DATABASE IF EXISTS `" + name + "`",
			"CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		} {
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("chaos: %s: %w", stmt, err)
			}
		}
	}
	return nil
}

// scenario runs one: load, fault at a random moment, recovery, more load, stop,
// settle, checks.
func (r *runner) scenario(ctx context.Context, s scenario) (row Row) {
	row = Row{Scenario: s.name, Fault: s.fault, Gapless: s.gapless}
	fail := func(what string, err error) Row {
		row.Err = fmt.Sprintf("%s: %v", what, err)
		return row
	}
	r.say("%s: %s", s.name, s.fault)
	if _, err := r.c.waitReady(ctx, 5*time.Second); err != nil {
		r.say("%s: the fleet is not ready; scripts/fleet.sh up", s.name)
		if err := r.c.fleet(ctx, "up"); err != nil {
			return fail("repairing the fleet", err)
		}
	}
	if s.prepare != nil {
		// Undone whatever happens next, after the checks, so the next scenario starts
		// from the plain fleet.
		defer func() {
			if err := s.undo(ctx, r); err != nil && row.Err == "" {
				row.Err = "undo: " + err.Error()
			}
		}()
		if err := s.prepare(ctx, r); err != nil {
			return fail("prepare", err)
		}
	}
	sku, err := r.x.NewSKU(ctx, strings.ToUpper(strings.ReplaceAll(s.name, "-", "")), 1_000_000)
	if err != nil {
		return fail("creating the SKU", err)
	}
	l := newLoad(r.x, sku, paymentTimeout)
	stopCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	l.start(ctx, stopCtx, r.cfg.Workers)

	// The moment depends on the seed and the scenario only, so one scenario of a run
	// is reproduced alone with the run's seed.
	name := fnv.New64a()
	_, _ = name.Write([]byte(s.name))
	rng := rand.New(rand.NewPCG(r.cfg.Seed, name.Sum64()))
	lo, hi := r.cfg.FaultAfter[0], r.cfg.FaultAfter[1]
	pause(ctx, lo+time.Duration(rng.Int64N(int64(hi-lo)+1)))
	faultAt := time.Now()
	injectErr := s.inject(ctx, r)
	recovered, readyErr := r.c.waitReady(ctx, 3*time.Minute)
	switch {
	case injectErr != nil:
		row.Err = "inject: " + injectErr.Error()
	case readyErr != nil:
		row.Err = "recovery: " + readyErr.Error()
	}
	if readyErr == nil {
		row.Recovery = recovered.Sub(faultAt)
	}
	pause(ctx, r.cfg.LoadAfter)
	stopLoad()
	stoppedAt := time.Now()
	l.wait()
	row.Sent, row.Failed = l.reqs.sent.Load(), l.reqs.failed.Load()
	row.FailureKinds = l.reqs.kinds()
	for _, f := range l.reqs.samples {
		fmt.Fprintf(r.c.log, "%s: failed: %s\n", s.name, f)
	}
	if readyErr == nil {
		// A moment past the fleet's readiness for the callers' caches (registry, pools)
		// to notice.
		row.FailedOutside = l.reqs.outside(faultAt, recovered.Add(2*time.Second))
	}
	row.Orders = len(l.ledger.orders)
	broken, err := settle(ctx, r.dbs, l.ledger, r.cfg.SettleLimit)
	if err != nil {
		return fail("checks", err)
	}
	row.Violations = broken
	row.Settle = time.Since(stoppedAt)
	return row
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// printTable writes the results as the Markdown table of docs/resilience.md.
func printTable(w io.Writer, cfg Config, rows []Row) {
	fmt.Fprintf(w, "\n| scenario | fault | requests sent | failed | failed outside the outage | orders | violations | recovery | settle | reproduce |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		violations := fmt.Sprint(len(r.Violations))
		if r.Err != "" {
			violations += " (" + r.Err + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %s | %s | %s | `make chaos CHAOS_ARGS='-scenarios %s -seed %d'` |\n",
			r.Scenario, r.Fault, r.Sent, r.Failed, r.FailedOutside, r.Orders, violations, secs(r.Recovery), secs(r.Settle), r.Scenario, cfg.Seed)
	}
	for _, r := range rows {
		if r.FailureKinds != "" {
			fmt.Fprintf(w, "\n%s failures: %s", r.Scenario, r.FailureKinds)
		}
	}
	fmt.Fprintln(w)
}
