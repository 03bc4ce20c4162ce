// Package registrytest is the one contract every discovery driver of pkg/registry passes,
// so the embedded static driver cannot drift from Nacos.
package registrytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudwego/kitex/pkg/discovery"
	"github.com/cloudwego/kitex/pkg/loadbalance"
	"github.com/cloudwego/kitex/pkg/loadbalance/lbcache"
	kregistry "github.com/cloudwego/kitex/pkg/registry"
	"github.com/cloudwego/kitex/pkg/rpcinfo"

	"github.com/cartwheel-shop/cartwheel/pkg/registry"
	"github.com/cartwheel-shop/cartwheel/pkg/testkit"
)

// Settle bounds how long a registration or deregistration may take to be seen by a
// resolver. Nacos is eventually consistent (a push over gRPC, normally well under a
// second); the bound is generous because the test machines are small and shared.
const Settle = 20 * time.Second

// RunContract checks a driver against what Kitex servers and clients rely on.
//
// newRegistry is called several times per case and must return clients of ONE shared
// backend: an instance registered through one is resolved through any other. The static
// driver returns the same table every time; the Nacos driver a new SDK connection to the
// same server, which also checks that a registration crosses process boundaries.
// Registries are closed by newRegistry's own t.Cleanup, if they need closing.
func RunContract(t *testing.T, newRegistry func(t *testing.T) registry.Registry) {
	t.Run("resolves_every_instance_with_its_weight", func(t *testing.T) {
		name := UniqueServiceName(t)
		a := instance(name, 41001, 10)
		b := instance(name, 41002, 30)
		register(t, newRegistry(t), a)
		// Registering the same instance again (a retried start-up) must not list it twice.
		registrar := newRegistry(t)
		register(t, registrar, b)
		register(t, registrar, b)

		resolver := newRegistry(t).Resolver()
		want := map[string]int{a.Addr.String(): 10, b.Addr.String(): 30}
		Settles(t, "both instances with their weights", func() (bool, string) {
			got, err := resolve(resolver, name)
			return err == nil && equal(got, want), describe(got, err)
		})
	})

	t.Run("deregistered_instance_is_dropped", func(t *testing.T) {
		name := UniqueServiceName(t)
		a := instance(name, 41011, discovery.DefaultWeight)
		b := instance(name, 41012, discovery.DefaultWeight)
		regA, regB := newRegistry(t), newRegistry(t)
		register(t, regA, a)
		register(t, regB, b)
		resolver := newRegistry(t).Resolver()
		both := map[string]int{a.Addr.String(): discovery.DefaultWeight, b.Addr.String(): discovery.DefaultWeight}
		Settles(t, "both instances", func() (bool, string) {
			got, err := resolve(resolver, name)
			return err == nil && equal(got, both), describe(got, err)
		})

		deregister(t, regA, a)
		onlyB := map[string]int{b.Addr.String(): discovery.DefaultWeight}
		Settles(t, "only the remaining instance", func() (bool, string) {
			got, err := resolve(resolver, name)
			return err == nil && equal(got, onlyB), describe(got, err)
		})

		// An error here would make Kitex keep its previous list (lbcache ignores a failed
		// refresh), so callers would go on dialing the vanished instance: "none left" must
		// be an empty answer, not an error.
		deregister(t, regB, b)
		Settles(t, "no instance and no error", func() (bool, string) {
			got, err := resolve(resolver, name)
			return err == nil && len(got) == 0, describe(got, err)
		})
	})

	t.Run("nil_info_is_not_an_error", func(t *testing.T) {
		// Kitex registers a second after start-up; when Stop came first it has already
		// cleared the info and registers nil. Failing would turn a clean stop into an
		// error from server.Run.
		reg := newRegistry(t)
		if err := reg.Registrar().Register(nil); err != nil {
			t.Errorf("Register(nil): %v", err)
		}
		if err := reg.Registrar().Deregister(nil); err != nil {
			t.Errorf("Deregister(nil): %v", err)
		}
	})

	t.Run("kitex_caller_is_not_served_a_vanished_instance", func(t *testing.T) {
		name := UniqueServiceName(t)
		a := instance(name, 41021, discovery.DefaultWeight)
		registrar := newRegistry(t)
		register(t, registrar, a)

		// The same balancer cache a Kitex client builds, refreshed quickly so the case
		// does not wait for Kitex's 5 s default. Its ticker outlives the test, so the
		// resolver is detached before the registry closes.
		resolver := &detachable{Resolver: newRegistry(t).Resolver()}
		t.Cleanup(func() { resolver.detached.Store(true) })
		factory := lbcache.NewBalancerFactory(resolver, loadbalance.NewWeightedBalancer(),
			lbcache.Options{RefreshInterval: 100 * time.Millisecond, ExpireInterval: time.Second})
		target := rpcinfo.NewEndpointInfo(name, "", nil, nil)
		Settles(t, "the caller picks the instance", func() (bool, string) {
			picked, err := pick(factory, target)
			return err == nil && picked == a.Addr.String(), fmt.Sprintf("picked %q, err %v", picked, err)
		})

		deregister(t, registrar, a)
		Settles(t, "the caller has nothing to pick", func() (bool, string) {
			picked, err := pick(factory, target)
			return err == nil && picked == "", fmt.Sprintf("picked %q, err %v", picked, err)
		})
	})
}

