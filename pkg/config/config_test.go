package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type sample struct {
	Addr    string        `env:"ADDR" envDefault:"127.0.0.1:1"`
	Timeout time.Duration `env:"TIMEOUT" envDefault:"2s"`
	Secret  string        `env:"SECRET" envDefault:"dev" secret:"true"`
	Mode    string        `env:"MODE" envDefault:"dev"`
}

func (s *sample) Validate() error { return OneOf("X_MODE", s.Mode, "dev", "production") }

func TestLoadFrom(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"defaults_run", map[string]string{}, ""},
		{"override", map[string]string{"X_TIMEOUT": "5s"}, ""},
		{"set_but_empty_names_the_variable", map[string]string{"X_ADDR": ""}, "X_ADDR is set but empty"},
		{"malformed_names_the_variable", map[string]string{"X_TIMEOUT": "soon"}, "X_TIMEOUT"},
		{"validate_runs", map[string]string{"X_MODE": "chaos"}, "X_MODE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadFrom[sample]("X_", tc.env)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if cfg.Addr != "127.0.0.1:1" {
					t.Fatalf("default not applied: %+v", cfg)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("want error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestLoadFromNilIsAnEmptyEnvironment(t *testing.T) {
	t.Setenv("X_TIMEOUT", "soon") // would fail the load if the process environment were read
	cfg, err := LoadFrom[sample]("X_", nil)
	if err != nil || cfg.Timeout != 2*time.Second {
		t.Fatalf("LoadFrom(nil) = %+v, %v; want the defaults", cfg, err)
	}
}

func TestAttrsMasksSecrets(t *testing.T) {
	cfg, err := LoadFrom[sample]("X_", map[string]string{"X_SECRET": "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, a := range Attrs(cfg) {
		got += " " + a.(interface{ String() string }).String()
	}
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "SECRET=****") {
		t.Fatalf("secret not masked: %s", got)
	}
	if errors.Is(err, nil) && !strings.Contains(got, "ADDR=127.0.0.1:1") {
		t.Fatalf("missing plain value: %s", got)
	}
}
