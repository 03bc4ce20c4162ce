// Package bench is Cartwheel's load generator (`make bench`, `cartwheel bench`): it
// measures the shop's scenarios (browse, checkout, flash sale, login burst) against a
// bare Hertz hello and a bare Kitex echo run in the same process and the same run, and
// ends every scenario with the invariant checker.
package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
)

// Config is one bench invocation.
type Config struct {
	Target        string // "" starts a dev server in process
	Runs          int
	Duration      time.Duration // per timed operation (checkout runs twice as long)
	Concurrency   int           // baselines and browse
	Scenarios     []string
	AdminEmail    string
	AdminPassword string
	Source        invariants.Source // the target's databases (own dev server: set by the bench)
	SettleWait    time.Duration     // how long the checker waits for in-flight messages

	CheckoutConcurrency int
	CheckoutSKUs        int // SKUs the checkout's customers order, in turn
	FlashBuyers         int
	FlashConcurrency    int
	FlashStock          int
	LoginConcurrency    int

	OverloadSweep            []int         // closed-loop clients of the capacity sweep's steps
	OverloadStep             time.Duration // length of each sweep step
	OverloadFactor           float64       // the overload, as a multiple of the peak goodput
	OverloadMaxOutstanding   int           // the open-loop generator's limit of unanswered requests
	OverloadLoginConcurrency int           // clients of the login burst
	Deadline                 time.Duration // the target gateway's request deadline

	Env        map[string]string // the own dev server's extra environment
	LogLevel   string            // the own dev server's log level
	WorkDir    string            // the own dev server's data and log ("" = a temporary folder)
	CPUProfile string            // a CPU profile of the whole process during the runs
}

// Usage is the command's help.
const Usage = `usage: cartwheel bench [flags]

Measures the shop under load and prints one table (medians of -runs runs): answers/s,
p50/p99/max, errors by status and code, the ratio to a bare Hertz hello measured in
the same run, and how long orders take to leave PENDING. Every scenario ends with the
invariant checker; any violation, or a flash sale that sells past its stock at any
sampled moment, makes the exit status 1.

Without -target it starts the dev server (make run's fleet) in this process on
ephemeral ports with a fresh data folder. With -target it loads a running shop, and the
checker reads -data (make run's folder) or -mysql (make up's MySQL, default
$CARTWHEEL_MYSQL_DSN).
`

// Main runs the command and returns its exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, errPrintLoadEnv) {
		PrintLoadEnv(stdout)
		return 0
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	report, err := Run(ctx, cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	fmt.Fprintf(stdout, "command: cartwheel bench %s\n\n", strings.Join(args, " "))
	report.Print(stdout)
	if len(report.Violations) > 0 {
		return 1
	}
	return 0
}

// errPrintLoadEnv: -print-load-env asks for the settings instead of a run.
var errPrintLoadEnv = errors.New("print the load settings")

type envFlag map[string]string

func (e envFlag) String() string { return "" }
func (e envFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("-env wants KEY=VALUE, got %q", v)
	}
	e[k] = val
	return nil
}

