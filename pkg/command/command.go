// Package command is the main of every Cartwheel binary: `<name> [serve|migrate]`, the
// binary's Config and its runtime drivers read from <NAME>_* variables, SIGINT/SIGTERM
// owned here, and the exit code decided here. A binary's main.go only says what differs.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/cloudwego/kitex/pkg/klog"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/logging"
	"github.com/cartwheel-shop/cartwheel/pkg/mq"
	"github.com/cartwheel-shop/cartwheel/pkg/obs"
	"github.com/cartwheel-shop/cartwheel/pkg/registry"
)

// Runner is a built service or gateway.
type Runner interface {
	Run(ctx context.Context) error
}

// Engines are the drivers a binary opened for its server.
type Engines struct {
	Logger    *slog.Logger
	Registry  registry.Registry
	MQ        mq.Driver // nil unless Spec.Messaging; traced and counted
	Telemetry *obs.Telemetry
}

// Readier is a Runner that can tell whether its own dependencies (its database) answer;
// the admin listener's /readyz asks it.
type Readier interface {
	Ready(ctx context.Context) error
}

// Spec says what one binary is.
type Spec[C any, R Runner] struct {
	Name   string // "order": the command's name in usage and logs
	Prefix string // "ORDER_": every variable the binary reads starts with it
	// Static is the registry table a lone binary uses: its neighbours at their usual
	// ports ("product=127.0.0.1:8882,..."); empty for a binary that calls nobody.
	Static string
	// Messaging opens a broker: the embedded one in data/broker-<name>.db when alone.
	Messaging bool
	// Registers says the server announces itself in the registry (the Kitex services;
	// not the gateway): /readyz stays 503 until it has, so a rollout never sends
	// traffic to, or stops the old instance for, one its callers cannot find yet.
	Registers bool
	// AdminAddr is the admin listener's default address (<PREFIX>ADMIN_ADDR overrides).
	AdminAddr string
	// Migrate applies the schema; nil for a binary without a database (it then takes
	// no migrate command).
	Migrate func(ctx context.Context, cfg C, log *slog.Logger) error
	// New builds the server from its Config and the opened engines.
	New func(ctx context.Context, cfg C, e Engines) (R, func(), error)
}

// runtime is what a binary reads besides its own Config: which engines to use.
type runtime struct {
	Registry drivers.Registry `envPrefix:"REGISTRY_"`
	MQ       drivers.MQ       `envPrefix:"MQ_"`
	// AdminAddr serves /healthz, /readyz, /metrics and /debug/pprof (Spec.AdminAddr
	// when unset).
	AdminAddr string `env:"ADMIN_ADDR"`
	// DrainDelay is how long a stopping binary keeps serving after /readyz turned 503
	// and its instances left the registry, so load balancers and callers stop sending
	// before it stops listening.
	DrainDelay time.Duration `env:"DRAIN_DELAY" envDefault:"3s"`
}

// Main runs the binary and exits non-zero on failure. Kitex logs through a
// process-wide logger of its own, so its level is set here, where the process is owned.
func Main[C any, R Runner](spec Spec[C, R]) {
	if spec.Inform(os.Stdout, os.Args[1:]) {
		return
	}
	log := logging.New(os.Stderr, spec.Name, os.Getenv(spec.Prefix+"LOG_LEVEL"))
	klog.SetLevel(klog.LevelWarn)
	klog.SetOutput(logging.Lines(log, "kitex"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, log, os.Args[1:], spec, config.Environ())
	stop()
	if err != nil {
		log.Error(spec.Name+": exiting", "err", err)
		os.Exit(1)
	}
}

// Run is Main without the process: args without the program name, env as the process
// environment. Tests call it.
func Run[C any, R Runner](ctx context.Context, log *slog.Logger, args []string, spec Spec[C, R], env map[string]string) error {
	cmd, err := spec.command(args)
	if err != nil {
		return err
	}
	cfg, err := config.LoadFrom[C](spec.Prefix, env)
	if err != nil {
		return err
	}
	rt, err := spec.runtime(env)
	if err != nil {
		return err
	}
	log.Info("configuration", append(config.Attrs(cfg), config.Attrs(rt)...)...)
	if cmd == "migrate" {
		return spec.Migrate(ctx, cfg, log)
	}
	return spec.serve(ctx, log, cfg, rt)
}

// Version is the build's version, set at link time with
// -ldflags "-X github.com/cartwheel-shop/cartwheel/pkg/command.Version=..."; when unset,
// the VCS revision Go stamps into the binary stands in.
var Version = ""

// version names the running build: Version, else the stamped VCS revision, else "dev".
func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "dev"
}

// Inform answers `version`, `help`, `-h` and `--help` on w and reports whether it did;
// they need no configuration, so an image can be checked by running its binary bare.
func (spec Spec[C, R]) Inform(w io.Writer, args []string) bool {
	if len(args) != 1 {
		return false
	}
	switch args[0] {
	case "version":
		fmt.Fprintf(w, "%s %s\n", spec.Name, version())
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(w, "usage: %s\n\n  serve     serve until SIGINT or SIGTERM (the default)\n", spec.usage())
		if spec.Migrate != nil {
			fmt.Fprintf(w, "  migrate   bring the database schema up to date and exit\n")
		}
		fmt.Fprintf(w, "  version   print the build's version\n\nEvery setting is read from %s* variables.\n", spec.Prefix)
	default:
		return false
	}
	return true
}

