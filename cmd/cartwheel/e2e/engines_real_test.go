//go:build integration

package e2e

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql" // the invariant checker reads the MySQL schemas

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/rocketmq"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
)

// realEnv names what scripts/infra.sh env exports; the integration build needs all of it.
var realEnv = []string{
	"CARTWHEEL_MYSQL_DSN", "CARTWHEEL_NACOS_ADDR", "CARTWHEEL_ROCKETMQ_NAMESRV",
	"CARTWHEEL_ROCKETMQ_DELAY_LEVELS", "CARTWHEEL_REDIS_ADDR",
}

// useEngines points the fleet at the real engines: a fresh MariaDB schema per service,
// Nacos under a group of its own (so fleets never resolve each other), RocketMQ and Redis.
func useEngines(t *testing.T, opts *fleet.Options) {
	t.Helper()
	for _, name := range realEnv {
		if os.Getenv(name) == "" {
			t.Fatalf("%s is not set: the integration build runs against the engines of scripts/infra.sh (make test starts them)", name)
		}
	}
	base := os.Getenv("CARTWHEEL_MYSQL_DSN")
	suffix := fmt.Sprintf("%08x", rand.Uint32())
	for _, svc := range []string{"user", "product", "order", "payment"} {
		schema := createSchema(t, base, "cw_e2e_"+suffix+"_"+svc)
		prefix := strings.ToUpper(svc)
		opts.Env[prefix+"_DB_DRIVER"] = "mysql"
		opts.Env[prefix+"_DB_DSN"] = base + schema + "?parseTime=true&loc=UTC"
	}
	levels, err := rocketmq.ParseDelayLevels(os.Getenv("CARTWHEEL_ROCKETMQ_DELAY_LEVELS"))
	if err != nil {
		t.Fatal(err)
	}
	opts.MQ = drivers.MQ{Driver: "rocketmq", RocketMQ: rocketmq.Config{
		NameServers: strings.Split(os.Getenv("CARTWHEEL_ROCKETMQ_NAMESRV"), ","), DelayLevels: levels,
		InstancePrefix: "e2e-" + suffix,
	}}
	nacosDir := t.TempDir()
	opts.Registry = drivers.Registry{Driver: "nacos", Nacos: nacos.Config{
		Addr: os.Getenv("CARTWHEEL_NACOS_ADDR"), Group: "E2E-" + suffix,
		LogDir: filepath.Join(nacosDir, "log"), CacheDir: filepath.Join(nacosDir, "cache"),
	}}
	opts.Env["PRODUCT_CACHE_DRIVER"] = "redis"
	opts.Env["PRODUCT_REDIS_ADDR"] = os.Getenv("CARTWHEEL_REDIS_ADDR")
	opts.Env["GATEWAY_RATE_DRIVER"] = "redis"
	opts.Env["GATEWAY_REDIS_ADDR"] = os.Getenv("CARTWHEEL_REDIS_ADDR")
	t.Logf("engines: MariaDB %s (schemas cw_e2e_%s_*), RocketMQ %s, Nacos %s (group E2E-%s), Redis %s",
		redact(base), suffix, os.Getenv("CARTWHEEL_ROCKETMQ_NAMESRV"), os.Getenv("CARTWHEEL_NACOS_ADDR"), suffix, os.Getenv("CARTWHEEL_REDIS_ADDR"))
}

// createSchema makes a schema that compares keys like SQLite does and drops it after
// the test.
func createSchema(t *testing.T, base, name string) string {
	t.Helper()
	db, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
	})
	return name
}

// redact hides the password of a DSN in logs.
func redact(dsn string) string {
	user, rest, ok := strings.Cut(dsn, "@")
	if !ok {
		return dsn
	}
	name, _, _ := strings.Cut(user, ":")
	return name + ":****@" + rest
}