func parseFlags(args []string, stderr io.Writer) (Config, error) {
	cfg := Config{Env: map[string]string{}}
	f := flag.NewFlagSet("bench", flag.ContinueOnError)
	f.SetOutput(stderr)
	f.Usage = func() { fmt.Fprint(stderr, Usage, "\nflags:\n"); f.PrintDefaults() }
	f.StringVar(&cfg.Target, "target", "", "a running shop's URL, e.g. http://127.0.0.1:8080 (default: start a dev server in process)")
	f.IntVar(&cfg.Runs, "runs", 3, "runs; the table shows each figure's median")
	f.DurationVar(&cfg.Duration, "duration", 5*time.Second, "length of each timed operation (checkout: twice this)")
	f.IntVar(&cfg.Concurrency, "c", 50, "concurrent clients for the baselines and browse")
	scenarios := f.String("scenarios", "browse,checkout,flash,login,overload", "scenarios to run, comma-separated")
	f.IntVar(&cfg.CheckoutConcurrency, "checkout-c", 32, "concurrent customers in checkout")
	f.IntVar(&cfg.CheckoutSKUs, "checkout-skus", 32, "SKUs the checkout's orders go to, in turn (1: every order locks the same stock row)")
	f.IntVar(&cfg.FlashBuyers, "flash-buyers", 2000, "buyers in the flash sale, one order each")
	f.IntVar(&cfg.FlashConcurrency, "flash-c", 200, "flash sale buyers at a time")
	f.IntVar(&cfg.FlashStock, "flash-stock", 100, "units on sale")
	f.IntVar(&cfg.LoginConcurrency, "login-c", 16, "concurrent wrong-password logins in the login burst")
	sweep := f.String("overload-sweep", "4,8,16,32,64,128", "overload: closed-loop clients of each step of the capacity sweep")
	f.DurationVar(&cfg.OverloadStep, "overload-step", 2*time.Second, "overload: length of each sweep step")
	f.Float64Var(&cfg.OverloadFactor, "overload-factor", 2, "overload: the load offered after 1×, as a multiple of the sweep's peak goodput")
	f.IntVar(&cfg.OverloadMaxOutstanding, "overload-max-outstanding", 1024, "overload: the open-loop generator's limit of unanswered requests (arrivals past it are counted, not sent)")
	f.IntVar(&cfg.OverloadLoginConcurrency, "overload-login-c", 64, "overload: clients of the login burst (right passwords)")
	f.DurationVar(&cfg.Deadline, "deadline", 6*time.Second, "the target gateway's request deadline (GATEWAY_REQUEST_TIMEOUT; default twice GATEWAY_RPC_TIMEOUT): the login burst's bound")
	f.StringVar(&cfg.AdminEmail, "admin-email", "admin@cartwheel.local", "an admin of the target (creates the bench SKUs)")
	f.StringVar(&cfg.AdminPassword, "admin-password", "cartwheel-admin", "that admin's password")
	f.StringVar(&cfg.Source.DataDir, "data", "", "with -target: the dev server's data folder, for the checker")
	f.StringVar(&cfg.Source.MySQLDSN, "mysql", "", "with -target: the fleet's MySQL DSN without schema (default $CARTWHEEL_MYSQL_DSN)")
	f.StringVar(&cfg.Source.SchemaPrefix, "schema-prefix", "cartwheel_", "with -mysql: the schemas' prefix")
	f.DurationVar(&cfg.SettleWait, "settle-wait", 60*time.Second, "how long the checker waits for messages in flight")
	f.Var(envFlag(cfg.Env), "env", "KEY=VALUE for the in-process dev server (repeatable)")
	f.StringVar(&cfg.LogLevel, "log-level", "info", "the in-process dev server's log level (make run's default is info)")
	f.StringVar(&cfg.WorkDir, "workdir", "", "folder for the in-process dev server's data and log (default: a temporary one, removed)")
	f.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole process (dev server and load) to this file")
	printEnv := f.Bool("print-load-env", false, "print what the bench changes of a shop's settings as shell export lines, and exit (make bench-up starts make up's fleet with them)")
	if err := f.Parse(args); err != nil {
		return cfg, err
	}
	if *printEnv {
		return cfg, errPrintLoadEnv
	}
	cfg.Scenarios = strings.Split(*scenarios, ",")
	for _, s := range cfg.Scenarios {
		if !validScenarios[s] {
			return cfg, fmt.Errorf("-scenarios: unknown %q (browse, checkout, flash, login, overload)", s)
		}
	}
	var err error
	if cfg.OverloadSweep, err = parseCounts(*sweep); err != nil {
		return cfg, fmt.Errorf("-overload-sweep: %w", err)
	}
	if cfg.Runs < 1 || cfg.Duration <= 0 || cfg.Concurrency < 1 || cfg.CheckoutConcurrency < 1 || cfg.CheckoutSKUs < 1 ||
		cfg.FlashBuyers < 1 || cfg.FlashConcurrency < 1 || cfg.FlashStock < 1 || cfg.LoginConcurrency < 1 ||
		cfg.OverloadStep <= 0 || cfg.OverloadMaxOutstanding < 1 || cfg.OverloadLoginConcurrency < 1 || cfg.Deadline <= 0 {
		return cfg, errors.New("-runs, -duration and every count must be positive")
	}
	if cfg.OverloadFactor <= 1 {
		return cfg, errors.New("-overload-factor must be above 1")
	}
	if cfg.Target != "" && cfg.Source.DataDir == "" && cfg.Source.MySQLDSN == "" {
		cfg.Source.MySQLDSN = os.Getenv("CARTWHEEL_MYSQL_DSN")
		if cfg.Source.MySQLDSN == "" {
			return cfg, errors.New("-target needs the shop's databases for the invariant checker: -data DIR or -mysql DSN (or $CARTWHEEL_MYSQL_DSN)")
		}
	}
	return cfg, nil
}

// firstBurstCustomer is the first customer the overload's login burst signs in as: past
// those the login scenario gave wrong passwords, whose throttle would answer 429.
func (c Config) firstBurstCustomer() int {
	if slices.Contains(c.Scenarios, "login") {
		return c.LoginConcurrency
	}
	return 0
}

var validScenarios = map[string]bool{"browse": true, "checkout": true, "flash": true, "login": true, "overload": true}

