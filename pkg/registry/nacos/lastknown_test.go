package nacos

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/nacos-group/nacos-sdk-go/v2/clients/naming_client"
	"github.com/nacos-group/nacos-sdk-go/v2/model"
	"github.com/nacos-group/nacos-sdk-go/v2/vo"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fakeNacos answers SelectAllInstances with whatever the test set last, as the SDK's
// subscription would after Nacos's pushes.
type fakeNacos struct {
	naming_client.INamingClient
	mu        sync.Mutex
	instances []model.Instance
	err       error
}

func (f *fakeNacos) set(err error, ports ...uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err, f.instances = err, nil
	for _, p := range ports {
		f.instances = append(f.instances, model.Instance{Ip: "127.0.0.1", Port: p, Weight: 10, Enable: true, Healthy: true})
	}
}

func (f *fakeNacos) SelectAllInstances(vo.SelectAllInstancesParam) ([]model.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.instances, f.err
}

func resolverWith(hold time.Duration) (*Registry, *fakeNacos, *clock, *bytes.Buffer) {
	nacos, clk, logs := &fakeNacos{}, &clock{t: time.Unix(1_800_000_000, 0)}, &bytes.Buffer{}
	r := &Registry{
		cfg:    Config{Group: DefaultGroup, Cluster: DefaultCluster, Hold: hold},
		logger: slog.New(slog.NewTextHandler(logs, nil)),
		lookup: nacos,
		known:  newLastKnown(hold, clk.now),
	}
	return r, nacos, clk, logs
}

func addrs(t *testing.T, r *Registry, service string) []string {
	t.Helper()
	res, err := r.Resolve(context.Background(), service)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", service, err)
	}
	out := []string{}
	for _, in := range res.Instances {
		out = append(out, in.Address().String())
	}
	return out
}

func same(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestResolveKeepsTheLastKnownInstancesWhileNacosListsNone(t *testing.T) {
	const hold = 30 * time.Second
	r, nacos, clk, logs := resolverWith(hold)
	both := []string{"127.0.0.1:8881", "127.0.0.1:8891"}

	nacos.set(nil, 8881, 8891)
	if got := addrs(t, r, "user"); !same(got, both) {
		t.Fatalf("listed: %v, want %v", got, both)
	}

	// Nacos restarted empty: its push lists nobody until the instances register again.
	nacos.set(nil)
	if got := addrs(t, r, "user"); !same(got, both) {
		t.Fatalf("Nacos lists none: %v, want the last known %v", got, both)
	}
	if !strings.Contains(logs.String(), "calling the last known ones") {
		t.Errorf("holding is not logged: %s", logs)
	}
	// Nacos cannot be asked at all: the same, and no error.
	clk.advance(hold / 2)
	nacos.set(errors.New("connection refused"))
	if got := addrs(t, r, "user"); !same(got, both) {
		t.Fatalf("Nacos unreachable: %v, want the last known %v", got, both)
	}

	// One instance is back: Nacos's list is the truth again, partial or not.
	nacos.set(nil, 8891)
	if got := addrs(t, r, "user"); !same(got, []string{"127.0.0.1:8891"}) {
		t.Fatalf("after re-registration: %v, want Nacos's list", got)
	}

	// The hold counts from the first answer without instances, and ends.
	nacos.set(nil)
	addrs(t, r, "user")
	clk.advance(hold)
	if got := addrs(t, r, "user"); !same(got, []string{"127.0.0.1:8891"}) {
		t.Fatalf("within the hold: %v, want the last known", got)
	}
	clk.advance(time.Second)
	if got := addrs(t, r, "user"); len(got) != 0 {
		t.Fatalf("past the hold: %v, want none (the service really has no instance)", got)
	}
	if !strings.Contains(logs.String(), "given up") {
		t.Errorf("giving up is not logged: %s", logs)
	}
	clk.advance(time.Second)
	if got := addrs(t, r, "user"); len(got) != 0 {
		t.Fatalf("still past the hold: %v, want none", got)
	}
}

func TestResolveHoldsNothingForAServiceNeverListed(t *testing.T) {
	r, nacos, _, _ := resolverWith(time.Minute)
	nacos.set(nil, 8881)
	addrs(t, r, "user")
	nacos.set(nil)
	if got := addrs(t, r, "order"); len(got) != 0 {
		t.Fatalf("order was never listed, yet resolves to %v", got)
	}
	nacos.set(errors.New("down"))
	if _, err := r.Resolve(context.Background(), "order"); err == nil {
		t.Fatal("an unreachable Nacos and nothing known must stay an error (Kitex keeps its list)")
	}
}

func TestResolveWithoutHoldTakesNacosAtItsWord(t *testing.T) {
	r, nacos, _, _ := resolverWith(0)
	nacos.set(nil, 8881)
	addrs(t, r, "user")
	nacos.set(nil)
	if got := addrs(t, r, "user"); len(got) != 0 {
		t.Fatalf("Hold 0: %v, want none", got)
	}
	var _ discovery.Resolver = r
}
