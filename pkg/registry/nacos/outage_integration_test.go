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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/pkg/registry/nacos"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// rnacosBinary is the rnacos that scripts/infra.sh builds (.cache/infra/nacos/bin), or
// CARTWHEEL_RNACOS_BIN. The test runs its own rnacos, so it can kill it.
func rnacosBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CARTWHEEL_RNACOS_BIN")
	if bin == "" {
		bin, _ = filepath.Abs(filepath.Join("..", "..", "..", ".cache", "infra", "nacos", "bin", "rnacos"))
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("no rnacos at %s (run scripts/infra.sh install, or set CARTWHEEL_RNACOS_BIN): %v", bin, err)
	}
	return bin
}

// privateNacos is an rnacos of the test's own on loopback ports nobody else uses.
type privateNacos struct {
	t        *testing.T
	bin, dir string
	port     int
	cmd      *exec.Cmd
	exited   chan struct{}
}

func startPrivateNacos(t *testing.T) *privateNacos {
	t.Helper()
	n := &privateNacos{t: t, bin: rnacosBinary(t), dir: t.TempDir(), port: closedPort(t)}
	n.start()
	t.Cleanup(n.kill)
	return n
}

func (n *privateNacos) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

func (n *privateNacos) start() {
	n.t.Helper()
	grpc := strconv.Itoa(n.port + 1000)
	log, err := os.OpenFile(filepath.Join(n.dir, "rnacos.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(n.bin)
	cmd.Dir = n.dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{
		"HOME=" + n.dir, "PATH=" + os.Getenv("PATH"),
		"RNACOS_HTTP_PORT=" + strconv.Itoa(n.port), "RNACOS_GRPC_PORT=" + grpc,
		"RNACOS_SDK_HOST=127.0.0.1", "RNACOS_HTTP_CONSOLE_PORT=0", "RNACOS_CONSOLE_HOST=127.0.0.1",
		"RNACOS_RAFT_NODE_ID=1", "RNACOS_RAFT_NODE_ADDR=127.0.0.1:" + grpc, "RNACOS_RAFT_AUTO_INIT=true",
		"RNACOS_DATA_DIR=" + filepath.Join(n.dir, "data"), "RNACOS_ENABLE_OPEN_API_AUTH=false",
		"RNACOS_HTTP_WORKERS=1", "RUST_LOG=warn",
	}
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(n.exited)
	testkit.Eventually(n.t, 60*time.Second, "the private rnacos to answer", func() bool {
		if _, err := n.listed("nobody"); err != nil {
			return false
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+grpc, time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
}

// kill is kill -9, and waits for the process to be gone.
func (n *privateNacos) kill() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.exited
	n.cmd = nil
}

// listed asks the open API how many healthy instances of service it lists.
func (n *privateNacos) listed(service string) (int, error) {
	q := url.Values{"serviceName": {service}, "groupName": {nacos.DefaultGroup}, "healthyOnly": {"true"}}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + n.addr() + "/nacos/v1/ns/instance/list?" + q.Encode())
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
		Addr: n.addr(), Hold: 30 * time.Second, Timeout: time.Second,
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

	n.kill()
	for range 20 {
		if got := resolved(); got != 1 {
			t.Fatalf("Nacos down: the caller resolves %d instances, want the 1 it knew", got)
		}
		time.Sleep(100 * time.Millisecond)
	}

	n.start() // same ports, fresh memory: no instance listed
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
