package drivers

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

type binary struct {
	Registry Registry `envPrefix:"REGISTRY_"`
	MQ       MQ       `envPrefix:"MQ_"`
}

func (b *binary) Validate() error {
	if err := b.Registry.Validate(); err != nil {
		return err
	}
	return b.MQ.Validate()
}

func TestConfigChoosesAndValidatesOnlyTheChosenDriver(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"embedded_defaults", map[string]string{"X_MQ_EMBEDDED_PATH": "data/b.db"}, ""},
		{"embedded_needs_a_path", map[string]string{}, "MQ_EMBEDDED_PATH"},
		{"unknown_registry", map[string]string{"X_REGISTRY_DRIVER": "zookeeper", "X_MQ_EMBEDDED_PATH": "b.db"}, "REGISTRY_DRIVER"},
		{"unknown_mq", map[string]string{"X_MQ_DRIVER": "kafka"}, "MQ_DRIVER"},
		{"bad_static_table", map[string]string{"X_REGISTRY_STATIC": "user=nowhere", "X_MQ_EMBEDDED_PATH": "b.db"}, "user"},
		{"nacos_needs_an_address", map[string]string{"X_REGISTRY_DRIVER": "nacos", "X_MQ_EMBEDDED_PATH": "b.db"}, "addr is required"},
		{"rocketmq_needs_name_servers", map[string]string{"X_MQ_DRIVER": "rocketmq", "X_MQ_ROCKETMQ_DELAY_LEVELS": "1s 2s"}, "NAMESRV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadFrom[binary]("X_", tc.env)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("want an error naming %q, got %v", tc.wantErr, err)
			}
		})
	}
}

func TestOpenStaticAndEmbedded(t *testing.T) {
	reg, closeReg, err := OpenRegistry(Registry{Driver: "static", Static: "user=127.0.0.1:8881"}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer closeReg()
	if res, err := reg.Resolver().Resolve(t.Context(), "user"); err != nil || len(res.Instances) != 1 {
		t.Fatalf("static table not seeded: %v %v", res, err)
	}
	driver, closeMQ, err := OpenMQ(MQ{Driver: "embedded", EmbeddedPath: filepath.Join(t.TempDir(), "b.db")}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer closeMQ()
	if _, err := driver.NewProducer("drivers-test", nil); err != nil {
		t.Fatal(err)
	}
}
