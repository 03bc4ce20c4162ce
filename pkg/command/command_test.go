package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

type fakeConfig struct {
	Greeting string `env:"GREETING" envDefault:"hello"`
}

func (c *fakeConfig) Validate() error {
	if c.Greeting == "boom" {
		return errors.New("FAKE_GREETING must not be boom")
	}
	return nil
}

type fakeServer struct{ ran chan struct{} }

func (s *fakeServer) Run(ctx context.Context) error {
	close(s.ran)
	<-ctx.Done()
	return nil
}

// spec is a binary whose server records what it was given.
func spec(messaging bool, migrated *bool, got *Engines) Spec[fakeConfig, *fakeServer] {
	return Spec[fakeConfig, *fakeServer]{
		Name: "fake", Prefix: "FAKE_", Static: "user=127.0.0.1:8881", Messaging: messaging, AdminAddr: "127.0.0.1:0",
		Migrate: func(context.Context, fakeConfig, *slog.Logger) error { *migrated = true; return nil },
		New: func(_ context.Context, _ fakeConfig, e Engines) (*fakeServer, func(), error) {
			*got = e
			return &fakeServer{ran: make(chan struct{})}, func() {}, nil
		},
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestMigrateRunsOnlyTheMigration(t *testing.T) {
	var migrated bool
	var got Engines
	if err := Run(context.Background(), quiet, []string{"migrate"}, spec(true, &migrated, &got), map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if !migrated || got.Registry != nil {
		t.Fatalf("migrate must migrate and build nothing: migrated=%v engines=%+v", migrated, got)
	}
}

func TestServeOpensTheLoneBinaryDefaultsAndStopsOnCancel(t *testing.T) {
	var migrated bool
	var got Engines
	env := map[string]string{"FAKE_MQ_EMBEDDED_PATH": filepath.Join(t.TempDir(), "sub", "broker.db")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, quiet, nil, spec(true, &migrated, &got), env) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got.MQ == nil || got.Registry == nil {
		t.Fatalf("serve must open a registry and a broker: %+v", got)
	}
	res, err := got.Registry.Resolver().Resolve(context.Background(), "user")
	if err != nil || len(res.Instances) != 1 {
		t.Fatalf("the lone binary's static table must name its neighbours: %v %v", res, err)
	}
}

func TestABinaryWithoutMessagingOpensNoBroker(t *testing.T) {
	var migrated bool
	var got Engines
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An MQ variable that would be refused is ignored: this binary sends no messages.
	env := map[string]string{"FAKE_MQ_DRIVER": "kafka"}
	if err := Run(ctx, quiet, []string{"serve"}, spec(false, &migrated, &got), env); err != nil {
		t.Fatal(err)
	}
	if got.MQ != nil {
		t.Fatal("no broker for a binary without messaging")
	}
}

func TestRefusals(t *testing.T) {
	withoutMigrate := func() Spec[fakeConfig, *fakeServer] {
		var m bool
		var e Engines
		s := spec(true, &m, &e)
		s.Migrate = nil
		return s
	}
	cases := []struct {
		name string
		spec func() Spec[fakeConfig, *fakeServer]
		args []string
		env  map[string]string
		want string
	}{
		{"unknown_command", nil, []string{"launch"}, nil, "usage: fake [serve|migrate|version]"},
		{"two_commands", nil, []string{"serve", "migrate"}, nil, "usage"},
		{"no_migrate_without_a_database", withoutMigrate, []string{"migrate"}, nil, "usage: fake [serve|version]"},
		{"bad_config", nil, nil, map[string]string{"FAKE_GREETING": "boom"}, "FAKE_GREETING"},
		{"empty_variable", nil, nil, map[string]string{"FAKE_GREETING": ""}, "FAKE_GREETING is set but empty"},
		{"bad_static_table", nil, nil, map[string]string{"FAKE_REGISTRY_STATIC": "user"}, "FAKE_REGISTRY_*"},
		{"unknown_registry", nil, nil, map[string]string{"FAKE_REGISTRY_DRIVER": "zookeeper"}, `FAKE_REGISTRY_*: REGISTRY_DRIVER="zookeeper"`},
		{"nacos_without_address", nil, nil, map[string]string{"FAKE_REGISTRY_DRIVER": "nacos"}, "nacos: addr is required"},
		{"unknown_mq", nil, nil, map[string]string{"FAKE_MQ_DRIVER": "kafka"}, `FAKE_MQ_*: MQ_DRIVER="kafka"`},
		{"rocketmq_without_name_servers", nil, nil, map[string]string{"FAKE_MQ_DRIVER": "rocketmq"}, "ROCKETMQ_NAMESRV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var m bool
			var e Engines
			s := spec(true, &m, &e)
			if tc.spec != nil {
				s = tc.spec()
			}
			env := tc.env
			if env == nil {
				env = map[string]string{}
			}
			err := Run(context.Background(), quiet, tc.args, s, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
			if m || e.Registry != nil {
				t.Fatal("a refused start must do nothing")
			}
		})
	}
}

// Ctrl-C while the server is still being built (an admin seed hashing a password, say)
// is a clean stop, not a failure.
func TestCancelWhileStartingIsACleanStop(t *testing.T) {
	var m bool
	var e Engines
	s := spec(false, &m, &e)
	ctx, cancel := context.WithCancel(context.Background())
	s.New = func(ctx context.Context, _ fakeConfig, _ Engines) (*fakeServer, func(), error) {
		cancel()
		return nil, nil, fmt.Errorf("seed admin: %w", ctx.Err())
	}
	if err := Run(ctx, quiet, nil, s, map[string]string{}); err != nil {
		t.Fatalf("got %v, want a clean stop", err)
	}
	s.New = func(context.Context, fakeConfig, Engines) (*fakeServer, func(), error) {
		return nil, nil, errors.New("disk full")
	}
	if err := Run(context.Background(), quiet, nil, s, map[string]string{}); err == nil {
		t.Fatal("a failure to start that is not a cancellation must be reported")
	}
}

func TestInformAnswersVersionAndHelpWithoutConfiguration(t *testing.T) {
	var m bool
	var e Engines
	s := spec(true, &m, &e)
	for _, args := range [][]string{{"version"}, {"--help"}, {"-h"}, {"help"}} {
		var out strings.Builder
		if !s.Inform(&out, args) {
			t.Fatalf("%v: not answered", args)
		}
		if !strings.HasPrefix(out.String(), "fake ") && !strings.Contains(out.String(), "usage: fake [serve|migrate|version]") {
			t.Fatalf("%v: %q", args, out.String())
		}
	}
	for _, args := range [][]string{nil, {"serve"}, {"migrate"}, {"version", "x"}} {
		if s.Inform(io.Discard, args) {
			t.Fatalf("%v must be left to Run", args)
		}
	}
}
