package fleet

import (
	"net"
	"strings"
	"testing"
)

// The issue found only one of the taken ports named on a clash; every one is now.
func TestListenNamesEveryTakenAddress(t *testing.T) {
	env := map[string]string{}
	for key := range defaultAddrs {
		env[key] = "127.0.0.1:0"
	}
	for _, key := range []string{"GATEWAY_ADDR", "ORDER_ADDR"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = ln.Close() })
		env[key] = ln.Addr().String()
	}
	_, err := (&Fleet{}).listen(Options{Env: env})
	if err == nil {
		t.Fatal("listen succeeded on taken addresses")
	}
	for _, key := range []string{"GATEWAY_ADDR=" + env["GATEWAY_ADDR"], "ORDER_ADDR=" + env["ORDER_ADDR"]} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
	// Only the taken ones are named.
	for _, key := range []string{"USER_ADDR", "PRODUCT_ADDR", "PAYMENT_ADDR"} {
		if strings.Contains(err.Error(), key) {
			t.Errorf("a free address %s was reported taken: %v", key, err)
		}
	}
}
