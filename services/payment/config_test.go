package payment

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

const strongSecret = "prod-secret-0123456789abcdef0123456789"

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.LoadFrom[Config](Prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr: "127.0.0.1:8884", Env: "dev", Provider: "sandbox", SandboxEnabled: true,
		WebhookURL:       "http://127.0.0.1:8080/api/v1/payments/webhook",
		WebhookSecret:    devWebhookSecret, // the tag's default and the constant production refuses agree
		WebhookTolerance: 5 * time.Minute, CheckoutBaseURL: "http://127.0.0.1:8080", RPCTimeout: 3 * time.Second,
	}
	got := cfg
	got.DB = want.DB
	if got != want || cfg.DB.DSN != DefaultDSN || cfg.DB.Driver != "sqlite" {
		t.Fatalf("defaults:\n%+v\nwant\n%+v (DSN %s)", cfg, want, DefaultDSN)
	}
}

func TestConfigEnvironmentWins(t *testing.T) {
	cfg, err := config.LoadFrom[Config](Prefix, map[string]string{"PAYMENT_DB_DSN": "/tmp/x.db", "PAYMENT_RPC_TIMEOUT": "750ms", "OTHER": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DB.DSN != "/tmp/x.db" || cfg.RPCTimeout != 750*time.Millisecond {
		t.Fatalf("loaded %+v", cfg)
	}
}

func TestValidate(t *testing.T) {
	production := map[string]string{"PAYMENT_ENV": "production", "PAYMENT_SANDBOX_ENABLED": "false", "PAYMENT_WEBHOOK_SECRET": strongSecret}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{"PAYMENT_DB_DSN": "data/payment.db"}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name string
		env  map[string]string
		want []string // every variable the error must name; nil means valid
	}{
		{"dev_defaults", with(nil), nil},
		{"production_configured", with(production), nil},
		{"production_may_call_a_public_webhook", with(production, "PAYMENT_WEBHOOK_URL", "https://shop.example.com/api/v1/payments/webhook", "PAYMENT_ADDR", "10.0.0.5:8884"), nil},
		{"localhost_webhook_in_dev", with(nil, "PAYMENT_WEBHOOK_URL", "https://localhost:8443/api/v1/payments/webhook"), nil},
		{"production_refuses_sandbox_and_dev_secret_at_once", with(nil, "PAYMENT_ENV", "production"),
			[]string{"PAYMENT_SANDBOX_ENABLED", "PAYMENT_WEBHOOK_SECRET"}},
		{"unknown_env", with(nil, "PAYMENT_ENV", "staging"), []string{"PAYMENT_ENV"}},
		{"unknown_provider", with(nil, "PAYMENT_PROVIDER", "stripe"), []string{"PAYMENT_PROVIDER"}},
		{"short_secret", with(nil, "PAYMENT_WEBHOOK_SECRET", "too-short"), []string{"PAYMENT_WEBHOOK_SECRET"}},
		{"public_webhook_in_dev", with(nil, "PAYMENT_WEBHOOK_URL", "http://203.0.113.9/api/v1/payments/webhook"), []string{"PAYMENT_WEBHOOK_URL"}},
		{"webhook_not_http", with(nil, "PAYMENT_WEBHOOK_URL", "ftp://127.0.0.1/hook"), []string{"PAYMENT_WEBHOOK_URL"}},
		{"webhook_relative", with(nil, "PAYMENT_WEBHOOK_URL", "/api/v1/payments/webhook"), []string{"PAYMENT_WEBHOOK_URL"}},
		{"checkout_base_with_query", with(nil, "PAYMENT_CHECKOUT_BASE_URL", "http://127.0.0.1:8080/?x=1"), []string{"PAYMENT_CHECKOUT_BASE_URL"}},
		{"tolerance_zero", with(nil, "PAYMENT_WEBHOOK_TOLERANCE", "0s"), []string{"PAYMENT_WEBHOOK_TOLERANCE"}},
		{"tolerance_too_wide", with(nil, "PAYMENT_WEBHOOK_TOLERANCE", "2h"), []string{"PAYMENT_WEBHOOK_TOLERANCE"}},
		{"rpc_timeout_negative", with(nil, "PAYMENT_RPC_TIMEOUT", "-1s"), []string{"PAYMENT_RPC_TIMEOUT"}},
		{"addr_without_host", with(nil, "PAYMENT_ADDR", ":8884"), []string{"PAYMENT_ADDR"}},
		{"addr_public_in_dev", with(nil, "PAYMENT_ADDR", "0.0.0.0:8884"), []string{"PAYMENT_ADDR"}},
		{"every_problem_at_once", with(nil, "PAYMENT_ENV", "production", "PAYMENT_WEBHOOK_SECRET", "short",
			"PAYMENT_WEBHOOK_TOLERANCE", "0s", "PAYMENT_RPC_TIMEOUT", "0s", "PAYMENT_CHECKOUT_BASE_URL", "nope"),
			[]string{"PAYMENT_SANDBOX_ENABLED", "PAYMENT_WEBHOOK_SECRET", "PAYMENT_WEBHOOK_TOLERANCE", "PAYMENT_RPC_TIMEOUT", "PAYMENT_CHECKOUT_BASE_URL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.LoadFrom[Config](Prefix, c.env)
			if c.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want errors naming %v", c.want)
			}
			for _, name := range c.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error does not name %s: %v", name, err)
				}
			}
		})
	}
}

func TestAttrsMaskTheSecrets(t *testing.T) {
	cfg, err := config.LoadFrom[Config](Prefix, map[string]string{"PAYMENT_WEBHOOK_SECRET": strongSecret})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range config.Attrs(cfg) {
		attr := a.(slog.Attr)
		attrs[attr.Key] = attr.Value.String()
	}
	if attrs["WEBHOOK_SECRET"] != "****" || attrs["DB_DSN"] != "****" || attrs["WEBHOOK_URL"] != cfg.WebhookURL {
		t.Fatalf("start-up attributes %v: secrets must be masked, the rest shown", attrs)
	}
}
