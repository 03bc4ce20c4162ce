package nacos_test

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
)

func validConfig() nacos.Config {
	return nacos.Config{Addr: "127.0.0.1:8848", LogDir: "/tmp/nacos/log", CacheDir: "/tmp/nacos/cache"}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name   string
		change func(*nacos.Config)
		want   []string // substrings of the error; none means valid
	}{
		{"defaults_left_empty", func(*nacos.Config) {}, nil},
		{"everything_set", func(c *nacos.Config) {
			c.Namespace, c.Group, c.Cluster, c.Weight = "dev", "SHOP", "east", 100
			c.Timeout, c.Drain, c.LogLevel = time.Second, 7*time.Second, "debug"
		}, nil},
		{"addr/empty", func(c *nacos.Config) { c.Addr = "" }, []string{"addr is required"}},
		{"addr/no_port", func(c *nacos.Config) { c.Addr = "127.0.0.1" }, []string{"not host:port"}},
		{"addr/no_host", func(c *nacos.Config) { c.Addr = ":8848" }, []string{"has no host"}},
		{"addr/port_zero", func(c *nacos.Config) { c.Addr = "127.0.0.1:0" }, []string{"port must be"}},
		{"addr/no_room_for_grpc", func(c *nacos.Config) { c.Addr = "127.0.0.1:65000" }, []string{"gRPC listens on port + 1000"}},
		{"addr/port_not_a_number", func(c *nacos.Config) { c.Addr = "127.0.0.1:http" }, []string{"port must be"}},
		{"group/separator", func(c *nacos.Config) { c.Group = "A@@B" }, []string{"group"}},
		{"cluster/list", func(c *nacos.Config) { c.Cluster = "a,b" }, []string{"cluster"}},
		{"weight/negative", func(c *nacos.Config) { c.Weight = -1 }, []string{"weight -1"}},
		{"weight/too_large", func(c *nacos.Config) { c.Weight = 10001 }, []string{"weight 10001"}},
		{"timeout/negative", func(c *nacos.Config) { c.Timeout = -time.Second }, []string{"timeout"}},
		{"timeout/below_a_millisecond", func(c *nacos.Config) { c.Timeout = time.Microsecond }, []string{"timeout"}},
		{"drain/negative", func(c *nacos.Config) { c.Drain = -time.Second }, []string{"drain"}},
		{"drain/minutes", func(c *nacos.Config) { c.Drain = 7 * time.Minute }, []string{"drain 7m0s"}},
		{"hold/negative", func(c *nacos.Config) { c.Hold = -time.Second }, []string{"hold"}},
		{"hold/hours", func(c *nacos.Config) { c.Hold = time.Hour }, []string{"hold 1h0m0s"}},
		{"log_dir/empty", func(c *nacos.Config) { c.LogDir = " " }, []string{"log dir is required"}},
		{"cache_dir/empty", func(c *nacos.Config) { c.CacheDir = "" }, []string{"cache dir is required"}},
		{"track/canary", func(c *nacos.Config) { c.Track = nacos.TrackCanary }, nil},
		{"track/stable", func(c *nacos.Config) { c.Track = nacos.TrackStable }, nil},
		{"track/unknown", func(c *nacos.Config) { c.Track = "blue" }, []string{`track "blue"`}},
		{"log_level/unknown", func(c *nacos.Config) { c.LogLevel = "verbose" }, []string{"log level"}},
		{"every_problem_at_once", func(c *nacos.Config) { *c = nacos.Config{Weight: -5, LogLevel: "loud"} },
			[]string{"addr is required", "weight -5", "log dir", "cache dir", "log level"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig()
			tc.change(&cfg)
			err := cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewRejectsAnInvalidConfigBeforeConnecting(t *testing.T) {
	if _, err := nacos.New(nacos.Config{}, nil); err == nil || !strings.Contains(err.Error(), "addr is required") {
		t.Fatalf("want the validation error, got %v", err)
	}
}

// A service pointed at a Nacos that is not there must stop at start-up with the address
// in the error, not at its first call.
func TestNewFailsWhenNacosDoesNotAnswer(t *testing.T) {
	cfg := validConfig()
	cfg.Addr = "127.0.0.1:" + strconv.Itoa(closedPort(t))
	cfg.LogDir = filepath.Join(sdkDir, "log")
	cfg.CacheDir = filepath.Join(sdkDir, "cache-unreachable")
	start := time.Now()
	reg, err := nacos.New(cfg, nil)
	if err == nil {
		reg.Close()
		t.Fatal("want an error when nothing listens")
	}
	if !strings.Contains(err.Error(), cfg.Addr) {
		t.Errorf("error %q does not name %s", err, cfg.Addr)
	}
	t.Logf("failed after %s: %v", time.Since(start).Round(time.Millisecond), err)
}

// closedPort finds a port with nothing on it nor on the gRPC port 1000 above it.
func closedPort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port+1000 > 65535 {
			continue
		}
		grpc, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+1000))
		if err != nil {
			continue
		}
		grpc.Close()
		return port
	}
	t.Fatal("no free port pair")
	return 0
}

// A binary embeds Config under a prefix; the environment defaults must be the documented
// ones, and an invalid value must stop the start-up.
func TestConfigFromTheEnvironment(t *testing.T) {
	type binary struct {
		Nacos nacos.Config `envPrefix:"NACOS_"`
	}
	env := map[string]string{
		"ORDER_NACOS_ADDR":      "127.0.0.1:8848",
		"ORDER_NACOS_LOG_DIR":   "/var/lib/order/nacos/log",
		"ORDER_NACOS_CACHE_DIR": "/var/lib/order/nacos/cache",
	}
	got, err := config.LoadFrom[binary]("ORDER_", env)
	if err != nil {
		t.Fatal(err)
	}
	want := nacos.Config{
		Addr: "127.0.0.1:8848", Group: "CARTWHEEL", Cluster: "DEFAULT", Timeout: 3 * time.Second,
		Drain: 3 * time.Second, Hold: 30 * time.Second, LogDir: "/var/lib/order/nacos/log", CacheDir: "/var/lib/order/nacos/cache", LogLevel: "warn",
	}
	if got.Nacos != want {
		t.Fatalf("got %+v\nwant %+v", got.Nacos, want)
	}
	if err := got.Nacos.Validate(); err != nil {
		t.Fatal(err)
	}
	env["ORDER_NACOS_WEIGHT"] = "-3"
	if got, err := config.LoadFrom[binary]("ORDER_", env); err == nil {
		if err := got.Nacos.Validate(); err == nil {
			t.Fatal("a negative weight from the environment must not validate")
		}
	}
}
