package rocketmq

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

// brokerTable is the messageDelayLevel of deploy/infra/rocketmq/broker.conf.in.
const brokerTable = "1s 2s 3s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h"

func mustLevels(t *testing.T, text string) DelayLevels {
	t.Helper()
	l, err := ParseDelayLevels(text)
	if err != nil {
		t.Fatalf("ParseDelayLevels(%q): %v", text, err)
	}
	return l
}

func TestDelayLevelRoundsUp(t *testing.T) {
	levels := mustLevels(t, brokerTable)
	cases := []struct {
		name  string
		delay time.Duration
		want  int
	}{
		{"none", 0, 0},
		{"negative_is_none", -time.Second, 0},
		{"below_first_level", time.Millisecond, 1},
		{"exact_first_level", time.Second, 1},
		{"between_levels_rounds_up", 1500 * time.Millisecond, 2},
		{"exact_middle_level", 10 * time.Second, 5},
		{"order_timeout_15m", 15 * time.Minute, 17},
		{"exact_last_level", 2 * time.Hour, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := levels.level(tc.delay)
			if err != nil || got != tc.want {
				t.Fatalf("level(%v) = %d, %v; want %d", tc.delay, got, err, tc.want)
			}
		})
	}
	if _, err := levels.level(2*time.Hour + time.Nanosecond); err == nil || !strings.Contains(err.Error(), "2h") {
		t.Fatalf("a delay beyond the last level: err = %v, want one naming the largest level", err)
	}
}

func TestParseDelayLevels(t *testing.T) {
	t.Run("broker_syntax_round_trips", func(t *testing.T) {
		levels := mustLevels(t, brokerTable)
		if len(levels) != 20 || levels[6] != time.Minute || levels[19] != 2*time.Hour {
			t.Fatalf("parsed %v", []time.Duration(levels))
		}
		if got := levels.String(); got != brokerTable {
			t.Fatalf("String() = %q, want %q", got, brokerTable)
		}
	})
	t.Run("commas_days_and_go_durations", func(t *testing.T) {
		levels := mustLevels(t, "500ms, 1s,1m30s  1d")
		want := []time.Duration{500 * time.Millisecond, time.Second, 90 * time.Second, 24 * time.Hour}
		if len(levels) != len(want) {
			t.Fatalf("parsed %v, want %v", []time.Duration(levels), want)
		}
		for i := range want {
			if levels[i] != want[i] {
				t.Fatalf("parsed %v, want %v", []time.Duration(levels), want)
			}
		}
		if got := levels.String(); got != "500ms 1s 90s 1d" { // 90s: the broker has no compound units
			t.Fatalf("String() = %q", got)
		}
	})
	for _, bad := range []struct{ name, text, wantErr string }{
		{"empty", "  ", "empty"},
		{"not_a_duration", "1s soon", `"soon"`},
		{"bad_days", "xd", `"xd"`},
		{"zero", "0s 1s", "positive"},
		{"repeated", "1s 1s", "increase"},
		{"decreasing", "5s 1s", "increase"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := ParseDelayLevels(bad.text); err == nil || !strings.Contains(err.Error(), bad.wantErr) {
				t.Fatalf("ParseDelayLevels(%q) error = %v, want one containing %q", bad.text, err, bad.wantErr)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() Config {
		return Config{NameServers: []string{"127.0.0.1:9876"}, DelayLevels: DelayLevels{time.Second}}
	}
	cases := []struct {
		name    string
		edit    func(*Config)
		wantErr []string
	}{
		{"valid_zero_values_take_defaults", func(*Config) {}, nil},
		{"two_name_servers", func(c *Config) { c.NameServers = append(c.NameServers, "10.0.0.2:9876") }, nil},
		{"no_name_server", func(c *Config) { c.NameServers = nil }, []string{"ROCKETMQ_NAMESRV is required"}},
		{"name_server_without_port", func(c *Config) { c.NameServers = []string{"127.0.0.1"} }, []string{"ROCKETMQ_NAMESRV"}},
		{"name_server_bad_port", func(c *Config) { c.NameServers = []string{"127.0.0.1:0"} }, []string{"ROCKETMQ_NAMESRV"}},
		{"no_delay_levels", func(c *Config) { c.DelayLevels = nil }, []string{"ROCKETMQ_DELAY_LEVELS", "messageDelayLevel"}},
		{"negative_max_reconsume", func(c *Config) { c.MaxReconsume = -1 }, []string{"ROCKETMQ_MAX_RECONSUME"}},
		{"negative_send_timeout", func(c *Config) { c.SendTimeout = -time.Second }, []string{"ROCKETMQ_SEND_TIMEOUT"}},
		{"prefix_with_at_sign", func(c *Config) { c.InstancePrefix = "order@host" }, []string{"ROCKETMQ_INSTANCE_PREFIX"}},
		{"every_problem_at_once", func(c *Config) { *c = Config{MaxReconsume: -1} },
			[]string{"ROCKETMQ_NAMESRV", "ROCKETMQ_DELAY_LEVELS", "ROCKETMQ_MAX_RECONSUME"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.edit(&cfg)
			err := cfg.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted %+v", cfg)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg := Config{}.withDefaults()
	if cfg.MaxReconsume != 16 || cfg.SendTimeout != 3*time.Second || cfg.InstancePrefix != "cartwheel" {
		t.Fatalf("defaults: %+v", cfg)
	}
	kept := Config{MaxReconsume: 2, SendTimeout: time.Second, InstancePrefix: "order"}.withDefaults()
	if kept.MaxReconsume != 2 || kept.SendTimeout != time.Second || kept.InstancePrefix != "order" {
		t.Fatalf("set values replaced: %+v", kept)
	}
}

// The services read the driver's configuration through pkg/config.
func TestConfigFromEnvironment(t *testing.T) {
	cfg, err := config.LoadFrom[Config]("MQ_ROCKETMQ_", map[string]string{
		"MQ_ROCKETMQ_NAMESRV":      "127.0.0.1:9876,127.0.0.2:9876",
		"MQ_ROCKETMQ_DELAY_LEVELS": brokerTable,
	})
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	if len(cfg.NameServers) != 2 || cfg.NameServers[1] != "127.0.0.2:9876" {
		t.Errorf("NameServers = %q", cfg.NameServers)
	}
	if cfg.DelayLevels.String() != brokerTable {
		t.Errorf("DelayLevels = %q", cfg.DelayLevels)
	}
	if cfg.MaxReconsume != 16 || cfg.SendTimeout != 3*time.Second || cfg.InstancePrefix != "cartwheel" {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	if attrs := fmt.Sprint(config.Attrs(cfg)); !strings.Contains(attrs, "DELAY_LEVELS="+brokerTable) {
		t.Errorf("start-up attributes do not show the table in broker syntax: %s", attrs)
	}

	for _, bad := range []struct{ name, key, value string }{
		{"malformed_table", "MQ_ROCKETMQ_DELAY_LEVELS", "1s 2x"},
		{"missing_table", "", ""},
	} {
		t.Run(bad.name, func(t *testing.T) {
			env := map[string]string{"MQ_ROCKETMQ_NAMESRV": "127.0.0.1:9876"}
			if bad.key != "" {
				env[bad.key] = bad.value
			}
			if _, err := config.LoadFrom[Config]("MQ_ROCKETMQ_", env); err == nil ||
				!strings.Contains(err.Error(), "DELAY_LEVELS") {
				t.Fatalf("LoadFrom error = %v, want one naming the delay levels", err)
			}
		})
	}
}
