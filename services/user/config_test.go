package user_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/services/user"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.LoadFrom[user.Config]("USER_", map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	want := user.Config{Addr: "127.0.0.1:8881", Env: "dev", BcryptCost: 12, AdminEmail: "admin@cartwheel.local",
		AdminPassword: "cartwheel-admin", RefreshTTL: 720 * time.Hour, MaxAddresses: 20,
		SessionPurgeInterval: time.Hour, SessionRetention: 168 * time.Hour, SessionPurgeBatch: 500}
	want.DB = cfg.DB
	if cfg != want {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
	if cfg.DB.Driver != "sqlite" || cfg.DB.DSN != "data/user.db" {
		t.Fatalf("db defaults: %+v", cfg.DB)
	}
}

func TestConfigValidation(t *testing.T) {
	strong := "a-long-and-private-secret"
	cases := []struct {
		name string
		env  map[string]string
		want []string // fragments the error must contain; none means valid
	}{
		{"config/production_with_own_secret", map[string]string{"USER_ENV": "production", "USER_ADMIN_PASSWORD": strong}, nil},
		{"config/test_cost", map[string]string{"USER_BCRYPT_COST": "4"}, nil},
		{"config/mysql_needs_dsn", map[string]string{"USER_DB_DRIVER": "mysql"}, []string{"DB_DSN"}},
		{"config/production_refuses_dev_password", map[string]string{"USER_ENV": "production"}, []string{"USER_ADMIN_PASSWORD"}},
		{"config/production_refuses_test_cost", map[string]string{"USER_ENV": "production", "USER_ADMIN_PASSWORD": strong, "USER_BCRYPT_COST": "4"}, []string{"USER_BCRYPT_COST"}},
		{"config/cost_below_range", map[string]string{"USER_BCRYPT_COST": "3"}, []string{"USER_BCRYPT_COST"}},
		{"config/cost_above_range", map[string]string{"USER_BCRYPT_COST": "16"}, []string{"USER_BCRYPT_COST"}},
		{"config/unknown_env", map[string]string{"USER_ENV": "staging"}, []string{"USER_ENV"}},
		{"config/set_but_empty", map[string]string{"USER_DB_DSN": ""}, []string{"USER_DB_DSN is set but empty"}},
		{"config/weak_admin_password", map[string]string{"USER_ADMIN_PASSWORD": "admin"}, []string{"USER_ADMIN_PASSWORD"}},
		{"config/malformed_admin_email", map[string]string{"USER_ADMIN_EMAIL": "root"}, []string{"USER_ADMIN_EMAIL"}},
		{"config/session_purge", map[string]string{
			"USER_SESSION_PURGE_INTERVAL": "10ms", "USER_SESSION_RETENTION": "-1s", "USER_SESSION_PURGE_BATCH": "0",
		}, []string{"USER_SESSION_PURGE_INTERVAL", "USER_SESSION_RETENTION", "USER_SESSION_PURGE_BATCH"}},
		{"config/session_purge_batch_too_large", map[string]string{"USER_SESSION_PURGE_BATCH": "10001"}, []string{"USER_SESSION_PURGE_BATCH"}},
		{"config/every_problem_at_once", map[string]string{
			"USER_ADDR": "8881", "USER_REFRESH_TTL": "-1h", "USER_MAX_ADDRESSES": "0", "USER_ENV": "prod",
		}, []string{"USER_ADDR", "USER_REFRESH_TTL", "USER_MAX_ADDRESSES", "USER_ENV"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadFrom[user.Config]("USER_", tc.env)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error naming %v", tc.want)
			}
			for _, fragment := range tc.want {
				if !strings.Contains(err.Error(), fragment) {
					t.Errorf("error does not mention %q: %v", fragment, err)
				}
			}
		})
	}
}

func TestConfigAttrsMaskSecrets(t *testing.T) {
	cfg, err := config.LoadFrom[user.Config]("USER_", map[string]string{"USER_ADMIN_PASSWORD": "a-long-and-private-secret"})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, a := range config.Attrs(cfg) {
		all.WriteString(a.(interface{ String() string }).String() + " ")
	}
	if strings.Contains(all.String(), "private-secret") || !strings.Contains(all.String(), "ADMIN_PASSWORD=****") {
		t.Fatalf("secret not masked: %s", all.String())
	}
}
