package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckFile(t *testing.T) {
	cases := []struct {
		name, src string
		problems  int
	}{
		{"contract/api_alias", `package gateway
import orderapi "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"`, 0},
		{"contract/plain_name", `package gateway
import "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order"`, 1},
		{"contract/other_alias", `package payment
import paymentidl "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/payment"`, 1},
		{"contract/events_in_events", `package events
import events "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"`, 1},
		{"service_package/own_name", `package gateway
import "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"`, 0},
		{"service_package/alias", `package gateway
import orders "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order/orderservice"`, 1},
		{"same_name/domain", `package order
import domain "github.com/cartwheel-shop/cartwheel/services/order/internal/order"`, 0},
		{"same_name/plain", `package order
import "github.com/cartwheel-shop/cartwheel/services/order/internal/order"`, 1},
		{"other/plain", `package order
import "github.com/cartwheel-shop/cartwheel/services/order/internal/store"`, 0},
		{"other/third_party", `package order
import kitexserver "github.com/cloudwego/kitex/server"`, 0},
		{"several", `package payment
import (
	"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/base"
	idlevents "github.com/cartwheel-shop/cartwheel/idl/kitex_gen/events"
	"github.com/cartwheel-shop/cartwheel/services/payment/internal/payment"
)`, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := checkFile("x.go", []byte(c.src))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.problems {
				t.Fatalf("got %d problems %q, want %d", len(got), got, c.problems)
			}
		})
	}
}

func TestCheckTreeSkipsGeneratedCode(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := "package x\nimport \"github.com/cartwheel-shop/cartwheel/idl/kitex_gen/order\"\n"
	write("idl/kitex_gen/order/orderservice/client.go", bad)
	write(".cache/x.go", bad)
	write("gateway/cart.go", bad)

	got, err := checkTree(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !strings.Contains(got[0], filepath.Join("gateway", "cart.go")) {
		t.Fatalf("got %q, want one problem in gateway/cart.go", got)
	}
}
