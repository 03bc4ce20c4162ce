package gateway

import (
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.LoadFrom[Config](EnvPrefix, map[string]string{})
	if err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.Env != "dev" || !cfg.SandboxEnabled ||
		cfg.MaxBodyBytes != 1<<20 || len(cfg.CORSOrigins) != 0 {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.RateDriver != "memory" {
		t.Fatalf("RateDriver = %q: the dev server must not need Redis", cfg.RateDriver)
	}
	if cfg.JWTSecret != devJWTSecret {
		t.Fatal("the envDefault of JWT_SECRET must be devJWTSecret, or production would not recognise it")
	}
}

func TestConfigValidate(t *testing.T) {
	strong := strings.Repeat("s", 40)
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // substrings; empty means valid
	}{
		{name: "production/ok", env: map[string]string{"GATEWAY_ENV": "production", "GATEWAY_JWT_SECRET": strong, "GATEWAY_SANDBOX_ENABLED": "false"}},
		{name: "production/dev_secret", env: map[string]string{"GATEWAY_ENV": "production", "GATEWAY_SANDBOX_ENABLED": "false"},
			wantErr: []string{"GATEWAY_JWT_SECRET: production refuses"}},
		{name: "production/sandbox", env: map[string]string{"GATEWAY_ENV": "production", "GATEWAY_JWT_SECRET": strong},
			wantErr: []string{"GATEWAY_SANDBOX_ENABLED"}},
		{name: "secret/short", env: map[string]string{"GATEWAY_JWT_SECRET": "short"}, wantErr: []string{"at least 32 bytes"}},
		{name: "env/unknown", env: map[string]string{"GATEWAY_ENV": "staging"}, wantErr: []string{"GATEWAY_ENV"}},
		{name: "addr/no_port", env: map[string]string{"GATEWAY_ADDR": "127.0.0.1"}, wantErr: []string{"GATEWAY_ADDR"}},
		{name: "ttl/too_long", env: map[string]string{"GATEWAY_ACCESS_TTL": "48h"}, wantErr: []string{"GATEWAY_ACCESS_TTL"}},
		{name: "timeout/zero", env: map[string]string{"GATEWAY_READ_TIMEOUT": "0s"}, wantErr: []string{"GATEWAY_READ_TIMEOUT"}},
		{name: "request_timeout/below_rpc", env: map[string]string{"GATEWAY_REQUEST_TIMEOUT": "2s", "GATEWAY_RPC_TIMEOUT": "3s"},
			wantErr: []string{"GATEWAY_REQUEST_TIMEOUT=2s: must be at least GATEWAY_RPC_TIMEOUT (3s)"}},
		{name: "body/tiny", env: map[string]string{"GATEWAY_MAX_BODY_BYTES": "10"}, wantErr: []string{"GATEWAY_MAX_BODY_BYTES"}},
		{name: "rate/zero_and_burst_zero", env: map[string]string{"GATEWAY_RATE_PER_IP": "0", "GATEWAY_BURST_PER_USER": "0"},
			wantErr: []string{"GATEWAY_RATE_PER_IP", "GATEWAY_BURST_PER_USER"}},
		{name: "rate_driver/unknown", env: map[string]string{"GATEWAY_RATE_DRIVER": "memcached"}, wantErr: []string{"GATEWAY_RATE_DRIVER"}},
		{name: "rate_driver/redis_needs_addr", env: map[string]string{"GATEWAY_RATE_DRIVER": "redis"}, wantErr: []string{"GATEWAY_REDIS_ADDR is required"}},
		{name: "rate_driver/redis_ok", env: map[string]string{"GATEWAY_RATE_DRIVER": "redis", "GATEWAY_REDIS_ADDR": "10.0.0.5:6379", "GATEWAY_REDIS_PASSWORD": "pw"}},
		{name: "rate_driver/redis_all_wrong", env: map[string]string{
			"GATEWAY_RATE_DRIVER": "redis", "GATEWAY_REDIS_ADDR": "redis", "GATEWAY_REDIS_POOL_SIZE": "0",
			"GATEWAY_REDIS_READ_TIMEOUT": "0s", "GATEWAY_RATE_KEY_PREFIX": "has space",
		}, wantErr: []string{"GATEWAY_REDIS_ADDR", "GATEWAY_REDIS_POOL_SIZE", "GATEWAY_REDIS_READ_TIMEOUT", "GATEWAY_RATE_KEY_PREFIX"}},
		{name: "rate_driver/memory_ignores_redis", env: map[string]string{"GATEWAY_REDIS_POOL_SIZE": "0"}},
		{name: "cors/ok", env: map[string]string{"GATEWAY_CORS_ORIGINS": "https://shop.example.com,http://127.0.0.1:3000"}},
		{name: "cors/path_and_wildcard", env: map[string]string{"GATEWAY_CORS_ORIGINS": "https://shop.example.com/app,*"},
			wantErr: []string{`"https://shop.example.com/app"`, `"*"`}},
		{name: "canary_share/out_of_range", env: map[string]string{"GATEWAY_CANARY_SHARE": "101"}, wantErr: []string{"GATEWAY_CANARY_SHARE"}},
		// What the gateway chart's live block renders.
		{name: "live/nacos_as_the_chart_renders_it", env: map[string]string{
			"GATEWAY_LIVE_SOURCE": "nacos", "GATEWAY_LIVE_DATA_ID": "gateway-live.json", "GATEWAY_LIVE_NACOS_ADDR": "nacos:8848",
			"GATEWAY_LIVE_NACOS_GROUP": "CARTWHEEL", "GATEWAY_LIVE_NACOS_LOG_DIR": "/tmp/nacos/log", "GATEWAY_LIVE_NACOS_CACHE_DIR": "/tmp/nacos/cache",
			"GATEWAY_CANARY_SHARE": "12.5",
		}},
		{name: "live/nacos_needs_an_address", env: map[string]string{"GATEWAY_LIVE_SOURCE": "nacos"},
			wantErr: []string{"GATEWAY_LIVE_NACOS_", "addr is required"}},
		{name: "live/unknown_source", env: map[string]string{"GATEWAY_LIVE_SOURCE": "etcd"}, wantErr: []string{"GATEWAY_LIVE_SOURCE"}},
		{name: "several_at_once", env: map[string]string{"GATEWAY_ENV": "production", "GATEWAY_RPC_TIMEOUT": "-1s"},
			wantErr: []string{"GATEWAY_JWT_SECRET", "GATEWAY_SANDBOX_ENABLED", "GATEWAY_RPC_TIMEOUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.LoadFrom[Config](EnvPrefix, tt.env)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want errors %q, got none", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestNewRefusesInvalidConfig(t *testing.T) {
	cfg := testConfig(t)
	cfg.JWTSecret = "short"
	if _, _, err := New(t.Context(), cfg, Deps{}); err == nil || !strings.Contains(err.Error(), "GATEWAY_JWT_SECRET") {
		t.Fatalf("New must refuse an invalid config, got %v", err)
	}
}
