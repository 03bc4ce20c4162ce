//go:build integration

package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the invariant checker reads the MySQL schemas

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/fleet"
	"github.com/cartwheel-shop/cartwheel/cmd/cartwheel/invariants"
	"github.com/cartwheel-shop/cartwheel/pkg/drivers"
	"github.com/cartwheel-shop/cartwheel/pkg/mq/rocketmq"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// realEnv names what scripts/infra.sh env exports; the integration build needs all of it.
var realEnv = []string{
	"CARTWHEEL_MYSQL_DSN", "CARTWHEEL_NACOS_ADDR", "CARTWHEEL_ROCKETMQ_NAMESRV",
	"CARTWHEEL_ROCKETMQ_DELAY_LEVELS", "CARTWHEEL_REDIS_ADDR",
}

// useEngines points the fleet at the real engines: a fresh MariaDB schema per service,
// Nacos under a group of its own (so fleets never resolve each other), RocketMQ and Redis.
func useEngines(t testing.TB, opts *fleet.Options) {
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
		invariants.Redact(base), suffix, os.Getenv("CARTWHEEL_ROCKETMQ_NAMESRV"), os.Getenv("CARTWHEEL_NACOS_ADDR"), suffix, os.Getenv("CARTWHEEL_REDIS_ADDR"))
}

// createSchema makes a schema that compares keys like SQLite does and drops it after
// the test.
func createSchema(t testing.TB, base, name string) string {
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

// jaegerExport also sends every sampled span to the Jaeger of scripts/infra.sh, so the
// tests can ask its query API for the traces they made.
func jaegerExport(t *testing.T) []sdktrace.TracerProviderOption {
	endpoint := os.Getenv("CARTWHEEL_JAEGER_OTLP")
	if endpoint == "" {
		return nil // expectInBackend fails the test that needs it
	}
	// A URL with no path would post to "/"; OTLP/HTTP traces go to /v1/traces.
	exporter, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(endpoint+"/v1/traces"))
	if err != nil {
		t.Errorf("jaeger exporter: %v", err)
		return nil
	}
	return []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exporter)}
}

// expectInBackend asks Jaeger's query API for the trace until it holds every span the
// test saw.
func (s *shop) expectInBackend(rec *spans, id trace.TraceID) {
	s.t.Helper()
	query := os.Getenv("CARTWHEEL_JAEGER_QUERY")
	if query == "" || os.Getenv("CARTWHEEL_JAEGER_OTLP") == "" {
		s.t.Fatal("CARTWHEEL_JAEGER_QUERY and CARTWHEEL_JAEGER_OTLP are not set: the integration build exports to the Jaeger of scripts/infra.sh (make test starts it)")
	}
	want := len(rec.of(id))
	got := 0
	testkit.Eventually(s.t, 20*time.Second, fmt.Sprintf("trace %s in Jaeger", id), func() bool {
		if err := rec.tp.ForceFlush(context.Background()); err != nil {
			return false
		}
		resp, err := http.Get(query + "/api/traces/" + id.String())
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Data []struct {
				TraceID string            `json:"traceID"`
				Spans   []json.RawMessage `json:"spans"`
			} `json:"data"`
		}
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil || len(body.Data) != 1 {
			return false
		}
		got = len(body.Data[0].Spans)
		return body.Data[0].TraceID == id.String() && got >= want
	})
}
