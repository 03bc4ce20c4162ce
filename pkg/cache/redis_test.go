package cache_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/cache"
	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

func TestRedisConfigDefaultsAreValid(t *testing.T) {
	cfg, err := config.LoadFrom[cache.RedisConfig]("X_REDIS_", map[string]string{"X_REDIS_ADDR": "127.0.0.1:6379"})
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate("X_REDIS_"); err != nil {
		t.Fatalf("defaults with an address are invalid: %v", err)
	}
	if attrs := config.Attrs(cache.RedisConfig{Addr: "a:1", Password: "hunter2"}); strings.Contains(strings.Join(stringsOf(attrs), " "), "hunter2") {
		t.Fatalf("the password is printed: %v", attrs)
	}
}

func stringsOf(attrs []any) []string {
	out := make([]string, len(attrs))
	for i, a := range attrs {
		out[i] = a.(interface{ String() string }).String()
	}
	return out
}

func TestRedisConfigNamesEveryBadVariable(t *testing.T) {
	valid := func() cache.RedisConfig {
		return cache.RedisConfig{Addr: "127.0.0.1:6379", PoolSize: 1, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second}
	}
	cases := []struct {
		name   string
		change func(*cache.RedisConfig)
		want   []string
	}{
		{"addr/missing", func(c *cache.RedisConfig) { c.Addr = "" }, []string{"P_REDIS_ADDR is required"}},
		{"addr/no_port", func(c *cache.RedisConfig) { c.Addr = "localhost" }, []string{`P_REDIS_ADDR="localhost"`}},
		{"addr/no_host", func(c *cache.RedisConfig) { c.Addr = ":6379" }, []string{`P_REDIS_ADDR=":6379"`}},
		{"all_at_once", func(c *cache.RedisConfig) {
			c.DB, c.PoolSize, c.DialTimeout, c.ReadTimeout, c.WriteTimeout = -1, 0, 0, -time.Second, time.Hour
		}, []string{"P_REDIS_DB=-1", "P_REDIS_POOL_SIZE=0", "P_REDIS_DIAL_TIMEOUT=0s", "P_REDIS_READ_TIMEOUT=-1s", "P_REDIS_WRITE_TIMEOUT=1h0m0s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid()
			c.change(&cfg)
			err := cfg.Validate("P_REDIS_")
			if err == nil {
				t.Fatal("invalid config accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