func (spec Spec[C, R]) usage() string {
	if spec.Migrate == nil {
		return spec.Name + " [serve|version]"
	}
	return spec.Name + " [serve|migrate|version]"
}

func (spec Spec[C, R]) command(args []string) (string, error) {
	usage := spec.usage()
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if len(args) > 1 || cmd != "serve" && (cmd != "migrate" || spec.Migrate == nil) {
		return "", fmt.Errorf("usage: %s, got %q", usage, args)
	}
	return cmd, nil
}

// runtime reads the engines, fills the lone-binary defaults and checks only what this
// binary uses, naming the variables with the binary's prefix.
func (spec Spec[C, R]) runtime(env map[string]string) (runtime, error) {
	rt, err := config.LoadFrom[runtime](spec.Prefix, env)
	if err != nil {
		return rt, err
	}
	if rt.Registry.Driver == "static" && rt.Registry.Static == "" {
		rt.Registry.Static = spec.Static
	}
	if rt.AdminAddr == "" {
		rt.AdminAddr = spec.AdminAddr
	}
	if rt.MQ.Driver == "embedded" && rt.MQ.EmbeddedPath == "" {
		rt.MQ.EmbeddedPath = filepath.Join("data", "broker-"+spec.Name+".db")
	}
	var problems []error
	if _, _, err := net.SplitHostPort(rt.AdminAddr); err != nil {
		problems = append(problems, fmt.Errorf("%sADMIN_ADDR=%q: %w", spec.Prefix, rt.AdminAddr, err))
	}
	if rt.DrainDelay < 0 {
		problems = append(problems, fmt.Errorf("%sDRAIN_DELAY=%s: must not be negative", spec.Prefix, rt.DrainDelay))
	}
	if err := rt.Registry.Validate(); err != nil {
		problems = append(problems, fmt.Errorf("%sREGISTRY_*: %w", spec.Prefix, err))
	}
	if spec.Messaging {
		if err := rt.MQ.Validate(); err != nil {
			problems = append(problems, fmt.Errorf("%sMQ_*: %w", spec.Prefix, err))
		}
	}
	return rt, errors.Join(problems...)
}

// serve runs the binary's server with its admin listener beside it. On the end of ctx
// (SIGTERM) it drains first: /readyz turns 503, the instances leave the registry, and
// the server keeps serving for DrainDelay before it stops and finishes what is in flight.
func (spec Spec[C, R]) serve(ctx context.Context, log *slog.Logger, cfg C, rt runtime) error {
	stopTracing, err := obs.StartTracing(ctx, spec.Name)
	if err != nil {
		return err
	}
	defer flush(log, stopTracing)
	tel := obs.New()
	admin, err := obs.ListenAdmin(rt.AdminAddr, tel.Registry(), log)
	if err != nil {
		return err
	}
	defer closeAdmin(log, admin)
	log.Info(spec.Name+": admin listener", "addr", admin.Addr().String())

	reg, closeRegistry, err := drivers.OpenRegistry(rt.Registry, log)
	if err != nil {
		return err
	}
	defer closeRegistry()
	draining := registry.NewDraining(reg)
	e := Engines{Logger: log, Registry: draining, Telemetry: tel}
	var checks []obs.Check
	if spec.Messaging {
		broker, closeBroker, err := openMQ(rt.MQ, log)
		if err != nil {
			return err
		}
		defer closeBroker()
		e.MQ = tel.MQ(broker)
		checks = append(checks, obs.Check{Name: "broker", Probe: e.MQ.(interface{ Ping(context.Context) error }).Ping})
	}
	server, cleanup, err := spec.New(ctx, cfg, e)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // asked to stop while starting: a clean stop, not a failure
	}
	if err != nil {
		return err
	}
	defer cleanup()
	if r, ok := any(server).(Readier); ok {
		checks = append(checks, obs.Check{Name: "database", Probe: r.Ready})
	}
	if spec.Registers {
		checks = append(checks, obs.Check{Name: "registry", Probe: draining.Registered})
	}
	admin.Ready(checks...)

	running, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
		case <-running.Done():
			return
		}
		admin.Drain()
		if err := draining.Withdraw(); err != nil {
			log.Warn(spec.Name+": deregister", "err", err)
		}
		log.Info(spec.Name+": draining", "for", rt.DrainDelay.String())
		time.Sleep(rt.DrainDelay)
		stop()
	}()
	return server.Run(running)
}

func openMQ(cfg drivers.MQ, log *slog.Logger) (mq.Driver, func(), error) {
	if cfg.Driver == "embedded" {
		if err := os.MkdirAll(filepath.Dir(cfg.EmbeddedPath), 0o755); err != nil {
			return nil, nil, fmt.Errorf("broker folder: %w", err)
		}
	}
	return drivers.OpenMQ(cfg, log)
}

// flush sends the spans still buffered, giving up after a few seconds: an exporter
// that cannot be reached must not hold the exit.
func flush(log *slog.Logger, shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		log.Warn("tracing: flush", "err", err)
	}
}

func closeAdmin(log *slog.Logger, admin *obs.Admin) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := admin.Close(ctx); err != nil {
		log.Warn("admin listener: close", "err", err)
	}
}