// detachable stops consulting its resolver once detached, answering "no instance", so a
// balancer cache that outlives a test does not call a closed registry.
type detachable struct {
	discovery.Resolver
	detached atomic.Bool
}

func (d *detachable) Resolve(ctx context.Context, desc string) (discovery.Result, error) {
	if d.detached.Load() {
		return discovery.Result{CacheKey: desc}, nil
	}
	return d.Resolver.Resolve(ctx, desc)
}

// UniqueServiceName returns a service name no other test run uses, so runs against a
// shared Nacos never see each other's instances.
func UniqueServiceName(t *testing.T) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return "registrytest-" + hex.EncodeToString(b[:])
}

// instance is an explicit loopback address: a registry must never replace it.
func instance(name string, port, weight int) *kregistry.Info {
	return &kregistry.Info{
		ServiceName: name,
		Addr:        &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port},
		Weight:      weight,
	}
}

func register(t *testing.T, reg registry.Registry, info *kregistry.Info) {
	t.Helper()
	if err := reg.Registrar().Register(info); err != nil {
		t.Fatalf("register %s at %s: %v", info.ServiceName, info.Addr, err)
	}
}

func deregister(t *testing.T, reg registry.Registry, info *kregistry.Info) {
	t.Helper()
	if err := reg.Registrar().Deregister(info); err != nil {
		t.Fatalf("deregister %s at %s: %v", info.ServiceName, info.Addr, err)
	}
}

// resolve answers address -> weight, the way a Kitex client asks.
func resolve(r discovery.Resolver, name string) (map[string]int, error) {
	ctx := context.Background()
	res, err := r.Resolve(ctx, r.Target(ctx, rpcinfo.NewEndpointInfo(name, "", nil, nil)))
	if err != nil {
		return nil, err
	}
	got := map[string]int{}
	for _, in := range res.Instances {
		got[in.Address().String()] = in.Weight()
	}
	return got, nil
}

func pick(f *lbcache.BalancerFactory, target rpcinfo.EndpointInfo) (string, error) {
	bl, err := f.Get(context.Background(), target)
	if err != nil {
		return "", err
	}
	in := bl.GetPicker().Next(context.Background(), nil)
	if in == nil {
		return "", nil
	}
	return in.Address().String(), nil
}

func equal(got, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for addr, w := range want {
		if g, ok := got[addr]; !ok || g != w {
			return false
		}
	}
	return true
}

func describe(got map[string]int, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	parts := make([]string, 0, len(got))
	for addr, w := range got {
		parts = append(parts, fmt.Sprintf("%s(weight %d)", addr, w))
	}
	slices.Sort(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// Settles waits up to Settle for check to report true and returns how long that took;
// when it fails it also logs what check saw last.
func Settles(t *testing.T, what string, check func() (ok bool, seen string)) time.Duration {
	t.Helper()
	var last string
	settled := false
	defer func() {
		if !settled {
			t.Logf("%s: last seen: %s", what, last)
		}
	}()
	took := testkit.Eventually(t, Settle, what, func() bool {
		ok, seen := check()
		last = seen
		return ok
	})
	settled = true
	return took
}