// parseCounts reads "4,8,16": positive, each once.
func parseCounts(list string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		if slices.Contains(out, n) {
			return nil, fmt.Errorf("%d is there twice", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// Report is what a bench found.
type Report struct {
	Machine    string
	Target     string
	Runs       int
	Rows       []Row // medians over the runs
	Checks     []string
	Goals      []string // each run's verdicts against the goals
	Violations []string
	Elapsed    time.Duration
}

// Run measures cfg's scenarios; progress goes to progress.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	began := time.Now()
	say := func(format string, args ...any) {
		fmt.Fprintf(progress, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	t, err := openTarget(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer t.stop()
	say("target %s", t.url)

	helloURL, stopHello, err := hertzHello()
	if err != nil {
		return nil, err
	}
	defer stopHello()
	echo, err := startKitexEcho()
	if err != nil {
		return nil, err
	}
	defer echo.stop()

	dbs, closeDBs, err := invariants.Open(t.source)
	if err != nil {
		return nil, err
	}
	defer closeDBs()

	maxC := max(cfg.Concurrency, cfg.CheckoutConcurrency, cfg.FlashConcurrency, cfg.LoginConcurrency)
	if slices.Contains(cfg.Scenarios, "overload") {
		maxC = max(maxC, slices.Max(cfg.OverloadSweep), cfg.OverloadLoginConcurrency)
	}
	client := newAPI(t.url, maxC)
	defer client.close()
	customers := min(max(cfg.CheckoutConcurrency, cfg.LoginConcurrency, 16), 64)
	if slices.Contains(cfg.Scenarios, "overload") {
		customers = min(max(customers, cfg.firstBurstCustomer()+cfg.OverloadLoginConcurrency), 128)
	}
	say("registering %d customers", customers)
	s, err := prepare(ctx, client, cfg.AdminEmail, cfg.AdminPassword, customers)
	if err != nil {
		return nil, err
	}
	hello := newAPI(helloURL, maxC)
	defer hello.close()

	if cfg.CPUProfile != "" {
		stopProfile, err := startProfile(cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		defer stopProfile()
	}

	report := &Report{Machine: machine(), Target: t.describe(), Runs: cfg.Runs}
	var runs [][]Row
	for i := range cfg.Runs {
		r := &run{index: i, cfg: cfg, shop: s, hertz: hello, echo: echo, own: t.own}
		say("run %d/%d: baselines", i+1, cfg.Runs)
		r.baselines(ctx)
		for _, sc := range cfg.Scenarios {
			say("run %d/%d: %s", i+1, cfg.Runs, sc)
			before := len(r.rows)
			switch sc {
			case "browse":
				r.browse(ctx)
			case "checkout":
				err = r.checkout(ctx)
			case "flash":
				err = r.flashSale(ctx)
			case "login":
				r.loginBurst(ctx)
			case "overload":
				err = r.overload(ctx)
			}
			if err != nil {
				return nil, fmt.Errorf("run %d: %s: %w", i+1, sc, err)
			}
			for _, row := range r.rows[before:] {
				say("  %s: %.0f/s p50 %s p99 %s errors %s %s", row.Op, row.PerSec, ms(row.P50), ms(row.P99), formatErrors(row.Errors), row.Note)
			}
			broken, err := invariants.Settled(ctx, dbs, invariants.Options{}, cfg.SettleWait)
			if err != nil {
				return nil, err
			}
			check := fmt.Sprintf("run %d, after %s: invariants ok", i+1, sc)
			if len(broken) > 0 {
				check = fmt.Sprintf("run %d, after %s: %d invariants violated", i+1, sc, len(broken))
				for _, b := range broken {
					report.Violations = append(report.Violations, fmt.Sprintf("run %d, after %s: %s", i+1, sc, b))
				}
			}
			report.Checks = append(report.Checks, check)
			say("%s", check)
		}
		for _, g := range r.goals {
			report.Goals = append(report.Goals, fmt.Sprintf("run %d, %s", i+1, g))
		}
		for _, v := range r.checks {
			report.Violations = append(report.Violations, fmt.Sprintf("run %d: %s", i+1, v))
		}
		runs = append(runs, r.rows)
	}
	report.Rows = medianRows(runs)
	report.Elapsed = time.Since(began)
	return report, nil
}

func openTarget(ctx context.Context, cfg Config) (*target, error) {
	if cfg.Target != "" {
		url := strings.TrimRight(cfg.Target, "/")
		if err := waitReady(ctx, url); err != nil {
			return nil, err
		}
		return &target{url: url, source: cfg.Source, stop: func() {}}, nil
	}
	dir := cfg.WorkDir
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "cartwheel-bench-")
		if err != nil {
			return nil, err
		}
		dir, cleanup = tmp, func() { _ = os.RemoveAll(tmp) }
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	t, err := startDevServer(ctx, dir, cfg.LogLevel, cfg.Env)
	if err != nil {
		cleanup()
		return nil, err
	}
	stop := t.stop
	t.stop = func() { stop(); cleanup() }
	return t, nil
}

func (t *target) describe() string {
	if t.own {
		return "the dev server (make run's fleet: SQLite, embedded broker) in the bench's process, fresh data folder, ephemeral ports"
	}
	return t.url
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
