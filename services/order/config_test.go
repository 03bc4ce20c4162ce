package order

import (
	"strings"
	"testing"
	"time"

	"github.com/cartwheel-shop/cartwheel/pkg/config"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := config.LoadFrom[Config](Prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Addr: "127.0.0.1:8883", Currency: "USD", PaymentTimeout: 15 * time.Minute,
		AutoReceiveAfter: 240 * time.Hour, AutoCompleteAfter: 168 * time.Hour, SweepInterval: 30 * time.Second,
		SweepBatch: 100, RPCTimeout: 3 * time.Second, MaxLines: 50,
	}
	want.DB = cfg.DB
	if cfg != want || cfg.DB.Driver != "sqlite" || cfg.DB.DSN != DefaultDBPath {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestConfigRefusals(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string // every one must be named in the error
	}{
		{"every_bad_value_at_once", map[string]string{
			"ORDER_ADDR": "nowhere", "ORDER_CURRENCY": "usd", "ORDER_PAYMENT_TIMEOUT": "0s",
			"ORDER_AUTO_RECEIVE_AFTER": "-1h", "ORDER_AUTO_COMPLETE_AFTER": "0s", "ORDER_SWEEP_INTERVAL": "-1s",
			"ORDER_RPC_TIMEOUT": "0s", "ORDER_MAX_LINES": "0", "ORDER_SWEEP_BATCH": "0",
		}, []string{"ORDER_ADDR", "ORDER_CURRENCY", "ORDER_PAYMENT_TIMEOUT", "ORDER_AUTO_RECEIVE_AFTER",
			"ORDER_AUTO_COMPLETE_AFTER", "ORDER_SWEEP_INTERVAL", "ORDER_RPC_TIMEOUT", "ORDER_MAX_LINES", "ORDER_SWEEP_BATCH"}},
		{"malformed_duration", map[string]string{"ORDER_PAYMENT_TIMEOUT": "soon"}, []string{"ORDER_PAYMENT_TIMEOUT"}},
		{"set_but_empty", map[string]string{"ORDER_CURRENCY": ""}, []string{"ORDER_CURRENCY"}},
		{"mysql_needs_a_dsn", map[string]string{"ORDER_DB_DRIVER": "mysql"}, []string{"DB_DSN"}},
		{"unknown_driver", map[string]string{"ORDER_DB_DRIVER": "oracle"}, []string{"DB_DRIVER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadFrom[Config](Prefix, tc.env)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, name := range tc.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error does not name %s: %v", name, err)
				}
			}
		})
	}
}
