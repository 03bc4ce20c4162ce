//go:build integration && !race

// Not under -race: the SDK (v2.3.5) races with itself on every reconnect, reading the
// connection it is replacing in a log line (common/remote/rpc/rpc_client.go:487 against
// :449), and this test makes it reconnect. scripts/integration.sh runs this package
// under -race; run this file without it:
//
//	go test -tags integration -run TestNacosRestart ./pkg/registry/nacos/

package nacos_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos/nacostest"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// privateNacos is an rnacos of the test's own (nacostest), which it can kill.
type privateNacos struct{ *nacostest.Server }

func startPrivateNacos(t *testing.T) privateNacos {
	t.Helper()
	bin := nacostest.Binary()
	if bin == "" {
		t.Fatal("no rnacos binary (run scripts/infra.sh install, or set CARTWHEEL_RNACOS_BIN)")
	}
	return privateNacos{nacostest.StartServer(t, bin)}
}

// listed asks the open API how many healthy instances of service it lists.
func (n privateNacos) listed(service string) (int, error) {
	q := url.Values{"serviceName": {service}, "groupName": {nacos.DefaultGroup}, "healthyOnly": {"true"}}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + n.Addr() + "/nacos/v1/ns/instance/list?" + q.Encode())
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("instance list: %s", resp.Status)
	}
	var body struct {
		Hosts []json.RawMessage `json:"hosts"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	return len(body.Hosts), nil
}

// TestNacosRestartKeepsCallersServing: Nacos is killed and comes back empty. Throughout,
// a caller keeps resolving the instance it knew (the SDK's cache while Nacos is down,
// the resolver's hold while the restarted Nacos lists nothing), and the instance's
// process registers itself again without being told.
func TestNacosRestartKeepsCallersServing(t *testing.T) {
	n := startPrivateNacos(t)
	var id [4]byte
	_, _ = rand.Read(id[:])
	service := "outage-" + hex.EncodeToString(id[:])
	cfg := nacos.Config{
		Addr: n.Addr(), Hold: 30 * time.Second, Timeout: time.Second,
		LogDir: filepath.Join(sdkDir, "log"), CacheDir: filepath.Join(sdkDir, "cache"),
	}
	server, err := nacos.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	caller, err := nacos.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { caller.Close() })

	instance := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: closedPort(t)}
	if err := server.Register(&kregistry.Info{ServiceName: service, Addr: instance, Weight: 10}); err != nil {
		t.Fatal(err)
	}
	resolved := func() int {
		res, err := caller.Resolve(context.Background(), service)
		if err != nil {
			t.Fatalf("Resolve: %v", err)
		}
		return len(res.Instances)
	}
	testkit.Eventually(t, 15*time.Second, "the caller to resolve the instance", func() bool { return resolved() == 1 })

	n.Kill()
	for range 20 {
		if got := resolved(); got != 1 {
			t.Fatalf("Nacos down: the caller resolves %d instances, want the 1 it knew", got)
		}
		time.Sleep(100 * time.Millisecond)
	}

	n.Restart() // same ports, fresh memory: no instance listed
	back := time.Now()
	testkit.Eventually(t, 60*time.Second, "the instance to register again", func() bool {
		if got := resolved(); got != 1 {
			t.Fatalf("Nacos back, instance not yet registered: the caller resolves %d, want the 1 it knew", got)
		}
		listed, err := n.listed(service)
		return err == nil && listed == 1
	})
	t.Logf("registered again %s after Nacos answered; the caller never lost the instance", time.Since(back).Round(10*time.Millisecond))
}
