package command

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	kregistry "github.com/cloudwego/kitex/pkg/registry"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// registeringServer announces itself in its registry when told, as Kitex does about a
// second after its server starts.
type registeringServer struct {
	reg      registry.Registry
	register chan struct{}
}

func (s *registeringServer) Run(ctx context.Context) error {
	select {
	case <-s.register:
		addr, _ := net.ResolveTCPAddr("tcp", "127.0.0.1:9001")
		if err := s.reg.Registrar().Register(&kregistry.Info{ServiceName: "fake", Addr: addr}); err != nil {
			return err
		}
	case <-ctx.Done():
		return nil
	}
	<-ctx.Done()
	return nil
}

// serveRegistering serves a binary whose server registers when register is closed and
// returns its /readyz probe.
func serveRegistering(t *testing.T, registers bool, register chan struct{}) func() (int, string) {
	t.Helper()
	admin := testkit.FreeAddr(t)
	spec := Spec[fakeConfig, *registeringServer]{
		Name: "fake", Prefix: "FAKE_", Static: "user=127.0.0.1:8881", AdminAddr: admin, Registers: registers,
		New: func(_ context.Context, _ fakeConfig, e Engines) (*registeringServer, func(), error) {
			return &registeringServer{reg: e.Registry, register: register}, func() {}, nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	// No drain delay: the test stops the binary twice and waits for nothing in between.
	go func() { done <- Run(ctx, quiet, []string{"serve"}, spec, map[string]string{"FAKE_DRAIN_DELAY": "0s"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return func() (int, string) {
		res, err := http.Get("http://" + admin + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
}

func TestAServerThatRegistersIsReadyOnlyOnceRegistered(t *testing.T) {
	register := make(chan struct{})
	readyz := serveRegistering(t, true, register)
	testkit.Eventually(t, 5*time.Second, `/readyz 503 naming "registry" while the server is not registered`, func() bool {
		code, body := readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"registry"`)
	})
	close(register)
	testkit.Eventually(t, 5*time.Second, "/readyz 200 once the server registered", func() bool {
		code, _ := readyz()
		return code == http.StatusOK
	})
}

func TestABinaryThatDoesNotRegisterIsReadyWithout(t *testing.T) {
	readyz := serveRegistering(t, false, make(chan struct{}))
	testkit.Eventually(t, 5*time.Second, "/readyz 200 without a registration (the gateway's case)", func() bool {
		code, _ := readyz()
		return code == http.StatusOK
	})
}
